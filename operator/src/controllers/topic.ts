import { describeError } from '@skyrocket/common';
import type { TopicView } from '../broker-admin/client';
import type { Condition } from '../api/common';
import { TOPIC_PERM_BITS, type TopicSpec, type TopicStatus } from '../api/topic';
import type { ReconcileResult } from '../runtime/controller-runner';
import { isConflict, isNotFound } from '../runtime/kube-client';
import { Resources } from '../runtime/resources';
import { splitKey, type KubeObject } from '../runtime/types';
import { setConditions, type ConditionInput } from '../status/conditions';
import { brokerGroupName, brokerPodName, type BrokerClusterObject } from './children';
import { isPaused, isPodReady, type ControllerContext } from './context';
import { pausedConditions, writeStatus } from './status-writer';

/** Removes the topic from the brokers before the Topic object goes. */
export const TOPIC_FINALIZER = 'skyrocket.dev/topic-cleanup';

export type TopicObject = KubeObject & {
  spec?: Partial<TopicSpec> & { clusterRef?: { name?: string } };
  status?: TopicStatus & { conditions?: Condition[] };
};

/** The RocketMQ name of a Topic: spec.topicName, else metadata.name. */
export function rocketmqTopicName(topic: TopicObject): string {
  return topic.spec?.topicName ?? topic.metadata.name;
}

/** What the masters should hold for a Topic's spec (the fields the admin API's PUT takes). */
export function desiredTopic(topic: TopicObject): TopicView {
  const spec = topic.spec ?? {};
  return {
    topicName: rocketmqTopicName(topic),
    readQueueNums: spec.readQueueNums ?? 8,
    writeQueueNums: spec.writeQueueNums ?? 8,
    perm: TOPIC_PERM_BITS[spec.perm ?? 'read-write'],
    topicFilterType: 'SINGLE_TAG',
    topicSysFlag: 0,
    order: spec.order ?? false,
    ...(spec.messageType ? { attributes: { 'message.type': spec.messageType } } : {}),
  };
}

/** Whether a broker's topic already is what the Topic asks for (fields the Topic does not set are left alone). */
export function topicMatches(actual: TopicView | undefined, wanted: TopicView): boolean {
  return (
    actual !== undefined &&
    actual.readQueueNums === wanted.readQueueNums &&
    actual.writeQueueNums === wanted.writeQueueNums &&
    actual.perm === wanted.perm &&
    actual.order === wanted.order &&
    Object.entries(wanted.attributes ?? {}).every(([k, v]) => actual.attributes?.[k] === v)
  );
}

/**
 * The Topic that owns a RocketMQ topic name on a cluster when several ask for it: the oldest (then the first by
 * name). The others report TopicConflict and never touch the brokers, so deleting one cannot delete the topic.
 */
