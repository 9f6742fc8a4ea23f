/**
 * Topic and group name rules (RocketMQ TopicValidator): characters [%|a-zA-Z0-9_-]; a topic at most 127
 * characters (retry and DLQ topics 255); a group at most 120. Returns why a name is refused, or undefined.
 */
const VALID_CHARS = /^[%|a-zA-Z0-9_-]+$/;

export const AUTO_CREATE_TOPIC_KEY_TOPIC = 'TBW102';
export const SCHEDULE_TOPIC = 'SCHEDULE_TOPIC_XXXX';
export const TRANS_HALF_TOPIC = 'RMQ_SYS_TRANS_HALF_TOPIC';
export const TRANS_OP_HALF_TOPIC = 'RMQ_SYS_TRANS_OP_HALF_TOPIC';
export const SELF_TEST_TOPIC = 'SELF_TEST_TOPIC';
export const OFFSET_MOVED_EVENT = 'OFFSET_MOVED_EVENT';
export const RETRY_GROUP_TOPIC_PREFIX = '%RETRY%';
export const DLQ_GROUP_TOPIC_PREFIX = '%DLQ%';

/** Topics clients may not send to (TopicValidator.NOT_ALLOWED_SEND_TOPIC_SET). */
const NOT_ALLOWED_SEND = new Set([
  SCHEDULE_TOPIC,
  TRANS_HALF_TOPIC,
  TRANS_OP_HALF_TOPIC,
  'TRANS_CHECK_MAX_TIME_TOPIC',
  SELF_TEST_TOPIC,
  OFFSET_MOVED_EVENT,
]);

export function validateTopic(topic: string | undefined): string | undefined {
  if (!topic) return 'The specified topic is blank.';
  if (!VALID_CHARS.test(topic)) {
    return `The specified topic[${topic}] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$`;
  }
  const isRetryOrDlq = topic.startsWith(RETRY_GROUP_TOPIC_PREFIX) || topic.startsWith(DLQ_GROUP_TOPIC_PREFIX);
  const max = isRetryOrDlq ? 255 : 127;
  if (topic.length > max) return `The specified topic is longer than topic max length ${max}.`;
  return undefined;
}

export function isNotAllowedSendTopic(topic: string): boolean {
  return NOT_ALLOWED_SEND.has(topic);
}

export function validateGroup(group: string | undefined): string | undefined {
  if (!group) return 'the specified group is blank';
  if (group.length > 120) return 'the specified group is longer than group max length 120.';
  if (!VALID_CHARS.test(group)) {
    return `the specified group[${group}] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$`;
  }
  return undefined;
}

export function retryTopic(group: string): string {
  return RETRY_GROUP_TOPIC_PREFIX + group;
}

export function dlqTopic(group: string): string {
  return DLQ_GROUP_TOPIC_PREFIX + group;
}

/** TopicValidator.SYSTEM_TOPIC_SET as TopicConfigManager leaves it (plus the names of this broker, below). */
const SYSTEM_TOPICS = new Set([
  AUTO_CREATE_TOPIC_KEY_TOPIC,
  SCHEDULE_TOPIC,
  'BenchmarkTest',
  TRANS_HALF_TOPIC,
  'RMQ_SYS_TRACE_TOPIC',
  TRANS_OP_HALF_TOPIC,
  'TRANS_CHECK_MAX_TIME_TOPIC',
  SELF_TEST_TOPIC,
  OFFSET_MOVED_EVENT,
  'CHECKPOINT_TOPIC',
]);
const SYSTEM_TOPIC_PREFIX = 'rmq_sys_';

/**
 * TopicValidator.isSystemTopic: the built-in topics, anything starting with `rmq_sys_`, and the topics named after
 * this broker's cluster and broker name and `<cluster>_REPLY_TOPIC`, which TopicConfigManager adds with
 * addSystemTopic. Admin requests may not create, change or delete them (validateSystemTopicWhenUpdateTopic).
 */
export function isSystemTopic(topic: string, broker: { clusterName: string; brokerName: string }): boolean {
  return (
    SYSTEM_TOPICS.has(topic) ||
    topic.startsWith(SYSTEM_TOPIC_PREFIX) ||
    topic === broker.clusterName ||
    topic === broker.brokerName ||
    topic === `${broker.clusterName}_REPLY_TOPIC`
  );
}
