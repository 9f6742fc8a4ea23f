/**
 * ProcessQueue: the messages a consumer has pulled from one queue and not yet finished (Java `ProcessQueue`).
 *
 * - Flow control reads it: a queue stops pulling while it caches more than `pullThresholdForQueue` messages
 *   (1000), more than `pullThresholdSizeForQueue` MiB of bodies (100), or — for concurrent consumption — messages
 *   more than `consumeConcurrentlyMaxSpan` offsets apart (2000: one slow message must not let the cache run
 *   ahead forever, because the committed offset cannot pass it).
 * - Commits read it: after a message is finished, the offset to commit is the smallest offset still cached, or
 *   one past the largest pulled when nothing is left (`removeMessages`). Everything below is done, so a restart
 *   from there loses nothing (it may repeat what was finished above the smallest outstanding message).
 * - Orderly consumption takes messages in offset order (`takeMessages`), and either commits them or puts them back
 *   (`makeMessagesToConsumeAgain`, `rollback`).
 *
 * Messages are kept in an array sorted by queue offset: pulls append in order (the fast path), and the cache is
 * bounded by the thresholds, so the occasional binary-search splice stays cheap.
 */
import type { MessageExt } from './pull/message-ext';

export const DEFAULT_PULL_THRESHOLD_FOR_QUEUE = 1000;
export const DEFAULT_PULL_THRESHOLD_SIZE_FOR_QUEUE_MIB = 100;
export const DEFAULT_CONSUME_CONCURRENTLY_MAX_SPAN = 2000;
/** ProcessQueue.REBALANCE_LOCK_MAX_LIVE_TIME: a broker lock older than this is treated as lost. */
export const REBALANCE_LOCK_MAX_LIVE_TIME_MS = 30_000;
/** ProcessQueue.PULL_MAX_IDLE_TIME: a queue that has not pulled for this long is dropped and re-added. */
export const PULL_MAX_IDLE_TIME_MS = 120_000;

export interface FlowControlLimits {
  /** Most cached messages per queue. */
  pullThresholdForQueue: number;
  /** Most cached body bytes per queue, in MiB. */
  pullThresholdSizeForQueue: number;
  /** Largest offset distance between the oldest and newest cached message; undefined = not checked (orderly). */
  consumeConcurrentlyMaxSpan?: number | undefined;
}

export type FlowControlReason = 'count' | 'size' | 'span';

/** A sorted-by-offset collection of messages. */
class MessagesByOffset {
  readonly #messages: MessageExt[] = [];

  get size(): number {
    return this.#messages.length;
  }

  get first(): MessageExt | undefined {
    return this.#messages[0];
  }

  get last(): MessageExt | undefined {
    return this.#messages[this.#messages.length - 1];
  }

  /** Adds a message; returns the one it replaced at the same offset, if any. */
  put(message: MessageExt): MessageExt | undefined {
    const last = this.last;
    if (last === undefined || message.queueOffset > last.queueOffset) {
      this.#messages.push(message);
      return undefined;
    }
    const index = this.#indexOf(message.queueOffset);
    const existing = this.#messages[index];
    if (existing !== undefined && existing.queueOffset === message.queueOffset) {
      this.#messages[index] = message;
      return existing;
    }
    this.#messages.splice(index, 0, message);
    return undefined;
  }

  remove(queueOffset: number): MessageExt | undefined {
    const index = this.#indexOf(queueOffset);
    const existing = this.#messages[index];
    if (existing === undefined || existing.queueOffset !== queueOffset) return undefined;
    this.#messages.splice(index, 1);
    return existing;
  }

  has(queueOffset: number): boolean {
    return this.#messages[this.#indexOf(queueOffset)]?.queueOffset === queueOffset;
  }

  shift(): MessageExt | undefined {
    return this.#messages.shift();
  }

  values(): readonly MessageExt[] {
    return this.#messages;
  }

  clear(): void {
    this.#messages.length = 0;
  }

  /** The index of the first message with an offset ≥ queueOffset. */
  #indexOf(queueOffset: number): number {
    let low = 0;
    let high = this.#messages.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.#messages[mid]?.queueOffset ?? Infinity) < queueOffset) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

export class ProcessQueue {
  readonly #now: () => number;
  /** Pulled, not yet finished (concurrent), or not yet taken (orderly). */
  readonly #cached = new MessagesByOffset();
  /** Orderly only: taken by the listener, not yet committed. */
  readonly #consumingOrderly = new MessagesByOffset();
  #count = 0;
  #bytes = 0;
  #queueOffsetMax = 0;
  #consuming = false;

  dropped = false;
  locked = false;
  lastLockTimestamp: number;
  lastPullTimestamp: number;
  lastConsumeTimestamp: number;
  /** Messages behind the broker's max offset at the last pull (Java msgAccCnt), for lag reporting. */
  messagesBehind = 0;

  constructor(now: () => number = Date.now) {
    this.#now = now;
    const start = now();
    this.lastLockTimestamp = start;
    this.lastPullTimestamp = start;
    this.lastConsumeTimestamp = start;
  }

  /** Cached messages: pulled and not finished (concurrent), or pulled and not committed (orderly). */
  get messageCount(): number {
    return this.#count;
  }

  /** Body bytes of the cached messages. */
  get messageBytes(): number {
    return this.#bytes;
  }

