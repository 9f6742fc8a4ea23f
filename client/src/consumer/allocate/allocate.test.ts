import fc from 'fast-check';

import { compareJavaStrings, compareMessageQueues, messageQueue, type MessageQueue } from '../message-queue';
import { allocateMessageQueueAveragely } from './allocate-averagely';
import { allocateMessageQueueAveragelyByCircle } from './allocate-averagely-by-circle';
import { allocateQueues, type AllocateMessageQueueStrategy } from './allocate-strategy';

const queues = (n: number, broker = 'broker-a', topic = 'T'): MessageQueue[] =>
  Array.from({ length: n }, (_, i) => messageQueue(topic, broker, i));
const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `127.0.0.1@c${i}`);

function shares(strategy: AllocateMessageQueueStrategy, mqs: MessageQueue[], cids: string[]): number[][] {
  return cids.map((cid) => allocateQueues(strategy, 'G', cid, mqs, cids).map((q) => q.queueId));
}

describe('AllocateMessageQueueAveragely', () => {
  // Expected values worked out by hand from AllocateMessageQueueAveragely.allocate.
  it.each([
    [
      8,
      3,
      [
        [0, 1, 2],
        [3, 4, 5],
        [6, 7],
      ],
    ],
    [
      8,
      2,
      [
        [0, 1, 2, 3],
        [4, 5, 6, 7],
      ],
    ],
    [4, 4, [[0], [1], [2], [3]]],
    [3, 5, [[0], [1], [2], [], []]],
    [
      10,
      4,
      [
        [0, 1, 2],
        [3, 4, 5],
        [6, 7],
        [8, 9],
      ],
    ],
    [1, 1, [[0]]],
  ])('%i queues over %i clients', (queueCount, clientCount, expected) => {
    expect(shares(allocateMessageQueueAveragely, queues(queueCount), ids(clientCount))).toEqual(expected);
  });

  it('gives nothing to a client the broker does not list', () => {
    expect(allocateQueues(allocateMessageQueueAveragely, 'G', 'x@y', queues(4), ids(2))).toEqual([]);
  });

  it('refuses empty inputs like Java', () => {
    expect(() => allocateQueues(allocateMessageQueueAveragely, 'G', 'a', [], ['a'])).toThrow(RangeError);
    expect(() => allocateQueues(allocateMessageQueueAveragely, 'G', 'a', queues(1), [])).toThrow(RangeError);
    expect(() => allocateQueues(allocateMessageQueueAveragely, 'G', '', queues(1), [''])).toThrow(RangeError);
  });

  it('sorts queues by topic, brokerName, queueId and ids by String.compareTo before allocating', () => {
    const mqs = [
      messageQueue('T', 'broker-b', 0),
      messageQueue('T', 'broker-a', 1),
      messageQueue('T', 'broker-a', 0),
      messageQueue('T', 'broker-b', 1),
    ];
    // "127.0.0.1@10" sorts before "127.0.0.1@9" (character order, not numeric).
    const cids = ['127.0.0.1@9', '127.0.0.1@10'];
    expect(allocateQueues(allocateMessageQueueAveragely, 'G', '127.0.0.1@10', mqs, cids)).toEqual([
      messageQueue('T', 'broker-a', 0),
      messageQueue('T', 'broker-a', 1),
    ]);
  });

  it('splits every queue set exactly once, sizes differing by at most one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 20 }),
        (queueCount, clientCount) => {
          const all = shares(allocateMessageQueueAveragely, queues(queueCount), ids(clientCount));
          const flat = all.flat().sort((a, b) => a - b);
          expect(flat).toEqual(Array.from({ length: queueCount }, (_, i) => i));
          const sizes = all.map((s) => s.length);
          expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});

describe('AllocateMessageQueueAveragelyByCircle', () => {
  it.each([
    [
      8,
      3,
      [
        [0, 3, 6],
        [1, 4, 7],
        [2, 5],
      ],
    ],
    [3, 5, [[0], [1], [2], [], []]],
  ])('%i queues over %i clients', (queueCount, clientCount, expected) => {
    expect(shares(allocateMessageQueueAveragelyByCircle, queues(queueCount), ids(clientCount))).toEqual(
      expected,
    );
  });
});

describe('Java ordering', () => {
  it('compares strings by UTF-16 code unit, then length (String.compareTo)', () => {
    expect(compareJavaStrings('B', 'a')).toBeLessThan(0);
    expect(compareJavaStrings('ab', 'abc')).toBeLessThan(0);
    expect(compareJavaStrings('abc', 'abc')).toBe(0);
    // U+FF21 (one unit, 0xFF21) sorts after U+1F600 (surrogates 0xD83D 0xDE00) in Java, unlike code point order.
    expect(compareJavaStrings('\uff21', '\u{1f600}')).toBeGreaterThan(0);
  });

  it('orders queues by topic first, then broker, then queue id numerically', () => {
    const sorted = [
      messageQueue('b', 'a', 0),
      messageQueue('a', 'z', 10),
      messageQueue('a', 'z', 9),
      messageQueue('a', 'y', 100),
    ].sort(compareMessageQueues);
    expect(sorted.map((q) => `${q.topic}/${q.brokerName}/${q.queueId}`)).toEqual([
      'a/y/100',
      'a/z/9',
      'a/z/10',
      'b/a/0',
    ]);
  });
});
