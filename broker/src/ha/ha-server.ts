import * as net from 'node:net';
import { describeError, type Clock, type Logger, type TimerHandle } from '@skyrocket/common';
import { readSafeInt64 } from '@skyrocket/remoting/message';
import type { MessageStore } from '@skyrocket/store';
import {
  ByteQueue,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_HOUSEKEEPING_MS,
  DEFAULT_MAX_SLAVE_GAP_BYTES,
  DEFAULT_TRANSFER_BATCH_BYTES,
  encodeTransferHeader,
  REPORT_HEADER_SIZE,
} from './ha-protocol';

export interface HaServerOptions {
  store: Pick<MessageStore, 'getCommitLogData' | 'getMaxPhyOffset' | 'getMinPhyOffset'>;
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** The commit-log segment size: a new slave starts at the start of the master's last segment. */
  segmentBytes: number;
  clock: Clock;
  logger: Logger;
  transferBatchBytes?: number;
  heartbeatIntervalMs?: number;
  housekeepingMs?: number;
  maxSlaveGapBytes?: number;
}

/** What a SYNC_MASTER put learns from waiting for its slaves (CommitLog.handleHA). */
export type ReplicationStatus = 'PUT_OK' | 'FLUSH_SLAVE_TIMEOUT' | 'SLAVE_NOT_AVAILABLE';

/** How often every connection checks for new bytes, heartbeats and housekeeping when nothing woke it. */
const POLL_INTERVAL_MS = 100;

interface SlaveConnection {
  readonly socket: net.Socket;
  readonly remote: string;
  readonly reports: ByteQueue;
  /** Where the next frame starts; undefined until the slave's first report. */
  nextTransferFrom: number | undefined;
  /** The last offset the slave reported (its commit-log max offset). */
  ackOffset: number;
  lastReadAt: number;
  lastWriteAt: number;
  /** Waiting for 'drain' after the socket's buffer filled. */
  blocked: boolean;
}

interface Waiter {
  endOffset: number;
  resolve: (status: ReplicationStatus) => void;
  timer: TimerHandle;
}

/**
 * The master's end of the HA stream (DefaultHAService + DefaultHAConnection, PROTOCOL.md §4.5). Each slave
 * connection reads 8-byte offset reports and pushes commit-log bytes from where the slave stands: from its first
 * report, or from the start of the master's last segment when it reports 0 (a new slave does not copy the whole
 * history). Bytes go out when a put wakes the server or at the latest every 100 ms (WriteSocketService waits 100 ms
 * too), with socket back-pressure respected; an idle connection gets a heartbeat frame every 5 s, and one that
 * reported nothing for 20 s is closed.
 *
 * SYNC_MASTER puts wait in `waitForSlave` until a slave acknowledged their end offset (GroupTransferService): PUT_OK,
 * FLUSH_SLAVE_TIMEOUT after the timeout (the message stays stored), or SLAVE_NOT_AVAILABLE at once when no slave is
 * connected or the best one is more than 256 MiB behind (DefaultHAService.isSlaveOK).
 */
export class HaServer {
  readonly #options: HaServerOptions;
  readonly #server: net.Server;
  readonly #connections = new Set<SlaveConnection>();
  readonly #waiters: Waiter[] = [];
  readonly #batchBytes: number;
  readonly #heartbeatMs: number;
  readonly #housekeepingMs: number;
  readonly #maxGap: number;
  #ackOffset = -1;
  #poll: TimerHandle | undefined;
  #wakeScheduled = false;
  #closed = false;

  constructor(options: HaServerOptions) {
    this.#options = options;
    this.#batchBytes = options.transferBatchBytes ?? DEFAULT_TRANSFER_BATCH_BYTES;
    this.#heartbeatMs = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.#housekeepingMs = options.housekeepingMs ?? DEFAULT_HOUSEKEEPING_MS;
    this.#maxGap = options.maxSlaveGapBytes ?? DEFAULT_MAX_SLAVE_GAP_BYTES;
    this.#server = net.createServer((socket) => this.#accept(socket));
  }

