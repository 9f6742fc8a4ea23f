/**
 * TransactionalMessageCheckService: every transactionCheckInterval, one scan of the half queue for transactions
 * still unresolved after transactionTimeOut, asking their producers (at most transactionCheckMax times each).
 * Lifecycle CREATED → RUNNING → SHUTDOWN; scans never overlap (a slow one makes the next tick skip).
 */
import type { Clock, Logger, TimerHandle } from '@skyrocket/common';
import type {
  CheckSummary,
  TransactionalMessageService,
  TransactionCheckListener,
} from './transactional-message-service';

export interface TransactionalMessageCheckServiceOptions {
  service: TransactionalMessageService;
  listener: TransactionCheckListener;
  clock: Clock;
  logger: Logger;
  /** Read on every tick, so they may be changed at run time. */
  settings: () => {
    transactionCheckInterval: number;
    transactionTimeOut: number;
    transactionCheckMax: number;
  };
}

type State = 'CREATED' | 'RUNNING' | 'SHUTDOWN';

export class TransactionalMessageCheckService {
  readonly #options: TransactionalMessageCheckServiceOptions;
  #state: State = 'CREATED';
  #timer: TimerHandle | undefined;
  #running: Promise<CheckSummary | undefined> | undefined;

  constructor(options: TransactionalMessageCheckServiceOptions) {
    this.#options = options;
  }

  get state(): State {
    return this.#state;
  }

  start(): void {
    if (this.#state !== 'CREATED') return;
    this.#state = 'RUNNING';
    this.#schedule();
  }

  /** Stops the timer and waits for a scan in progress, so nothing writes to the store after it shuts down. */
  async stop(): Promise<void> {
    this.#state = 'SHUTDOWN';
    if (this.#timer) this.#options.clock.clearTimer(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** One scan now (also what each tick runs); resolves to undefined when another scan is still running. */
  checkNow(): Promise<CheckSummary | undefined> {
    if (this.#running) return Promise.resolve(undefined);
    const { service, listener, logger, settings } = this.#options;
    const { transactionTimeOut, transactionCheckMax } = settings();
    this.#running = service
      .check(transactionTimeOut, transactionCheckMax, listener)
      .then(
        (summary) => {
          if (summary.checked > 0 || summary.discarded > 0) logger.info(summary, 'transaction check done');
          return summary;
        },
        (error: unknown) => {
          logger.error({ err: error }, 'transaction check failed');
          return undefined;
        },
      )
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  /** A timeout re-armed after each tick, so a changed interval takes effect at once (waitForRunning(interval)). */
  #schedule(): void {
    if (this.#state !== 'RUNNING') return;
    const interval = this.#options.settings().transactionCheckInterval;
    this.#timer = this.#options.clock
      .setTimeout(() => {
        void this.checkNow();
        this.#schedule();
      }, interval)
      .unref();
  }
}
