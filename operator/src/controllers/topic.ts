import type { TopicView } from '../broker-admin/client';
import { TOPIC_PERM_BITS, type TopicSpec, type TopicStatus } from '../api/topic';
import type { ReconcileResult } from '../runtime/controller-runner';
import { Resources } from '../runtime/resources';
import { reconcileBrokerResource, type BrokerResourceCr, type BrokerResourceKind } from './broker-resource';
import type { ControllerContext } from './context';

/** Removes the topic from the brokers before the Topic object goes. */
export const TOPIC_FINALIZER = 'skyrocket.dev/topic-cleanup';

export type TopicObject = BrokerResourceCr & {
  spec?: Partial<TopicSpec> & { clusterRef?: { name?: string } };
  status?: Partial<TopicStatus>;
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

export const TopicKind: BrokerResourceKind<TopicObject, TopicView> = {
  kind: 'Topic',
  noun: 'topic',
  resource: Resources.Topic,
  finalizer: TOPIC_FINALIZER,
  cache: (caches) => caches.topics,
  nameOf: rocketmqTopicName,
  statusNameField: 'topicName',
  desired: desiredTopic,
  read: async (admin, url, name) => (await admin.topics(url)).find((t) => t.topicName === name),
  matches: topicMatches,
  put: (admin, url, wanted) => admin.putTopic(url, wanted),
  remove: (admin, url, name) => admin.deleteTopic(url, name),
};

/** Topic reconcile (broker-resource.ts); DELETE /api/topics also removes the cluster's routes for it. */
export function reconcileTopic(ctx: ControllerContext, key: string): Promise<ReconcileResult | void> {
  return reconcileBrokerResource(ctx, TopicKind, key);
}
