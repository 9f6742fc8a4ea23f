import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { describeError, isSkyrocketError, silentLogger, type Logger } from '@skyrocket/common';
import { DEFAULT_MAX_FRAME_SIZE } from '../frame/frame-codec';
import { createResponse, isOneway, type RemotingCommand } from '../frame/remoting-command';
import { HeaderDecodeError } from '../headers/codec';
import { requestCodeName } from '../protocol/request-code';
import { ResponseCode } from '../protocol/response-code';
import { Connection } from './connection';

/**
 * A processor answers one request code. It gets the request and the connection it came on (to learn the peer, to
 * watch it close, or to send requests back to it) and returns the response, or `undefined` for none.
 * A thrown SkyrocketError becomes a response with its RocketMQ code and message as remark; anything else thrown
 * becomes SYSTEM_ERROR (1) with the error's message, as NettyRemotingAbstract does.
 */
export type RequestProcessor = (
  request: RemotingCommand,
  connection: Connection,
) => Promise<RemotingCommand | undefined> | RemotingCommand | undefined;

export interface RemotingServerOptions {
  /** Label for metrics and logs: "nameserver", "broker". */
  name: string;
  host?: string;
  port?: number;
  /**
   * More ports served exactly like `port`, on the same host, with the same processors and connection listeners: a
   * broker's "VIP channel" (RocketMQ's fastRemotingServer on listenPort - 2), which Java slaves always use and
   * Java clients use when vipChannelEnabled is set.
   */
  extraPorts?: number[];
  maxFrameSize?: number;
  /** RocketMQ NettyServerConfig.serverChannelMaxIdleTimeSeconds = 120. */
  idleTimeoutMs?: number;
  writeHighWaterMark?: number;
  maxPendingWriteBytes?: number;
  logger?: Logger;
  registry?: Registry;
}

export class RemotingServer {
  readonly #options: RemotingServerOptions;
  readonly #logger: Logger;
  readonly #processors = new Map<number, RequestProcessor>();
  readonly #connections = new Set<Connection>();
  readonly #connectionListeners: Array<(connection: Connection) => void> = [];
  readonly #server: Server;
  readonly #extraServers: Server[];
  readonly #metrics: ServerMetrics | undefined;

