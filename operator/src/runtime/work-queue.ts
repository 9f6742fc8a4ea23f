import type { Clock, TimerHandle } from '@skyrocket/common';
import type { RateLimiter } from './rate-limiter';

/**
 * A per-key work queue with client-go's semantics:
 * - de-duplicated: a key added many times before a worker takes it is processed once;
 * - never concurrent per key: a key added while a worker processes it is marked dirty and queued again only when
 *   that worker calls done(), so one cluster is never reconciled by two workers at once;
 * - delayed adds (requeue-after) keep only the earliest pending deadline per key;
 * - rate-limited adds take their delay from a RateLimiter (per-key backoff and an overall bucket).
 * Keys are "namespace/name" strings; the queue never holds objects, so a worker always reads the latest state.
 */
export class WorkQueue {
  readonly #clock: Clock;
  readonly #limiter: RateLimiter;
  readonly #queue: string[] = [];
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #delayed = new Map<string, { due: number; timer: TimerHandle }>();
  readonly #waiters: Array<(key: string | undefined) => void> = [];
  #shuttingDown = false;

  constructor(options: { clock: Clock; rateLimiter: RateLimiter }) {
    this.#clock = options.clock;
    this.#limiter = options.rateLimiter;
  }

  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      waiter(key);
    } else {
      this.#queue.push(key);
    }
  }

  /** Adds `key` after `delayMs`; an earlier pending deadline for the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const due = this.#clock.now() + delayMs;
    const pending = this.#delayed.get(key);
    if (pending && pending.due <= due) return;
    if (pending) this.#clock.clearTimer(pending.timer);
    const timer = this.#clock
      .setTimeout(() => {
        this.#delayed.delete(key);
        this.add(key);
      }, delayMs)
      .unref();
    this.#delayed.set(key, { due, timer });
  }

  /** Adds `key` after the rate limiter's delay (a failed reconcile). */
  addRateLimited(key: string): number {
    const delay = this.#limiter.when(key);
    this.addAfter(key, delay);
    return delay;
  }

  /** The key succeeded: its backoff resets. */
  forget(key: string): void {
    this.#limiter.forget(key);
  }

  failures(key: string): number {
    return this.#limiter.failures(key);
  }

  /** The next key, marked processing; waits while the queue is empty; undefined once shut down. */
  get(): Promise<string | undefined> {
    const key = this.#queue.shift();
    if (key !== undefined) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      return Promise.resolve(key);
    }
    if (this.#shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** The worker finished `key`; if it was added meanwhile, it is queued again. */
  done(key: string): void {
    this.#processing.delete(key);
    if (!this.#dirty.has(key)) return;
    this.#dirty.delete(key);
    this.add(key);
  }

  /** Keys waiting for a worker (not counting delayed or in-process keys). */
  get length(): number {
    return this.#queue.length;
  }

  get processingCount(): number {
    return this.#processing.size;
  }

  get delayedCount(): number {
    return this.#delayed.size;
  }

  /** Stops accepting keys, cancels delayed adds, and releases waiting workers with undefined. */
  shutDown(): void {
    this.#shuttingDown = true;
    for (const { timer } of this.#delayed.values()) this.#clock.clearTimer(timer);
    this.#delayed.clear();
    this.#queue.length = 0;
    this.#dirty.clear();
    for (const waiter of this.#waiters.splice(0)) waiter(undefined);
  }

  get isShuttingDown(): boolean {
    return this.#shuttingDown;
  }
}
