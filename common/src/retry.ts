import type { Clock } from './clock';
import { systemClock } from './clock';

export interface RetryOptions {
  retries: number;
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
  /** 0..1: each delay is scaled by a random factor in [1 - jitter, 1 + jitter]. */
  jitter: number;
  clock?: Clock;
  random?: () => number;
}

export const defaultRetryOptions: RetryOptions = {
  retries: 5,
  initialDelayMs: 100,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: 0.2,
};

/** Delay before retry number `attempt` (0-based): jittered exponential backoff, capped at maxDelayMs. */
export function backoffDelay(
  attempt: number,
  options: RetryOptions,
  random: () => number = Math.random,
): number {
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * options.multiplier ** attempt);
  const factor = 1 - options.jitter + 2 * options.jitter * random();
  return Math.max(0, Math.round(Math.min(options.maxDelayMs, base * factor)));
}

export class RetryBailError extends Error {
  constructor(readonly original: unknown) {
    super('retry abandoned', { cause: original });
  }
}

/**
 * Runs `fn` until it succeeds, retrying with jittered exponential backoff. `fn` gets a `bail` function:
 * calling it with an error stops retrying at once (for errors that retrying cannot fix).
 */
export async function retry<T>(
  fn: (attempt: number, bail: (error: unknown) => never) => Promise<T>,
  partial: Partial<RetryOptions> = {},
): Promise<T> {
  const options = { ...defaultRetryOptions, ...partial };
  const clock = options.clock ?? systemClock;
  const bail = (error: unknown): never => {
    throw new RetryBailError(error);
  };
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt, bail);
    } catch (error) {
      if (error instanceof RetryBailError) throw error.original;
      if (attempt >= options.retries) throw error;
      const delay = backoffDelay(attempt, options, options.random);
      await new Promise<void>((resolve) => clock.setTimeout(resolve, delay));
    }
  }
}