function ownerOf(ctx: ControllerContext, topic: TopicObject): TopicObject {
  const cluster = topic.spec?.clusterRef?.name;
  const name = rocketmqTopicName(topic);
  const claimants = (ctx.caches.topics.list(topic.metadata.namespace) as TopicObject[]).filter(
    (t) =>
      t.spec?.clusterRef?.name === cluster &&
      rocketmqTopicName(t) === name &&
      (t.metadata.deletionTimestamp === undefined || t.metadata.uid === topic.metadata.uid),
  );
  claimants.sort(
    (a, b) =>
      (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
      a.metadata.name.localeCompare(b.metadata.name),
  );
  return claimants[0] ?? topic;
}

interface MasterTarget {
  group: string;
  /** undefined while the master pod is not ready. */
  url: string | undefined;
  podExists: boolean;
}

/** The masters of a cluster's desired groups (groups beyond spec.groups are draining and read-only). */
function masters(ctx: ControllerContext, cluster: BrokerClusterObject): MasterTarget[] {
  const namespace = cluster.metadata.namespace ?? 'default';
  return Array.from({ length: cluster.spec?.groups ?? 1 }, (_, index) => {
    const group = brokerGroupName(cluster, index);
    const pod = brokerPodName(cluster, index, 0);
    const live = ctx.caches.pods.get(namespace, pod);
    return {
      group,
      podExists: live !== undefined,
      url:
        live && isPodReady(live)
          ? ctx.brokerAdminUrl({ namespace, pod, service: group, port: cluster.spec?.ports?.http ?? 8081 })
          : undefined,
    };
  });
}

/**
 * Topic reconcile: finalizer → deleted? (remove from every master, then let go) → paused? → the BrokerCluster →
 * conflict with an older Topic of the same name? → create or correct the topic on every ready master → status.
 * Masters that are not ready yet, or fail, are looked at again after pollIntervalMs; a periodic resync puts back
 * a topic someone changed or deleted behind the operator's back.
 */
export async function reconcileTopic(ctx: ControllerContext, key: string): Promise<ReconcileResult | void> {
  const { namespace, name } = splitKey(key);
  const topic = ctx.caches.topics.get(namespace, name) as TopicObject | undefined;
  if (!topic) return;
  const ns = topic.metadata.namespace ?? 'default';
  const clusterName = topic.spec?.clusterRef?.name ?? '';
  const cluster = ctx.caches.brokerClusters.get(ns, clusterName) as BrokerClusterObject | undefined;
  const finalizers = topic.metadata.finalizers ?? [];

  if (topic.metadata.deletionTimestamp) {
    if (!finalizers.includes(TOPIC_FINALIZER)) return;
    const pending = await deleteFromBrokers(ctx, topic, cluster);
    if (pending) return { requeueAfterMs: ctx.pollIntervalMs };
    await setFinalizers(
      ctx,
      topic,
      finalizers.filter((f) => f !== TOPIC_FINALIZER),
    );
    return;
  }
  if (isPaused(topic)) {
    await writeStatus(ctx, Resources.Topic, topic, {
      ...(topic.status ?? {}),
      conditions: pausedConditions(ctx, topic),
    });
    return;
  }
  if (!finalizers.includes(TOPIC_FINALIZER)) {
    // The patch's watch event brings the Topic back with the finalizer; that reconcile does the work.
    await setFinalizers(ctx, topic, [...finalizers, TOPIC_FINALIZER]);
    return;
  }

  const topicName = rocketmqTopicName(topic);
  const conditionsWith = (ready: ConditionInput, degraded = false) =>
    setConditions(
      topic.status?.conditions,
      [
        ready,
        {
          type: 'Progressing',
          status: ready.status === 'True' ? 'False' : 'True',
          reason: ready.reason,
          message: ready.message,
        },
        {
          type: 'Degraded',
          status: degraded ? 'True' : 'False',
          reason: ready.reason,
          message: ready.message,
        },
      ],
      { generation: topic.metadata.generation, now: new Date(ctx.clock.now()) },
    );
  const status = (extra: Partial<TopicStatus>, ready: ConditionInput, degraded = false) =>
    writeStatus(ctx, Resources.Topic, topic, {
      observedGeneration: topic.metadata.generation,
      topicName,
      ...extra,
      conditions: conditionsWith(ready, degraded),
    });

  if (!cluster) {
    const message = `BrokerCluster ${ns}/${clusterName} not found`;
    await status({}, { type: 'Ready', status: 'False', reason: 'BrokerClusterNotFound', message }, true);
    return { requeueAfterMs: ctx.pollIntervalMs * 6 };
  }
  const owner = ownerOf(ctx, topic);
  if (owner.metadata.uid !== topic.metadata.uid) {
    const message = `Topic ${owner.metadata.name} already manages topic ${topicName} on BrokerCluster ${clusterName}`;
    await status({}, { type: 'Ready', status: 'False', reason: 'TopicConflict', message }, true);
    return;
  }

  const wanted = desiredTopic(topic);
  const targets = masters(ctx, cluster);
  let applied = 0;
  const created: string[] = [];
  const waiting: string[] = [];
  const failures: string[] = [];
  for (const target of targets) {
    if (target.url === undefined) {
      waiting.push(target.group);
      continue;
    }
    try {
      const current = (await ctx.brokerAdmin.topics(target.url)).find((t) => t.topicName === topicName);
      if (!topicMatches(current, wanted)) {
        await ctx.brokerAdmin.putTopic(target.url, wanted);
        created.push(target.group);
      }
      applied++;
    } catch (error) {
      failures.push(`${target.group}: ${describeError(error)}`);
    }
  }
  if (created.length > 0)
    await ctx.events.record(
      topic,
      'Normal',
      'TopicApplied',
      `topic ${topicName} created or updated on broker group(s) ${created.join(', ')}`,
    );
  if (failures.length > 0) await ctx.events.record(topic, 'Warning', 'ApplyFailed', failures.join('; '));

  const counts = { groups: targets.length, groupsApplied: applied };
  if (failures.length > 0) {
    const message = `cannot apply topic ${topicName}: ${failures.join('; ')}`;
    await status(counts, { type: 'Ready', status: 'False', reason: 'ApplyFailed', message }, true);
    return { requeueAfterMs: ctx.pollIntervalMs };
  }
  if (waiting.length > 0) {
    const message = `waiting for the master of broker group(s) ${waiting.join(', ')} to be ready`;
    await status(counts, { type: 'Ready', status: 'False', reason: 'WaitingForBrokers', message });
    return { requeueAfterMs: ctx.pollIntervalMs };
  }
  const message = `topic ${topicName} is on all ${applied} broker group(s) of ${clusterName}`;
  await status(counts, { type: 'Ready', status: 'True', reason: 'Applied', message });
}

/**
 * Removes the topic from every master of the cluster; returns why not yet, or undefined when done. A cluster that
 * is gone, a Topic that never owned the name, and groups whose pods are gone have nothing to clean up.
 */
async function deleteFromBrokers(
  ctx: ControllerContext,
  topic: TopicObject,
  cluster: BrokerClusterObject | undefined,
): Promise<string | undefined> {
  if (!cluster || cluster.metadata.deletionTimestamp) return undefined;
  if (ownerOf(ctx, topic).metadata.uid !== topic.metadata.uid) return undefined;
  const topicName = rocketmqTopicName(topic);
  const failures: string[] = [];
  for (const target of masters(ctx, cluster)) {
    // A master that is not ready but still exists would keep the topic: wait for it.
    if (target.url === undefined) {
      if (target.podExists) failures.push(`${target.group}: master not ready`);
      continue;
    }
    try {
      await ctx.brokerAdmin.deleteTopic(target.url, topicName);
    } catch (error) {
      failures.push(`${target.group}: ${describeError(error)}`);
    }
  }
  if (failures.length === 0) {
    await ctx.events.record(
      topic,
      'Normal',
      'TopicDeleted',
      `topic ${topicName} deleted from ${cluster.metadata.name}`,
    );
    return undefined;
  }
  const message = `cannot delete topic ${topicName} yet: ${failures.join('; ')}`;
  await ctx.events.record(topic, 'Warning', 'DeleteFailed', message);
  return message;
}

/** Sets metadata.finalizers, guarded by resourceVersion (a conflict or a vanished object ends in a requeue). */
async function setFinalizers(
  ctx: ControllerContext,
  topic: TopicObject,
  finalizers: string[],
): Promise<void> {
  try {
    await ctx.client.mergePatch(Resources.Topic, topic.metadata.namespace, topic.metadata.name, {
      metadata: { finalizers, resourceVersion: topic.metadata.resourceVersion },
    });
  } catch (error) {
    if (isNotFound(error)) return;
    if (isConflict(error))
      throw new Error(`Topic ${topic.metadata.name} changed while its finalizers were updated`);
    throw error;
  }
}
