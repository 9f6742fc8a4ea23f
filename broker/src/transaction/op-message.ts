/**
 * Op records of RMQ_SYS_TRANS_OP_HALF_TOPIC: one per resolved (committed or rolled back) half message, so the check
 * service knows not to ask the producer about it. Tag "d" (TransactionalMessageUtil.REMOVE_TAG); the body is the
 * half message's queue offset followed by "," (TransactionalMessageServiceImpl.deletePrepareMessage writes
 * `offset + OFFSET_SEPARATOR`; its batch writer joins several such entries, and the reader splits on ",").
 */
import { encodeProperties, MessageConst, type HostAddress } from '@skyrocket/remoting';
import type { MessageToStore } from '@skyrocket/store';
import { TRANS_OP_HALF_TOPIC } from '../topic/topic-validator';
import { parseJavaLong } from './half-message';

export const REMOVE_TAG = 'd';
export const OFFSET_SEPARATOR = ',';

/**
 * makeOpMessageInner: sysFlag 0, born and stored by this broker, in the op queue with the half message's queue id.
 * Written at once, one record per resolution; RocketMQ 5 batches them every transactionOpBatchInterval (3 s), which
 * only saves records.
 */
export function opMessage(
  halfQueueId: number,
  halfQueueOffset: number,
  storeHost: HostAddress,
  now: number,
): MessageToStore {
  return {
    topic: TRANS_OP_HALF_TOPIC,
    queueId: halfQueueId,
    flag: 0,
    body: Buffer.from(`${halfQueueOffset}${OFFSET_SEPARATOR}`, 'utf8'),
    // new Message(opTopic, REMOVE_TAG, body): TAGS, and WAIT=true from the Message constructor.
    properties: encodeProperties(
      new Map([
        [MessageConst.PROPERTY_TAGS, REMOVE_TAG],
        [MessageConst.PROPERTY_WAIT_STORE_MSG_OK, 'true'],
      ]),
    ),
    sysFlag: 0,
    bornTimestamp: now,
    bornHost: { ...storeHost },
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
  };
}

/**
 * The half-queue offsets an op record resolves (fillOpRemoveMap): an empty list for a record whose tag is not "d"
 * or whose body holds no offset. Unparsable entries are skipped, as Java's getLong turns them into -1.
 */
export function resolvedHalfOffsets(record: {
  body: Uint8Array;
  properties: ReadonlyMap<string, string>;
}): number[] {
  if (record.properties.get(MessageConst.PROPERTY_TAGS) !== REMOVE_TAG) return [];
  return Buffer.from(record.body)
    .toString('utf8')
    .split(OFFSET_SEPARATOR)
    .map((entry) => parseJavaLong(entry))
    .filter((offset): offset is number => offset !== undefined && offset >= 0);
}
