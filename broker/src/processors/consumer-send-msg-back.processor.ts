import {
  ConsumerSendMsgBackRequestHeader,
  createOffsetMessageId,
  createResponse,
  decodeHeader,
  decodeRecord,
  encodeProperties,
  MessageConst,
  MQVersion,
  ResponseCode,
  type MessageRecord,
  type RequestProcessor,
} from '@skyrocket/remoting';
import type { MessageToStore } from '@skyrocket/store';
import { scheduledDestination } from '../message/delay-level';
import { Perm } from '../topic/topic-config-manager';
import { dlqTopic, retryTopic } from '../topic/topic-validator';
import type { BrokerContext } from './processor';

/** AbstractSendMessageProcessor.DLQ_NUMS_PER_GROUP. */
const DLQ_QUEUE_NUMS = 1;

/**
 * CONSUMER_SEND_MSG_BACK (36): a consumer hands back a message it failed to consume (PROTOCOL.md §4.7). Header
 * offset (commit-log offset of the message as the consumer pulled it), group, delayLevel (0: the broker picks
 * 3 + reconsumeTimes; < 0: straight to the DLQ), originMsgId?, originTopic?, unitMode, maxReconsumeTimes? (honoured
 * from request version V3_4_9, else the group's retryMaxTimes). No body; the reply has no header.
 *
 * Follows AbstractSendMessageProcessor.consumerSendMsgBack: the stored message is looked up and stored again in
 * `%RETRY%group` (created with the group's retryQueueNums, RW) through the delay rewrite, so it comes back after
 * its level's delay, with reconsumeTimes + 1, RETRY_TOPIC = the topic it was first sent to, ORIGIN_MESSAGE_ID = the
 * offset msgId of the first stored copy, and everything else (UNIQ_KEY, keys, tags, body, flag, born time/host)
 * kept. At max reconsume times it goes to `%DLQ%group` (1 queue, RW) without delay instead. WAIT=false is set, as
 * RocketMQ does. Unit mode's topic flag is not supported (the retry topic is created without it).
 */
export function consumerSendMsgBackProcessor(context: BrokerContext): RequestProcessor {
  return async (request) => {
    const header = decodeHeader(ConsumerSendMsgBackRequestHeader, request.extFields);
    const reply = (code: number, remark?: string) => createResponse(request, code, { remark });

    if (context.config.brokerRole === 'SLAVE') {
      // SendMessageProcessor.rejectRequest on a slave; NettyRemotingAbstract answers SYSTEM_BUSY with this remark.
      // The client then sends the message to the retry topic itself, through a master.
      return reply(ResponseCode.SYSTEM_BUSY, '[REJECTREQUEST]system busy, start flow control for a while');
    }
    const group = context.groups.findOrCreate(header.group);
    if (!group) {
      return reply(
        ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
        `subscription group not exist, ${header.group}`,
      );
    }
    if ((context.permission.value & Perm.WRITE) === 0) {
      return reply(
        ResponseCode.NO_PERMISSION,
        `the broker[${context.storeHost.address}] sending message is forbidden`,
      );
    }
    // A group without retry queues drops failed messages.
    if (group.retryQueueNums <= 0) return reply(ResponseCode.SUCCESS);

    const retry = context.topics.getOrCreateSystemTopic(
      retryTopic(header.group),
      group.retryQueueNums,
      Perm.WRITE | Perm.READ,
    );
    if ((retry.perm & Perm.WRITE) === 0) {
      return reply(ResponseCode.NO_PERMISSION, `the topic[${retry.topicName}] sending message is forbidden`);
    }

    const record = await lookMessage(context, header.offset);
    if (!record) return reply(ResponseCode.SYSTEM_ERROR, `look message by offset failed, ${header.offset}`);

    const maxReconsumeTimes =
      request.version >= MQVersion.V3_4_9 && header.maxReconsumeTimes !== undefined
        ? header.maxReconsumeTimes
        : group.retryMaxTimes;
    const toDeadLetter = record.reconsumeTimes >= maxReconsumeTimes || header.delayLevel < 0;
    const destination = toDeadLetter
      ? {
          topic: context.topics.getOrCreateSystemTopic(
            dlqTopic(header.group),
            DLQ_QUEUE_NUMS,
            Perm.WRITE | Perm.READ,
          ).topicName,
          queueId: randomQueueId(DLQ_QUEUE_NUMS),
        }
      : { topic: retry.topicName, queueId: randomQueueId(group.retryQueueNums) };
    // DLQ: DELAY 0 (setDelayTimeLevel(0)), stored as it is. Retry: the given level, or 3 + reconsumeTimes.
    const delayLevel = toDeadLetter
      ? 0
      : header.delayLevel === 0
        ? 3 + record.reconsumeTimes
        : header.delayLevel;

    const message = sentBack(context, record, destination, delayLevel);
    const result = await context.store.putMessage(message);
    context.metrics.sends.inc({ topic: destination.topic, result: result.status });
    if (result.append) {
      context.metrics.sendBytes.inc({ topic: destination.topic }, result.append.wroteBytes);
      if (toDeadLetter) {
        context.logger.info(
          {
            group: header.group,
            originTopic: header.originTopic,
            uniqKey: record.properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX),
            reconsumeTimes: record.reconsumeTimes,
            maxReconsumeTimes,
          },
          'message sent to the DLQ',
        );
      }
      // With WAIT=false RocketMQ never waits for the flush or the slave, so only PUT_OK reaches it; a store that
      // reports FLUSH_DISK_TIMEOUT has the message all the same, and an error would make the client send a copy.
      return reply(ResponseCode.SUCCESS);
    }
    return reply(ResponseCode.SYSTEM_ERROR, result.status);
  };
}