  /** The largest queue offset put so far. */
  get queueOffsetMax(): number {
    return this.#queueOffsetMax;
  }

  get hasCachedMessages(): boolean {
    return this.#cached.size > 0;
  }

  /** The smallest cached (not yet taken) offset, if any. */
  get firstCachedOffset(): number | undefined {
    return this.#cached.first?.queueOffset;
  }

  /** Distance between the smallest and largest cached offsets (Java getMaxSpan). */
  get maxSpan(): number {
    const first = this.#cached.first;
    const last = this.#cached.last;
    return first === undefined || last === undefined ? 0 : last.queueOffset - first.queueOffset;
  }

  isLockExpired(): boolean {
    return this.#now() - this.lastLockTimestamp > REBALANCE_LOCK_MAX_LIVE_TIME_MS;
  }

  isPullExpired(): boolean {
    return this.#now() - this.lastPullTimestamp > PULL_MAX_IDLE_TIME_MS;
  }

  /** Why pulling must pause now, or undefined to pull. */
  flowControl(limits: FlowControlLimits): FlowControlReason | undefined {
    if (this.#count > limits.pullThresholdForQueue) return 'count';
    if (this.#bytes > limits.pullThresholdSizeForQueue * 1024 * 1024) return 'size';
    if (limits.consumeConcurrentlyMaxSpan !== undefined && this.maxSpan > limits.consumeConcurrentlyMaxSpan) {
      return 'span';
    }
    return undefined;
  }

  /**
   * Caches pulled messages. Returns true when an orderly consumer should start a consume task (messages are
   * cached and none is running), as Java's putMessage does.
   */
  putMessages(messages: readonly MessageExt[]): boolean {
    let added = 0;
    for (const message of messages) {
      const replaced = this.#cached.put(message);
      if (replaced === undefined) {
        added++;
        this.#bytes += message.body.length;
        if (message.queueOffset > this.#queueOffsetMax) this.#queueOffsetMax = message.queueOffset;
      } else {
        this.#bytes += message.body.length - replaced.body.length;
      }
    }
    this.#count += added;
    const last = messages[messages.length - 1];
    const maxOffset = last?.properties.MAX_OFFSET;
    if (last !== undefined && maxOffset !== undefined) {
      const behind = Number(maxOffset) - last.queueOffset;
      if (behind > 0) this.messagesBehind = behind;
    }
    if (this.#cached.size > 0 && !this.#consuming) {
      this.#consuming = true;
      return true;
    }
    return false;
  }

  /**
   * Concurrent consumption: forgets finished messages and returns the offset now safe to commit (the smallest
   * still cached, else one past the largest pulled), or -1 when nothing was cached.
   */
  removeMessages(messages: readonly MessageExt[]): number {
    this.lastConsumeTimestamp = this.#now();
    if (this.#cached.size === 0) return -1;
    for (const message of messages) {
      const removed = this.#cached.remove(message.queueOffset);
      if (removed !== undefined) {
        this.#count--;
        this.#bytes -= removed.body.length;
      }
    }
    if (this.#count === 0) this.#bytes = 0;
    return this.#cached.first?.queueOffset ?? this.#queueOffsetMax + 1;
  }

  containsMessage(message: MessageExt): boolean {
    return this.#cached.has(message.queueOffset);
  }

  /** Orderly: takes up to `batchSize` messages in offset order; an empty result ends the consume task. */
  takeMessages(batchSize: number): MessageExt[] {
    this.lastConsumeTimestamp = this.#now();
    const taken: MessageExt[] = [];
    while (taken.length < batchSize) {
      const message = this.#cached.shift();
      if (message === undefined) break;
      taken.push(message);
      this.#consumingOrderly.put(message);
    }
    if (taken.length === 0) this.#consuming = false;
    return taken;
  }

  /** Orderly: the taken messages are done; returns the offset to commit (one past the last taken), or -1. */
  commit(): number {
    const last = this.#consumingOrderly.last;
    for (const message of this.#consumingOrderly.values()) {
      this.#count--;
      this.#bytes -= message.body.length;
    }
    if (this.#count === 0) this.#bytes = 0;
    this.#consumingOrderly.clear();
    return last === undefined ? -1 : last.queueOffset + 1;
  }

  /** Orderly: puts taken messages back to be consumed again (after SUSPEND_CURRENT_QUEUE_A_MOMENT). */
  makeMessagesToConsumeAgain(messages: readonly MessageExt[]): void {
    for (const message of messages) {
      this.#consumingOrderly.remove(message.queueOffset);
      this.#cached.put(message);
    }
  }

  /** Orderly: puts every taken message back (Java rollback). */
  rollback(): void {
    for (const message of this.#consumingOrderly.values()) this.#cached.put(message);
    this.#consumingOrderly.clear();
  }

  /** Orderly: whether a consume task is running or due (Java `consuming`). */
  get consuming(): boolean {
    return this.#consuming;
  }

  /** Orderly: ends the consume task without taking messages (the queue is suspended or not locked). */
  stopConsuming(): void {
    this.#consuming = false;
  }

  /** Drops every cached message (the queue was reassigned or seeked). */
  clear(): void {
    this.#cached.clear();
    this.#consumingOrderly.clear();
    this.#count = 0;
    this.#bytes = 0;
    this.#consuming = false;
  }
}
