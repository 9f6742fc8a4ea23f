/**
 * Runs consume tasks with at most `concurrency` at a time (Java's consumeThreadMax thread pool), FIFO. Tasks never
 * reject into the executor: a task's failure is its own to report. `whenIdle` lets shutdown wait, bounded, for the
 * listeners in flight.
 */
export class ConsumeExecutor {
  readonly #concurrency: number;
  readonly #queue: Array<() => Promise<void>> = [];
  #running = 0;
  #idleWaiters: Array<() => void> = [];

  readonly #onTaskError: ((error: unknown) => void) | undefined;

  /** `onTaskError` hears about a task that threw (a bug: tasks report their own failures). */
  constructor(concurrency: number, onTaskError?: (error: unknown) => void) {
    this.#concurrency = Math.max(1, concurrency);
    this.#onTaskError = onTaskError;
  }

  /** Tasks running now. */
  get running(): number {
    return this.#running;
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.#queue.length;
  }

  submit(task: () => Promise<void>): void {
    this.#queue.push(task);
    this.#drain();
  }

  /** Forgets tasks not started yet (shutdown). */
  clearQueued(): void {
    this.#queue.length = 0;
    this.#notifyIdle();
  }

  /** Resolves once nothing runs and nothing waits, or after `timeoutMs`; answers whether it became idle. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.#running === 0 && this.#queue.length === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#idleWaiters = this.#idleWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.#idleWaiters.push(done);
    });
  }

  #drain(): void {
    while (this.#running < this.#concurrency) {
      const task = this.#queue.shift();
      if (task === undefined) break;
      this.#running++;
      void task()
        .catch((error: unknown) => this.#onTaskError?.(error))
        .finally(() => {
          this.#running--;
          this.#drain();
          this.#notifyIdle();
        });
    }
  }

  #notifyIdle(): void {
    if (this.#running > 0 || this.#queue.length > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const waiter of waiters) waiter();
  }
}

/** A sleep that ends early when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
