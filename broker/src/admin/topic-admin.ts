/**
 * Topic create/update/delete as AdminBrokerProcessor does them, shared by UPDATE_AND_CREATE_TOPIC /
 * DELETE_TOPIC_IN_BROKER and the HTTP admin API so both refuse the same input with the same words.
 *
 * Checks, in RocketMQ's order: the name (TopicValidator.validateTopic → INVALID_PARAMETER), system topics
 * (validateSystemTopicWhenUpdateTopic, default true → INVALID_PARAMETER "The topic[…] is conflict with system
 * topic."), then the attribute modification (AttributeUtil: a failure is an exception there → SYSTEM_ERROR with its
 * message) and MIXED message type (INVALID_PARAMETER). Skyrocket also refuses what RocketMQ would store and then
 * misbehave on: negative or absurd queue counts, perm outside the PermName bits, a negative topicSysFlag.
 */
import { ResponseCode } from '@skyrocket/remoting';
import type { MessageStore } from '@skyrocket/store';
import type { ConsumerOffsetManager } from '../offset/consumer-offset-manager';
import { alterTopicAttributes } from '../topic/topic-attributes';
import type { TopicConfig, TopicConfigManager } from '../topic/topic-config-manager';
import { isSystemTopic, validateTopic } from '../topic/topic-validator';

/** Largest queue count accepted per topic (RocketMQ has no limit; its BenchmarkTest topic has 1024). */
export const MAX_QUEUE_NUMS = 65_535;

export interface TopicUpdate {
  topic: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicFilterType: 'SINGLE_TAG' | 'MULTI_TAG';
  topicSysFlag?: number | undefined;
  order: boolean;
  /** RocketMQ's attribute modification string: "+key=value,-key". */
  attributes?: string | undefined;
}

export interface BrokerNames {
  clusterName: string;
  brokerName: string;
}

export type AdminOutcome<T> = { ok: true; value: T } | { ok: false; code: number; remark: string };

function refused(code: number, remark: string): { ok: false; code: number; remark: string } {
  return { ok: false, code, remark };
}

/** Why a topic name may not be changed by admin, or undefined. */
export function refuseTopicName(topic: string, broker: BrokerNames): string | undefined {
  const invalid = validateTopic(topic);
  if (invalid) return invalid;
  if (isSystemTopic(topic, broker)) return `The topic[${topic}] is conflict with system topic.`;
  return undefined;
}

/**
 * Validates an update and applies it (upsert, which persists and registers with every NameServer at once through
 * the manager's onChange hook). `changed` is false when the stored config was already equal: RocketMQ then replies
 * SUCCESS without registering again.
 */
export function createOrUpdateTopic(
  topics: TopicConfigManager,
  broker: BrokerNames,
  update: TopicUpdate,
): AdminOutcome<{ config: TopicConfig; changed: boolean }> {
  const badName = refuseTopicName(update.topic, broker);
  if (badName) return refused(ResponseCode.INVALID_PARAMETER, badName);
  for (const field of ['readQueueNums', 'writeQueueNums'] as const) {
    const value = update[field];
    if (!Number.isInteger(value) || value < 0 || value > MAX_QUEUE_NUMS)
      return refused(ResponseCode.INVALID_PARAMETER, `${field} must be 0..${MAX_QUEUE_NUMS}, got ${value}`);
  }
  if (!Number.isInteger(update.perm) || update.perm < 0 || update.perm > 15) {
    return refused(
      ResponseCode.INVALID_PARAMETER,
      `perm must be PermName bits 0..15 (READ=4, WRITE=2, INHERIT=1, PRIORITY=8), got ${update.perm}`,
    );
  }
  const topicSysFlag = update.topicSysFlag ?? 0;
  if (!Number.isInteger(topicSysFlag) || topicSysFlag < 0)
    return refused(ResponseCode.INVALID_PARAMETER, `topicSysFlag must be ≥ 0, got ${topicSysFlag}`);

  const existing = topics.get(update.topic);
  const attributes = alterTopicAttributes(existing?.attributes ?? {}, update.attributes, !existing);
  if ('error' in attributes) return refused(ResponseCode.SYSTEM_ERROR, attributes.error);
  if (attributes.attributes['message.type'] === 'MIXED')
    return refused(ResponseCode.INVALID_PARAMETER, 'MIXED message type is not supported.');

  const config: TopicConfig = {
    topicName: update.topic,
    readQueueNums: update.readQueueNums,
    writeQueueNums: update.writeQueueNums,
    perm: update.perm,
    topicFilterType: update.topicFilterType,
    topicSysFlag,
    order: update.order,
    attributes: attributes.attributes,
  };
  if (existing && sameTopicConfig(existing, config)) return { ok: true, value: { config, changed: false } };
  topics.upsert(config);
  return { ok: true, value: { config, changed: true } };
}

/**
 * deleteTopicInBroker: the config (registered at once, so this broker's route data stops growing; the admin tool
 * also deletes the route in the NameServers), the consumer offsets of the topic, and its consume queues.
 */
export async function deleteTopic(
  sources: { topics: TopicConfigManager; offsets: ConsumerOffsetManager; store: MessageStore },
  broker: BrokerNames,
  topic: string,
): Promise<AdminOutcome<{ existed: boolean }>> {
  if (topic.trim() === '') return refused(ResponseCode.INVALID_PARAMETER, 'The specified topic is blank.');
  if (isSystemTopic(topic, broker))
    return refused(ResponseCode.INVALID_PARAMETER, `The topic[${topic}] is conflict with system topic.`);
  const existed = sources.topics.delete(topic);
  sources.offsets.removeTopic(topic);
  await sources.store.deleteTopics([topic]);
  return { ok: true, value: { existed } };
}

/** TopicConfig.equals: every field, attributes compared as maps. */
export function sameTopicConfig(a: TopicConfig, b: TopicConfig): boolean {
  const attributes = (config: TopicConfig) =>
    JSON.stringify(Object.entries(config.attributes ?? {}).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  return (
    a.topicName === b.topicName &&
    a.readQueueNums === b.readQueueNums &&
    a.writeQueueNums === b.writeQueueNums &&
    a.perm === b.perm &&
    a.topicFilterType === b.topicFilterType &&
    a.topicSysFlag === b.topicSysFlag &&
    a.order === b.order &&
    attributes(a) === attributes(b)
  );
}
