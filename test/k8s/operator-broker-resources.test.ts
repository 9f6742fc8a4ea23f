/**
 * Topic and ConsumerGroup CRs on a real apiserver (they share one reconcile, controllers/broker-resource.ts). Topic: the operator creates the topic on every ready master of the referenced
 * BrokerCluster through the admin API (the fake one of operator-fixtures.ts), keeps it as specified, reports
 * status, refuses a second Topic for the same name, and removes the topic from the brokers before the Topic goes.
 * The CRD's own validation (queue counts, names, immutable fields) is checked against the same apiserver.
 * ConsumerGroup: the same path with subscription-group settings, RocketMQ's defaults filled in by the CRD.
 */
import { Resources } from '../../operator/src/runtime/resources';
import type { KubeClient } from '../../operator/src/runtime/kube-client';
import type { KubeObject } from '../../operator/src/runtime/types';
import { waitFor } from '../harness/wait-for';
import {
  condition,
  eventsFor,
  markPodReady,
  startOperatorEnvironment,
  type ConditionView,
  type FakeBrokerAdmin,
  type OperatorEnvironment,
} from './operator-fixtures';

jest.setTimeout(120_000);

const NS = 'topics';
type TopicCr = KubeObject & {
  spec: Record<string, unknown>;
  status?: { conditions?: ConditionView[]; groupsApplied?: number; groups?: number; topicName?: string };
};