  /** Starts listening; resolves with the bound port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port, this.#options.host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#server.on('error', (error) =>
      this.#options.logger.error({ err: error }, `HA server error: ${describeError(error)}`),
    );
    this.#poll = this.#options.clock.setInterval(() => this.#tick(), POLL_INTERVAL_MS).unref();
    const address = this.#server.address();
    const port = typeof address === 'object' && address ? address.port : this.#options.port;
    this.#options.logger.info({ port }, 'HA server listening for slaves');
    return port;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#poll) this.#options.clock.clearTimer(this.#poll);
    for (const waiter of this.#waiters.splice(0)) this.#settle(waiter, 'FLUSH_SLAVE_TIMEOUT');
    for (const connection of this.#connections) connection.socket.destroy();
    this.#connections.clear();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Slaves that have reported where they stand. */
  get slaveCount(): number {
    let count = 0;
    for (const connection of this.#connections) if (connection.nextTransferFrom !== undefined) count++;
    return count;
  }

  /** The highest offset any slave acknowledged (push2SlaveMaxOffset); -1 before any report. */
  get slaveAckOffset(): number {
    return this.#ackOffset;
  }

  /** Per-slave state, for the admin API and metrics. */
  slaves(): Array<{ address: string; ackOffset: number }> {
    return [...this.#connections]
      .filter((c) => c.nextTransferFrom !== undefined)
      .map((c) => ({ address: c.remote, ackOffset: c.ackOffset }));
  }

  /** Pushes new bytes to every slave soon (after the current turn, so one put's bytes go out in one frame). */
  wake(): void {
    if (this.#wakeScheduled || this.#closed || this.#connections.size === 0) return;
    this.#wakeScheduled = true;
    setImmediate(() => {
      this.#wakeScheduled = false;
      for (const connection of this.#connections) this.#push(connection);
    });
  }

  /** Resolves once a slave acknowledged `endOffset` (see the class comment). */
  waitForSlave(endOffset: number, timeoutMs: number): Promise<ReplicationStatus> {
    if (this.#ackOffset >= endOffset) return Promise.resolve('PUT_OK');
    if (!this.#slaveOk()) return Promise.resolve('SLAVE_NOT_AVAILABLE');
    return new Promise((resolve) => {
      const waiter: Waiter = {
        endOffset,
        resolve,
        timer: this.#options.clock.setTimeout(() => {
          const at = this.#waiters.indexOf(waiter);
          if (at >= 0) this.#waiters.splice(at, 1);
          resolve('FLUSH_SLAVE_TIMEOUT');
        }, timeoutMs),
      };
      this.#waiters.push(waiter);
      this.wake();
    });
  }

  #slaveOk(): boolean {
    return (
      this.slaveCount > 0 &&
      this.#options.store.getMaxPhyOffset() - Math.max(0, this.#ackOffset) < this.#maxGap
    );
  }

  #accept(socket: net.Socket): void {
    const now = this.#options.clock.now();
    const connection: SlaveConnection = {
      socket,
      remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`,
      reports: new ByteQueue(),
      nextTransferFrom: undefined,
      ackOffset: -1,
      lastReadAt: now,
      lastWriteAt: now,
      blocked: false,
    };
    if (this.#closed) {
      socket.destroy();
      return;
    }
    this.#connections.add(connection);
    socket.setNoDelay(true);
    this.#options.logger.info({ slave: connection.remote }, 'HA: a slave connected');
    socket.on('data', (chunk: Buffer) => this.#onReports(connection, chunk));
    socket.on('drain', () => {
      connection.blocked = false;
      this.#push(connection);
    });
    socket.on('error', (error) =>
      this.#options.logger.warn(
        { slave: connection.remote, err: error },
        `HA connection to slave ${connection.remote} failed: ${describeError(error)}`,
      ),
    );
    socket.on('close', () => {
      this.#connections.delete(connection);
      this.#options.logger.info({ slave: connection.remote }, 'HA: a slave disconnected');
    });
  }

  #onReports(connection: SlaveConnection, chunk: Buffer): void {
    connection.lastReadAt = this.#options.clock.now();
    connection.reports.push(chunk);
    const complete = connection.reports.length - (connection.reports.length % REPORT_HEADER_SIZE);
    if (complete === 0) return;
    // ReadSocketService keeps the last complete report; the earlier ones are older acknowledgements.
    const reports = connection.reports.take(complete);
    const offset = readSafeInt64(reports, complete - REPORT_HEADER_SIZE);
    if (offset === undefined || offset < 0) {
      this.#refuse(connection, 'it reported an offset that is not a commit-log offset');
      return;
    }
    if (connection.nextTransferFrom === undefined && !this.#startTransfer(connection, offset)) return;
    connection.ackOffset = offset;
    if (offset > this.#ackOffset) {
      this.#ackOffset = offset;
      this.#settleWaiters();
    }
    this.#push(connection);
  }

  /** WriteSocketService's first position: the slave's offset, or the start of the last segment for a new slave. */
  #startTransfer(connection: SlaveConnection, reported: number): boolean {
    const store = this.#options.store;
    const max = store.getMaxPhyOffset();
    if (reported > max) {
      this.#refuse(connection, `it reports offset ${reported}, beyond the master's max offset ${max}`);
      return false;
    }
    let from = reported;
    if (reported === 0) {
      from = Math.max(max - (max % this.#options.segmentBytes), store.getMinPhyOffset());
    } else if (reported < store.getMinPhyOffset()) {
      this.#refuse(
        connection,
        `it reports offset ${reported}, below the master's min offset ${store.getMinPhyOffset()} (deleted by retention)`,
      );
      return false;
    }
    connection.nextTransferFrom = from;
    this.#options.logger.info(
      { slave: connection.remote, reported, from, masterMaxOffset: max },
      `HA: slave ${connection.remote} replicates from offset ${from}`,
    );
    return true;
  }

  #refuse(connection: SlaveConnection, why: string): void {
    this.#options.logger.error(
      { slave: connection.remote },
      `HA: closing the connection of slave ${connection.remote}: ${why}`,
    );
    connection.socket.destroy();
  }

