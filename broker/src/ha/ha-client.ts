import * as net from 'node:net';
import { describeError, type Clock, type Logger, type TimerHandle } from '@skyrocket/common';
import { readSafeInt64 } from '@skyrocket/remoting/message';
import { wholeRecordsLength, type MessageStore } from '@skyrocket/store';
import {
  ByteQueue,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_HOUSEKEEPING_MS,
  encodeReport,
  TRANSFER_HEADER_SIZE,
} from './ha-protocol';

export interface HaClientOptions {
  store: Pick<MessageStore, 'appendToCommitLog' | 'getMaxPhyOffset'>;
  /** The commit-log segment size; it must match the master's, and bounds a record's TOTALSIZE. */
  segmentBytes: number;
  clock: Clock;
  logger: Logger;
  heartbeatIntervalMs?: number;
  housekeepingMs?: number;
  /** Wait between connection attempts (DefaultHAClient waits 5 s). */
  reconnectDelayMs?: number;
}

/** Smallest TOTALSIZE there is: an end-of-segment blank (TOTALSIZE + magic code). */
const MIN_TOTAL_SIZE = 8;

/**
 * The slave's end of the HA stream (DefaultHAClient, PROTOCOL.md §4.5). It connects to the master's HA address
 * (learnt from the NameServer's registration answer), reports its commit-log max offset on connect, after each batch
 * it stores and every 5 s, and appends what the master sends at the same offsets. A frame's bytes may end inside a
 * record; they wait here until the record is whole, since the store takes whole records only
 * (MessageStore.appendToCommitLog validates them). A frame that does not continue where the slave stands, a record
 * the store refuses, or 20 s without a frame closes the connection; the client reconnects after reconnectDelayMs and
 * the master starts again from the reported offset.
 */
export class HaClient {
  readonly #options: HaClientOptions;
  readonly #heartbeatMs: number;
  readonly #housekeepingMs: number;
  readonly #reconnectDelayMs: number;
  #masterAddress: string | undefined;
  #socket: net.Socket | undefined;
  #frames = new ByteQueue();
  /** Bytes of a record the master has only partly sent, from offset #partialFrom. */
  #partial = new ByteQueue();
  #partialFrom = 0;
  #lastReadAt = 0;
  #lastReportAt = 0;
  #timer: TimerHandle | undefined;
  #nextAttemptAt = 0;
  #stopped = true;

  constructor(options: HaClientOptions) {
    this.#options = options;
    this.#heartbeatMs = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.#housekeepingMs = options.housekeepingMs ?? DEFAULT_HOUSEKEEPING_MS;
    this.#reconnectDelayMs = options.reconnectDelayMs ?? 5000;
  }

