import {
  createResponse,
  decodeBatchMessages,
  decodeProperties,
  encodeProperties,
  HeaderDecodeError,
  MessageConst,
  MessageSysFlag,
  parseSendMessageRequestHeader,
  ResponseCode,
  type RemotingCommand,
  type RequestProcessor,
  type SendMessageRequestHeader,
} from '@skyrocket/remoting';
import type { MessageToStore, PutMessageResult, PutMessageStatus } from '@skyrocket/store';
import { scheduledDestination } from '../message/delay-level';
import { Perm } from '../topic/topic-config-manager';
import {
  dlqTopic,
  isNotAllowedSendTopic,
  RETRY_GROUP_TOPIC_PREFIX,
  validateTopic,
} from '../topic/topic-validator';
import { isPreparedMessage, isTransactionPrepared, toHalfMessage } from '../transaction/half-message';
import { peerHost, type BrokerContext } from './processor';

/**
 * SEND_MESSAGE (10, long header names), SEND_MESSAGE_V2 (310, single letters a–n) and SEND_BATCH_MESSAGE (320):
 * header producerGroup, topic, defaultTopic, defaultTopicQueueNums, queueId, sysFlag, bornTimestamp, flag,
 * properties, reconsumeTimes, unitMode, batch, maxReconsumeTimes; body = the message body, or for a batch the
 * concatenated batch encoding. Reply header msgId (offset msgIds, comma-joined for a batch), queueId, queueOffset,
 * transactionId (UNIQ_KEY), plus MSG_REGION / TRACE_ON as RocketMQ's SendMessageProcessor adds.
 *
 * Checks in RocketMQ's order (AbstractSendMessageProcessor.msgCheck): broker writable, topic name, system topics,
 * topic exists or auto-created through TBW102, queueId in range, topic writable. Retry topics past their max
 * reconsume times go to the DLQ; a DELAY property turns the message into a scheduled one; TRAN_MSG=true makes it
 * a transaction half message, parked in RMQ_SYS_TRANS_HALF_TOPIC until END_TRANSACTION (transaction/half-message.ts).
 */
