import type { Broker } from '@skyrocket/broker';
import type { NameServer } from '@skyrocket/nameserver';
import { LitePullConsumer, type LitePullConsumerOptions, type MessageExt } from '@skyrocket/client';

import { TestCluster } from '../../client/src/consumer/testing/cluster';
import { startBroker } from '../harness/broker';
import { startNameServer } from '../harness/nameserver';
import { uniqueName } from '../harness/names';
import { waitFor } from '../harness/wait-for';

/** The lite pull consumer against a real NameServer and broker on loopback. */
jest.setTimeout(60_000);

describe('LitePullConsumer', () => {
  let nameServer: NameServer;
  let broker: Broker;
  let cluster: TestCluster;
  const consumers: LitePullConsumer[] = [];

  beforeAll(async () => {
    const ns = await startNameServer();
    nameServer = ns.nameServer;
    const b = await startBroker(ns.address, {
      brokerName: uniqueName('broker'),
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

  function consumer(options: Partial<LitePullConsumerOptions> & { group: string }): LitePullConsumer {
    const c = new LitePullConsumer({
      namesrvAddr: cluster.namesrvAddr,
      clientIP: '127.0.0.1',
      instanceName: uniqueName('lp'),
      consumeFromWhere: 'FIRST_OFFSET',
      rebalanceIntervalMillis: 1000,
      ...options,
    });
    consumers.push(c);
    return c;
  }

  /** Polls until `count` messages arrived (bounded by the deadline). */
  async function pollUntil(c: LitePullConsumer, count: number, timeoutMs = 15_000): Promise<MessageExt[]> {
    const got: MessageExt[] = [];
    const deadline = Date.now() + timeoutMs;
    while (got.length < count && Date.now() < deadline) got.push(...(await c.poll(200)));
    return got;
  }

  const bodies = (messages: MessageExt[]) => messages.map((m) => m.body.toString()).sort();

  it('assigns queues, polls, seeks and commits', async () => {
    const topic = uniqueName('T');
    const group = uniqueName('G');
    await cluster.createTopic(topic, 2);
    const sent = await cluster.sendMany(topic, 2, 20, 'a');
    const c = consumer({ group, autoCommit: false });
    await c.start();
    const queues = await c.fetchMessageQueues(topic);
    expect(queues.map((q) => q.queueId)).toEqual([0, 1]);
    await c.assign(queues);
    expect(c.assignment()).toHaveLength(2);

    const first = await pollUntil(c, 20);
    expect(bodies(first)).toEqual([...sent].sort());
    // Nothing committed yet (autoCommit off).
    expect(await cluster.consumerOffset(group, topic, 0)).toBe(-1);
    await c.commit();
    expect(await c.committed(queues[0]!)).toBe(10);
    expect(await cluster.consumerOffset(group, topic, 1)).toBe(10);

    // Back to offset 5 of queue 0: messages 5..9 of that queue come again.
    await c.seek(queues[0]!, 5);
    const again = await pollUntil(c, 5);
    expect(again.map((m) => m.queueOffset)).toEqual([5, 6, 7, 8, 9]);
    expect(again.every((m) => m.queueId === 0)).toBe(true);

    await c.seekToBegin(queues[1]!);
    expect((await pollUntil(c, 10)).map((m) => m.queueOffset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await c.seekToEnd(queues[1]!);
    await expect(c.seek(queues[1]!, 99)).rejects.toThrow(/outside \[0, 10\]/);
    expect(await c.poll(300)).toEqual([]);
  });

  it('pauses and resumes queues', async () => {
    const topic = uniqueName('T');
    await cluster.createTopic(topic, 2);
    const c = consumer({ group: uniqueName('G') });
    await c.start();
    const queues = await c.fetchMessageQueues(topic);
    await c.assign(queues);
    c.pause([queues[1]!]);
    await cluster.sendMany(topic, 2, 10, 'p');
    const got = await pollUntil(c, 5);
    expect(got.every((m) => m.queueId === 0)).toBe(true);
    expect(await c.poll(500)).toEqual([]);
    c.resume([queues[1]!]);
    const rest = await pollUntil(c, 5);
    expect(rest.map((m) => m.queueId)).toEqual([1, 1, 1, 1, 1]);
  });

  it('subscribes with rebalance and auto-commit, sharing queues with another member', async () => {
    const topic = uniqueName('T');
    const group = uniqueName('G');
    await cluster.createTopic(topic, 4);
    // Queues with only TagB messages answer after the long-poll time: keep it short here.
    const options = { group, autoCommitIntervalMillis: 100, brokerSuspendMaxTimeMillis: 500 };
    const a = consumer(options);
    const b = consumer(options);
    a.subscribe(topic, 'TagA');
    b.subscribe(topic, 'TagA');
    await Promise.all([a.start(), b.start()]);
    await waitFor('two queues each', () => a.assignment().length === 2 && b.assignment().length === 2, {
      timeoutMs: 15_000,
    });
    const sent = await cluster.sendMany(topic, 4, 40, 's', { tags: (i) => (i % 2 === 0 ? 'TagA' : 'TagB') });
    const got: MessageExt[] = [];
    const deadline = Date.now() + 15_000;
    while (got.length < 20 && Date.now() < deadline) {
      got.push(...(await a.poll(100)), ...(await b.poll(100)));
    }
    expect(bodies(got)).toEqual(sent.filter((_, i) => i % 2 === 0).sort());
    // Auto-commit stores the offsets after the polled messages (filtered ones included).
    await waitFor(
      'auto-commit',
      async () => {
        await Promise.all([a.poll(0), b.poll(0)]);
        let sum = 0;
        for (let q = 0; q < 4; q++) sum += Math.max(0, await cluster.consumerOffset(group, topic, q));
        return sum === 40;
      },
      { timeoutMs: 10_000, intervalMs: 150 },
    );
  });

  it('refuses mixing subscribe and assign, and polling before start', async () => {
    const c = consumer({ group: uniqueName('G') });
    c.subscribe(uniqueName('T'));
    await expect(c.assign([])).rejects.toThrow(/cannot be mixed/);
    await expect(c.poll(10)).rejects.toMatchObject({ errorName: 'NOT_STARTED' });
    const idle = consumer({ group: uniqueName('G') });
    await idle.start(); // queues may be assigned after start
    expect(await idle.poll(50)).toEqual([]);
    await idle.shutdown();
    await expect(idle.poll(10)).rejects.toMatchObject({ errorName: 'SHUT_DOWN' });
  });
});
