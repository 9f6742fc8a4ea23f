import { inflateSync } from 'node:zlib';
import { decodeBatchMessages, MessageSysFlag } from '@skyrocket/remoting';
import { isClientError } from '../errors';
import type { MessageQueue } from '../core/route';
import { decompressBody, maybeCompress, ZLIB_COMPRESSED_SYS_FLAG } from './compression';
import { FaultStrategy, notAvailableDuration, QueueCursor } from './fault-strategy';
import { InFlightLimiter } from './in-flight-limiter';
import { isReservedPropertyName, prepareMessage, type Message } from './message';
import { selectQueueByHash } from './queue-selector';
import { encodeBatchMessages } from '@skyrocket/remoting';

const queues = (spec: Record<string, number>): MessageQueue[] =>
  Object.entries(spec).flatMap(([brokerName, n]) =>
    Array.from({ length: n }, (_, queueId) => ({ topic: 'T', brokerName, queueId })),
  );

describe('queue selection by hash', () => {
  it('matches Java SelectMessageQueueByHash for String keys', () => {
    const qs = queues({ a: 4, b: 4 });
    // "order-1".hashCode() = -1207111310 in Java: % 8 = -6 → 6.
    expect(selectQueueByHash(qs, 'order-1')).toEqual(qs[6]);
    // "abc".hashCode() = 96354: % 8 = 2.
    expect(selectQueueByHash(qs, 'abc')).toEqual(qs[2]);
    // "polygenelubricants".hashCode() is Integer.MIN_VALUE: Java's % then abs gives 0, not a negative index.
    expect(selectQueueByHash(qs, 'polygenelubricants')).toEqual(qs[0]);
    for (const key of ['', 'zz', '💥']) {
      const q = selectQueueByHash(qs, key);
      expect(qs).toContain(q);
    }
  });
});

describe('fault strategy', () => {
  it('maps latencies to not-available durations as Java 5.x does', () => {
    expect(notAvailableDuration(10)).toBe(0);
    expect(notAvailableDuration(549)).toBe(0);
    expect(notAvailableDuration(550)).toBe(2000);
    expect(notAvailableDuration(1800)).toBe(5000);
    expect(notAvailableDuration(10_000)).toBe(10_000);
    expect(notAvailableDuration(20_000)).toBe(30_000);
  });

  it('steps around a failed broker until its penalty has passed', () => {
    let now = 1_000_000;
    const fault = new FaultStrategy({ now: () => now });
    const qs = queues({ a: 2, b: 2 });
    const cursor = new QueueCursor();
    fault.update('b', 5, true);
    for (let i = 0; i < 20; i++) expect(fault.select(qs, cursor)?.brokerName).toBe('a');
    now += 10_000;
    const seen = new Set(Array.from({ length: 20 }, () => fault.select(qs, cursor)?.brokerName));
    expect(seen).toEqual(new Set(['a', 'b']));
  });

  it('avoids the broker of the previous attempt, and still returns a queue when every broker is marked', () => {
    const fault = new FaultStrategy({ now: () => 0 });
    const qs = queues({ a: 2, b: 2 });
    const cursor = new QueueCursor();
    for (let i = 0; i < 10; i++) expect(fault.select(qs, cursor, 'a')?.brokerName).toBe('b');
    fault.update('a', 5, true, false);
    fault.update('b', 5, true, false);
    expect(fault.select(qs, cursor)).toBeDefined();
    expect(fault.select([], cursor)).toBeUndefined();
  });

  it('penalises slow brokers by latency', () => {
    const fault = new FaultStrategy({ now: () => 0 });
    fault.update('slow', 600, false);
    fault.update('fast', 20, false);
    expect(fault.isAvailable('slow')).toBe(false);
    expect(fault.isAvailable('fast')).toBe(true);
  });
});