export function sendMessageProcessor(context: BrokerContext): RequestProcessor {
  return async (request, connection) => {
    let header: SendMessageRequestHeader;
    try {
      header = parseSendMessageRequestHeader(request.code, request.extFields);
    } catch (error) {
      if (error instanceof HeaderDecodeError)
        return refuse(request, ResponseCode.SYSTEM_ERROR, error.message, context);
      throw error;
    }
    const reply = (code: number, remark: string) => refuse(request, code, remark, context, header.topic);

    if (context.config.brokerRole === 'SLAVE') {
      return reply(
        ResponseCode.SERVICE_NOT_AVAILABLE,
        `the broker[${context.config.brokerName}] is a slave and does not accept messages`,
      );
    }
    if ((context.permission.value & Perm.WRITE) === 0) {
      return reply(
        ResponseCode.NO_PERMISSION,
        `the broker[${context.config.brokerName}] sending message is forbidden`,
      );
    }
    const invalidTopic = validateTopic(header.topic);
    // RocketMQ 5.x msgCheck answers INVALID_PARAMETER (not retried by the client), not SYSTEM_ERROR.
    if (invalidTopic) return reply(ResponseCode.INVALID_PARAMETER, invalidTopic);
    if (isNotAllowedSendTopic(header.topic)) {
      return reply(ResponseCode.NO_PERMISSION, `Sending message to topic[${header.topic}] is forbidden.`);
    }

    let topic = context.topics.get(header.topic);
    if (!topic) {
      if (header.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) {
        topic = context.topics.getOrCreateSystemTopic(header.topic, 1, Perm.READ | Perm.WRITE);
      } else if (context.config.autoCreateTopicEnable) {
        topic = context.topics.createInSendMessage(
          header.topic,
          header.defaultTopic,
          header.defaultTopicQueueNums,
          (header.unitMode ?? false) ? 1 : 0,
        );
      }
    }
    if (!topic) {
      return reply(ResponseCode.TOPIC_NOT_EXIST, `topic[${header.topic}] not exist, apply first please!`);
    }
    const queueCount = Math.max(topic.writeQueueNums, topic.readQueueNums);
    let queueId = header.queueId;
    if (queueId >= queueCount) {
      return reply(
        ResponseCode.INVALID_PARAMETER,
        `request queueId[${queueId}] is illegal, Topic :${header.topic} TopicConfig: writeQueueNums ${topic.writeQueueNums} readQueueNums ${topic.readQueueNums}`,
      );
    }
    if (queueId < 0) queueId = Math.floor(Math.random() * Math.max(1, topic.writeQueueNums));
    if ((topic.perm & Perm.WRITE) === 0) {
      return reply(ResponseCode.NO_PERMISSION, `the topic[${header.topic}] sending message is forbidden`);
    }

    const body = request.body ?? Buffer.alloc(0);
    const isBatch = request.code === 320 || header.batch === true;
    if (body.length > context.config.maxMessageSize) {
      return reply(
        ResponseCode.MESSAGE_ILLEGAL,
        `the message body size over max value, MAX: ${context.config.maxMessageSize}`,
      );
    }
    const bornHost = peerHost(connection.remoteAddress);
    const sysFlag =
      topic.topicFilterType === 'MULTI_TAG'
        ? header.sysFlag | MessageSysFlag.MULTI_TAGS_FLAG
        : header.sysFlag;

    let messages: MessageToStore[];
    if (isBatch) {
      let decoded: ReturnType<typeof decodeBatchMessages>;
      try {
        decoded = decodeBatchMessages(body);
      } catch (error) {
        return reply(
          ResponseCode.MESSAGE_ILLEGAL,
          `the batch body is malformed: ${(error as Error).message}`,
        );
      }
      if (decoded.length === 0) return reply(ResponseCode.MESSAGE_ILLEGAL, 'the batch holds no message');
      messages = decoded.map((m) =>
        storable(context, {
          topic: header.topic,
          queueId,
          flag: m.flag,
          body: m.body,
          properties: new Map(m.properties),
          sysFlag,
          bornTimestamp: header.bornTimestamp,
          bornHost,
          reconsumeTimes: header.reconsumeTimes ?? 0,
        }),
      );
    } else {
      const properties = decodeProperties(header.properties ?? '');
      // A half message is never delayed: DefaultMQProducerImpl.sendMessageInTransaction drops DELAY as well.
      if (isTransactionPrepared(properties, header.sysFlag, header.reconsumeTimes ?? 0)) {
        properties.delete(MessageConst.PROPERTY_DELAY_TIME_LEVEL);
      }
      const retry = header.topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)
        ? retryOrDeadLetter(context, header, properties)
        : undefined;
      if (retry && 'refusal' in retry) return reply(retry.code, retry.refusal);
      messages = [
        storable(context, {
          topic: retry?.topic ?? header.topic,
          queueId: retry?.queueId ?? queueId,
          flag: header.flag,
          body,
          properties,
          sysFlag,
          bornTimestamp: header.bornTimestamp,
          bornHost,
          reconsumeTimes: header.reconsumeTimes ?? 0,
        }),
      ];
    }
    if (messages.some(isPreparedMessage)) {
      // Transaction half messages (PROTOCOL.md §2.8) are parked in RMQ_SYS_TRANS_HALF_TOPIC until END_TRANSACTION.
      if (isBatch) return reply(ResponseCode.MESSAGE_ILLEGAL, 'a batch cannot carry transaction messages');
      if (context.config.rejectTransactionMessage) {
        return reply(
          ResponseCode.NO_PERMISSION,
          `the broker[${context.config.brokerName}] sending transaction message is forbidden`,
        );
      }
      messages = messages.map(toHalfMessage);
    }

    const started = process.hrtime.bigint();
    const result = isBatch
      ? await context.store.putMessages(messages)
      : await context.store.putMessage(messages[0] as MessageToStore);
    context.metrics.sendLatency.observe(Number(process.hrtime.bigint() - started) / 1e9);
    return answer(context, request, header.topic, result, messages, queueId);
  };
}

interface Draft {
  topic: string;
  queueId: number;
  flag: number;
  body: Uint8Array;
  properties: Map<string, string>;
  sysFlag: number;
  bornTimestamp: number;
  bornHost: MessageToStore['bornHost'];
  reconsumeTimes: number;
}

/** Adds UNIQ_KEY when missing and CLUSTER; turns DELAY into a scheduled message (HookUtils.handleScheduleMessage). */
function storable(context: BrokerContext, draft: Draft): MessageToStore {
  const properties = draft.properties;
  if (!properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX)) {
    properties.set(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX, context.idGenerator.createUniqId());
  }
  properties.set(MessageConst.PROPERTY_CLUSTER, context.config.brokerClusterName);
  const { topic, queueId } = scheduledDestination(
    properties,
    { topic: draft.topic, queueId: draft.queueId },
    draft.sysFlag,
    context.delayLevels.length,
  );
  return {
    topic,
    queueId,
    flag: draft.flag,
    body: draft.body,
    properties: encodeProperties(properties),
    sysFlag: draft.sysFlag,
    bornTimestamp: draft.bornTimestamp,
    bornHost: draft.bornHost,
    reconsumeTimes: draft.reconsumeTimes,
    preparedTransactionOffset: 0,
  };
}

