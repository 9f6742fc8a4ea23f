import { getTransactionValue, MessageConst, MessageSysFlag } from '@skyrocket/remoting';
import { SCHEDULE_TOPIC } from '../topic/topic-validator';

/**
 * Delay levels and the schedule topic (PROTOCOL.md §4.6). A message with DELAY = n > 0 is stored in
 * SCHEDULE_TOPIC_XXXX queue n − 1 with its real destination in REAL_TOPIC / REAL_QID; the ScheduleMessageService
 * puts it back there once the level's delay has passed. Shared by every path that stores a message: sends,
 * consumer send-back and (for committed transactional messages) the transaction path.
 */

/** ScheduleMessageService.delayLevel2QueueId. */
export function delayLevelToQueueId(delayLevel: number): number {
  return delayLevel - 1;
}

/** ScheduleMessageService.queueId2DelayLevel. */
export function queueIdToDelayLevel(queueId: number): number {
  return queueId + 1;
}

export interface Destination {
  topic: string;
  queueId: number;
}

/**
 * HookUtils.handleScheduleMessage / transformDelayLevelMessage: when the message is not a prepared or rolled-back
 * transactional one and its DELAY property is a level > 0, caps the level at `maxDelayLevel`, saves `destination`
 * in REAL_TOPIC / REAL_QID and returns the schedule queue of the level. Otherwise returns `destination` unchanged.
 * Mutates `properties` (the caller encodes them afterwards).
 *
 * Java fails the put when DELAY is not an integer (Integer.parseInt); such a DELAY is ignored here, as the store
 * ignores it for the tag code.
 */
export function scheduledDestination(
  properties: Map<string, string>,
  destination: Destination,
  sysFlag: number,
  maxDelayLevel: number,
): Destination {
  const transactionType = getTransactionValue(sysFlag);
  if (
    transactionType !== MessageSysFlag.TRANSACTION_NOT_TYPE &&
    transactionType !== MessageSysFlag.TRANSACTION_COMMIT_TYPE
  ) {
    return destination;
  }
  const delayLevel = Number(properties.get(MessageConst.PROPERTY_DELAY_TIME_LEVEL) ?? 0);
  if (!Number.isInteger(delayLevel) || delayLevel <= 0 || maxDelayLevel <= 0) return destination;
  const level = Math.min(delayLevel, maxDelayLevel);
  properties.set(MessageConst.PROPERTY_DELAY_TIME_LEVEL, String(level));
  properties.set(MessageConst.PROPERTY_REAL_TOPIC, destination.topic);
  properties.set(MessageConst.PROPERTY_REAL_QUEUE_ID, String(destination.queueId));
  return { topic: SCHEDULE_TOPIC, queueId: delayLevelToQueueId(level) };
}
