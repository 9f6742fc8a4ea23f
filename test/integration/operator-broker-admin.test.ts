import * as fs from 'node:fs';
import type { Broker } from '@skyrocket/broker';
import type { NameServer } from '@skyrocket/nameserver';
import { HttpBrokerAdmin } from '../../operator/src/broker-admin/client';
import { desiredTopic, topicMatches, type TopicObject } from '../../operator/src/controllers/topic';
import {
  desiredGroup,
  groupMatches,
  type ConsumerGroupObject,
} from '../../operator/src/controllers/consumer-group';
import { startBroker } from '../harness/broker';
import { startNameServer } from '../harness/nameserver';
import { waitFor } from '../harness/wait-for';

/**
 * The operator's broker admin client against a real broker's HTTP admin API: the contract the k8s tests' fake
 * admin API stands in for. A Topic's desired topic is created, read back as matching, routed by the NameServer,
 * changed, and deleted (then reported as absent).
 */
jest.setTimeout(30_000);

describe('operator broker admin client against a real broker', () => {
  let nameServer: NameServer;
  let broker: Broker;
  let httpUrl: string;
  let storeDir: string;
  const admin = new HttpBrokerAdmin({ timeoutMs: 5000 });
  const topicCr = (spec: TopicObject['spec']): TopicObject => ({ metadata: { name: 'orders' }, spec });

  beforeAll(async () => {
    let namesrvAddr: string;
    ({ nameServer, address: namesrvAddr } = await startNameServer());
    ({ broker, httpUrl, storeDir } = await startBroker(namesrvAddr));
  });

  afterAll(async () => {
    await broker?.stop();
    await nameServer?.stop();
    if (storeDir) fs.rmSync(storeDir, { recursive: true, force: true });
  });

  it('creates, reads back, changes and deletes a Topic’s topic', async () => {
    const first = desiredTopic(
      topicCr({
        clusterRef: { name: 'mq' },
        topicName: 'Orders_V1',
        readQueueNums: 4,
        writeQueueNums: 4,
        order: true,
        messageType: 'FIFO',
      }),
    );
    await admin.putTopic(httpUrl, first);
    const stored = (await admin.topics(httpUrl)).find((t) => t.topicName === 'Orders_V1');
    expect(stored).toMatchObject({ readQueueNums: 4, writeQueueNums: 4, perm: 6, order: true });
    expect(topicMatches(stored, first)).toBe(true);
    await waitFor(
      'route with 4 queues',
      () => nameServer.routes.getTopicRoute('Orders_V1')?.queueDatas[0]?.writeQueueNums === 4,
      {
        timeoutMs: 10_000,
      },
    );

    const changed = desiredTopic(
      topicCr({
        clusterRef: { name: 'mq' },
        topicName: 'Orders_V1',
        readQueueNums: 8,
        writeQueueNums: 8,
        perm: 'read-only',
        messageType: 'FIFO',
      }),
    );
    expect(topicMatches(stored, changed)).toBe(false);
    await admin.putTopic(httpUrl, changed);
    const after = (await admin.topics(httpUrl)).find((t) => t.topicName === 'Orders_V1');
    expect(topicMatches(after, changed)).toBe(true);
    expect(after).toMatchObject({
      writeQueueNums: 8,
      perm: 4,
      order: false,
      attributes: { 'message.type': 'FIFO' },
    });

    expect(await admin.deleteTopic(httpUrl, 'Orders_V1')).toBe(true);
    expect((await admin.topics(httpUrl)).some((t) => t.topicName === 'Orders_V1')).toBe(false);
    expect(await admin.deleteTopic(httpUrl, 'Orders_V1')).toBe(false);
    await waitFor('route gone', () => nameServer.routes.getTopicRoute('Orders_V1') === undefined, {
      timeoutMs: 10_000,
    });
  });

  it('creates, reads back, changes and deletes a ConsumerGroup’s subscription group', async () => {
    const cr = (spec: ConsumerGroupObject['spec']): ConsumerGroupObject => ({
      metadata: { name: 'billing' },
      spec,
    });
    const first = desiredGroup(cr({ clusterRef: { name: 'mq' }, groupName: 'Billing_CG', retryMaxTimes: 3 }));
    await admin.putGroup(httpUrl, first);
    const stored = (await admin.groups(httpUrl)).find((g) => g.groupName === 'Billing_CG');
    expect(stored).toMatchObject({ retryMaxTimes: 3, consumeEnable: true, retryQueueNums: 1 });
    expect(groupMatches(stored, first)).toBe(true);

    const changed = desiredGroup(
      cr({ groupName: 'Billing_CG', retryMaxTimes: 5, consumeMessageOrderly: true }),
    );
    expect(groupMatches(stored, changed)).toBe(false);
    await admin.putGroup(httpUrl, changed);
    expect(
      groupMatches(
        (await admin.groups(httpUrl)).find((g) => g.groupName === 'Billing_CG'),
        changed,
      ),
    ).toBe(true);

    expect(await admin.deleteGroup(httpUrl, 'Billing_CG')).toBe(true);
    expect((await admin.groups(httpUrl)).some((g) => g.groupName === 'Billing_CG')).toBe(false);
    expect(await admin.deleteGroup(httpUrl, 'Billing_CG')).toBe(false);
  });
});
