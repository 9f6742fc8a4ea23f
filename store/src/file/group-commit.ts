import type { Clock, Logger, TimerHandle } from '@skyrocket/common';
import { describeError } from '@skyrocket/common';

/**
 * Group commit for SYNC_FLUSH (RocketMQ CommitLog.GroupCommitService): a send waits until its bytes are durable,
 * and every send that arrives while an fdatasync runs shares the next one, so the disk sees one sync per batch of
 * waiters instead of one per message.
 *
 * One sync runs at a time. A round starts on the next turn of the event loop after the first waiter arrives (so
 * every append of the current turn joins it); when it ends, the waiters it covered resolve PUT_OK and, if others
 * arrived meanwhile, the next round starts at once. A waiter still waiting after `timeoutMs` resolves
 * FLUSH_DISK_TIMEOUT (MessageStoreConfig.syncFlushTimeout, 5 s): its bytes stay in the log and later rounds keep
 * flushing them. A failed sync is logged and retried after `retryDelayMs`; waiters keep waiting until their timeout,
 * and explicit flush() callers get the error.
 *
 * One timer, for the earliest deadline, serves all waiters: no timer per message. Whenever a waiter is waiting the
 * timer is armed, so a new waiter only arms it when it is the only one (O(1) on the hot path).
 *
 * Waiters that arrive in the same millisecond before the next round starts share one promise (a batch): they have
 * the same deadline and the same round makes them durable, so one promise, one entry and one resolution serve them
 * all (instead of a promise, its resolving functions and an entry per send).
 */

export type DurableStatus = 'PUT_OK' | 'FLUSH_DISK_TIMEOUT';

export interface GroupCommitOptions {
  /**
   * Makes every byte appended so far durable (write out buffers, fdatasync) and resolves with the offset below
   * which everything now is. Never called twice at once.
   */
  sync: () => Promise<number>;
  /** The offset below which everything is already durable. */
  durableOffset: number;
  /** How long waitDurable waits before resolving FLUSH_DISK_TIMEOUT. */
  timeoutMs: number;
  clock: Clock;
  logger: Logger;
  /** Pause after a failed sync before the next attempt. Default 100 ms. */
  retryDelayMs?: number;
}

/** The waiters that arrived in one millisecond before a round started: one promise for all of them. */
interface DurableBatch {
  /** The highest offset any of them waits for. */
  endOffset: number;
  deadline: number;
  promise: Promise<DurableStatus>;
  resolve: (status: DurableStatus) => void;
}

interface FlushRequest {
  endOffset: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

type GroupCommitState = 'IDLE' | 'SCHEDULED' | 'SYNCING' | 'RETRY_WAIT' | 'CLOSED';

const PUT_OK: Promise<DurableStatus> = Promise.resolve('PUT_OK');
const DEFAULT_RETRY_DELAY_MS = 100;

export class GroupCommit {
  readonly #sync: () => Promise<number>;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #retryDelayMs: number;
  #durableOffset: number;
  #state: GroupCommitState = 'IDLE';
  #waiters: DurableBatch[] = [];
  /** The batch new waiters join while no round has started since it was opened. */
  #openBatch: DurableBatch | undefined;
  #flushRequests: FlushRequest[] = [];
  #timeoutTimer: TimerHandle | undefined;
  #retryTimer: TimerHandle | undefined;
  #syncCount = 0;
  #failedSyncCount = 0;
  #idle: Array<() => void> = [];

