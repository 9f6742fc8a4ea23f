import { silentLogger } from '@skyrocket/common';
import { FakeClock } from '../../../common/src/testing/fake-clock';
import { ControllerRunner, type ReconcileOutcome } from './controller-runner';
import { ItemExponentialRateLimiter } from './rate-limiter';
import { WorkQueue } from './work-queue';

const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

function setup(reconcile: (key: string) => Promise<{ requeueAfterMs?: number } | void>, workers = 2) {
  const clock = new FakeClock();
  const queue = new WorkQueue({
    clock,
    rateLimiter: new ItemExponentialRateLimiter({ baseDelayMs: 5, maxDelayMs: 1000 }),
  });
  const outcomes: ReconcileOutcome[] = [];
  const runner = new ControllerRunner({
    name: 'test',
    queue,
    reconcile,
    workers,
    clock,
    logger: silentLogger(),
    observer: { reconciled: (_name, outcome) => outcomes.push(outcome) },
  });
  runner.start();
  return { clock, queue, runner, outcomes };
}

describe('ControllerRunner', () => {
  it('retries a failing reconcile with exponential backoff, and stops retrying once it succeeds', async () => {
    let calls = 0;
    const { clock, queue, runner, outcomes } = setup(async () => {
      calls++;
      if (calls < 3) throw new Error('apiserver unavailable');
    });
    queue.add('ns/a');
    await flush();
    expect(calls).toBe(1);
    clock.advance(4);
    await flush();
    expect(calls).toBe(1);
    clock.advance(1);
    await flush();
    expect(calls).toBe(2);
    clock.advance(10);
    await flush();
    expect(calls).toBe(3);
    expect(outcomes).toEqual(['error', 'error', 'success']);
    expect(queue.failures('ns/a')).toBe(0);
    clock.advance(10_000);
    await flush();
    expect(calls).toBe(3);
    await runner.stop();
  });

  it('looks again after requeueAfterMs without sleeping in the reconcile', async () => {
    let calls = 0;
    const { clock, queue, runner, outcomes } = setup(async () => {
      calls++;
      return calls === 1 ? { requeueAfterMs: 2000 } : undefined;
    });
    queue.add('ns/a');
    await flush();
    clock.advance(1999);
    await flush();
    expect(calls).toBe(1);
    clock.advance(1);
    await flush();
    expect(calls).toBe(2);
    expect(outcomes).toEqual(['requeue', 'success']);
    await runner.stop();
  });

  it('never runs one key on two workers at once, but runs different keys in parallel', async () => {
    const running = new Set<string>();
    let overlap = false;
    let maxParallel = 0;
    const releases: Array<() => void> = [];
    const { queue, runner } = setup(async (key) => {
      if (running.has(key)) overlap = true;
      running.add(key);
      maxParallel = Math.max(maxParallel, running.size);
      await new Promise<void>((resolve) => releases.push(resolve));
      running.delete(key);
    }, 4);
    queue.add('ns/a');
    queue.add('ns/b');
    await flush();
    queue.add('ns/a');
    await flush();
    expect(maxParallel).toBe(2);
    for (let round = 0; round < 5 && releases.length > 0; round++) {
      for (const release of releases.splice(0)) release();
      await flush();
    }
    expect(overlap).toBe(false);
    const stopped = runner.stop();
    for (const release of releases.splice(0)) release();
    await stopped;
  });
});
