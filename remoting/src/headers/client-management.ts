/**
 * Client and group management headers (PROTOCOL.md §2.6; `header/HeartbeatRequestHeader.java`,
 * `UnregisterClientRequestHeader.java`, `GetConsumerListByGroupRequestHeader.java`,
 * `NotifyConsumerIdsChangedRequestHeader.java`, `LockBatchMqRequestHeader.java`, `UnlockBatchMqRequestHeader.java`).
 *
 * HEART_BEAT (34): no fields of its own; the body is HeartbeatData JSON.
 * UNREGISTER_CLIENT (35): clientID ("ip@instance"), producerGroup?, consumerGroup?.
 * GET_CONSUMER_LIST_BY_GROUP (38): consumerGroup. The response body is {"consumerIdList": [...]}.
 * NOTIFY_CONSUMER_IDS_CHANGED (40, broker → consumer, oneway): consumerGroup.
 * LOCK_BATCH_MQ (41) / UNLOCK_BATCH_MQ (42): no fields of their own; the body is LockBatchRequestBody JSON.
 */
import { z } from 'zod';

import { str } from './fields';

/** A header with no fields of its own (only the ignored base fields ns, nsd, bname, oway). */
export const EmptyHeader = z.object({});
export type EmptyHeader = z.infer<typeof EmptyHeader>;

export const HeartbeatRequestHeader = EmptyHeader;
export type HeartbeatRequestHeader = EmptyHeader;

export const LockBatchMqRequestHeader = EmptyHeader;
export type LockBatchMqRequestHeader = EmptyHeader;

export const UnlockBatchMqRequestHeader = EmptyHeader;
export type UnlockBatchMqRequestHeader = EmptyHeader;

export const UnregisterClientRequestHeader = z.object({
  clientID: str(),
  producerGroup: str().optional(),
  consumerGroup: str().optional(),
});
export type UnregisterClientRequestHeader = z.infer<typeof UnregisterClientRequestHeader>;

export const GetConsumerListByGroupRequestHeader = z.object({
  consumerGroup: str(),
});
export type GetConsumerListByGroupRequestHeader = z.infer<typeof GetConsumerListByGroupRequestHeader>;

export const NotifyConsumerIdsChangedRequestHeader = z.object({
  consumerGroup: str(),
});
export type NotifyConsumerIdsChangedRequestHeader = z.infer<typeof NotifyConsumerIdsChangedRequestHeader>;
