import { SerializeType } from '../protocol/serialize-type';
import { decodeBinaryHeader, encodeBinaryHeader } from './binary-header';
import { FrameError } from './frame-error';
import { decodeJsonHeader, encodeJsonHeader } from './json-header';
import type { RemotingCommand } from './remoting-command';

/**
 * Frame layout (RemotingCommand.encode / NettyDecoder, PROTOCOL.md §1.1), all big-endian:
 *
 *   int32 length | int32 headerWord | header bytes | body bytes
 *   length     = 4 + headerLength + bodyLength (it does not count itself)
 *   headerWord = serializeType << 24 | headerLength (low 24 bits)
 */
export const LENGTH_FIELD_SIZE = 4;
export const HEADER_WORD_SIZE = 4;
/** RocketMQ's default `com.rocketmq.remoting.frameMaxLength`: 16 MiB. */
export const DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024;

const SERIALIZE_JSON = SerializeType.JSON;
const SERIALIZE_ROCKETMQ = SerializeType.ROCKETMQ;

export function encodeCommand(command: RemotingCommand): Buffer {
  const header =
    command.serializeType === 'ROCKETMQ' ? encodeBinaryHeader(command) : encodeJsonHeader(command);
  const bodyLength = command.body?.length ?? 0;
  const out = Buffer.allocUnsafe(LENGTH_FIELD_SIZE + HEADER_WORD_SIZE + header.length + bodyLength);
  out.writeInt32BE(HEADER_WORD_SIZE + header.length + bodyLength, 0);
  const type = command.serializeType === 'ROCKETMQ' ? SERIALIZE_ROCKETMQ : SERIALIZE_JSON;
  out.writeUInt32BE(((type << 24) | (header.length & 0xffffff)) >>> 0, 4);
  header.copy(out, 8);
  if (command.body) command.body.copy(out, 8 + header.length);
  return out;
}

/** Decodes one frame without its length prefix (headerWord, header, body). */
export function decodeFrame(frame: Buffer): RemotingCommand {
  if (frame.length < HEADER_WORD_SIZE)
    throw new FrameError('frame shorter than its header word', 'malformed');
  const headerWord = frame.readUInt32BE(0);
  const type = headerWord >>> 24;
  const headerLength = headerWord & 0xffffff;
  if (headerLength > frame.length - HEADER_WORD_SIZE) {
    throw new FrameError(`header length ${headerLength} exceeds frame length ${frame.length}`, 'malformed');
  }
  const headerBytes = frame.subarray(HEADER_WORD_SIZE, HEADER_WORD_SIZE + headerLength);
  const bodyStart = HEADER_WORD_SIZE + headerLength;
  const body = bodyStart < frame.length ? frame.subarray(bodyStart) : undefined;
  if (type === SERIALIZE_JSON) return { ...decodeJsonHeader(headerBytes), body, serializeType: 'JSON' };
  if (type === SERIALIZE_ROCKETMQ)
    return { ...decodeBinaryHeader(headerBytes), body, serializeType: 'ROCKETMQ' };
  throw new FrameError(`unknown serialize type ${type}`, 'malformed');
}

/**
 * Incremental frame decoder for one connection. Feed it socket chunks of any size (one byte at a time works);
 * it returns the complete commands. A frame longer than `maxFrameSize` is refused as soon as its length field is
 * read, before any of it is buffered. After a FrameError the decoder must not be used again: the stream position
 * is lost, so the caller closes the connection.
 */
export class FrameDecoder {
  readonly #maxFrameSize: number;
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Length of the frame being assembled (after its length field), or -1 while reading the length field. */
  #frameLength = -1;

  constructor(maxFrameSize = DEFAULT_MAX_FRAME_SIZE) {
    this.#maxFrameSize = maxFrameSize;
  }

  /** Bytes held for an incomplete frame; bounded by maxFrameSize + 4. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  push(chunk: Buffer): RemotingCommand[] {
    const commands: RemotingCommand[] = [];
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    for (;;) {
      if (this.#frameLength < 0) {
        if (this.#buffered < LENGTH_FIELD_SIZE) break;
        const length = this.#take(LENGTH_FIELD_SIZE).readInt32BE(0);
        if (length > this.#maxFrameSize) {
          throw new FrameError(
            `frame of ${length} bytes exceeds the maximum of ${this.#maxFrameSize}`,
            'too-large',
          );
        }
        if (length < HEADER_WORD_SIZE) throw new FrameError(`invalid frame length ${length}`, 'malformed');
        this.#frameLength = length;
      }
      if (this.#buffered < this.#frameLength) break;
      const frame = this.#take(this.#frameLength);
      this.#frameLength = -1;
      commands.push(decodeFrame(frame));
    }
    return commands;
  }

  #take(n: number): Buffer {
    const first = this.#chunks[0];
    if (first && first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      this.#buffered -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.#chunks[0];
      if (!chunk) throw new Error('FrameDecoder: take past buffered data');
      const count = Math.min(chunk.length, n - filled);
      chunk.copy(out, filled, 0, count);
      filled += count;
      if (count === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(count);
    }
    this.#buffered -= n;
    return out;
  }
}
