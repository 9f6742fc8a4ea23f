/** A frame that cannot be decoded. The transport closes the connection that sent it (RocketMQ NettyDecoder does). */
export class FrameError extends Error {
  constructor(
    message: string,
    readonly reason: 'too-large' | 'malformed',
  ) {
    super(message);
    this.name = 'FrameError';
  }
}
