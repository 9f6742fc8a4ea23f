/**
 * What the broker does with a half message the check found due (RocketMQ AbstractTransactionalMessageCheckListener
 * .sendCheckMessage, Broker2Client.checkProducerTransactionState) or checked too often
 * (DefaultTransactionalMessageCheckListener.resolveDiscardMsg).
 */
import type { Logger } from '@skyrocket/common';
import {
  createRequest,
  encodeHeader,
  encodeRecord,
  MessageConst,
  RequestCode,
  type MessageRecord,
  type RemotingCommand,
} from '@skyrocket/remoting';
import type { MessageStore } from '@skyrocket/store';
import type { ProducerManager } from '../client/client-managers';
import { Perm } from '../topic/topic-config-manager';
import { parseJavaInt, toDiscardedMessage, TRANS_CHECK_MAX_TIME_TOPIC } from './half-message';
import type { TransactionCheckListener } from './transactional-message-service';

/**
 * CHECK_TRANSACTION_STATE (39), oneway, broker → producer. Header (CheckTransactionStateRequestHeader):
 * topic = the half topic (sendCheckMessage reads it before restoring the real one), tranStateTableOffset and
 * commitLogOffset of the copy just put back, msgId = transactionId = UNIQ_KEY, offsetMsgId, bname = brokerName.
 * Body = MessageDecoder.encode of the half message with its real topic and queue id restored and every property
 * kept (PGROUP, UNIQ_KEY, TRANSACTION_CHECK_TIMES, REAL_TOPIC...): the Java client decodes it, calls
 * checkLocalTransaction with it and answers END_TRANSACTION with the header's offsets.
 */
export function checkTransactionStateRequest(
  half: MessageRecord,
  offsetMsgId: string,
  brokerName: string,
): RemotingCommand {
  const uniqKey = half.properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX);
  const realQueueId = parseJavaInt(half.properties.get(MessageConst.PROPERTY_REAL_QUEUE_ID));
  const body = encodeRecord({
    ...half,
    // MessageDecoder.encode writes a V1 record; encodeRecord picks V2 only for topics longer than 127.
    magicCode: undefined,
    topic: half.properties.get(MessageConst.PROPERTY_REAL_TOPIC) ?? half.topic,
    queueId: realQueueId ?? half.queueId,
  });
  return createRequest(RequestCode.CHECK_TRANSACTION_STATE, {
    extFields: encodeHeader({
      topic: half.topic,
      commitLogOffset: half.commitLogOffset,
      offsetMsgId,
      msgId: uniqKey,
      transactionId: uniqKey,
      tranStateTableOffset: half.queueOffset,
      bname: brokerName,
    }),
    body,
  });
}

export interface BrokerTransactionCheckListenerOptions {
  store: MessageStore;
  producers: Pick<ProducerManager, 'anyChannel'>;
  /** TopicConfigManager: TRANS_CHECK_MAX_TIME_TOPIC is created on first use (createTopicOfTranCheckMaxTime). */
  topics: { getOrCreateSystemTopic(topic: string, queues: number, perm: number): unknown };
  brokerName: string;
  logger: Logger;
}

export class BrokerTransactionCheckListener implements TransactionCheckListener {
  readonly #options: BrokerTransactionCheckListenerOptions;

  constructor(options: BrokerTransactionCheckListenerOptions) {
    this.#options = options;
  }

  /** One live producer channel of the message's PGROUP gets the call-back; with none, the next scan tries again. */
  resolveHalfMessage(half: MessageRecord, offsetMsgId: string): void {
    const { producers, brokerName, logger } = this.#options;
    const group = half.properties.get(MessageConst.PROPERTY_PRODUCER_GROUP) ?? '';
    const channel = producers.anyChannel(group);
    if (!channel) {
      logger.warn({ group, offsetMsgId }, 'no live producer of the group to check a transaction with');
      return;
    }
    try {
      channel.connection.invokeOneway(checkTransactionStateRequest(half, offsetMsgId, brokerName));
    } catch (error) {
      logger.warn({ err: error, group, offsetMsgId }, 'CHECK_TRANSACTION_STATE not delivered');
    }
  }

  /** Parks the message in TRANS_CHECK_MAX_TIME_TOPIC (1 queue, RW) and logs it; nobody is asked again. */
  async resolveDiscardMessage(half: MessageRecord): Promise<void> {
    const { store, topics, logger } = this.#options;
    const details = {
      realTopic: half.properties.get(MessageConst.PROPERTY_REAL_TOPIC),
      uniqKey: half.properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX),
      checkTimes: half.properties.get(MessageConst.PROPERTY_TRANSACTION_CHECK_TIMES),
      halfQueueOffset: half.queueOffset,
    };
    logger.error(details, `half message checked too many times; discarded to ${TRANS_CHECK_MAX_TIME_TOPIC}`);
    topics.getOrCreateSystemTopic(TRANS_CHECK_MAX_TIME_TOPIC, 1, Perm.READ | Perm.WRITE);
    const result = await store.putMessage(toDiscardedMessage(half));
    if (result.status !== 'PUT_OK') {
      logger.error({ ...details, status: result.status }, `putting to ${TRANS_CHECK_MAX_TIME_TOPIC} failed`);
    }
  }
}
