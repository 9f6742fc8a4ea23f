import { silentLogger } from '@skyrocket/common';
import { FakeClock } from '../../../common/src/testing/fake-clock';
import { GroupCommit } from './group-commit';

/** Lets setImmediate callbacks and the promise jobs they start run. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A sync the test finishes by hand: each call is recorded and waits for release(). */
class ManualSync {
  calls = 0;
  appended = 0;
  #pending: Array<{ offset: number; resolve: (offset: number) => void; reject: (error: unknown) => void }> =
    [];

  readonly sync = (): Promise<number> => {
    this.calls++;
    const offset = this.appended;
    return new Promise((resolve, reject) => this.#pending.push({ offset, resolve, reject }));
  };

  get running(): number {
    return this.#pending.length;
  }

  release(): void {
    const next = this.#pending.shift();
    if (!next) throw new Error('no sync is running');
    next.resolve(next.offset);
  }

  fail(error: unknown): void {
    const next = this.#pending.shift();
    if (!next) throw new Error('no sync is running');
    next.reject(error);
  }
}

function setup(timeoutMs = 5000) {
  const clock = new FakeClock(0);
  const manual = new ManualSync();
  const groupCommit = new GroupCommit({
    sync: manual.sync,
    durableOffset: 0,
    timeoutMs,
    clock,
    logger: silentLogger(),
    retryDelayMs: 100,
  });
  return { clock, manual, groupCommit };
}

describe('GroupCommit', () => {
  it('answers PUT_OK at once for bytes already durable', async () => {
    const { manual, groupCommit } = setup();
    groupCommit.advanceTo(100);
    await expect(groupCommit.waitDurable(100)).resolves.toBe('PUT_OK');
    expect(manual.calls).toBe(0);
  });

  it('lets waiters of one turn share a sync, and waiters arriving during it share the next', async () => {
    const { manual, groupCommit } = setup();
    const results: string[] = [];
    const wait = (offset: number) => {
      manual.appended = Math.max(manual.appended, offset);
      void groupCommit.waitDurable(offset).then((status) => results.push(`${offset}:${status}`));
    };
    wait(10);
    wait(20);
    await nextTurn();
    expect(manual.calls).toBe(1);
    wait(30);
    wait(40);
    wait(50);
    await nextTurn();
    expect(manual.calls).toBe(1); // still running: the newcomers wait for the next round
    manual.release();
    await nextTurn();
    await nextTurn();
    expect(results).toEqual(['10:PUT_OK', '20:PUT_OK']);
    expect(manual.calls).toBe(2);
    manual.release();
    await nextTurn();
    expect(results).toEqual(['10:PUT_OK', '20:PUT_OK', '30:PUT_OK', '40:PUT_OK', '50:PUT_OK']);
    expect(groupCommit.durableOffset).toBe(50);
    expect(groupCommit.syncCount).toBe(2);
  });

  it('never answers a waiter with the promise of a batch that was already settled', async () => {
    const { manual, groupCommit } = setup();
    manual.appended = 20;
    const first = groupCommit.waitDurable(10);
    await nextTurn();
    // Arrives during the sync, for bytes it happens to cover: settled by it, in the same millisecond...
    const covered = groupCommit.waitDurable(20);
    manual.release();
    await expect(first).resolves.toBe('PUT_OK');
    await expect(covered).resolves.toBe('PUT_OK');
    // ...so a later waiter in that millisecond, for bytes not yet durable, must wait for a sync of its own.
    manual.appended = 30;
    let later: string | undefined;
    void groupCommit.waitDurable(30).then((status) => (later = status));
    await nextTurn();
    await nextTurn();
    expect(later).toBeUndefined();
    expect(manual.calls).toBe(2);
    manual.release();
    await nextTurn();
    expect(later).toBe('PUT_OK');
    expect(groupCommit.durableOffset).toBe(30);
  });

  it('resolves FLUSH_DISK_TIMEOUT after the timeout and keeps flushing', async () => {
    const { clock, manual, groupCommit } = setup(5000);
    manual.appended = 10;
    const first = groupCommit.waitDurable(10);
    await nextTurn();
    clock.advance(2000);
    manual.appended = 20;
    const second = groupCommit.waitDurable(20);
    clock.advance(3000);
    await expect(first).resolves.toBe('FLUSH_DISK_TIMEOUT');
    clock.advance(1999);
    manual.release(); // the slow sync finally covers offset 10
    await nextTurn();
    expect(groupCommit.durableOffset).toBe(10);
    clock.advance(1);
    await expect(second).resolves.toBe('FLUSH_DISK_TIMEOUT');
    await expect(groupCommit.waitDurable(10)).resolves.toBe('PUT_OK');
    await nextTurn();
    expect(manual.running).toBe(1); // the round for offset 20 still runs: timed-out data keeps being flushed
    manual.release();
    await nextTurn();
    expect(groupCommit.durableOffset).toBe(20);
  });

  it('retries a failed sync after the retry delay; flush() callers get the error', async () => {
    const { clock, manual, groupCommit } = setup();
    manual.appended = 10;
    const waiter = groupCommit.waitDurable(10);
    const flush = groupCommit.flush(10);
    await nextTurn();
    manual.fail(new Error('EIO'));
    await expect(flush).rejects.toThrow('EIO');
    await nextTurn();
    expect(manual.calls).toBe(1);
    clock.advance(100);
    await nextTurn();
    expect(manual.calls).toBe(2);
    manual.release();
    await expect(waiter).resolves.toBe('PUT_OK');
    expect(groupCommit.failedSyncCount).toBe(1);
  });

  it('close() waits for the running sync, then answers whoever is left', async () => {
    const { manual, groupCommit } = setup();
    manual.appended = 10;
    const covered = groupCommit.waitDurable(10);
    await nextTurn();
    manual.appended = 20;
    const left = groupCommit.waitDurable(20);
    const closed = groupCommit.close();
    manual.release();
    await closed;
    await expect(covered).resolves.toBe('PUT_OK');
    await expect(left).resolves.toBe('FLUSH_DISK_TIMEOUT');
    await expect(groupCommit.waitDurable(30)).resolves.toBe('FLUSH_DISK_TIMEOUT');
    await expect(groupCommit.flush(30)).rejects.toThrow('closed');
    expect(manual.calls).toBe(1);
  });
});