describe('Topic', () => {
  let env: OperatorEnvironment;
  let client: KubeClient;
  let admin: FakeBrokerAdmin;

  const wait = <T>(what: string, check: () => Promise<T> | T, timeoutMs = 30_000) =>
    waitFor(what, check, { timeoutMs, intervalMs: 100 });
  const getTopic = (name: string) => client.find<TopicCr>(Resources.Topic, NS, name);
  const createTopic = (name: string, spec: Record<string, unknown>) =>
    client.create(Resources.Topic, {
      apiVersion: 'skyrocket.dev/v1alpha1',
      kind: 'Topic',
      metadata: { name, namespace: NS },
      spec,
    } as KubeObject);
  /** A broker pod as the StatefulSet would create it (no controller-manager here): only its name and labels matter. */
  const createPod = (name: string) =>
    client.create(Resources.Pod, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: NS, labels: { 'app.kubernetes.io/name': 'skyrocket' } },
      spec: { containers: [{ name: 'broker', image: 'skyrocket:test' }] },
    } as KubeObject);
  const refused = async (name: string, spec: Record<string, unknown>) => {
    try {
      await createTopic(name, spec);
    } catch (error) {
      return String(error);
    }
    throw new Error(`Topic ${name} was accepted`);
  };

  beforeAll(async () => {
    env = await startOperatorEnvironment({ namespace: NS });
    ({ client, admin } = env);
    await client.create(Resources.BrokerCluster, {
      apiVersion: 'skyrocket.dev/v1alpha1',
      kind: 'BrokerCluster',
      metadata: { name: 'mq', namespace: NS },
      spec: { nameServerRef: { name: 'ns' }, groups: 2, replicasPerGroup: 1 },
    } as KubeObject);
    await createPod('mq-g0-0');
    await createPod('mq-g1-0');
    await markPodReady(client, NS, 'mq-g0-0');
  }, 300_000);

  afterAll(async () => {
    await env?.stop();
  });

  it('creates the topic on each master once it is ready, and reports how many groups have it', async () => {
    await createTopic('orders', {
      clusterRef: { name: 'mq' },
      topicName: 'Orders_V1',
      readQueueNums: 4,
      writeQueueNums: 4,
      order: true,
      messageType: 'FIFO',
    });
    const waiting = await wait('WaitingForBrokers with one group applied', async () => {
      const t = await getTopic('orders');
      return t?.status?.groupsApplied === 1 && condition(t, 'Ready')?.reason === 'WaitingForBrokers'
        ? t
        : undefined;
    });
    expect(condition(waiting, 'Ready')).toMatchObject({
      status: 'False',
      message: expect.stringContaining('mq-g1'),
    });
    expect(waiting.metadata.finalizers).toContain('skyrocket.dev/topic-cleanup');
    expect(admin.broker('mq-g0-0').topics.get('Orders_V1')).toMatchObject({
      readQueueNums: 4,
      writeQueueNums: 4,
      perm: 6,
      order: true,
      attributes: { 'message.type': 'FIFO' },
    });
    expect(admin.broker('mq-g1-0').topics.has('Orders_V1')).toBe(false);

    await markPodReady(client, NS, 'mq-g1-0');
    const ready = await wait('Ready on both groups', async () => {
      const t = await getTopic('orders');
      return condition(t, 'Ready')?.status === 'True' ? t : undefined;
    });
    expect(ready.status).toMatchObject({ topicName: 'Orders_V1', groups: 2, groupsApplied: 2 });
    expect(condition(ready, 'Degraded')?.status).toBe('False');
    expect(admin.broker('mq-g1-0').topics.get('Orders_V1')).toMatchObject({ writeQueueNums: 4, order: true });
    const events = await eventsFor(client, NS, 'orders');
    expect(events.map((e) => e.reason)).toContain('TopicApplied');
  });

  it('applies a spec change to every master', async () => {
    await client.mergePatch(Resources.Topic, NS, 'orders', {
      spec: { readQueueNums: 8, writeQueueNums: 8, perm: 'read-only' },
    });
    await wait('8 queues, read-only, on both masters', () =>
      ['mq-g0-0', 'mq-g1-0'].every((pod) => {
        const t = admin.broker(pod).topics.get('Orders_V1');
        return t?.writeQueueNums === 8 && t.readQueueNums === 8 && t.perm === 4;
      }),
    );
  });

  it('reports a second Topic for the same name as a conflict and never touches the brokers with it', async () => {
    await createTopic('orders-again', {
      clusterRef: { name: 'mq' },
      topicName: 'Orders_V1',
      readQueueNums: 1,
      writeQueueNums: 1,
    });
    const conflict = await wait('TopicConflict', async () => {
      const t = await getTopic('orders-again');
      return condition(t, 'Ready')?.reason === 'TopicConflict' ? t : undefined;
    });
    expect(condition(conflict, 'Ready')?.message).toContain('Topic orders already manages topic Orders_V1');
    expect(admin.broker('mq-g0-0').topics.get('Orders_V1')?.writeQueueNums).toBe(8);

    await client.delete(Resources.Topic, NS, 'orders-again');
    await wait('orders-again gone', async () => (await getTopic('orders-again')) === undefined);
    expect(admin.broker('mq-g0-0').topics.has('Orders_V1')).toBe(true);
    expect(admin.broker('mq-g1-0').topics.has('Orders_V1')).toBe(true);
  });

  it('says so when the BrokerCluster does not exist', async () => {
    await createTopic('stray', { clusterRef: { name: 'nope' } });
    const stray = await wait('BrokerClusterNotFound', async () => {
      const t = await getTopic('stray');
      return condition(t, 'Ready')?.reason === 'BrokerClusterNotFound' ? t : undefined;
    });
    expect(condition(stray, 'Degraded')?.status).toBe('True');
    // Nothing to clean up on a cluster that does not exist: deletion is not held up.
    await client.delete(Resources.Topic, NS, 'stray');
    await wait('stray gone', async () => (await getTopic('stray')) === undefined);
  });

  it('deletes the topic from every master before the Topic goes', async () => {
    await client.delete(Resources.Topic, NS, 'orders');
    await wait('orders gone', async () => (await getTopic('orders')) === undefined);
    expect(admin.broker('mq-g0-0').topics.has('Orders_V1')).toBe(false);
    expect(admin.broker('mq-g1-0').topics.has('Orders_V1')).toBe(false);
    const events = await eventsFor(client, NS, 'orders');
    expect(events.map((e) => e.reason)).toContain('TopicDeleted');
  });

  it('holds the Topic while a master cannot delete the topic, and lets it go once it can', async () => {
    await createTopic('audit', { clusterRef: { name: 'mq' } });
    await wait('audit on both masters', () =>
      ['mq-g0-0', 'mq-g1-0'].every((pod) => admin.broker(pod).topics.get('audit')?.writeQueueNums === 8),
    );
    admin.broker('mq-g1-0').down = true;
    await client.delete(Resources.Topic, NS, 'audit');
    await wait('DeleteFailed event', async () =>
      (await eventsFor(client, NS, 'audit')).some((e) => e.reason === 'DeleteFailed'),
    );
    expect(await getTopic('audit')).toBeDefined();
    admin.broker('mq-g1-0').down = false;
    await wait('audit gone', async () => (await getTopic('audit')) === undefined);
    expect(admin.broker('mq-g1-0').topics.has('audit')).toBe(false);
  });

  it('validates specs in the apiserver', async () => {
    expect(
      await refused('bad-queues', { clusterRef: { name: 'mq' }, readQueueNums: 2, writeQueueNums: 4 }),
    ).toContain('readQueueNums must be at least writeQueueNums');
    expect(await refused('bad-name', { clusterRef: { name: 'mq' }, topicName: 'has space' })).toContain(
      'topicName',
    );
    expect(await refused('too-many', { clusterRef: { name: 'mq' }, writeQueueNums: 5000 })).toContain(
      'writeQueueNums',
    );
    expect(await refused('no-cluster', {})).toContain('clusterRef');

    await createTopic('fixed', { clusterRef: { name: 'nope' }, topicName: 'Fixed' });
    const change = (spec: Record<string, unknown>) =>
      client.mergePatch(Resources.Topic, NS, 'fixed', { spec }).then(
        () => 'accepted',
        (error: unknown) => String(error),
      );
    expect(await change({ topicName: 'Other' })).toContain('topicName is immutable');
    expect(await change({ topicName: null })).toContain('topicName is immutable');
    expect(await change({ clusterRef: { name: 'mq' } })).toContain('clusterRef is immutable');
    expect(await change({ writeQueueNums: 2 })).toBe('accepted');
  });

  const getGroup = (name: string) => client.find<TopicCr>(Resources.ConsumerGroup, NS, name);

  it('creates a ConsumerGroup on every master with RocketMQ’s defaults, applies changes, and deletes it', async () => {
    await client.create(Resources.ConsumerGroup, {
      apiVersion: 'skyrocket.dev/v1alpha1',
      kind: 'ConsumerGroup',
      metadata: { name: 'billing', namespace: NS },
      spec: {
        clusterRef: { name: 'mq' },
        groupName: 'Billing_CG',
        retryMaxTimes: 3,
        consumeMessageOrderly: true,
      },
    } as KubeObject);
    const ready = await wait('ConsumerGroup Ready', async () => {
      const g = await getGroup('billing');
      return condition(g, 'Ready')?.status === 'True' ? g : undefined;
    });
    expect(ready.status).toMatchObject({ groupName: 'Billing_CG', groups: 2, groupsApplied: 2 });
    for (const pod of ['mq-g0-0', 'mq-g1-0'])
      expect(admin.broker(pod).groups.get('Billing_CG')).toEqual({
        groupName: 'Billing_CG',
        consumeEnable: true,
        consumeFromMinEnable: true,
        consumeBroadcastEnable: true,
        consumeMessageOrderly: true,
        retryQueueNums: 1,
        retryMaxTimes: 3,
        brokerId: 0,
        whichBrokerWhenConsumeSlowly: 1,
        notifyConsumerIdsChangedEnable: true,
      });
    expect((await eventsFor(client, NS, 'billing')).map((e) => e.reason)).toContain('ConsumerGroupApplied');

    // Changed on a broker behind the operator's back, and in the spec: the spec wins everywhere.
    admin.broker('mq-g1-0').groups.set('Billing_CG', { groupName: 'Billing_CG', consumeEnable: false });
    await client.mergePatch(Resources.ConsumerGroup, NS, 'billing', {
      spec: { consumeEnable: false, retryMaxTimes: 5 },
    });
    await wait('consumeEnable false and retryMaxTimes 5 on both masters', () =>
      ['mq-g0-0', 'mq-g1-0'].every((pod) => {
        const g = admin.broker(pod).groups.get('Billing_CG');
        return g?.['consumeEnable'] === false && g['retryMaxTimes'] === 5 && g['retryQueueNums'] === 1;
      }),
    );

    await client.delete(Resources.ConsumerGroup, NS, 'billing');
    await wait('billing gone', async () => (await getGroup('billing')) === undefined);
    expect(admin.broker('mq-g0-0').groups.has('Billing_CG')).toBe(false);
    expect(admin.broker('mq-g1-0').groups.has('Billing_CG')).toBe(false);
  });

  it('validates ConsumerGroup specs in the apiserver', async () => {
    const create = (name: string, spec: Record<string, unknown>) =>
      client
        .create(Resources.ConsumerGroup, {
          apiVersion: 'skyrocket.dev/v1alpha1',
          kind: 'ConsumerGroup',
          metadata: { name, namespace: NS },
          spec,
        } as KubeObject)
        .then(
          () => 'accepted',
          (error: unknown) => String(error),
        );
    expect(await create('bad-retries', { clusterRef: { name: 'mq' }, retryMaxTimes: -2 })).toContain(
      'retryMaxTimes',
    );
    expect(await create('bad-name', { clusterRef: { name: 'mq' }, groupName: 'a b' })).toContain('groupName');
    expect(await create('fixed-group', { clusterRef: { name: 'nope' } })).toBe('accepted');
    const patched = await client
      .mergePatch(Resources.ConsumerGroup, NS, 'fixed-group', { spec: { groupName: 'Other' } })
      .then(
        () => 'accepted',
        (error: unknown) => String(error),
      );
    expect(patched).toContain('groupName is immutable');
  });
});