/**
 * handleRetryAndDLQ: a message sent to %RETRY%group whose reconsumeTimes passed the group's max goes to
 * %DLQ%group (1 queue) instead, with DELAY removed.
 */
function retryOrDeadLetter(
  context: BrokerContext,
  header: SendMessageRequestHeader,
  properties: Map<string, string>,
): { topic: string; queueId: number } | { refusal: string; code: number } | undefined {
  const group = header.topic.slice(RETRY_GROUP_TOPIC_PREFIX.length);
  const groupConfig = context.groups.findOrCreate(group);
  if (!groupConfig) {
    return {
      refusal: `subscription group not exist, ${group}`,
      code: ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
    };
  }
  const maxReconsumeTimes = header.maxReconsumeTimes ?? groupConfig.retryMaxTimes;
  if ((header.reconsumeTimes ?? 0) <= maxReconsumeTimes) return undefined;
  properties.delete(MessageConst.PROPERTY_DELAY_TIME_LEVEL);
  const dlq = context.topics.getOrCreateSystemTopic(dlqTopic(group), 1, Perm.WRITE | Perm.READ);
  return { topic: dlq.topicName, queueId: 0 };
}

function answer(
  context: BrokerContext,
  request: RemotingCommand,
  topic: string,
  result: PutMessageResult,
  messages: MessageToStore[],
  queueId: number,
): RemotingCommand {
  const code = putStatusCode(result.status);
  context.metrics.sends.inc({ topic, result: result.status });
  if (result.append) context.metrics.sendBytes.inc({ topic }, result.append.wroteBytes);
  if (
    !result.append ||
    (code !== ResponseCode.SUCCESS &&
      code !== ResponseCode.FLUSH_DISK_TIMEOUT &&
      code !== ResponseCode.FLUSH_SLAVE_TIMEOUT &&
      code !== ResponseCode.SLAVE_NOT_AVAILABLE)
  ) {
    return createResponse(request, code, {
      remark: result.remark ?? `put message failed: ${result.status}`,
      extFields: { MSG_REGION: 'DefaultRegion', TRACE_ON: 'true' },
    });
  }
  const uniqKeys = messages.map(
    (m) => decodeProperties(m.properties).get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) ?? '',
  );
  const first = messages[0];
  return createResponse(request, code, {
    remark: code === ResponseCode.SUCCESS ? undefined : result.remark,
    extFields: {
      msgId: result.append.msgIds.join(','),
      queueId: String(first && first.topic === topic ? first.queueId : queueId),
      queueOffset: String(result.append.queueOffset),
      transactionId: uniqKeys.join(','),
      MSG_REGION: 'DefaultRegion',
      TRACE_ON: 'true',
    },
  });
}

/** SendMessageProcessor: PutMessageStatus → response code (PROTOCOL.md §2.4). */
export function putStatusCode(status: PutMessageStatus): number {
  switch (status) {
    case 'PUT_OK':
      return ResponseCode.SUCCESS;
    case 'FLUSH_DISK_TIMEOUT':
      return ResponseCode.FLUSH_DISK_TIMEOUT;
    case 'FLUSH_SLAVE_TIMEOUT':
      return ResponseCode.FLUSH_SLAVE_TIMEOUT;
    case 'SLAVE_NOT_AVAILABLE':
      return ResponseCode.SLAVE_NOT_AVAILABLE;
    case 'MESSAGE_ILLEGAL':
    case 'PROPERTIES_SIZE_EXCEEDED':
      return ResponseCode.MESSAGE_ILLEGAL;
    case 'SERVICE_NOT_AVAILABLE':
      return ResponseCode.SERVICE_NOT_AVAILABLE;
    case 'OS_PAGE_CACHE_BUSY':
      return ResponseCode.SYSTEM_BUSY;
    default:
      return ResponseCode.SYSTEM_ERROR;
  }
}

function refuse(
  request: RemotingCommand,
  code: number,
  remark: string,
  context: BrokerContext,
  topic = '',
): RemotingCommand {
  context.metrics.sends.inc({ topic, result: `refused_${code}` });
  // Java's processSendResponse reads the reply header even on errors; send the fields, empty.
  return createResponse(request, code, {
    remark,
    extFields: { MSG_REGION: 'DefaultRegion', TRACE_ON: 'true' },
  });
}
