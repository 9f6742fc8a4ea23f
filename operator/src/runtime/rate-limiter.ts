import type { Clock } from '@skyrocket/common';

/**
 * How long a key waits before it is retried. The operator combines two, as client-go's
 * DefaultControllerRateLimiter does: per-item exponential backoff (a failing cluster backs off alone) and an overall
 * token bucket (a storm of failures across many clusters cannot flood the apiserver).
 */
export interface RateLimiter {
  /** Delay before `key` may run again after a failure; counts the failure. */
  when(key: string): number;
  /** The key succeeded: its backoff starts again from the base delay. */
  forget(key: string): void;
  /** Failures counted for `key` since it was last forgotten. */
  failures(key: string): number;
}

export interface ExponentialBackoffOptions {
  /** First retry delay (client-go: 5 ms). */
  baseDelayMs: number;
  /** Cap (client-go: 1000 s). */
  maxDelayMs: number;
}

export class ItemExponentialRateLimiter implements RateLimiter {
  readonly #options: ExponentialBackoffOptions;
  readonly #failures = new Map<string, number>();

  constructor(options: ExponentialBackoffOptions) {
    this.#options = options;
  }

  when(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    // 2^failures overflows to Infinity long after the cap is reached; Math.min keeps it finite.
    return Math.min(this.#options.maxDelayMs, this.#options.baseDelayMs * 2 ** failures);
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }
}

export interface TokenBucketOptions {
  /** Tokens added per second (client-go: 10). */
  qps: number;
  /** Bucket size (client-go: 100). */
  burst: number;
}

/** An overall token bucket: each retry takes a token; when the bucket is empty the retry waits for the next one. */
export class TokenBucketRateLimiter implements RateLimiter {
  readonly #options: TokenBucketOptions;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;

  constructor(options: TokenBucketOptions, clock: Clock) {
    this.#options = options;
    this.#clock = clock;
    this.#tokens = options.burst;
    this.#last = clock.now();
  }

  when(): number {
    const now = this.#clock.now();
    this.#tokens = Math.min(
      this.#options.burst,
      this.#tokens + ((now - this.#last) / 1000) * this.#options.qps,
    );
    this.#last = now;
    // Reserve a token even when it is not there yet (tokens go negative): later callers queue behind this one.
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / this.#options.qps) * 1000);
  }

  forget(): void {}

  failures(): number {
    return 0;
  }
}

/** The largest delay of several limiters (client-go's MaxOfRateLimiter). */
export class MaxOfRateLimiter implements RateLimiter {
  readonly #limiters: readonly RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    this.#limiters = limiters;
  }

  when(key: string): number {
    return Math.max(0, ...this.#limiters.map((limiter) => limiter.when(key)));
  }

  forget(key: string): void {
    for (const limiter of this.#limiters) limiter.forget(key);
  }

  failures(key: string): number {
    return Math.max(0, ...this.#limiters.map((limiter) => limiter.failures(key)));
  }
}

export interface ControllerRateLimiterOptions extends ExponentialBackoffOptions, TokenBucketOptions {}

export const defaultRateLimiterOptions: ControllerRateLimiterOptions = {
  baseDelayMs: 5,
  maxDelayMs: 1_000_000,
  qps: 10,
  burst: 100,
};

export function controllerRateLimiter(
  clock: Clock,
  options: Partial<ControllerRateLimiterOptions> = {},
): RateLimiter {
  const o = { ...defaultRateLimiterOptions, ...options };
  return new MaxOfRateLimiter(
    new ItemExponentialRateLimiter({ baseDelayMs: o.baseDelayMs, maxDelayMs: o.maxDelayMs }),
    new TokenBucketRateLimiter({ qps: o.qps, burst: o.burst }, clock),
  );
}