  constructor(options: GroupCommitOptions) {
    this.#sync = options.sync;
    this.#durableOffset = options.durableOffset;
    this.#timeoutMs = options.timeoutMs;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#retryDelayMs = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  }

  /** Everything below this offset is durable. */
  get durableOffset(): number {
    return this.#durableOffset;
  }

  /** Syncs started so far (successful or not). */
  get syncCount(): number {
    return this.#syncCount;
  }

  get failedSyncCount(): number {
    return this.#failedSyncCount;
  }

  /** Records that everything below `offset` is durable (made so outside the group commit, e.g. by recovery). */
  advanceTo(offset: number): void {
    if (offset > this.#durableOffset) this.#durableOffset = offset;
  }

  /** Resolves PUT_OK once every byte below `endOffset` is durable, or FLUSH_DISK_TIMEOUT after the timeout. */
  waitDurable(endOffset: number): Promise<DurableStatus> {
    if (endOffset <= this.#durableOffset) return PUT_OK;
    if (this.#state === 'CLOSED') return Promise.resolve('FLUSH_DISK_TIMEOUT');
    const deadline = this.#clock.now() + this.#timeoutMs;
    let batch = this.#openBatch;
    if (batch === undefined || batch.deadline !== deadline) {
      let resolve: (status: DurableStatus) => void = () => undefined;
      const promise = new Promise<DurableStatus>((r) => (resolve = r));
      batch = { endOffset, deadline, promise, resolve };
      this.#openBatch = batch;
      this.#waiters.push(batch);
      this.#armTimeout();
    } else if (endOffset > batch.endOffset) {
      batch.endOffset = endOffset;
    }
    this.#schedule();
    return batch.promise;
  }

  /** Resolves once every byte below `endOffset` is durable; rejects with the error if the sync attempt fails. */
  flush(endOffset: number): Promise<void> {
    if (endOffset <= this.#durableOffset) return Promise.resolve();
    if (this.#state === 'CLOSED') return Promise.reject(new Error('group commit is closed'));
    return new Promise((resolve, reject) => {
      this.#flushRequests.push({ endOffset, resolve, reject });
      this.#schedule();
    });
  }

  /**
   * Stops: waits for a running sync to end, then resolves the remaining waiters FLUSH_DISK_TIMEOUT and rejects the
   * remaining flush requests. Later calls get the same answers at once.
   */
  async close(): Promise<void> {
    if (this.#state === 'SYNCING') await new Promise<void>((resolve) => this.#idle.push(resolve));
    this.#state = 'CLOSED';
    this.#clearTimer('timeout');
    this.#clearTimer('retry');
    for (const waiter of this.#waiters) waiter.resolve('FLUSH_DISK_TIMEOUT');
    this.#waiters = [];
    this.#openBatch = undefined;
    const closed = new Error('group commit is closed');
    for (const request of this.#flushRequests) request.reject(closed);
    this.#flushRequests = [];
  }

  #schedule(): void {
    if (this.#state !== 'IDLE') return;
    this.#state = 'SCHEDULED';
    setImmediate(() => void this.#round());
  }

  async #round(): Promise<void> {
    if (this.#state !== 'SCHEDULED') return;
    this.#state = 'SYNCING';
    // Waiters arriving from now on may need bytes this sync does not cover: they start a new batch.
    this.#openBatch = undefined;
    this.#syncCount++;
    let failure: unknown;
    try {
      const durable = await this.#sync();
      if (durable > this.#durableOffset) this.#durableOffset = durable;
    } catch (error) {
      failure = error;
    }
    // close() may have been called during the sync: it waits for this moment, then answers everyone.
    for (const resolveIdle of this.#idle.splice(0)) resolveIdle();
    if (this.#state !== 'SYNCING') return;
    this.#settle(failure);
    if (failure !== undefined && this.#waiters.length > 0) {
      this.#state = 'RETRY_WAIT';
      this.#retryTimer = this.#clock
        .setTimeout(() => {
          this.#retryTimer = undefined;
          if (this.#state !== 'RETRY_WAIT') return;
          this.#state = 'IDLE';
          if (this.#waiters.length > 0 || this.#flushRequests.length > 0) this.#schedule();
        }, this.#retryDelayMs)
        .unref();
      return;
    }
    this.#state = 'IDLE';
    if (this.#waiters.length > 0 || this.#flushRequests.length > 0) this.#schedule();
  }

  #settle(failure: unknown): void {
    const durable = this.#durableOffset;
    if (this.#waiters.length > 0) {
      this.#waiters = this.#waiters.filter((waiter) => {
        if (waiter.endOffset > durable) return true;
        waiter.resolve('PUT_OK');
        // A settled batch takes no one else: a later waiter's bytes may not be durable.
        if (waiter === this.#openBatch) this.#openBatch = undefined;
        return false;
      });
      if (this.#waiters.length === 0) this.#clearTimer('timeout');
    }
    if (this.#flushRequests.length > 0) {
      const requests = this.#flushRequests;
      this.#flushRequests = [];
      for (const request of requests) {
        if (request.endOffset <= durable) request.resolve();
        else if (failure !== undefined) request.reject(failure);
        else this.#flushRequests.push(request);
      }
    }
    if (failure !== undefined) {
      this.#failedSyncCount++;
      this.#logger.error(
        { err: failure, durableOffset: durable, waiting: this.#waiters.length },
        `commit log sync failed, retrying in ${this.#retryDelayMs} ms: ${describeError(failure)}`,
      );
    }
  }

  #armTimeout(): void {
    if (this.#timeoutTimer !== undefined || this.#waiters.length === 0) return;
    let deadline = Infinity;
    for (const waiter of this.#waiters) deadline = Math.min(deadline, waiter.deadline);
    const delay = Math.max(0, deadline - this.#clock.now());
    this.#timeoutTimer = this.#clock.setTimeout(() => this.#expire(), delay).unref();
  }

  #expire(): void {
    this.#timeoutTimer = undefined;
    const now = this.#clock.now();
    this.#waiters = this.#waiters.filter((waiter) => {
      if (waiter.deadline > now) return true;
      waiter.resolve('FLUSH_DISK_TIMEOUT');
      if (waiter === this.#openBatch) this.#openBatch = undefined;
      return false;
    });
    this.#armTimeout();
  }

  #clearTimer(which: 'timeout' | 'retry'): void {
    const timer = which === 'timeout' ? this.#timeoutTimer : this.#retryTimer;
    if (timer !== undefined) this.#clock.clearTimer(timer);
    if (which === 'timeout') this.#timeoutTimer = undefined;
    else this.#retryTimer = undefined;
  }
}
