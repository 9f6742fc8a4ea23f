import type { Socket } from 'node:net';
import { SkyrocketError, type Logger } from '@skyrocket/common';
import { encodeCommand, FrameDecoder } from '../frame/frame-codec';
import { FrameError } from '../frame/frame-error';
import { isOneway, isResponse, ONEWAY_FLAG, type RemotingCommand } from '../frame/remoting-command';

/**
 * One remoting connection, used by both ends: the server's accepted sockets and the client's outgoing ones.
 * It decodes frames incrementally, matches responses to the requests it sent by opaque, hands requests to the
 * handler, and writes replies. A request the handler answers with `undefined` (or a oneway request) gets no reply.
 *
 * Backpressure: when the socket's write buffer passes `writeHighWaterMark` the connection stops reading, so a peer
 * that does not read its responses stops getting its requests served; reading resumes on 'drain'. A peer that lets
 * more than `maxPendingWriteBytes` pile up is disconnected.
 */
export type RequestHandler = (
  request: RemotingCommand,
  connection: Connection,
) => Promise<RemotingCommand | undefined> | RemotingCommand | undefined;

export interface ConnectionOptions {
  maxFrameSize: number;
  logger: Logger;
  handler?: RequestHandler | undefined;
  /** Close the connection after this long without reads or writes; 0 disables (RocketMQ: 120 s). */
  idleTimeoutMs?: number;
  writeHighWaterMark?: number;
  maxPendingWriteBytes?: number;
  onMalformedFrame?: (error: FrameError, connection: Connection) => void;
  /**
   * Frames written in one tick leave in one `writev`: the socket is corked at the first write and uncorked on the
   * next tick. The server sets it for its replies (see #write); clients leave it off.
   */
  coalesceWrites?: boolean;
}

interface PendingRequest {
  resolve: (response: RemotingCommand) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  code: number;
}

let nextConnectionId = 1;

