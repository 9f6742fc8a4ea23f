/**
 * Per-queue views shared by the admin processors (GET_TOPIC_STATS_INFO, GET_CONSUME_STATS) and the HTTP admin API,
 * so that `mqadmin topicStatus` / `consumerProgress` and `/api/topics/:topic/stats` / `/api/groups/:group/lag`
 * always agree. The arithmetic follows AdminBrokerProcessor.getTopicStatsInfo and getConsumeStats.
 */
import { decodeRecord } from '@skyrocket/remoting';
import type { MessageStore } from '@skyrocket/store';
import type { ConsumerManager } from '../client/client-managers';
import type { ConsumerOffsetManager } from '../offset/consumer-offset-manager';
import type { TopicConfig, TopicConfigManager } from '../topic/topic-config-manager';

/** TopicOffset of one queue. */
export interface TopicQueueStats {
  queueId: number;
  minOffset: number;
  maxOffset: number;
  /** Store time of the newest message in the queue; 0 when empty. */
  lastUpdateTimestamp: number;
}

/** OffsetWrapper of one queue, plus the lag (diffTotal) that mqadmin consumerProgress prints. */
export interface ConsumerQueueProgress {
  topic: string;
  queueId: number;
  /** The queue's max offset: the next offset to be written. */
  brokerOffset: number;
  /** The group's committed offset; 0 when it never committed (as RocketMQ reports it). */
  consumerOffset: number;
  /** RocketMQ: max(consumerOffset, pull offset); Skyrocket does not track pull offsets, so the consumer offset. */
  pullOffset: number;
  /** Store time of the last consumed message (at consumerOffset - 1); 0 when unknown. */
  lastTimestamp: number;
  lag: number;
}

/**
 * Store timestamp of the message at a queue offset (MessageStore.getMessageStoreTimeStamp), or 0 when the message
 * is not in the store any more (or never was).
 */
export async function storeTimestampAt(
  store: MessageStore,
  topic: string,
  queueId: number,
  queueOffset: number,
): Promise<number> {
  if (queueOffset < 0) return 0;
  const result = await store.getMessage(topic, queueId, queueOffset, { maxMessages: 1 });
  const record = result.status === 'FOUND' ? result.records[0] : undefined;
  return record ? decodeRecord(record).storeTimestamp : 0;
}

/** getTopicStatsInfo: every queue up to max(read, write) queue count; negative offsets clamp to 0. */
export async function topicQueueStats(store: MessageStore, topic: TopicConfig): Promise<TopicQueueStats[]> {
  const queues = Math.max(topic.readQueueNums, topic.writeQueueNums);
  const stats: TopicQueueStats[] = [];
  for (let queueId = 0; queueId < queues; queueId++) {
    const minOffset = Math.max(0, store.getMinOffsetInQueue(topic.topicName, queueId));
    const maxOffset = Math.max(0, store.getMaxOffsetInQueue(topic.topicName, queueId));
    const lastUpdateTimestamp =
      maxOffset > 0 ? await storeTimestampAt(store, topic.topicName, queueId, maxOffset - 1) : 0;
    stats.push({ queueId, minOffset, maxOffset, lastUpdateTimestamp });
  }
  return stats;
}

export interface ConsumeStatsSources {
  store: MessageStore;
  topics: TopicConfigManager;
  offsets: ConsumerOffsetManager;
  consumers: ConsumerManager;
}

/**
 * getTopicsForCollectingConsumeStats: an explicit topic list wins; otherwise the one topic asked for, or every
 * topic the group has offsets in, then minus the topics the group's live consumers do not subscribe to (when they
 * subscribe to anything at all).
 */
export function consumeStatsTopics(
  sources: ConsumeStatsSources,
  group: string,
  topic: string | undefined,
  topicList: readonly string[] = [],
): string[] {
  if (topicList.length > 0) return [...new Set(topicList)];
  const candidates = topic ? [topic] : sources.offsets.topicsOf(group);
  const subscriptions = sources.consumers.get(group)?.subscriptions;
  if (!subscriptions || subscriptions.size === 0) return candidates;
  return candidates.filter((candidate) => subscriptions.has(candidate));
}

/** getConsumeStats for the given topics: one entry per read queue of each topic the broker has. */
export async function consumerProgress(
  sources: ConsumeStatsSources,
  group: string,
  topicNames: readonly string[],
): Promise<ConsumerQueueProgress[]> {
  const progress: ConsumerQueueProgress[] = [];
  for (const topic of topicNames) {
    const config = sources.topics.get(topic);
    if (!config) continue;
    for (let queueId = 0; queueId < config.readQueueNums; queueId++) {
      const brokerOffset = Math.max(0, sources.store.getMaxOffsetInQueue(topic, queueId));
      const consumerOffset = Math.max(0, sources.offsets.query(group, topic, queueId));
      const lastTimestamp = await storeTimestampAt(sources.store, topic, queueId, consumerOffset - 1);
      progress.push({
        topic,
        queueId,
        brokerOffset,
        consumerOffset,
        pullOffset: consumerOffset,
        lastTimestamp,
        lag: Math.max(0, brokerOffset - consumerOffset),
      });
    }
  }
  return progress;
}
