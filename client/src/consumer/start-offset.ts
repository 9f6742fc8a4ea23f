/**
 * Where a newly assigned queue starts (Java `RebalancePushImpl.computePullFromWhereWithException`): the group's
 * stored offset when there is one; otherwise by consumeFromWhere —
 * LAST_OFFSET: the queue's max offset (0 for the retry topic, whose messages are all owed to the group);
 * FIRST_OFFSET: 0 (a queue whose head was deleted answers OFFSET_ILLEGAL with its min offset, and pulling moves on);
 * TIMESTAMP: the first message stored at or after consumeTimestamp (the max offset for the retry topic).
 */
import type { BrokerAccess } from './broker-access';
import { maxOffset, searchOffset } from './broker-api';
import type { MessageQueue } from './message-queue';
import type { OffsetStore } from './offset-store';
import { RETRY_GROUP_TOPIC_PREFIX } from './pull/message-ext';

export interface StartOffsetContext {
  offsetStore: OffsetStore;
  brokers: BrokerAccess;
  consumeFromWhere: 'LAST_OFFSET' | 'FIRST_OFFSET' | 'TIMESTAMP';
  consumeTimestamp: number;
  timeoutMillis: number;
}

export async function computePullFromWhere(
  context: StartOffsetContext,
  queue: MessageQueue,
): Promise<number> {
  const stored = await context.offsetStore.readOffset(queue, 'STORE');
  if (stored >= 0) return stored;
  const isRetryTopic = queue.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX);
  switch (context.consumeFromWhere) {
    case 'FIRST_OFFSET':
      return 0;
    case 'LAST_OFFSET':
      return isRetryTopic ? 0 : maxOffset(context.brokers, queue, context.timeoutMillis);
    case 'TIMESTAMP':
      return isRetryTopic
        ? maxOffset(context.brokers, queue, context.timeoutMillis)
        : searchOffset(context.brokers, queue, context.consumeTimestamp, context.timeoutMillis);
  }
}
