import { describeError, type Clock, type Logger } from '@skyrocket/common';
import type { WorkQueue } from './work-queue';

/** What a reconcile asks for: nothing (done until the next event or resync) or another look after a delay. */
export interface ReconcileResult {
  /** Look again after this long: how a reconcile waits for pods, drains and rolls without sleeping. */
  requeueAfterMs?: number;
}

export type Reconcile = (key: string) => Promise<ReconcileResult | void>;

export type ReconcileOutcome = 'success' | 'requeue' | 'error';

export interface ReconcileObserver {
  reconciled(controller: string, outcome: ReconcileOutcome, seconds: number): void;
}

export interface ControllerRunnerOptions {
  name: string;
  queue: WorkQueue;
  reconcile: Reconcile;
  workers: number;
  clock: Clock;
  logger: Logger;
  observer?: ReconcileObserver;
}

/**
 * N workers taking keys from one WorkQueue. A reconcile that throws is retried with the queue's rate limiter
 * (exponential per key); one that returns requeueAfterMs is looked at again after that delay with its backoff reset.
 * Workers never run the same key at once (the queue's processing set).
 */
export class ControllerRunner {
  readonly #options: ControllerRunnerOptions;
  #workers: Promise<void>[] = [];

  constructor(options: ControllerRunnerOptions) {
    this.#options = options;
  }

  start(): void {
    for (let i = 0; i < this.#options.workers; i++) this.#workers.push(this.#work());
  }

  /** Shuts the queue down and waits for in-flight reconciles to finish. */
  async stop(): Promise<void> {
    this.#options.queue.shutDown();
    await Promise.all(this.#workers);
    this.#workers = [];
  }

  async #work(): Promise<void> {
    const { queue, clock, logger, name } = this.#options;
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const started = clock.now();
      let outcome: ReconcileOutcome;
      try {
        const result = await this.#options.reconcile(key);
        queue.forget(key);
        if (result?.requeueAfterMs !== undefined) {
          queue.addAfter(key, result.requeueAfterMs);
          outcome = 'requeue';
        } else {
          outcome = 'success';
        }
      } catch (error) {
        const delay = queue.addRateLimited(key);
        outcome = 'error';
        logger.warn(
          {
            controller: name,
            key,
            retryInMs: delay,
            failures: queue.failures(key),
            err: describeError(error),
          },
          'reconcile failed; retrying with backoff',
        );
      } finally {
        queue.done(key);
      }
      this.#options.observer?.reconciled(name, outcome, (clock.now() - started) / 1000);
    }
  }
}
