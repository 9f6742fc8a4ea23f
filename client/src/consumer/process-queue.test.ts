import { ProcessQueue } from './process-queue';
import type { MessageExt } from './pull/message-ext';

function message(queueOffset: number, bodyBytes = 10, maxOffset?: number): MessageExt {
  const properties: Record<string, string> = {};
  if (maxOffset !== undefined) properties.MAX_OFFSET = String(maxOffset);
  return { queueOffset, body: Buffer.alloc(bodyBytes), properties } as unknown as MessageExt;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => message(from + i));

describe('ProcessQueue (concurrent)', () => {
  it('commits the smallest unfinished offset, then one past the largest pulled', () => {
    const pq = new ProcessQueue();
    pq.putMessages(range(10, 15));
    expect(pq.messageCount).toBe(5);
    expect(pq.messageBytes).toBe(50);
    // 11 and 13 finish first: 10 is still outstanding, so nothing above it may be committed.
    expect(pq.removeMessages([message(11), message(13)])).toBe(10);
    expect(pq.removeMessages([message(10)])).toBe(12);
    expect(pq.removeMessages([message(12), message(14)])).toBe(15);
    expect(pq.messageCount).toBe(0);
    expect(pq.messageBytes).toBe(0);
  });

  it('answers -1 when nothing was cached', () => {
    expect(new ProcessQueue().removeMessages([message(1)])).toBe(-1);
  });

  it('counts a message pulled twice once', () => {
    const pq = new ProcessQueue();
    pq.putMessages([message(1), message(2)]);
    pq.putMessages([message(2, 30)]);
    expect(pq.messageCount).toBe(2);
    expect(pq.messageBytes).toBe(40);
  });

  it('keeps offsets sorted when they arrive out of order', () => {
    const pq = new ProcessQueue();
    pq.putMessages([message(5), message(9)]);
    pq.putMessages([message(7)]);
    expect(pq.firstCachedOffset).toBe(5);
    expect(pq.removeMessages([message(5)])).toBe(7);
    expect(pq.maxSpan).toBe(2);
  });

  it('pauses pulls past the count, size and span thresholds', () => {
    const limits = {
      pullThresholdForQueue: 3,
      pullThresholdSizeForQueue: 1,
      consumeConcurrentlyMaxSpan: 100,
    };
    const byCount = new ProcessQueue();
    byCount.putMessages(range(0, 3));
    expect(byCount.flowControl(limits)).toBeUndefined();
    byCount.putMessages([message(3)]);
    expect(byCount.flowControl(limits)).toBe('count');

    const bySize = new ProcessQueue();
    bySize.putMessages([message(0, 1024 * 1024 + 1)]);
    expect(bySize.flowControl(limits)).toBe('size');

    const bySpan = new ProcessQueue();
    bySpan.putMessages([message(0), message(101)]);
    expect(bySpan.flowControl(limits)).toBe('span');
    expect(bySpan.flowControl({ ...limits, consumeConcurrentlyMaxSpan: undefined })).toBeUndefined();
  });

  it('records how far behind the broker the queue is', () => {
    const pq = new ProcessQueue();
    pq.putMessages([message(3, 1, 50)]);
    expect(pq.messagesBehind).toBe(47);
  });

  it('expires pulls and locks by the injected clock', () => {
    let now = 1000;
    const pq = new ProcessQueue(() => now);
    now += 30_001;
    expect(pq.isLockExpired()).toBe(true);
    expect(pq.isPullExpired()).toBe(false);
    now += 120_000;
    expect(pq.isPullExpired()).toBe(true);
  });
});

describe('ProcessQueue (orderly)', () => {
  it('hands out messages in order and commits one past the last taken', () => {
    const pq = new ProcessQueue();
    expect(pq.putMessages(range(0, 5))).toBe(true);
    // A consume task is already due: further puts do not start another.
    expect(pq.putMessages([message(5)])).toBe(false);
    expect(pq.takeMessages(2).map((m) => m.queueOffset)).toEqual([0, 1]);
    expect(pq.commit()).toBe(2);
    expect(pq.messageCount).toBe(4);
  });

  it('puts messages back to be consumed again, in order', () => {
    const pq = new ProcessQueue();
    pq.putMessages(range(0, 4));
    const taken = pq.takeMessages(3);
    pq.makeMessagesToConsumeAgain(taken.slice(1));
    expect(pq.commit()).toBe(1);
    expect(pq.takeMessages(10).map((m) => m.queueOffset)).toEqual([1, 2, 3]);
    pq.rollback();
    expect(pq.takeMessages(1).map((m) => m.queueOffset)).toEqual([1]);
  });

  it('ends the consume task when nothing is left', () => {
    const pq = new ProcessQueue();
    pq.putMessages([message(0)]);
    pq.takeMessages(1);
    expect(pq.commit()).toBe(1);
    expect(pq.takeMessages(1)).toEqual([]);
    expect(pq.consuming).toBe(false);
    expect(pq.putMessages([message(1)])).toBe(true);
  });
});