describe('compression', () => {
  it('deflates bodies over the threshold with COMPRESSED | ZLIB type bits', () => {
    const body = Buffer.from('a'.repeat(10_000));
    const compressed = maybeCompress(body, 4096, 5);
    expect(compressed.sysFlag).toBe(ZLIB_COMPRESSED_SYS_FLAG);
    expect(compressed.sysFlag).toBe(0x301);
    expect(inflateSync(compressed.body).equals(body)).toBe(true);
    expect(
      decompressBody(
        compressed.body,
        compressed.sysFlag | MessageSysFlag.TRANSACTION_PREPARED_TYPE,
      ).body.equals(body),
    ).toBe(true);
    // Java clients before the type bits set COMPRESSED only: still zlib.
    expect(decompressBody(compressed.body, MessageSysFlag.COMPRESSED_FLAG).body.equals(body)).toBe(true);
  });

  it('leaves small and incompressible bodies alone', () => {
    expect(maybeCompress(Buffer.from('short'), 4096, 5).sysFlag).toBe(0);
    const random = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919 + 13) % 251));
    const result = maybeCompress(random, 10, 5);
    if (result.sysFlag === 0) expect(result.body).toBe(random);
    else expect(result.body.length).toBeLessThan(random.length);
  });
});

describe('message preparation', () => {
  it('turns typed fields into system properties and keeps user properties', () => {
    const prepared = prepareMessage(
      {
        topic: 'T',
        body: 'x',
        tags: 'A',
        keys: ['k1', 'k2'],
        delayTimeLevel: 3,
        waitStoreMsgOK: false,
        properties: { u: 'v' },
      },
      1024,
    );
    expect(Object.fromEntries(prepared.properties)).toEqual({
      TAGS: 'A',
      KEYS: 'k1 k2',
      DELAY: '3',
      WAIT: 'false',
      u: 'v',
    });
  });

  it('refuses reserved names, separators, bad topics, empty and oversized bodies', () => {
    const bad: Message[] = [
      { topic: 'T', body: 'x', properties: { TAGS: 'x' } },
      { topic: 'T', body: 'x', properties: { 'a\u0001b': 'x' } },
      { topic: 'T', body: 'x', tags: 'a\u0002' },
      { topic: 'has space', body: 'x' },
      { topic: 'TBW102', body: 'x' },
      { topic: 'T'.repeat(128), body: 'x' },
      { topic: 'T', body: '' },
      { topic: 'T', body: 'x'.repeat(2000) },
      { topic: 'T', body: 'x', delayTimeLevel: -1 },
      { topic: 'T', body: 'x', flag: 2 ** 40 },
    ];
    for (const message of bad) {
      let error: unknown;
      try {
        prepareMessage(message, 1024);
      } catch (e) {
        error = e;
      }
      expect(isClientError(error, 'INVALID_ARGUMENT')).toBe(true);
    }
    expect(isReservedPropertyName('UNIQ_KEY')).toBe(true);
    expect(isReservedPropertyName('orderId')).toBe(false);
  });
});

describe('batch encoding', () => {
  it('round-trips through the remoting batch codec with per-message properties', () => {
    const body = encodeBatchMessages([
      {
        flag: 1,
        body: Buffer.from('one'),
        properties: new Map([
          ['UNIQ_KEY', 'U1'],
          ['TAGS', 't'],
        ]),
      },
      { flag: 0, body: Buffer.from('two'), properties: new Map([['UNIQ_KEY', 'U2']]) },
    ]);
    const decoded = decodeBatchMessages(body);
    expect(decoded.map((m) => m.body.toString())).toEqual(['one', 'two']);
    expect(decoded[0]?.properties.get('TAGS')).toBe('t');
    expect(decoded[1]?.properties.get('UNIQ_KEY')).toBe('U2');
    expect(decoded[0]?.flag).toBe(1);
  });
});

describe('in-flight limiter', () => {
  it('queues sends over the limit and times them out', async () => {
    const limiter = new InFlightLimiter(1);
    expect(limiter.tryAcquire()).toBe(true);
    const waiting = limiter.acquire(5000);
    expect(limiter.waiting).toBe(1);
    limiter.release();
    await waiting;
    expect(limiter.inFlight).toBe(1);
    await expect(limiter.acquire(10)).rejects.toMatchObject({ errorName: 'TOO_MANY_IN_FLIGHT' });
    limiter.release();
    expect(limiter.inFlight).toBe(0);
  });
});