  constructor(options: RemotingServerOptions) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger();
    this.#metrics = options.registry ? new ServerMetrics(options.registry, options.name) : undefined;
    this.#server = createServer((socket) => this.#accept(socket));
    this.#extraServers = (options.extraPorts ?? []).map(() => createServer((socket) => this.#accept(socket)));
  }

  registerProcessor(code: number, processor: RequestProcessor): void {
    this.#processors.set(code, processor);
  }

  /** Called for every accepted connection; watch `connection.onClose` to learn when it goes. */
  onConnection(listener: (connection: Connection) => void): void {
    this.#connectionListeners.push(listener);
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Listens on `port` and every extra port; resolves with the address of `port`. */
  async listen(): Promise<AddressInfo> {
    const host = this.#options.host ?? '0.0.0.0';
    const extraPorts = this.#options.extraPorts ?? [];
    try {
      await Promise.all([
        listenOn(this.#server, this.#options.port ?? 0, host),
        ...this.#extraServers.map((server, i) => listenOn(server, extraPorts[i] ?? 0, host)),
      ]);
    } catch (error) {
      await this.close();
      throw error;
    }
    return this.#server.address() as AddressInfo;
  }

  address(): AddressInfo {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('server is not listening');
    return address;
  }

  /** Where the extra ports listen, in the order of `extraPorts`. */
  extraAddresses(): AddressInfo[] {
    return this.#extraServers.map((server) => server.address() as AddressInfo);
  }

  /** Stops accepting and closes every connection. */
  async close(): Promise<void> {
    const servers = [this.#server, ...this.#extraServers];
    const closed = servers.map((server) =>
      server.listening ? new Promise<void>((resolve) => server.close(() => resolve())) : undefined,
    );
    for (const connection of this.#connections) connection.close();
    await Promise.all(closed);
  }

  /** Runs a request through the dispatch table; exported for processors' unit tests. */
  async dispatch(request: RemotingCommand, connection: Connection): Promise<RemotingCommand | undefined> {
    const started = process.hrtime.bigint();
    const processor = this.#processors.get(request.code);
    let response: RemotingCommand | undefined;
    if (!processor) {
      // NettyRemotingAbstract: " request type N not supported"
      response = createResponse(request, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, {
        remark: ` request type ${request.code} not supported`,
      });
    } else {
      try {
        response = await processor(request, connection);
      } catch (error) {
        const code = isSkyrocketError(error) && error.code >= 0 ? error.code : ResponseCode.SYSTEM_ERROR;
        if (error instanceof HeaderDecodeError) {
          // The peer's fault, not ours: answer SYSTEM_ERROR naming the field, as RocketMQ answers a bad header.
          this.#logger.warn(
            { code: request.code, peer: connection.remoteAddress, reason: error.message },
            'bad header',
          );
        } else if (!isSkyrocketError(error)) {
          this.#logger.error(
            { err: error, code: request.code, peer: connection.remoteAddress },
            'processor failed',
          );
        }
        if (isOneway(request)) {
          this.#logger.warn({ code: request.code, error: describeError(error) }, 'oneway request failed');
        }
        response = createResponse(request, code, { remark: describeError(error) });
      }
    }
    this.#metrics?.record(request.code, response ? response.code : undefined, started);
    return response;
  }

  #accept(socket: Socket): void {
    const connection = new Connection(socket, {
      maxFrameSize: this.#options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE,
      logger: this.#logger,
      idleTimeoutMs: this.#options.idleTimeoutMs ?? 120_000,
      handler: (request, conn) => this.dispatch(request, conn),
      onMalformedFrame: (error) => this.#metrics?.malformedFrame(error.reason),
      coalesceWrites: true,
      ...(this.#options.writeHighWaterMark !== undefined
        ? { writeHighWaterMark: this.#options.writeHighWaterMark }
        : {}),
      ...(this.#options.maxPendingWriteBytes !== undefined
        ? { maxPendingWriteBytes: this.#options.maxPendingWriteBytes }
        : {}),
    });
    this.#connections.add(connection);
    this.#metrics?.connections.inc();
    connection.onClose(() => {
      this.#connections.delete(connection);
      this.#metrics?.connections.dec();
    });
    for (const listener of this.#connectionListeners) listener(connection);
  }
}

/**
 * Per-server metrics. Label-bound children are cached per request code and result: resolving labels on every
 * request costs more than the counting itself on the request path.
 */
class ServerMetrics {
  readonly #requests: Counter<'server' | 'request' | 'result'>;
  readonly #duration: Histogram<'server' | 'request'>;
  readonly #malformedFrames: Counter<'server' | 'reason'>;
  readonly #server: string;
  readonly #requestChildren = new Map<number, { inc: (value?: number) => void }>();
  readonly #durationChildren = new Map<number, { observe: (value: number) => void }>();
  readonly connections: { inc: () => void; dec: () => void };

  constructor(registry: Registry, server: string) {
    this.#server = server;
    this.#requests = new Counter({
      name: 'skyrocket_remoting_requests_total',
      help: 'Remoting requests handled, by request code name and response code (result)',
      labelNames: ['server', 'request', 'result'],
      registers: [registry],
    });
    this.#duration = new Histogram({
      name: 'skyrocket_remoting_request_duration_seconds',
      help: 'Time to process a remoting request, by request code name',
      labelNames: ['server', 'request'],
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    });
    const connections = new Gauge({
      name: 'skyrocket_remoting_connections',
      help: 'Open remoting connections',
      labelNames: ['server'],
      registers: [registry],
    });
    this.connections = connections.labels({ server });
    this.#malformedFrames = new Counter({
      name: 'skyrocket_remoting_malformed_frames_total',
      help: 'Connections closed because a frame could not be decoded or was too large',
      labelNames: ['server', 'reason'],
      registers: [registry],
    });
  }

  record(code: number, result: number | undefined, started: bigint): void {
    // Request codes are below 2^20 and response codes below 2^11 in RocketMQ's tables; one number keys both.
    const key = code * 4096 + (result === undefined ? 4095 : result & 4095);
    let requests = this.#requestChildren.get(key);
    if (!requests) {
      const labels = {
        server: this.#server,
        request: requestCodeName(code),
        result: result === undefined ? 'none' : String(result),
      };
      requests = this.#requests.labels(labels);
      this.#requestChildren.set(key, requests);
    }
    requests.inc();
    let duration = this.#durationChildren.get(code);
    if (!duration) {
      duration = this.#duration.labels({ server: this.#server, request: requestCodeName(code) });
      this.#durationChildren.set(code, duration);
    }
    duration.observe(Number(process.hrtime.bigint() - started) / 1e9);
  }

  malformedFrame(reason: string): void {
    this.#malformedFrames.inc({ server: this.#server, reason });
  }
}

function listenOn(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
