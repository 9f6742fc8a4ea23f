import { silentLogger } from '@skyrocket/common';

import type { ClientInstance } from '../../core/client-instance';
import { ClientError } from '../../errors';
import { allocateMessageQueueAveragely } from '../allocate';
import { messageQueue, type MessageQueue } from '../message-queue';
import type { ProcessQueue } from '../process-queue';
import { buildSubscriptionData } from '../pull/subscription';
import { Rebalancer, type RebalanceHooks } from './rebalancer';

/** A stand-in for the ClientInstance calls the rebalancer makes: routes and the group's client ids. */
function fakeInstance(state: {
  queues: number;
  clientIds: string[];
  clientId: string;
  missingTopics?: string[];
}) {
  return {
    clientId: state.clientId,
    getTopicRoute: (topic: string) => {
      if (state.missingTopics?.includes(topic)) {
        return Promise.reject(new ClientError('TOPIC_NOT_EXIST', `no route for ${topic}`));
      }
      return Promise.resolve({
        readQueues: Array.from({ length: state.queues }, (_, i) => messageQueue(topic, 'broker-a', i)),
      });
    },
    findConsumerIdList: () => Promise.resolve([...state.clientIds]),
  } as unknown as ClientInstance;
}

function recordingHooks(overrides: Partial<RebalanceHooks> = {}) {
  const added: Array<{ queue: MessageQueue; offset: number }> = [];
  const removed: MessageQueue[] = [];
  const hooks: RebalanceHooks = {
    queueAdded: (queue, _pq, offset) => added.push({ queue, offset }),
    removeQueue: (queue) => {
      removed.push(queue);
      return Promise.resolve();
    },
    computePullFromWhere: (queue) => Promise.resolve(queue.queueId * 10),
    ...overrides,
  };
  return { hooks, added, removed };
}

function rebalancer(
  instance: ClientInstance,
  hooks: RebalanceHooks,
  messageModel: 'CLUSTERING' | 'BROADCASTING' = 'CLUSTERING',
) {
  const r = new Rebalancer({
    retryLaterMillis: 20,
    consumerGroup: 'G',
    messageModel,
    strategy: allocateMessageQueueAveragely,
    instance,
    hooks,
    logger: silentLogger(),
  });
  r.subscriptions.set('T', buildSubscriptionData('T', '*', 1));
  return r;
}

describe('Rebalancer', () => {
  it('takes its share, then gives queues up when a member joins', async () => {
    const state = { queues: 4, clientIds: ['c1'], clientId: 'c1' };
    const { hooks, added, removed } = recordingHooks();
    const r = rebalancer(fakeInstance(state), hooks);
    await r.rebalance();
    expect(added.map((a) => [a.queue.queueId, a.offset])).toEqual([
      [0, 0],
      [1, 10],
      [2, 20],
      [3, 30],
    ]);
    state.clientIds = ['c1', 'c2'];
    await r.rebalance();
    expect(removed.map((q) => q.queueId)).toEqual([2, 3]);
    expect(r.owned('T').map((o) => o.queue.queueId)).toEqual([0, 1]);
  });

  it('owns every queue in BROADCASTING without asking for the group', async () => {
    const { hooks } = recordingHooks();
    const r = rebalancer(fakeInstance({ queues: 3, clientIds: [], clientId: 'c1' }), hooks, 'BROADCASTING');
    await r.rebalance();
    expect(r.owned().map((o) => o.queue.queueId)).toEqual([0, 1, 2]);
  });

  it('keeps its queues while the broker lists nobody (no heartbeat seen yet)', async () => {
    const state = { queues: 2, clientIds: ['c1'], clientId: 'c1' };
    const { hooks, removed } = recordingHooks();
    const r = rebalancer(fakeInstance(state), hooks);
    await r.rebalance();
    state.clientIds = [];
    await r.rebalance();
    expect(removed).toEqual([]);
    expect(r.owned()).toHaveLength(2);
  });

  it('keeps a queue that may not be removed yet and retries at the next round', async () => {
    const state = { queues: 2, clientIds: ['c1'], clientId: 'c1' };
    let busy = true;
    const { hooks, removed } = recordingHooks({ canRemove: () => !busy });
    const r = rebalancer(fakeInstance(state), hooks);
    await r.rebalance();
    state.clientIds = ['c0', 'c1']; // c1 now gets queue 1 only
    await r.rebalance();
    expect(removed).toEqual([]);
    expect(r.owned()).toHaveLength(2);
    busy = false;
    await r.rebalance();
    expect(removed.map((q) => q.queueId)).toEqual([0]);
  });

  it('skips queues it cannot lock or cannot place, and takes them later', async () => {
    const state = { queues: 2, clientIds: ['c1'], clientId: 'c1' };
    let lockable = false;
    let placeable = false;
    const { hooks, added } = recordingHooks({
      lock: (queue) => Promise.resolve(queue.queueId === 0 || lockable),
      computePullFromWhere: (queue) =>
        queue.queueId === 0 && !placeable ? Promise.reject(new Error('broker down')) : Promise.resolve(7),
    });
    const r = rebalancer(fakeInstance(state), hooks);
    await r.rebalance();
    expect(added).toEqual([]);
    lockable = true;
    placeable = true;
    // A queue that could not be taken triggers an extra round shortly, without waiting for the periodic one.
    for (let i = 0; i < 100 && added.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(added.map((a) => a.queue.queueId).sort()).toEqual([0, 1]);
    await r.stop();
  });

  it('ignores a retry topic without a route and drops queues of unsubscribed topics', async () => {
    const state = { queues: 1, clientIds: ['c1'], clientId: 'c1', missingTopics: ['%RETRY%G'] };
    const failures: string[] = [];
    const { hooks, removed } = recordingHooks({ rebalanceFailed: (topic) => failures.push(topic) });
    const r = rebalancer(fakeInstance(state), hooks);
    r.subscriptions.set('%RETRY%G', buildSubscriptionData('%RETRY%G', '*', 1));
    await r.rebalance();
    expect(failures).toEqual([]);
    r.subscriptions.delete('T');
    await r.rebalance();
    expect(removed.map((q) => q.topic)).toEqual(['T']);
  });

  it('marks given-up queues dropped before removing them, and runs concurrent requests as one more round', async () => {
    const state = { queues: 1, clientIds: ['c1'], clientId: 'c1' };
    const seen: boolean[] = [];
    const { hooks } = recordingHooks({
      removeQueue: (_queue, pq: ProcessQueue) => {
        seen.push(pq.dropped);
        return Promise.resolve();
      },
    });
    const r = rebalancer(fakeInstance(state), hooks);
    await Promise.all([r.rebalance(), r.rebalance(), r.rebalance()]);
    expect(r.owned()).toHaveLength(1);
    await r.releaseAll();
    expect(seen).toEqual([true]);
    expect(r.owned()).toEqual([]);
  });
});
