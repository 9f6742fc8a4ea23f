/**
 * Pull headers (PROTOCOL.md §2.5; `header/PullMessageRequestHeader.java`, `PullMessageResponseHeader.java`), for
 * PULL_MESSAGE (11) and LITE_PULL_MESSAGE (361).
 *
 * Request: consumerGroup, topic, queueId, queueOffset (logical consume-queue index to read from), maxMsgNums,
 *   sysFlag (PullSysFlag), commitOffset (the consumer's offset to store when FLAG_COMMIT_OFFSET is set),
 *   suspendTimeoutMillis (how long the broker may park the request), subscription? (expression, used when
 *   FLAG_SUBSCRIPTION is set), subVersion (must not be newer than the heartbeat's), expressionType? ("TAG" or
 *   "SQL92"; TAG when absent), maxMsgBytes?, requestSource?, proxyFrowardClientId? (spelled so in RocketMQ).
 * Response: suggestWhichBrokerId (broker id to pull from next), nextBeginOffset, minOffset, maxOffset,
 *   offsetDelta?, topicSysFlag?, groupSysFlag?, forbiddenType?. The remark is the GetMessageStatus name.
 */
import { z } from 'zod';

import { int32, int64, str } from './fields';

export const PullMessageRequestHeader = z.object({
  consumerGroup: str(),
  topic: str(),
  queueId: int32(),
  queueOffset: int64(),
  maxMsgNums: int32(),
  sysFlag: int32(),
  commitOffset: int64(),
  suspendTimeoutMillis: int64(),
  subscription: str().optional(),
  subVersion: int64(),
  expressionType: str().optional(),
  maxMsgBytes: int32().optional(),
  requestSource: int32().optional(),
  proxyFrowardClientId: str().optional(),
});
export type PullMessageRequestHeader = z.infer<typeof PullMessageRequestHeader>;

export const PullMessageResponseHeader = z.object({
  suggestWhichBrokerId: int64(),
  nextBeginOffset: int64(),
  minOffset: int64(),
  maxOffset: int64(),
  offsetDelta: int64().optional(),
  topicSysFlag: int32().optional(),
  groupSysFlag: int32().optional(),
  forbiddenType: int32().optional(),
});
export type PullMessageResponseHeader = z.infer<typeof PullMessageResponseHeader>;