  /** Writes frames until the slave has everything or the socket's buffer is full. */
  #push(connection: SlaveConnection): void {
    const from = connection.nextTransferFrom;
    if (from === undefined || connection.blocked || connection.socket.destroyed) return;
    const store = this.#options.store;
    let next = from;
    let writable = true;
    while (writable && next < store.getMaxPhyOffset()) {
      const data = store.getCommitLogData(next, this.#batchBytes);
      if (data === undefined || data.length === 0) {
        this.#refuse(connection, `the master no longer holds offset ${next}`);
        return;
      }
      connection.socket.write(encodeTransferHeader(next, data.length));
      writable = connection.socket.write(data);
      next += data.length;
      connection.lastWriteAt = this.#options.clock.now();
    }
    connection.nextTransferFrom = next;
    if (!writable) connection.blocked = true;
  }

  #tick(): void {
    const now = this.#options.clock.now();
    for (const connection of this.#connections) {
      if (now - connection.lastReadAt > this.#housekeepingMs) {
        this.#refuse(connection, `no report for ${this.#housekeepingMs} ms`);
        continue;
      }
      this.#push(connection);
      const from = connection.nextTransferFrom;
      if (from !== undefined && !connection.blocked && now - connection.lastWriteAt >= this.#heartbeatMs) {
        connection.socket.write(encodeTransferHeader(from, 0));
        connection.lastWriteAt = now;
      }
    }
  }

  #settleWaiters(): void {
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const waiter = this.#waiters[i] as Waiter;
      if (waiter.endOffset <= this.#ackOffset) {
        this.#waiters.splice(i, 1);
        this.#settle(waiter, 'PUT_OK');
      }
    }
  }

  #settle(waiter: Waiter, status: ReplicationStatus): void {
    this.#options.clock.clearTimer(waiter.timer);
    waiter.resolve(status);
  }
}
