import { backoffDelay, defaultRetryOptions, retry } from './retry';
import { FakeClock } from './testing/fake-clock';

describe('retry', () => {
  it('grows delays exponentially within the jitter band and caps them', () => {
    const options = {
      ...defaultRetryOptions,
      initialDelayMs: 100,
      multiplier: 2,
      jitter: 0.2,
      maxDelayMs: 1000,
    };
    expect(backoffDelay(0, options, () => 0)).toBe(80);
    expect(backoffDelay(0, options, () => 1)).toBe(120);
    expect(backoffDelay(3, options, () => 0.5)).toBe(800);
    expect(backoffDelay(10, options, () => 1)).toBe(1000);
  });

  it('retries until success, waiting on the clock between attempts', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const done = retry(
      async () => {
        calls++;
        if (calls < 3) throw new Error('not yet');
        return 'ok';
      },
      { clock, jitter: 0, initialDelayMs: 10 },
    );
    for (let i = 0; i < 5 && calls < 3; i++) {
      await Promise.resolve();
      await Promise.resolve();
      clock.advance(100);
    }
    await expect(done).resolves.toBe('ok');
    expect(calls).toBe(3);
  });

  it('stops at once on bail and after the last retry', async () => {
    await expect(
      retry(async (_attempt, bail) => bail(new Error('fatal')), { retries: 5, initialDelayMs: 0 }),
    ).rejects.toThrow('fatal');
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error('always');
        },
        { retries: 2, initialDelayMs: 0 },
      ),
    ).rejects.toThrow('always');
    expect(calls).toBe(3);
  });
});
