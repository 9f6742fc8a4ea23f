import { FakeClock } from '../../../common/src/testing/fake-clock';
import { ItemExponentialRateLimiter } from './rate-limiter';
import { WorkQueue } from './work-queue';

function queue(clock = new FakeClock()) {
  return new WorkQueue({
    clock,
    rateLimiter: new ItemExponentialRateLimiter({ baseDelayMs: 5, maxDelayMs: 1000 }),
  });
}

describe('WorkQueue', () => {
  it('de-duplicates keys added before a worker takes them', async () => {
    const q = queue();
    q.add('ns/a');
    q.add('ns/b');
    q.add('ns/a');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('ns/a');
    expect(await q.get()).toBe('ns/b');
  });

  it('never hands out a key being processed; a re-add during processing queues it again after done()', async () => {
    const q = queue();
    q.add('ns/a');
    const key = await q.get();
    q.add('ns/a');
    q.add('ns/a');
    expect(q.length).toBe(0);
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done(key ?? '');
    await Promise.resolve();
    expect(second).toBe('ns/a');
    expect(q.processingCount).toBe(1);
  });

  it('wakes a waiting worker when a key arrives', async () => {
    const q = queue();
    const next = q.get();
    q.add('ns/x');
    expect(await next).toBe('ns/x');
  });

  it('adds delayed keys when their time comes, keeping the earliest deadline per key', async () => {
    const clock = new FakeClock();
    const q = queue(clock);
    q.addAfter('ns/a', 1000);
    q.addAfter('ns/a', 100);
    q.addAfter('ns/a', 5000);
    expect(q.delayedCount).toBe(1);
    clock.advance(99);
    expect(q.length).toBe(0);
    clock.advance(1);
    expect(q.length).toBe(1);
    expect(q.delayedCount).toBe(0);
    expect(await q.get()).toBe('ns/a');
  });

  it('backs a failing key off exponentially and resets after forget()', () => {
    const clock = new FakeClock();
    const q = queue(clock);
    expect(q.addRateLimited('ns/a')).toBe(5);
    expect(q.addRateLimited('ns/a')).toBe(10);
    expect(q.addRateLimited('ns/a')).toBe(20);
    expect(q.failures('ns/a')).toBe(3);
    q.forget('ns/a');
    expect(q.addRateLimited('ns/a')).toBe(5);
  });

  it('releases waiting workers and drops delayed keys on shutdown', async () => {
    const clock = new FakeClock();
    const q = queue(clock);
    const waiting = q.get();
    q.addAfter('ns/a', 10);
    q.shutDown();
    expect(await waiting).toBeUndefined();
    expect(clock.pendingTimers).toBe(0);
    q.add('ns/b');
    expect(await q.get()).toBeUndefined();
  });
});
