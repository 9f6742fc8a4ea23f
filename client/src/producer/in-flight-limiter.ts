/**
 * Back-pressure for sends: at most `limit` sends in flight per producer; further sends wait (FIFO) until one
 * finishes or their timeout passes (then TOO_MANY_IN_FLIGHT), like Java's backPressureForAsyncSendNum semaphore.
 */
import { ClientError } from '../errors';

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class InFlightLimiter {
  readonly #limit: number;
  #inFlight = 0;
  readonly #waiters: Waiter[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /** Takes a slot at once when one is free (the common case: no promise, no timer). */
  tryAcquire(): boolean {
    if (this.#inFlight < this.#limit && this.#waiters.length === 0) {
      this.#inFlight++;
      return true;
    }
    return false;
  }

  acquire(timeoutMillis: number): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const index = this.#waiters.indexOf(waiter);
          if (index >= 0) this.#waiters.splice(index, 1);
          reject(
            new ClientError(
              'TOO_MANY_IN_FLIGHT',
              `${this.#limit} sends are in flight (maxInFlight) and none finished within ${timeoutMillis} ms`,
            ),
          );
        }, timeoutMillis),
      };
      this.#waiters.push(waiter);
    });
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next) {
      clearTimeout(next.timer);
      next.resolve(); // the slot passes to the waiter
    } else {
      this.#inFlight--;
    }
  }

  /** Fails every waiter (shutdown). */
  rejectAll(error: Error): void {
    for (const waiter of this.#waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }
}
