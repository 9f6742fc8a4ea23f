/**
 * CONSUMER_SEND_MSG_BACK (36): a consumer hands a message it failed to consume back to the broker for retry
 * (PROTOCOL.md §2.6, §4.7; `header/ConsumerSendMsgBackRequestHeader.java`).
 *
 * offset (commit-log offset of the failed message), group (consumer group), delayLevel (0 = broker chooses
 * 3 + reconsumeTimes; < 0 = straight to the DLQ), originMsgId?, originTopic?, unitMode (default false),
 * maxReconsumeTimes? (honoured for request version ≥ V3_4_9, else the group's retryMaxTimes).
 */
import { z } from 'zod';

import { bool, int32, int64, str } from './fields';

export const ConsumerSendMsgBackRequestHeader = z.object({
  offset: int64(),
  group: str(),
  delayLevel: int32(),
  originMsgId: str().optional(),
  originTopic: str().optional(),
  unitMode: bool().default(false),
  maxReconsumeTimes: int32().optional(),
});
export type ConsumerSendMsgBackRequestHeader = z.infer<typeof ConsumerSendMsgBackRequestHeader>;
