/**
 * Transaction half messages (PROTOCOL.md §2.8): how a PREPARED send is parked in RMQ_SYS_TRANS_HALF_TOPIC, and how
 * a commit turns the parked copy back into a message of its real topic. Pure functions: record in, record out.
 *
 * Facts from RocketMQ 5.3.3: TransactionalMessageBridge.parseHalfMessageInner (prepare), EndTransactionProcessor
 * .endMessageTransaction (commit), DefaultTransactionalMessageCheckListener.toMessageExtBrokerInner (discard),
 * TransactionalMessageBridge.renewHalfMessageInner (put back before a check).
 */
import {
  encodeProperties,
  decodeProperties,
  getTransactionValue,
  MessageConst,
  MessageSysFlag,
  resetTransactionValue,
  type MessageRecord,
} from '@skyrocket/remoting';
import type { MessageToStore } from '@skyrocket/store';
import { TRANS_HALF_TOPIC } from '../topic/topic-validator';

/** Where half messages checked transactionCheckMax times go (TopicValidator.RMQ_SYS_TRANS_CHECK_MAX_TIME_TOPIC). */
export const TRANS_CHECK_MAX_TIME_TOPIC = 'TRANS_CHECK_MAX_TIME_TOPIC';
/** The system group whose consumer offsets hold the check progress (MixAll.CID_SYS_RMQ_TRANS). */
export const TRANSACTION_CONSUMER_GROUP = 'CID_RMQ_SYS_TRANS';
/** Half messages always go to queue 0 of the half topic (parseHalfMessageInner). */
export const HALF_QUEUE_ID = 0;

/**
 * SendMessageProcessor's test for a half message: property TRAN_MSG parses as true (Boolean.parseBoolean), except
 * for a retried message with a delay level, which clients older than 4.6.1 sent back with TRAN_MSG still set.
 * Skyrocket also takes the PREPARED sysFlag bits alone as a half message: RocketMQ would store such a record with no
 * consume-queue entry, where nobody could ever read or resolve it.
 */
export function isTransactionPrepared(
  properties: ReadonlyMap<string, string>,
  sysFlag: number,
  reconsumeTimes: number,
): boolean {
  const flagged =
    properties.get(MessageConst.PROPERTY_TRANSACTION_PREPARED)?.toLowerCase() === 'true' ||
    getTransactionValue(sysFlag) === MessageSysFlag.TRANSACTION_PREPARED_TYPE;
  const delayLevel = Number(properties.get(MessageConst.PROPERTY_DELAY_TIME_LEVEL) ?? 0);
  return flagged && !(reconsumeTimes > 0 && delayLevel > 0);
}

/** isTransactionPrepared for a message ready to store; skips decoding properties that cannot hold TRAN_MSG. */
export function isPreparedMessage(message: MessageToStore): boolean {
  if (
    getTransactionValue(message.sysFlag) !== MessageSysFlag.TRANSACTION_PREPARED_TYPE &&
    !message.properties.includes(MessageConst.PROPERTY_TRANSACTION_PREPARED)
  ) {
    return false;
  }
  return isTransactionPrepared(decodeProperties(message.properties), message.sysFlag, message.reconsumeTimes);
}

/**
 * parseHalfMessageInner: the real topic and queue move into REAL_TOPIC / REAL_QID, the UNIQ_KEY is copied to
 * `__transactionId__`, the transaction bits are cleared (so the half queue gets a consume-queue entry the check
 * service can scan) and the message goes to RMQ_SYS_TRANS_HALF_TOPIC queue 0.
 */
export function toHalfMessage(message: MessageToStore): MessageToStore {
  const properties = decodeProperties(message.properties);
  const uniqKey = properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX);
  if (uniqKey) properties.set(MessageConst.PROPERTY_TRANSACTION_ID, uniqKey);
  properties.set(MessageConst.PROPERTY_REAL_TOPIC, message.topic);
  properties.set(MessageConst.PROPERTY_REAL_QUEUE_ID, String(message.queueId));
  return {
    ...message,
    topic: TRANS_HALF_TOPIC,
    queueId: HALF_QUEUE_ID,
    sysFlag: resetTransactionValue(message.sysFlag, MessageSysFlag.TRANSACTION_NOT_TYPE),
    properties: encodeProperties(properties),
  };
}

/**
 * endMessageTransaction + EndTransactionProcessor: the committed message goes to REAL_TOPIC / REAL_QID with the
 * COMMIT transaction type, the half message's commit-log offset as preparedTransactionOffset, and every property
 * of the half message except REAL_TOPIC, REAL_QID and TRAN_MSG. Undefined when the half message lacks its real
 * destination.
 */
export function toCommittedMessage(half: MessageRecord): MessageToStore | undefined {
  const properties = new Map(half.properties);
  const topic = properties.get(MessageConst.PROPERTY_REAL_TOPIC);
  const queueId = parseJavaInt(properties.get(MessageConst.PROPERTY_REAL_QUEUE_ID));
  if (!topic || queueId === undefined) return undefined;
  properties.delete(MessageConst.PROPERTY_REAL_TOPIC);
  properties.delete(MessageConst.PROPERTY_REAL_QUEUE_ID);
  properties.delete(MessageConst.PROPERTY_TRANSACTION_PREPARED);
  return {
    topic,
    queueId,
    flag: half.flag,
    body: half.body,
    properties: encodeProperties(properties),
    sysFlag: resetTransactionValue(half.sysFlag, MessageSysFlag.TRANSACTION_COMMIT_TYPE),
    bornTimestamp: half.bornTimestamp,
    bornHost: half.bornHost,
    reconsumeTimes: half.reconsumeTimes,
    preparedTransactionOffset: half.commitLogOffset,
  };
}

/**
 * renewHalfMessageInner: a copy of a half message for the end of the half queue, with its (possibly updated)
 * properties. The check service puts one back before every check, so the half queue can move on.
 */
export function renewHalfMessage(half: MessageRecord): MessageToStore {
  return {
    topic: half.topic,
    queueId: half.queueId,
    flag: half.flag,
    body: half.body,
    properties: encodeProperties(half.properties),
    sysFlag: half.sysFlag,
    bornTimestamp: half.bornTimestamp,
    bornHost: half.bornHost,
    reconsumeTimes: half.reconsumeTimes,
    preparedTransactionOffset: half.preparedTransactionOffset,
  };
}

/** toMessageExtBrokerInner: a half message checked too often, parked in TRANS_CHECK_MAX_TIME_TOPIC queue 0. */
export function toDiscardedMessage(half: MessageRecord): MessageToStore {
  return {
    ...renewHalfMessage(half),
    topic: TRANS_CHECK_MAX_TIME_TOPIC,
    queueId: 0,
    preparedTransactionOffset: 0,
  };
}

/** Java Integer.parseInt: decimal int32, else undefined. */
export function parseJavaInt(text: string | undefined): number | undefined {
  if (text === undefined || !/^[+-]?\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= -2147483648 && value <= 2147483647 ? value : undefined;
}

/** Java Long.parseLong for values in the safe-integer range, else undefined. */
export function parseJavaLong(text: string | undefined): number | undefined {
  if (text === undefined || !/^[+-]?\d+$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}