  start(): void {
    this.#stopped = false;
    const period = Math.max(10, Math.min(1000, this.#reconnectDelayMs, this.#heartbeatMs));
    this.#timer = this.#options.clock.setInterval(() => this.#tick(), period).unref();
    this.#tick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) this.#options.clock.clearTimer(this.#timer);
    const socket = this.#socket;
    this.#close();
    if (socket && !socket.closed) await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  }

  /** The master's HA address ("ip:port"); a change drops the current connection. */
  setMasterAddress(address: string | undefined): void {
    const next = address || undefined;
    if (next === this.#masterAddress) return;
    this.#options.logger.info(
      { from: this.#masterAddress, to: next },
      `HA: master address ${next ?? 'unknown'}`,
    );
    this.#masterAddress = next;
    this.#close();
    this.#nextAttemptAt = 0;
    if (!this.#stopped) this.#tick();
  }

  get masterAddress(): string | undefined {
    return this.#masterAddress;
  }

  get connected(): boolean {
    return this.#socket !== undefined && !this.#socket.connecting && !this.#socket.destroyed;
  }

  #tick(): void {
    if (this.#stopped) return;
    const now = this.#options.clock.now();
    const socket = this.#socket;
    if (socket === undefined) {
      if (this.#masterAddress !== undefined && now >= this.#nextAttemptAt) this.#connect(this.#masterAddress);
      return;
    }
    if (socket.connecting) return;
    if (now - this.#lastReadAt > this.#housekeepingMs) {
      this.#drop(`nothing from the master for ${this.#housekeepingMs} ms`);
    } else if (now - this.#lastReportAt >= this.#heartbeatMs) {
      this.#report();
    }
  }

  #connect(address: string): void {
    const at = address.lastIndexOf(':');
    const host = address.slice(0, at);
    const port = Number(address.slice(at + 1));
    this.#nextAttemptAt = this.#options.clock.now() + this.#reconnectDelayMs;
    if (at <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
      this.#options.logger.error({ address }, `HA: the master's HA address ${address} is not host:port`);
      return;
    }
    const socket = net.connect({ host, port });
    this.#socket = socket;
    this.#frames.clear();
    this.#partial.clear();
    socket.setNoDelay(true);
    socket.on('connect', () => {
      this.#lastReadAt = this.#options.clock.now();
      this.#options.logger.info(
        { master: address, offset: this.#options.store.getMaxPhyOffset() },
        `HA: connected to master ${address}`,
      );
      this.#report();
    });
    socket.on('data', (chunk: Buffer) => this.#onData(socket, chunk));
    socket.on('error', (error) =>
      this.#options.logger.warn(
        { master: address, err: error },
        `HA: connection to master ${address} failed: ${describeError(error)}`,
      ),
    );
    socket.on('close', () => {
      if (this.#socket === socket) this.#socket = undefined;
    });
  }

  #onData(socket: net.Socket, chunk: Buffer): void {
    if (socket !== this.#socket) return;
    this.#lastReadAt = this.#options.clock.now();
    this.#frames.push(chunk);
    let stored = false;
    while (this.#frames.length >= TRANSFER_HEADER_SIZE) {
      const header = this.#frames.peek(TRANSFER_HEADER_SIZE);
      const phyOffset = readSafeInt64(header, 0);
      const bodySize = header.readInt32BE(8);
      if (phyOffset === undefined || phyOffset < 0 || bodySize < 0) {
        return this.#drop(
          `a frame header with offset ${phyOffset ?? 'out of range'} and body size ${bodySize}`,
        );
      }
      if (this.#frames.length < TRANSFER_HEADER_SIZE + bodySize) break;
      this.#frames.take(TRANSFER_HEADER_SIZE);
      const body = this.#frames.take(bodySize);
      const stands =
        this.#partial.length > 0
          ? this.#partialFrom + this.#partial.length
          : this.#options.store.getMaxPhyOffset();
      // DefaultHAClient.dispatchReadRequest: a frame must continue exactly where the slave stands, except for an
      // empty slave, which starts where the master starts it (the start of the master's last segment).
      if (phyOffset !== stands && !(stands === 0 && this.#partial.length === 0)) {
        return this.#drop(`the master sent offset ${phyOffset}, the slave stands at ${stands}`);
      }
      if (bodySize === 0) continue;
      if (this.#partial.length === 0) this.#partialFrom = phyOffset;
      this.#partial.push(body);
      const failure = this.#storeWholeRecords();
      if (failure) return this.#drop(failure);
      stored = true;
    }
    if (stored) this.#report();
  }

  /**
   * Hands the whole records to the store, a run at a time (a run ends after an end-of-segment blank, which the store
   * takes only last); returns why not when the bytes or the store refuse them.
   */
  #storeWholeRecords(): string | undefined {
    for (;;) {
      const pending = this.#partial.peek(this.#partial.length);
      const whole = wholeRecordsLength(pending);
      if (whole === 0) {
        // Bytes that wait for the rest of their record must at least start like one.
        const totalSize = pending.length >= 4 ? pending.readInt32BE(0) : MIN_TOTAL_SIZE;
        if (totalSize < MIN_TOTAL_SIZE || totalSize > this.#options.segmentBytes) {
          return `a record at offset ${this.#partialFrom} claims TOTALSIZE ${totalSize}`;
        }
        return undefined;
      }
      const offset = this.#partialFrom;
      try {
        this.#options.store.appendToCommitLog(offset, pending.subarray(0, whole));
      } catch (error) {
        return `the store refused ${whole} bytes at offset ${offset}: ${describeError(error)}`;
      }
      this.#partial.take(whole);
      this.#partialFrom += whole;
    }
  }

  #report(): void {
    const socket = this.#socket;
    if (!socket || socket.connecting || socket.destroyed) return;
    socket.write(encodeReport(this.#options.store.getMaxPhyOffset()));
    this.#lastReportAt = this.#options.clock.now();
  }

  #drop(why: string): void {
    this.#options.logger.error(
      { master: this.#masterAddress },
      `HA: closing the connection to master ${this.#masterAddress ?? '?'}: ${why}`,
    );
    this.#close();
  }

  #close(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    this.#frames.clear();
    this.#partial.clear();
    socket?.destroy();
  }
}
