/**
 * Consumer offset headers (PROTOCOL.md §2.6; `header/QueryConsumerOffset*.java`, `UpdateConsumerOffset*.java`).
 * Offsets are "the next logical offset to consume" of (consumerGroup, topic, queueId).
 *
 * QUERY_CONSUMER_OFFSET (14): consumerGroup, topic, queueId, setZeroIfNotFound? (absent = true: answer 0 for a
 *   young queue instead of QUERY_NOT_FOUND). Response: offset.
 * UPDATE_CONSUMER_OFFSET (15): consumerGroup, topic, queueId, commitOffset. The response header is empty.
 */
import { z } from 'zod';

import { bool, int32, int64, str } from './fields';

export const QueryConsumerOffsetRequestHeader = z.object({
  consumerGroup: str(),
  topic: str(),
  queueId: int32(),
  setZeroIfNotFound: bool().optional(),
});
export type QueryConsumerOffsetRequestHeader = z.infer<typeof QueryConsumerOffsetRequestHeader>;

export const QueryConsumerOffsetResponseHeader = z.object({
  offset: int64(),
});
export type QueryConsumerOffsetResponseHeader = z.infer<typeof QueryConsumerOffsetResponseHeader>;

export const UpdateConsumerOffsetRequestHeader = z.object({
  consumerGroup: str(),
  topic: str(),
  queueId: int32(),
  commitOffset: int64(),
});
export type UpdateConsumerOffsetRequestHeader = z.infer<typeof UpdateConsumerOffsetRequestHeader>;
