import { connect } from 'node:net';
import { SkyrocketError, silentLogger, type Logger } from '@skyrocket/common';
import { DEFAULT_MAX_FRAME_SIZE } from '../frame/frame-codec';
import type { RemotingCommand } from '../frame/remoting-command';
import { Connection, parseAddress, type RequestHandler } from './connection';

export interface RemotingClientOptions {
  connectTimeoutMs?: number;
  maxFrameSize?: number;
  /** Close client connections idle this long; RocketMQ NettySystemConfig.clientChannelMaxIdleTimeSeconds = 120. */
  idleTimeoutMs?: number;
  logger?: Logger;
  /** Handles requests a server sends to this client (NOTIFY_CONSUMER_IDS_CHANGED, CHECK_TRANSACTION_STATE...). */
  requestHandler?: RequestHandler;
}

/**
 * Client side of the remoting protocol: one connection per "host:port", opened on first use and opened again on
 * the next call after it drops. Every call has its own timeout; everything in flight on a connection that drops is
 * rejected with CONNECTION_CLOSED.
 */
export class RemotingClient {
  readonly #options: RemotingClientOptions;
  readonly #logger: Logger;
  readonly #connections = new Map<string, Promise<Connection>>();
  #closed = false;

  constructor(options: RemotingClientOptions = {}) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger();
  }

  async invoke(address: string, request: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    const connection = await this.connection(address);
    return connection.invoke(request, timeoutMs);
  }

  async invokeOneway(address: string, request: RemotingCommand): Promise<void> {
    const connection = await this.connection(address);
    connection.invokeOneway(request);
  }

  /** The open connection to `address`, connecting if there is none. */
  connection(address: string): Promise<Connection> {
    if (this.#closed) {
      return Promise.reject(new SkyrocketError('CLIENT_STATE', 'the remoting client has been closed'));
    }
    const existing = this.#connections.get(address);
    if (existing) return existing;
    const opening = this.#open(address);
    this.#connections.set(address, opening);
    opening.then(
      (connection) =>
        connection.onClose(() => {
          if (this.#connections.get(address) === opening) this.#connections.delete(address);
        }),
      () => {
        if (this.#connections.get(address) === opening) this.#connections.delete(address);
      },
    );
    return opening;
  }

  /** Closes one address's connection (e.g. after repeated timeouts); the next call reconnects. */
  closeConnection(address: string): void {
    void this.#connections.get(address)?.then(
      (c) => c.close(),
      () => undefined,
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.all(
      all.map((p) =>
        p.then(
          (c) => c.close(),
          () => undefined,
        ),
      ),
    );
  }

  #open(address: string): Promise<Connection> {
    const { host, port } = parseAddress(address);
    const timeoutMs = this.#options.connectTimeoutMs ?? 3000;
    return new Promise<Connection>((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new SkyrocketError('CONNECT_FAILED', `connect to ${address} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(
          new SkyrocketError('CONNECT_FAILED', `connect to ${address} failed: ${error.message}`, {
            cause: error,
          }),
        );
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(
          new Connection(socket, {
            maxFrameSize: this.#options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE,
            logger: this.#logger,
            handler: this.#options.requestHandler,
            idleTimeoutMs: this.#options.idleTimeoutMs ?? 120_000,
          }),
        );
      });
    });
  }
}
