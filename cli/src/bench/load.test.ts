import { runConsumeLoad, runProduceLoad } from './load';

describe('runProduceLoad', () => {
  it('stops after exactly --messages sends and keeps at most `concurrency` in flight', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let calls = 0;
    const result = await runProduceLoad({
      send: async () => {
        calls++;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise<void>((resolve) => setImmediate(resolve));
        inFlight--;
      },
      concurrency: 8,
      bytesPerMessage: 100,
      bounds: { messages: 1000, warmupSeconds: 0 },
    });
    expect(calls).toBe(1000);
    expect(result.count).toBe(1000);
    expect(result.errors).toBe(0);
    expect(result.bytes).toBe(100_000);
    expect(maxInFlight).toBe(8);
    expect(result.latency.count).toBe(1000);
  });

  it('counts failures as errors and keeps going', async () => {
    let n = 0;
    const result = await runProduceLoad({
      send: () => (++n % 4 === 0 ? Promise.reject(new Error('broker busy')) : Promise.resolve()),
      concurrency: 2,
      bytesPerMessage: 1,
      bounds: { messages: 100, warmupSeconds: 0 },
    });
    expect(result.count + result.errors).toBe(100);
    expect(result.errors).toBe(25);
    expect(result.lastError).toBe('broker busy');
  });

  it('ends at the duration on a fake clock and does not count the warm-up', async () => {
    let t = 0;
    const result = await runProduceLoad({
      send: () => {
        t += 1; // every send takes 1 ms of fake time
        return Promise.resolve();
      },
      clock: { now: () => t },
      concurrency: 1,
      bytesPerMessage: 10,
      bounds: { durationSeconds: 2, warmupSeconds: 1 },
    });
    // 1000 warm-up sends, then 2000 measured ones of 1 ms each.
    expect(result.count).toBe(2000);
    expect(result.seconds).toBeCloseTo(2, 1);
    expect(result.latency.percentile(50)).toBe(1000);
  });

  it('stops early when asked', async () => {
    const result = await runProduceLoad({
      send: () => new Promise<void>((resolve) => setImmediate(resolve)),
      concurrency: 4,
      bytesPerMessage: 1,
      bounds: { durationSeconds: 3600, warmupSeconds: 0 },
      stopRequested: new Promise((resolve) => setTimeout(resolve, 50)),
    });
    expect(result.count).toBeGreaterThan(0);
  });
});

describe('runConsumeLoad', () => {
  it('records born → receive latency and stops at --messages', async () => {
    let stopped = false;
    const result = await runConsumeLoad({
      wallClock: () => 10_000,
      bounds: { messages: 3, warmupSeconds: 0 },
      subscribe: (onMessage) => {
        for (const born of [9_999, 9_998, 9_990, 9_000]) onMessage(born, 50);
        return Promise.resolve(() => {
          stopped = true;
          return Promise.resolve();
        });
      },
    });
    expect(stopped).toBe(true);
    expect(result.count).toBe(3);
    expect(result.bytes).toBe(150);
    expect(result.latency.max).toBe(10_000); // 10 ms in µs
    expect(result.latency.min).toBe(1_000);
  });
});
