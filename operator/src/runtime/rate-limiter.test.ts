import { FakeClock } from '../../../common/src/testing/fake-clock';
import { controllerRateLimiter, ItemExponentialRateLimiter, TokenBucketRateLimiter } from './rate-limiter';

describe('ItemExponentialRateLimiter', () => {
  it('doubles per failure from the base delay up to the cap, per key', () => {
    const limiter = new ItemExponentialRateLimiter({ baseDelayMs: 5, maxDelayMs: 1_000_000 });
    expect([1, 2, 3, 4].map(() => limiter.when('a'))).toEqual([5, 10, 20, 40]);
    expect(limiter.when('b')).toBe(5);
    expect(limiter.failures('a')).toBe(4);
    for (let i = 0; i < 40; i++) limiter.when('a');
    expect(limiter.when('a')).toBe(1_000_000);
  });

  it('starts again from the base delay once forgotten', () => {
    const limiter = new ItemExponentialRateLimiter({ baseDelayMs: 5, maxDelayMs: 1000 });
    limiter.when('a');
    limiter.when('a');
    limiter.forget('a');
    expect(limiter.failures('a')).toBe(0);
    expect(limiter.when('a')).toBe(5);
  });
});

describe('TokenBucketRateLimiter', () => {
  it('lets a burst through at once, then spaces retries at 1/qps, and refills over time', () => {
    const clock = new FakeClock();
    const limiter = new TokenBucketRateLimiter({ qps: 10, burst: 3 }, clock);
    expect([1, 2, 3].map(() => limiter.when())).toEqual([0, 0, 0]);
    expect(limiter.when()).toBe(100);
    expect(limiter.when()).toBe(200);
    clock.advance(1000);
    expect(limiter.when()).toBe(0);
  });
});

describe('controllerRateLimiter', () => {
  it('takes the larger of the per-key backoff and the overall bucket', () => {
    const clock = new FakeClock();
    const limiter = controllerRateLimiter(clock, { baseDelayMs: 5, maxDelayMs: 1000, qps: 1, burst: 1 });
    expect(limiter.when('a')).toBe(5);
    expect(limiter.when('b')).toBe(1000);
  });
});
