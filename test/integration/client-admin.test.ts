import * as fs from 'node:fs';
import type { Broker } from '@skyrocket/broker';
import type { NameServer } from '@skyrocket/nameserver';
import { createRequest, encodeHeader, RemotingClient, RequestCode, ResponseCode } from '@skyrocket/remoting';
import { Admin, isClientError, Producer } from '@skyrocket/client';
import { startBroker } from '../harness/broker';
import { startNameServer } from '../harness/nameserver';
import { uniqueName } from '../harness/names';
import { waitFor } from '../harness/wait-for';

async function expectClientError(promise: Promise<unknown>, name: string): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(isClientError(error)).toBe(true);
    expect((error as { errorName: string }).errorName).toBe(name);
    return error as Error;
  }
  throw new Error(`expected a ClientError ${name}`);
}

describe('@skyrocket/client Admin against a Skyrocket NameServer and broker', () => {
  let nameServer: NameServer;
  let broker: Broker;
  let brokerAddr: string;
  let storeDir: string;
  let namesrvAddr: string;
  let admin: Admin;
  let producer: Producer;
  let raw: RemotingClient;

  beforeAll(async () => {
    ({ nameServer, address: namesrvAddr } = await startNameServer());
    ({
      broker,
      address: brokerAddr,
      storeDir,
    } = await startBroker(namesrvAddr, { autoCreateTopicEnable: false }));
    admin = new Admin({ namesrvAddr, instanceName: uniqueName('admin') });
    await admin.start();
    producer = new Producer({ group: uniqueName('PG'), namesrvAddr, instanceName: uniqueName('inst') });
    await producer.start();
    raw = new RemotingClient();
  });

  afterAll(async () => {
    await raw.close();
    await producer.shutdown();
    await admin.shutdown();
    await broker.stop();
    await nameServer.stop();
    fs.rmSync(storeDir, { recursive: true, force: true });
  });

  it('lists clusters with their brokers', async () => {
    const info = await admin.listClusters();
    expect(info.clusters).toEqual([
      { clusterName: 'DefaultCluster', brokers: [{ brokerName: 'broker-a', addresses: { 0: brokerAddr } }] },
    ]);
  });

  it('creates, lists, routes, updates and deletes a topic', async () => {
    const topic = uniqueName('AT');
    expect(await admin.createTopic({ topic, readQueueNums: 3, writeQueueNums: 3 })).toEqual([brokerAddr]);
    await waitFor('the topic in the NameServer', async () => (await admin.listTopics()).includes(topic));
    const route = await admin.topicRoute(topic);
    expect(route.writeQueues).toHaveLength(3);
    await admin.updateTopic({ topic, readQueueNums: 5, writeQueueNums: 5 });
    await waitFor('the updated route', async () => (await admin.topicRoute(topic)).writeQueues.length === 5);
    await admin.deleteTopic(topic);
    expect(await admin.listTopics()).not.toContain(topic);
    await expectClientError(admin.topicRoute(topic), 'TOPIC_NOT_EXIST');
  });

  it('reports topic stats, finds messages by key and id, and reports consume progress and lag', async () => {
    const topic = uniqueName('AT');
    const group = uniqueName('CG');
    await admin.createTopic({ topic, readQueueNums: 2, writeQueueNums: 2 });
    await waitFor(
      'the route',
      async () => (await admin.topicRoute(topic).catch(() => undefined))?.writeQueues.length === 2,
    );
    const sent = [];
    for (let i = 0; i < 6; i++) {
      sent.push(
        await producer.send({
          topic,
          body: Buffer.from(i === 0 ? 'z'.repeat(8000) : `m${i}`),
          keys: [`key-${i % 2}`],
          tags: 'T',
          properties: { idx: String(i) },
        }),
      );
    }
    const stats = await admin.topicStats(topic);
    expect(stats.map((s) => s.queue.queueId)).toEqual([0, 1]);
    expect(stats.reduce((sum, s) => sum + s.maxOffset - s.minOffset, 0)).toBe(6);
    expect(stats.every((s) => s.queue.brokerName === 'broker-a' && s.queue.topic === topic)).toBe(true);

    const byKey = await waitFor('the index', async () => {
      const found = await admin.queryMessageByKey(topic, 'key-1');
      return found.length === 3 ? found : undefined;
    });
    expect(byKey.map((m) => m.properties.idx).sort()).toEqual(['1', '3', '5']);

    // By offset msgId (the broker's id) and by UNIQ_KEY (the client's id, needs the topic); compressed body inflated.
    const byOffset = await admin.queryMessageById(sent[0]!.offsetMsgId);
    expect(byOffset.body.toString()).toBe('z'.repeat(8000));
    expect(byOffset.msgId).toBe(sent[0]!.msgId);
    const byUniq = await admin.queryMessageById(sent[2]!.msgId, { topic });
    expect(byUniq.body.toString()).toBe('m2');
    await expectClientError(admin.queryMessageById('not-an-id'), 'INVALID_ARGUMENT');

    // A consumer group that has committed offsets on the topic: 1 consumed on queue 0, none on queue 1.
    const commit = await raw.invoke(
      brokerAddr,
      createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
        extFields: encodeHeader({ consumerGroup: group, topic, queueId: 0, commitOffset: 1 }),
      }),
      5000,
    );
    expect(commit.code).toBe(ResponseCode.SUCCESS);
    const progress = await admin.consumeProgress(group, topic);
    const q0 = progress.queues.find((q) => q.queue.queueId === 0)!;
    const q1 = progress.queues.find((q) => q.queue.queueId === 1);
    expect(q0.consumerOffset).toBe(1);
    expect(q0.lag).toBe(q0.brokerOffset - 1);
    expect(progress.totalLag).toBe(6 - 1 - (q1 ? q1.consumerOffset : 0));

    // Reset to the beginning (no consumer online: per-queue search + update).
    const reset = await admin.resetOffsetByTimestamp(group, topic, 0);
    expect(reset.map((r) => [r.queue.queueId, r.offset])).toEqual([
      [0, 0],
      [1, 0],
    ]);
    const after = await admin.consumeProgress(group, topic);
    expect(after.totalLag).toBe(6);

    // Reset to the future: every queue at its end.
    const future = await admin.resetOffsetByTimestamp(group, topic, Date.now() + 60_000);
    expect(future.reduce((sum, r) => sum + r.offset, 0)).toBe(6);
  });

  it('lists consumer groups the broker knows, and reports no connection for an offline group', async () => {
    const group = uniqueName('CG');
    const created = await raw.invoke(
      brokerAddr,
      createRequest(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {
        body: Buffer.from(JSON.stringify({ groupName: group, consumeEnable: true, retryMaxTimes: 5 })),
      }),
      5000,
    );
    expect(created.code).toBe(ResponseCode.SUCCESS);
    const groups = await admin.listConsumerGroups();
    const mine = groups.find((g) => g.group === group);
    expect(mine).toMatchObject({ group, brokers: ['broker-a'], retryMaxTimes: 5 });
    const error = await expectClientError(admin.consumerConnections(group), 'BROKER_ERROR');
    expect(error.message).toMatch(/no online consumer/);
  });

  it('refuses bad arguments and use after shutdown', async () => {
    await expectClientError(admin.createTopic({ topic: 'bad topic' }), 'INVALID_ARGUMENT');
    await expectClientError(
      admin.createTopic({ topic: uniqueName('T'), readQueueNums: 0 }),
      'INVALID_ARGUMENT',
    );
    await expectClientError(
      admin.createTopic({ topic: uniqueName('T'), clusterName: 'NoSuchCluster' }),
      'INVALID_ARGUMENT',
    );
    const other = new Admin({ namesrvAddr, instanceName: uniqueName('admin2') });
    await expectClientError(other.listTopics(), 'NOT_STARTED');
    await other.start();
    await other.shutdown();
    await expectClientError(other.listTopics(), 'SHUT_DOWN');
  });
});