async function lookMessage(context: BrokerContext, offset: number): Promise<MessageRecord | undefined> {
  const buffer = await context.store.lookMessageByOffset(offset);
  if (!buffer) return undefined;
  try {
    return decodeRecord(buffer);
  } catch (error) {
    context.logger.warn({ err: error, offset }, 'send-back: the record at the offset does not decode');
    return undefined;
  }
}

/** The message to store for a send-back: `record` with the retry bookkeeping, through the delay rewrite. */
function sentBack(
  context: BrokerContext,
  record: MessageRecord,
  destination: { topic: string; queueId: number },
  delayLevel: number,
): MessageToStore {
  const properties = new Map(record.properties);
  if (!properties.has(MessageConst.PROPERTY_RETRY_TOPIC)) {
    properties.set(MessageConst.PROPERTY_RETRY_TOPIC, record.topic);
  }
  properties.set(MessageConst.PROPERTY_WAIT_STORE_MSG_OK, 'false');
  properties.set(MessageConst.PROPERTY_DELAY_TIME_LEVEL, String(delayLevel));
  if (!properties.get(MessageConst.PROPERTY_ORIGIN_MESSAGE_ID)) {
    // MessageExt.getMsgId() of a record the broker decoded: the offset msgId of this stored copy.
    properties.set(
      MessageConst.PROPERTY_ORIGIN_MESSAGE_ID,
      createOffsetMessageId(record.storeHost, record.commitLogOffset),
    );
  }
  const { topic, queueId } = scheduledDestination(
    properties,
    destination,
    record.sysFlag,
    context.delayLevels.length,
  );
  return {
    topic,
    queueId,
    flag: record.flag,
    body: record.body,
    properties: encodeProperties(properties),
    sysFlag: record.sysFlag,
    bornTimestamp: record.bornTimestamp,
    bornHost: record.bornHost,
    reconsumeTimes: record.reconsumeTimes + 1,
    preparedTransactionOffset: 0,
  };
}

function randomQueueId(queueNums: number): number {
  return Math.floor(Math.random() * Math.max(1, queueNums));
}
