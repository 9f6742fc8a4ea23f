import type { Broker } from '@skyrocket/broker';
import type { NameServer } from '@skyrocket/nameserver';
import { PushConsumer, type MessageExt, type PushConsumerOptions } from '@skyrocket/client';

import { TestCluster } from '../../client/src/consumer/testing/cluster';
import { startBroker } from '../harness/broker';
import { startNameServer } from '../harness/nameserver';
import { uniqueName } from '../harness/names';
import { waitFor } from '../harness/wait-for';

/** The push consumer against a real NameServer and broker on loopback. */
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
});
