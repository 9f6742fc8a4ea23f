import type { TopicView } from './client';

/**
 * Topics a broker creates for itself or that clients create on the fly, which the operator must not copy to a new
 * group: TopicValidator.SYSTEM_TOPIC_SET (as broker/src/topic/topic-validator.ts keeps it), anything starting with
 * rmq_sys_, retry and dead-letter topics (%RETRY%<group>, %DLQ%<group>: created per consumer group as consumers
 * arrive), and the topics named after the cluster, a broker group, and `<cluster>_REPLY_TOPIC`.
 */
const SYSTEM_TOPICS = new Set([
  'TBW102',
  'SCHEDULE_TOPIC_XXXX',
  'BenchmarkTest',
  'RMQ_SYS_TRANS_HALF_TOPIC',
  'RMQ_SYS_TRACE_TOPIC',
  'RMQ_SYS_TRANS_OP_HALF_TOPIC',
  'TRANS_CHECK_MAX_TIME_TOPIC',
  'SELF_TEST_TOPIC',
  'OFFSET_MOVED_EVENT',
  'CHECKPOINT_TOPIC',
]);

export function isClusterTopic(
  topic: string,
  cluster: { clusterName: string; brokerNames: readonly string[] },
): boolean {
  return !(
    SYSTEM_TOPICS.has(topic) ||
    topic.toLowerCase().startsWith('rmq_sys_') ||
    topic.startsWith('%RETRY%') ||
    topic.startsWith('%DLQ%') ||
    topic === cluster.clusterName ||
    topic === `${cluster.clusterName}_REPLY_TOPIC` ||
    cluster.brokerNames.includes(topic)
  );
}

/**
 * The user topics a new group should get: the union over the existing groups' masters, the first seen winning when
 * two groups disagree on a topic's queue counts (they agree when created by the CLI or the operator).
 */
export function clusterTopics(
  perGroup: ReadonlyArray<readonly TopicView[]>,
  cluster: { clusterName: string; brokerNames: readonly string[] },
): TopicView[] {
  const topics = new Map<string, TopicView>();
  for (const list of perGroup)
    for (const topic of list)
      if (!topics.has(topic.topicName) && isClusterTopic(topic.topicName, cluster))
        topics.set(topic.topicName, topic);
  return [...topics.values()].sort((a, b) => a.topicName.localeCompare(b.topicName));
}

/** The topics of `wanted` a broker that has `present` is missing. */
export function missingTopics(wanted: readonly TopicView[], present: readonly TopicView[]): TopicView[] {
  const have = new Set(present.map((t) => t.topicName));
  return wanted.filter((t) => !have.has(t.topicName));
}
