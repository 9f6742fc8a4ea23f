import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Broker } from '@skyrocket/broker';
import type { NameServer } from '@skyrocket/nameserver';
import {
  Producer,
  PushConsumer,
  userProperties,
  type MessageExt,
  type PushConsumerOptions,
} from '@skyrocket/client';

import { TestCluster } from '../../client/src/consumer/testing/cluster';
import { startBroker } from '../harness/broker';
import { startNameServer } from '../harness/nameserver';
import { uniqueName } from '../harness/names';
import { waitFor } from '../harness/wait-for';

/** The push consumer against a real NameServer and broker on loopback. */
jest.setTimeout(60_000);

describe('PushConsumer', () => {
  let nameServer: NameServer;
  let broker: Broker;
  let cluster: TestCluster;
  const consumers: PushConsumer[] = [];

  beforeAll(async () => {
    const ns = await startNameServer();
    nameServer = ns.nameServer;
    const b = await startBroker(ns.address, {
      brokerName: uniqueName('broker'),
      // Every retry level 1 s, so that retries and the DLQ show within a test.
      messageDelayLevel: '1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s',
      registerNameServerPeriodMillis: 1000,
    });
    broker = b.broker;
    cluster = new TestCluster(ns.address, b.address);
  });

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => (c.state === 'RUNNING' ? c.shutdown() : undefined)));
  });

  afterAll(async () => {
    await cluster.close();
    await broker.stop();
    await nameServer.stop();
  });

  function consumer(options: Partial<PushConsumerOptions> & { group: string }): PushConsumer {
    const c = new PushConsumer({
      namesrvAddr: cluster.namesrvAddr,
      clientIP: '127.0.0.1',
      instanceName: uniqueName('c'),
      consumeFromWhere: 'FIRST_OFFSET',
      rebalanceIntervalMillis: 1000,
      persistConsumerOffsetIntervalMillis: 500,
      ...options,
    });
    consumers.push(c);
    return c;
  }

  /** Collects bodies per consumer. */
  function collect(c: PushConsumer, into: string[], extra?: (m: MessageExt) => void): PushConsumer {
    c.onMessage((message) => {
      into.push(message.body.toString());
      extra?.(message);
    });
    return c;
  }

  it('shares a topic between two clustering consumers, each message once', async () => {
    const topic = uniqueName('T');
    const group = uniqueName('G');
    await cluster.createTopic(topic, 8);
    const a: string[] = [];
    const b: string[] = [];
    const ca = collect(consumer({ group }), a).subscribe(topic);
    const cb = collect(consumer({ group }), b).subscribe(topic);
    await Promise.all([ca.start(), cb.start()]);
    await waitFor(
      'both consumers to own 4 queues each',
      () => ca.assignment(topic).length === 4 && cb.assignment(topic).length === 4,
      {
        timeoutMs: 15_000,
      },
    );
    const sent = await cluster.sendMany(topic, 8, 80, 'm');
    await waitFor('all 80 messages', () => a.length + b.length >= 80, { timeoutMs: 20_000 });
    expect([...a, ...b].sort()).toEqual([...sent].sort());
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    // The queues are split with no overlap.
    const qa = ca.assignment(topic).map((q) => q.queueId);
    const qb = cb.assignment(topic).map((q) => q.queueId);
    expect([...qa, ...qb].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  /** Counts deliveries per body. */
  function counts(bodies: string[]): Map<string, number> {
    const map = new Map<string, number>();
    for (const body of bodies) map.set(body, (map.get(body) ?? 0) + 1);
    return map;
  }

  async function waitForCommitted(
    group: string,
    topic: string,
    queues: number,
    total: number,
  ): Promise<void> {
    await waitFor(
      `group ${group} to commit ${total} offsets`,
      async () => {
        let sum = 0;
        for (let q = 0; q < queues; q++) sum += Math.max(0, await cluster.consumerOffset(group, topic, q));
        return sum === total;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
  }

  it('receives what the SDK producer sent: compressed body inflated, tags, keys, properties, msgId', async () => {
    const topic = uniqueName('T');
    await cluster.createTopic(topic, 2);
    const producer = new Producer({
      group: uniqueName('PG'),
      namesrvAddr: cluster.namesrvAddr,
      clientIP: '127.0.0.1',
    });
    await producer.start();
    try {
      const received: MessageExt[] = [];
      const c = consumer({ group: uniqueName('G') }).subscribe(topic, 'big');
      c.onMessage((m) => {
        received.push(m);
      });
      await c.start();
      const body = Buffer.from('0123456789abcdef'.repeat(1024)); // 16 KiB: above the producer's 4 KiB threshold
      const result = await producer.send({
        topic,
        body,
        tags: 'big',
        keys: ['k1', 'k2'],
        properties: { region: 'eu' },
      });
      await producer.send({ topic, body: 'small', tags: 'other' });
      await waitFor('the big message', () => received.length >= 1, { timeoutMs: 15_000 });
      const [m] = received;
      expect(m?.body.equals(body)).toBe(true);
      expect(m?.bodyCompressed).toBe(false);
      expect(m?.storeSize).toBeLessThan(body.length); // it was stored compressed
      expect(m?.msgId).toBe(result.msgId);
      expect(m?.offsetMsgId).toBe(result.offsetMsgId);
      expect(m?.tags).toBe('big');
      expect(m?.keys).toEqual(['k1', 'k2']);
      expect(userProperties(m!)).toEqual({ region: 'eu' });
      expect(m?.queueOffset).toBe(result.queueOffset);
    } finally {
      await producer.shutdown();
    }
  });

  it('rebalances when a consumer joins and leaves, losing nothing and (idle) repeating nothing', async () => {
    const topic = uniqueName('T');
    const group = uniqueName('G');
    await cluster.createTopic(topic, 8);
    const received: string[] = [];
    const a = collect(consumer({ group }), received).subscribe(topic);
    const rebalances: number[] = [];
    a.on('rebalanced', (e) => {
      if (e.topic === topic) rebalances.push(e.queues.length);
    });
    await a.start();
    await waitFor('A to own all 8 queues', () => a.assignment(topic).length === 8, { timeoutMs: 15_000 });
    const phase1 = await cluster.sendMany(topic, 8, 40, 'p1');
    await waitFor('phase 1', () => received.length >= 40, { timeoutMs: 20_000 });
    await waitForCommitted(group, topic, 8, 40);

    // B joins: the broker notifies the group and both rebalance to 4 + 4.
    const b = collect(consumer({ group }), received).subscribe(topic);
    await b.start();
    await waitFor(
      'A and B to own 4 queues each',
      () => a.assignment(topic).length === 4 && b.assignment(topic).length === 4,
      {
        timeoutMs: 15_000,
      },
    );
    const phase2 = await cluster.sendMany(topic, 8, 40, 'p2');
    await waitFor('phase 2', () => received.length >= 80, { timeoutMs: 20_000 });
    await waitForCommitted(group, topic, 8, 80);

    // B leaves: shutdown commits its offsets and unregisters, and A takes every queue back.
    await b.shutdown();
    await waitFor('A to own all 8 queues again', () => a.assignment(topic).length === 8, {
      timeoutMs: 15_000,
    });
    const phase3 = await cluster.sendMany(topic, 8, 40, 'p3');
    await waitFor('phase 3', () => received.length >= 120, { timeoutMs: 20_000 });

    const delivered = counts(received);
    expect([...delivered.keys()].sort()).toEqual([...phase1, ...phase2, ...phase3].sort());
    // The group was idle at both handovers, so nothing was delivered twice.
    expect([...delivered.values()].every((n) => n === 1)).toBe(true);
    expect(rebalances).toEqual(expect.arrayContaining([8, 4]));
  });

  it('loses nothing while members join and leave under continuous production', async () => {
    const topic = uniqueName('T');
    const group = uniqueName('G');
    await cluster.createTopic(topic, 8);
    const received: string[] = [];
    const a = collect(consumer({ group }), received).subscribe(topic);
    await a.start();
    await waitFor('A to own all 8 queues', () => a.assignment(topic).length === 8, { timeoutMs: 15_000 });
    const sent: string[] = [];
    let producing = true;
    const producer = (async () => {
      for (let i = 0; producing && i < 5000; i++) {
        const body = `c-${i}`;
        await cluster.send(topic, i % 8, body);
        sent.push(body);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    try {
      await waitFor('production under way', () => sent.length >= 50, { timeoutMs: 15_000 });
      const b = collect(consumer({ group }), received).subscribe(topic);
      await b.start();
      await waitFor(
        'A and B to split the queues',
        () => a.assignment(topic).length === 4 && b.assignment(topic).length === 4,
        {
          timeoutMs: 15_000,
        },
      );
      const c = collect(consumer({ group }), received).subscribe(topic);
      await c.start();
      await waitFor('three members to split the queues', () => c.assignment(topic).length >= 2, {
        timeoutMs: 15_000,
      });
      await b.shutdown();
      await waitFor(
        "A and C to take B's queues",
        () => a.assignment(topic).length + c.assignment(topic).length === 8,
        {
          timeoutMs: 15_000,
        },
      );
    } finally {
      producing = false;
      await producer;
    }
    await waitFor('every message sent', () => new Set(received).size >= sent.length, { timeoutMs: 30_000 });
    expect([...new Set(received)].sort()).toEqual([...sent].sort());
  });

  it('delivers every message to every BROADCASTING consumer, offsets in a local file', async () => {
    const topic = uniqueName('T');
    const group = uniqueName('G');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-broadcast-'));
    try {
      await cluster.createTopic(topic, 4);
      const a: string[] = [];
      const b: string[] = [];
      const options = { group, messageModel: 'BROADCASTING' as const, localOffsetStoreDir: dir };
      const ca = collect(consumer(options), a).subscribe(topic);
      const cb = collect(consumer(options), b).subscribe(topic);
      await Promise.all([ca.start(), cb.start()]);
      expect(ca.assignment(topic)).toHaveLength(4);
      expect(cb.assignment(topic)).toHaveLength(4);
      const sent = await cluster.sendMany(topic, 4, 20, 'b');
      await waitFor('both consumers to get all 20', () => a.length >= 20 && b.length >= 20, {
        timeoutMs: 20_000,
      });
      expect([...a].sort()).toEqual([...sent].sort());
      expect([...b].sort()).toEqual([...sent].sort());
      const clientId = ca.clientId ?? '';
      await ca.shutdown();
      const file = path.join(dir, clientId, group, 'offsets.json');
      const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { offsetTable: Array<{ offset: number }> };
      expect(stored.offsetTable.reduce((sum, e) => sum + e.offset, 0)).toBe(20);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps per-queue order with an orderly listener, redelivering a suspended batch first', async () => {
    const topic = uniqueName('T');
    const group = uniqueName('G');
    await cluster.createTopic(topic, 4);
    for (let i = 0; i < 15; i++) {
      for (let q = 0; q < 4; q++) await cluster.send(topic, q, `${q}:${i}`);
    }
    const perQueue = new Map<number, number[]>();
    let suspendedOnce = false;
    const c = consumer({ group, consumeThreadMax: 4 }).subscribe(topic);
    c.onMessageOrderly((messages) => {
      for (const m of messages) {
        const [queue, index] = m.body.toString().split(':').map(Number);
        if (queue === 2 && index === 5 && !suspendedOnce) {
          suspendedOnce = true;
          return 'SUSPEND_CURRENT_QUEUE_A_MOMENT';
        }
        const list = perQueue.get(queue ?? -1) ?? [];
        list.push(index ?? -1);
        perQueue.set(queue ?? -1, list);
      }
      return 'SUCCESS';
    });
    await c.start();
    await waitFor(
      '60 messages in order',
      () => [...perQueue.values()].reduce((n, l) => n + l.length, 0) >= 60,
      {
        timeoutMs: 20_000,
      },
    );
    const expected = Array.from({ length: 15 }, (_, i) => i);
    for (let q = 0; q < 4; q++) expect(perQueue.get(q)).toEqual(expected);
    expect(suspendedOnce).toBe(true);
  });

  it('hands orderly queues over between members through the broker locks, order kept', async () => {
    const topic = uniqueName('T');
    const group = uniqueName('G');
    await cluster.createTopic(topic, 4);
    const perQueue = new Map<number, number[]>();
    const orderly = () => {
      const c = consumer({ group }).subscribe(topic);
      c.onMessageOrderly((messages) => {
        for (const m of messages) {
          const list = perQueue.get(m.queueId) ?? [];
          list.push(Number(m.body.toString()));
          perQueue.set(m.queueId, list);
        }
      });
      return c;
    };
    const total = () => [...perQueue.values()].reduce((n, l) => n + l.length, 0);
    const sendRound = async (from: number, to: number) => {
      for (let i = from; i < to; i++) for (let q = 0; q < 4; q++) await cluster.send(topic, q, String(i));
    };
    const a = orderly();
    await a.start();
    await waitFor('A to lock all 4 queues', () => a.assignment(topic).length === 4, { timeoutMs: 15_000 });
    await sendRound(0, 10);
    await waitFor('round 1', () => total() >= 40, { timeoutMs: 20_000 });
    await waitForCommitted(group, topic, 4, 40);
    const b = orderly();
    await b.start();
    await waitFor(
      'A and B to hold 2 queues each',
      () => a.assignment(topic).length === 2 && b.assignment(topic).length === 2,
      {
        timeoutMs: 20_000,
      },
    );
    await sendRound(10, 20);
    await waitFor('round 2', () => total() >= 80, { timeoutMs: 20_000 });
    const expected = Array.from({ length: 20 }, (_, i) => i);
    for (let q = 0; q < 4; q++) expect(perQueue.get(q)).toEqual(expected);
  });

  it('redelivers RECONSUME_LATER messages with growing reconsumeTimes, then moves them to the DLQ', async () => {
    const topic = uniqueName('T');
    const group = uniqueName('G');
    await cluster.createTopic(topic, 1);
    const attempts: number[] = [];
    const good: string[] = [];
    const c = consumer({ group, maxReconsumeTimes: 2 }).subscribe(topic);
    c.onMessage((m) => {
      if (m.body.toString() === 'bad') {
        expect(m.topic).toBe(topic); // a retried message shows its original topic
        attempts.push(m.reconsumeTimes);
        return 'RECONSUME_LATER';
      }
      good.push(m.body.toString());
      return undefined;
    });
    await c.start();
    await cluster.send(topic, 0, 'bad');
    await cluster.send(topic, 0, 'good');
    await waitFor('three attempts at the bad message', () => attempts.length >= 3, { timeoutMs: 30_000 });
    expect(attempts).toEqual([0, 1, 2]);
    expect(good).toEqual(['good']);

    const dlqTopic = `%DLQ%${group}`;
    await cluster.waitForRoute(dlqTopic);
    const dead: MessageExt[] = [];
    const reader = consumer({ group: uniqueName('DLQREADER') }).subscribe(dlqTopic);
    reader.onMessage((m) => {
      dead.push(m);
    });
    await reader.start();
    await waitFor('the bad message in the DLQ', () => dead.length >= 1, { timeoutMs: 15_000 });
    expect(dead.map((m) => m.body.toString())).toEqual(['bad']);
    expect(dead[0]?.properties.RETRY_TOPIC ?? dead[0]?.properties.DLQ_ORIGIN_TOPIC).toBe(topic);
    // No fourth attempt arrives after the message went to the DLQ.
    expect(attempts).toHaveLength(3);
  });

  it('gives up on a listener call that outlives consumeTimeoutMillis and redelivers its message', async () => {
    const topic = uniqueName('T');
    await cluster.createTopic(topic, 1);
    const deliveries: number[] = [];
    const failures: unknown[] = [];
    const c = consumer({ group: uniqueName('G'), consumeTimeoutMillis: 300, consumeThreadMax: 1 }).subscribe(
      topic,
    );
    c.on('consumeFailed', (e) => failures.push(e.error));
    c.onMessage((m) => {
      deliveries.push(m.reconsumeTimes);
      // The first delivery never finishes; the retry does.
      return m.reconsumeTimes === 0 ? new Promise(() => undefined) : undefined;
    });
    await c.start();
    await cluster.send(topic, 0, 'hangs');
    await waitFor('the redelivery', () => deliveries.length >= 2, { timeoutMs: 20_000 });
    expect(deliveries).toEqual([0, 1]);
    expect(failures).toEqual([expect.objectContaining({ errorName: 'REQUEST_TIMEOUT' })]);
  });

  it('starts a new group from the first offset, the last offset or a timestamp', async () => {
    const topic = uniqueName('T');
    await cluster.createTopic(topic, 2);
    const before = await cluster.sendMany(topic, 2, 6, 'old');
    // Strictly after every old message's store time (a send's answer can come back within the same millisecond).
    const boundary = Date.now() + 1;
    await waitFor('the clock to move past the boundary', () => Date.now() > boundary + 1, { intervalMs: 5 });
    const middle = await cluster.sendMany(topic, 2, 4, 'mid');

    const first: string[] = [];
    const last: string[] = [];
    const byTime: string[] = [];
    const cFirst = collect(
      consumer({ group: uniqueName('G'), consumeFromWhere: 'FIRST_OFFSET' }),
      first,
    ).subscribe(topic);
    const cLast = collect(
      consumer({ group: uniqueName('G'), consumeFromWhere: 'LAST_OFFSET' }),
      last,
    ).subscribe(topic);
    const cTime = collect(
      consumer({ group: uniqueName('G'), consumeFromWhere: 'TIMESTAMP', consumeTimestamp: boundary }),
      byTime,
    ).subscribe(topic);
    await Promise.all([cFirst.start(), cLast.start(), cTime.start()]);
    await waitFor('LAST_OFFSET consumer to own both queues', () => cLast.assignment(topic).length === 2, {
      timeoutMs: 15_000,
    });
    const after = await cluster.sendMany(topic, 2, 4, 'new');
    await waitFor(
      'every consumer to see the new messages',
      () => first.length >= 14 && last.length >= 4 && byTime.length >= 8,
      {
        timeoutMs: 20_000,
      },
    );
    expect([...first].sort()).toEqual([...before, ...middle, ...after].sort());
    expect([...last].sort()).toEqual([...after].sort());
    expect([...byTime].sort()).toEqual([...middle, ...after].sort());
  });

  it('filters by tag and by several tags', async () => {
    const topic = uniqueName('T');
    await cluster.createTopic(topic, 2);
    const tags = ['TagA', 'TagB', 'TagC', undefined];
    const sent = await cluster.sendMany(topic, 2, 40, 't', { tags: (i) => tags[i % 4] });
    const ac: string[] = [];
    const bOnly: string[] = [];
    const all: string[] = [];
    const cAC = collect(consumer({ group: uniqueName('G') }), ac).subscribe(topic, 'TagA || TagC');
    const cB = collect(consumer({ group: uniqueName('G') }), bOnly).subscribe(topic, 'TagB');
    const cAll = collect(consumer({ group: uniqueName('G') }), all).subscribe(topic, '*');
    await Promise.all([cAC.start(), cB.start(), cAll.start()]);
    await waitFor('filtered deliveries', () => ac.length >= 20 && bOnly.length >= 10 && all.length >= 40, {
      timeoutMs: 20_000,
    });
    const withTag = (tag: string) => sent.filter((_, i) => tags[i % 4] === tag);
    expect([...ac].sort()).toEqual([...withTag('TagA'), ...withTag('TagC')].sort());
    expect([...bOnly].sort()).toEqual(withTag('TagB').sort());
    expect(all).toHaveLength(40);
  });

  it('pauses pulling while a slow listener has the threshold cached', async () => {
    const topic = uniqueName('T');
    const group = uniqueName('G');
    await cluster.createTopic(topic, 1);
    await cluster.sendMany(topic, 1, 100, 'f');
    let maxCached = 0;
    let consumed = 0;
    const pauses: string[] = [];
    const c = consumer({ group, pullThresholdForQueue: 10, pullBatchSize: 5, consumeThreadMax: 1 }).subscribe(
      topic,
    );
    c.on('flowControl', (e) => pauses.push(e.reason));
    c.onMessage(async () => {
      for (const stats of c.queueStats()) maxCached = Math.max(maxCached, stats.cachedMessages);
      await new Promise((resolve) => setTimeout(resolve, 10));
      consumed++;
    });
    await c.start();
    await waitFor('all 100 consumed', () => consumed >= 100, { timeoutMs: 30_000 });
    // A pull is only sent while no more than the threshold is cached, so at most one batch more is held.
    expect(maxCached).toBeLessThanOrEqual(15);
    expect(maxCached).toBeGreaterThanOrEqual(10);
    expect(pauses).toContain('count');
  });

  it('continues from the committed offsets after a restart', async () => {
    const topic = uniqueName('T');
    const group = uniqueName('G');
    await cluster.createTopic(topic, 4);
    const first: string[] = [];
    const c1 = collect(consumer({ group }), first).subscribe(topic);
    await c1.start();
    const batch1 = await cluster.sendMany(topic, 4, 20, 'r1');
    await waitFor('batch 1', () => first.length >= 20, { timeoutMs: 20_000 });
    await c1.shutdown();
    // Shutdown committed every queue's offset.
    for (let q = 0; q < 4; q++) expect(await cluster.consumerOffset(group, topic, q)).toBe(5);
    const batch2 = await cluster.sendMany(topic, 4, 8, 'r2');
    const second: string[] = [];
    const c2 = collect(consumer({ group }), second).subscribe(topic);
    await c2.start();
    await waitFor('batch 2', () => second.length >= 8, { timeoutMs: 20_000 });
    expect([...first].sort()).toEqual([...batch1].sort());
    expect([...second].sort()).toEqual([...batch2].sort());
  });

  it('shuts down gracefully: waits for listeners in flight (bounded) and commits what finished', async () => {
    const topic = uniqueName('T');
    const group = uniqueName('G');
    await cluster.createTopic(topic, 1);
    await cluster.sendMany(topic, 1, 3, 'g');
    const started: string[] = [];
    const finished: string[] = [];
    const c = consumer({ group, consumeThreadMax: 1 }).subscribe(topic);
    c.onMessage(async (m) => {
      started.push(m.body.toString());
      await new Promise((resolve) => setTimeout(resolve, 300));
      finished.push(m.body.toString());
    });
    await c.start();
    await waitFor('the first listener call', () => started.length >= 1, { timeoutMs: 15_000 });
    await c.shutdown();
    expect(finished).toEqual(started); // nothing was cut off
    expect(await cluster.consumerOffset(group, topic, 0)).toBe(finished.length);

    // A listener that never returns holds shutdown only for awaitTerminationMillisWhenShutdown, and its message
    // stays uncommitted (it is delivered again to the next member).
    const stuckGroup = uniqueName('G');
    let entered = false;
    const stuck = consumer({ group: stuckGroup, awaitTerminationMillisWhenShutdown: 300 }).subscribe(topic);
    stuck.onMessage(() => {
      entered = true;
      return new Promise(() => undefined);
    });
    await stuck.start();
    await waitFor('the stuck listener', () => entered, { timeoutMs: 15_000 });
    const before = Date.now();
    await stuck.shutdown();
    expect(Date.now() - before).toBeLessThan(5000);
    expect(await cluster.consumerOffset(stuckGroup, topic, 0)).toBeLessThanOrEqual(0);
  });

  it('refuses bad options, a missing listener, a second start and use after shutdown', async () => {
    expect(() => new PushConsumer({ group: 'bad group!', namesrvAddr: cluster.namesrvAddr })).toThrow(
      /group/,
    );
    expect(
      () => new PushConsumer({ group: 'G', namesrvAddr: cluster.namesrvAddr, pullBatchSize: 0 }),
    ).toThrow(/pullBatchSize/);
    const noListener = consumer({ group: uniqueName('G') }).subscribe(uniqueName('T'));
    await expect(noListener.start()).rejects.toThrow(/no listener/);
    const topic = uniqueName('T');
    await cluster.createTopic(topic, 1);
    const c = collect(consumer({ group: uniqueName('G') }), []).subscribe(topic);
    expect(() => c.subscribe(topic, '||')).toThrow(/names no tag/);
    expect(() => c.subscribe('bad topic')).toThrow(/may only contain/);
    expect(() => c.subscribe('')).toThrow(/topic is required/);
    await c.start();
    await expect(c.start()).rejects.toMatchObject({ errorName: 'ALREADY_STARTED' });
    expect(() => c.onMessage(() => undefined)).toThrow(/before start/);
    await c.shutdown();
    await expect(c.shutdown()).rejects.toMatchObject({ errorName: 'SHUT_DOWN' });
    await expect(c.rebalance()).rejects.toMatchObject({ errorName: 'SHUT_DOWN' });
  });
});
