import { ConsumeExecutor, sleep } from './consume-executor';

describe('ConsumeExecutor', () => {
  it('runs at most `concurrency` tasks at once, in submission order', async () => {
    const executor = new ConsumeExecutor(2);
    const releases: Array<() => void> = [];
    const started: number[] = [];
    for (let i = 0; i < 5; i++) {
      executor.submit(
        () =>
          new Promise<void>((resolve) => {
            started.push(i);
            releases.push(resolve);
          }),
      );
    }
    expect(started).toEqual([0, 1]);
    expect(executor.running).toBe(2);
    expect(executor.queued).toBe(3);
    releases[0]?.();
    await Promise.resolve();
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    for (let i = 1; i < 5; i++) {
      releases[i]?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await executor.whenIdle(1000)).toBe(true);
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it('gives up waiting for idleness after the timeout, and reports tasks that throw', async () => {
    const errors: unknown[] = [];
    const executor = new ConsumeExecutor(1, (error) => errors.push(error));
    executor.submit(() => new Promise<void>(() => undefined));
    executor.submit(() => Promise.reject(new Error('boom')));
    expect(await executor.whenIdle(20)).toBe(false);
    executor.clearQueued();
    expect(executor.queued).toBe(0);
    const other = new ConsumeExecutor(1, (error) => errors.push(error));
    other.submit(() => Promise.reject(new Error('boom')));
    expect(await other.whenIdle(1000)).toBe(true);
    expect(errors).toHaveLength(1);
  });

  it('sleeps, and wakes early on abort', async () => {
    const controller = new AbortController();
    const before = Date.now();
    const sleeping = sleep(10_000, controller.signal);
    controller.abort();
    await sleeping;
    expect(Date.now() - before).toBeLessThan(1000);
  });
});