export class Connection {
  readonly id = nextConnectionId++;
  /** "ip:port" of the peer. */
  readonly remoteAddress: string;
  readonly #socket: Socket;
  readonly #decoder: FrameDecoder;
  readonly #options: ConnectionOptions;
  readonly #pending = new Map<number, PendingRequest>();
  readonly #closeListeners: Array<(connection: Connection) => void> = [];
  #nextOpaque = 1;
  #closed = false;
  #pausedForBackpressure = false;
  #corked = false;
  readonly #uncork = (): void => {
    this.#corked = false;
    this.#socket.uncork();
  };

  constructor(socket: Socket, options: ConnectionOptions) {
    this.#socket = socket;
    this.#options = options;
    this.#decoder = new FrameDecoder(options.maxFrameSize);
    this.remoteAddress = formatAddress(socket.remoteAddress, socket.remotePort);
    socket.setNoDelay(true);
    if (options.idleTimeoutMs && options.idleTimeoutMs > 0) {
      socket.setTimeout(options.idleTimeoutMs, () => {
        options.logger.info({ peer: this.remoteAddress }, 'closing idle connection');
        this.close();
      });
    }
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('drain', () => {
      if (this.#pausedForBackpressure) {
        this.#pausedForBackpressure = false;
        socket.resume();
      }
    });
    socket.on('error', (error) =>
      options.logger.debug({ peer: this.remoteAddress, err: error }, 'socket error'),
    );
    socket.on('close', () => this.#onClose());
  }

  get isOpen(): boolean {
    return !this.#closed;
  }

  /** Requests sent on this connection still waiting for their response. */
  get inFlight(): number {
    return this.#pending.size;
  }

  onClose(listener: (connection: Connection) => void): void {
    if (this.#closed) listener(this);
    else this.#closeListeners.push(listener);
  }

  /** Sends a request and resolves with its response; rejects on timeout or when the connection drops. */
  invoke(request: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    if (this.#closed) {
      return Promise.reject(
        new SkyrocketError('CONNECTION_CLOSED', `connection to ${this.remoteAddress} is closed`),
      );
    }
    const opaque = this.#allocateOpaque();
    return new Promise<RemotingCommand>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(opaque);
        reject(
          new SkyrocketError(
            'REQUEST_TIMEOUT',
            `request code ${request.code} to ${this.remoteAddress} timed out after ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.#pending.set(opaque, { resolve, reject, timer, code: request.code });
      this.#write({ ...request, opaque, flag: request.flag & ~ONEWAY_FLAG });
    });
  }

  /** Sends a oneway request: no response is expected or awaited. */
  invokeOneway(request: RemotingCommand): void {
    if (this.#closed) {
      throw new SkyrocketError('CONNECTION_CLOSED', `connection to ${this.remoteAddress} is closed`);
    }
    this.#write({ ...request, opaque: this.#allocateOpaque(), flag: request.flag | ONEWAY_FLAG });
  }

  /** Writes a command as is (used for replies). */
  send(command: RemotingCommand): void {
    if (!this.#closed) this.#write(command);
  }

  close(): void {
    if (!this.#closed) this.#socket.destroy();
  }

  #allocateOpaque(): number {
    const opaque = this.#nextOpaque;
    this.#nextOpaque = this.#nextOpaque >= 0x7fffffff ? 1 : this.#nextOpaque + 1;
    return opaque;
  }

  /**
   * With coalesceWrites, the replies of one tick leave together. A broker answers a whole turn's sends at once (an
   * ASYNC_FLUSH put resolves when the turn's bytes are written), and on loopback each `write` syscall also runs the
   * peer's receive path: in a profile under the Java client's benchmark it was ~37 µs a reply, a fifth of the
   * broker's CPU. One `writev` per tick took the Java producer from 6.2–7.4k to 7.9–10.3k msg/s and the TS producer
   * from 8.7–8.9k to 9.2–12.1k (docs/cli.md). Clients do not cork: corking both ends turned a pipelined client and
   * the broker into lockstep bursts and cost the TS client a quarter of its rate (reverted in 509e1c4).
   */
  #write(command: RemotingCommand): void {
    if (this.#options.coalesceWrites && !this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(this.#uncork);
    }
    const ok = this.#socket.write(encodeCommand(command));
    if (ok) return;
    const limit = this.#options.maxPendingWriteBytes ?? 64 * 1024 * 1024;
    if (this.#socket.writableLength > limit) {
      this.#options.logger.warn(
        { peer: this.remoteAddress, pendingBytes: this.#socket.writableLength },
        'peer does not read its responses; closing the connection',
      );
      this.close();
      return;
    }
    const highWaterMark = this.#options.writeHighWaterMark ?? 4 * 1024 * 1024;
    if (this.#socket.writableLength > highWaterMark && !this.#pausedForBackpressure) {
      this.#pausedForBackpressure = true;
      this.#socket.pause();
    }
  }

  #onData(chunk: Buffer): void {
    let commands: RemotingCommand[];
    try {
      commands = this.#decoder.push(chunk);
    } catch (error) {
      if (error instanceof FrameError) {
        this.#options.logger.warn(
          { peer: this.remoteAddress, reason: error.message },
          'malformed frame; closing',
        );
        this.#options.onMalformedFrame?.(error, this);
      } else {
        this.#options.logger.error({ peer: this.remoteAddress, err: error }, 'frame decoder failed; closing');
      }
      this.close();
      return;
    }
    for (const command of commands) {
      if (isResponse(command)) this.#onResponse(command);
      else this.#onRequest(command);
    }
  }

  #onResponse(response: RemotingCommand): void {
    const pending = this.#pending.get(response.opaque);
    if (!pending) {
      this.#options.logger.debug(
        { peer: this.remoteAddress, opaque: response.opaque },
        'response without request',
      );
      return;
    }
    this.#pending.delete(response.opaque);
    clearTimeout(pending.timer);
    pending.resolve(response);
  }

  #onRequest(request: RemotingCommand): void {
    const handler = this.#options.handler;
    if (!handler) return;
    let result: ReturnType<RequestHandler>;
    try {
      result = handler(request, this);
    } catch (error) {
      this.#options.logger.error({ err: error, code: request.code }, 'request handler threw');
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (response) => this.#reply(request, response),
        (error: unknown) =>
          this.#options.logger.error({ err: error, code: request.code }, 'request handler failed'),
      );
    } else {
      this.#reply(request, result);
    }
  }

  #reply(request: RemotingCommand, response: RemotingCommand | undefined): void {
    if (response && !isOneway(request)) this.send(response);
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const [opaque, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(
        new SkyrocketError(
          'CONNECTION_CLOSED',
          `connection to ${this.remoteAddress} closed before the response to request code ${pending.code} arrived`,
        ),
      );
      this.#pending.delete(opaque);
    }
    for (const listener of this.#closeListeners.splice(0)) listener(this);
  }
}

export function formatAddress(host: string | undefined, port: number | undefined): string {
  const h = host ?? 'unknown';
  const bare = h.startsWith('::ffff:') && h.includes('.') ? h.slice(7) : h;
  return bare.includes(':') ? `[${bare}]:${port ?? 0}` : `${bare}:${port ?? 0}`;
}

/** Splits "host:port" or "[v6]:port". */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(address) ?? /^([^:]+):(\d+)$/.exec(address);
  const port = match ? Number(match[2]) : NaN;
  if (!match || !match[1] || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new SkyrocketError('INVALID_PARAMETER', `invalid address "${address}" (expected host:port)`);
  }
  return { host: match[1], port };
}
