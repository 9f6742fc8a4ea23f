/**
 * The consumer's requests to brokers, one function per request code, over `BrokerAccess`:
 *
 * - PULL_MESSAGE (11): consumerGroup, topic, queueId, queueOffset, maxMsgNums, sysFlag (PullSysFlag: COMMIT_OFFSET
 *   stores `commitOffset` for the group, SUSPEND allows long polling for `suspendTimeoutMillis`, SUBSCRIPTION makes
 *   the broker filter with the header's `subscription` instead of the last heartbeat's), subVersion, expressionType.
 * - SEARCH_OFFSET_BY_TIMESTAMP (29), GET_MAX_OFFSET (30), GET_MIN_OFFSET (31): topic, queueId[, timestamp].
 * - CONSUMER_SEND_MSG_BACK (36): offset (commit-log offset), group, delayLevel (0 = the broker picks
 *   3 + reconsumeTimes), originMsgId, originTopic, maxReconsumeTimes.
 * - LOCK_BATCH_MQ (41) / UNLOCK_BATCH_MQ (42): body {consumerGroup, clientId, mqSet}; lock answers {lockOKMQSet}.
 * - SEND_MESSAGE_V2 (310) to `%RETRY%<group>`: the fallback when CONSUMER_SEND_MSG_BACK fails, as Java's push
 *   consumer re-sends through its inner producer.
 */
import {
  buildPullSysFlag,
  createRequest,
  decodeHeader,
  encodeHeader,
  encodeProperties,
  GetMaxOffsetResponseHeader,
  MessageConst,
  RequestCode,
  ResponseCode,
  SearchOffsetResponseHeader,
  type RemotingCommand,
} from '@skyrocket/remoting';

import { ClientError, responseError } from '../errors';
import type { BrokerAccess } from './broker-access';
import { describeMessageQueue, messageQueue, type MessageQueue } from './message-queue';
import type { MessageExt } from './pull/message-ext';
import { retryTopicOf } from './pull/message-ext';
import { decodePullResponse, type PullResult } from './pull/pull-result';
import type { Subscription } from './pull/subscription';

export interface PullOptions {
  consumerGroup: string;
  queue: MessageQueue;
  subscription: Subscription;
  queueOffset: number;
  maxMessages: number;
  /** The group's offset to store on the broker with this pull; undefined or ≤ 0 sends none. */
  commitOffset?: number | undefined;
  /** Long polling: how long the broker may hold the pull; 0 for none. */
  suspendTimeoutMillis: number;
  /** Request timeout (must exceed the suspend time). */
  timeoutMillis: number;
  /** The broker id suggested by the previous pull of this queue. */
  brokerId?: number | undefined;
  litePull?: boolean;
}

export interface PullAnswer {
  result: PullResult;
  address: string;
}

export async function pullMessage(brokers: BrokerAccess, options: PullOptions): Promise<PullAnswer> {
  const { queue, subscription } = options;
  const address = await brokers.brokerAddress(queue.brokerName, queue.topic, options.brokerId);
  const commitOffset = options.commitOffset ?? 0;
  const sysFlag = buildPullSysFlag({
    commitOffset: commitOffset > 0,
    suspend: options.suspendTimeoutMillis > 0,
    subscription: true,
    classFilter: false,
    litePull: options.litePull === true,
  });
  const request = createRequest(RequestCode.PULL_MESSAGE, {
    extFields: encodeHeader({
      consumerGroup: options.consumerGroup,
      topic: queue.topic,
      queueId: queue.queueId,
      queueOffset: options.queueOffset,
      maxMsgNums: options.maxMessages,
      sysFlag,
      commitOffset: Math.max(commitOffset, 0),
      suspendTimeoutMillis: options.suspendTimeoutMillis,
      subscription: subscription.subString,
      subVersion: subscription.subVersion,
      expressionType: subscription.expressionType,
      bname: queue.brokerName,
    }),
  });
  const response = await brokers.invoke(address, request, options.timeoutMillis);
  return { result: decodePullResponse(response, queue, subscription, address), address };
}

async function queueOffsetRequest(
  brokers: BrokerAccess,
  queue: MessageQueue,
  code: number,
  fields: Record<string, number | string | boolean>,
  what: string,
  timeoutMillis: number,
): Promise<number> {
  const address = await brokers.brokerAddress(queue.brokerName, queue.topic);
  const request = createRequest(code, {
    extFields: encodeHeader({
      topic: queue.topic,
      queueId: queue.queueId,
      bname: queue.brokerName,
      ...fields,
    }),
  });
  const response = await brokers.invoke(address, request, timeoutMillis);
  if (response.code !== ResponseCode.SUCCESS) {
    throw responseError(response, `${what} of ${describeMessageQueue(queue)}`, {
      address,
      brokerName: queue.brokerName,
    });
  }
  try {
    // The three responses share the one field "offset".
    return decodeHeader(
      code === RequestCode.SEARCH_OFFSET_BY_TIMESTAMP
        ? SearchOffsetResponseHeader
        : GetMaxOffsetResponseHeader,
      response.extFields,
    ).offset;
  } catch (error) {
    throw new ClientError('INVALID_RESPONSE', `${what} response: ${(error as Error).message}`, {
      cause: error,
      address,
    });
  }
}

/** GET_MAX_OFFSET: the next offset to be written (one past the last message). */
export function maxOffset(
  brokers: BrokerAccess,
  queue: MessageQueue,
  timeoutMillis: number,
): Promise<number> {
  return queueOffsetRequest(brokers, queue, RequestCode.GET_MAX_OFFSET, {}, 'max offset', timeoutMillis);
}

/** GET_MIN_OFFSET: the first offset still stored. */
export function minOffset(
  brokers: BrokerAccess,
  queue: MessageQueue,
  timeoutMillis: number,
): Promise<number> {
  return queueOffsetRequest(brokers, queue, RequestCode.GET_MIN_OFFSET, {}, 'min offset', timeoutMillis);
}

/** SEARCH_OFFSET_BY_TIMESTAMP: the first offset stored at or after `timestamp`. */
export function searchOffset(
  brokers: BrokerAccess,
  queue: MessageQueue,
  timestamp: number,
  timeoutMillis: number,
): Promise<number> {
  return queueOffsetRequest(
    brokers,
    queue,
    RequestCode.SEARCH_OFFSET_BY_TIMESTAMP,
    { timestamp },
    'offset by timestamp',
    timeoutMillis,
  );
}

export interface SendBackOptions {
  consumerGroup: string;
  message: MessageExt;
  /** 0: the broker picks 3 + reconsumeTimes; < 0: straight to the DLQ. */
  delayLevel: number;
  maxReconsumeTimes: number;
  timeoutMillis: number;
}

/** CONSUMER_SEND_MSG_BACK to the master of the broker the message was pulled from. */
export async function sendMessageBack(brokers: BrokerAccess, options: SendBackOptions): Promise<void> {
  const { message } = options;
  const address = await brokers.brokerAddress(message.brokerName, message.topic);
  const request = createRequest(RequestCode.CONSUMER_SEND_MSG_BACK, {
    extFields: encodeHeader({
      offset: message.commitLogOffset,
      group: options.consumerGroup,
      delayLevel: options.delayLevel,
      originMsgId: message.msgId,
      originTopic: message.topic,
      unitMode: false,
      maxReconsumeTimes: options.maxReconsumeTimes,
      bname: message.brokerName,
    }),
  });
  const response = await brokers.invoke(address, request, options.timeoutMillis);
  if (response.code !== ResponseCode.SUCCESS) {
    throw responseError(response, `send back ${message.msgId}`, { address, brokerName: message.brokerName });
  }
}

/** The producer group Java uses for the consumer's own re-sends (MixAll.CLIENT_INNER_PRODUCER_GROUP). */
export const CLIENT_INNER_PRODUCER_GROUP = 'CLIENT_INNER_PRODUCER';

export interface RetrySendOptions {
  consumerGroup: string;
  message: MessageExt;
  /** Brokers to try, in order (the retry topic's writable brokers, the message's own broker first). */
  brokerNames: readonly string[];
  maxReconsumeTimes: number;
  /** The reconsumeTimes the new message carries (Java: the failed message's + 1). */
  reconsumeTimes: number;
  /** DELAY of the new message; 0 for none. */
  delayLevel: number;
  timeoutMillis: number;
}

/**
 * `DefaultMQPushConsumerImpl.sendMessageBack`'s fallback: a new message to `%RETRY%<group>` with the failed one's
 * body and properties, ORIGIN_MESSAGE_ID, RETRY_TOPIC (the original topic), RECONSUME_TIME and
 * MAX_RECONSUME_TIMES; the broker moves it to the DLQ once reconsumeTimes passes the maximum. Tries each broker in
 * turn and throws the last error if none accepts it.
 */
export async function sendToRetryTopic(brokers: BrokerAccess, options: RetrySendOptions): Promise<void> {
  const { message } = options;
  const retryTopic = retryTopicOf(options.consumerGroup);
  const properties = new Map(Object.entries(message.properties));
  for (const transient of [MessageConst.PROPERTY_MIN_OFFSET, MessageConst.PROPERTY_MAX_OFFSET])
    properties.delete(transient);
  properties.set(
    MessageConst.PROPERTY_ORIGIN_MESSAGE_ID,
    message.properties[MessageConst.PROPERTY_ORIGIN_MESSAGE_ID] ?? message.msgId,
  );
  properties.set(
    MessageConst.PROPERTY_RETRY_TOPIC,
    message.properties[MessageConst.PROPERTY_RETRY_TOPIC] ?? message.topic,
  );
  properties.set(MessageConst.PROPERTY_RECONSUME_TIME, String(options.reconsumeTimes));
  properties.set(MessageConst.PROPERTY_MAX_RECONSUME_TIMES, String(options.maxReconsumeTimes));
  if (options.delayLevel > 0)
    properties.set(MessageConst.PROPERTY_DELAY_TIME_LEVEL, String(options.delayLevel));
  else properties.delete(MessageConst.PROPERTY_DELAY_TIME_LEVEL);
  const encodedProperties = encodeProperties(properties);
  let lastError: unknown = new ClientError(
    'BROKER_NOT_FOUND',
    `no broker to re-send ${message.msgId} to ${retryTopic}`,
  );
  for (const brokerName of options.brokerNames) {
    try {
      const address = await brokers.brokerAddress(brokerName, message.topic);
      const request = createRequest(RequestCode.SEND_MESSAGE_V2, {
        extFields: encodeHeader({
          a: CLIENT_INNER_PRODUCER_GROUP,
          b: retryTopic,
          c: 'TBW102',
          d: 4,
          e: 0,
          f: 0,
          g: Date.now(),
          h: message.flag,
          i: encodedProperties,
          j: options.reconsumeTimes,
          k: false,
          l: options.maxReconsumeTimes,
          n: brokerName,
        }),
        body: message.body,
      });
      const response: RemotingCommand = await brokers.invoke(address, request, options.timeoutMillis);
      if (response.code === ResponseCode.SUCCESS) return;
      lastError = responseError(response, `re-send ${message.msgId} to ${retryTopic}`, {
        address,
        brokerName,
      });
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

export interface LockOptions {
  consumerGroup: string;
  clientId: string;
  brokerName: string;
  /** Queues of `brokerName` to lock. */
  queues: readonly MessageQueue[];
  timeoutMillis: number;
}

function lockBody(options: LockOptions): Buffer {
  return Buffer.from(
    JSON.stringify({
      consumerGroup: options.consumerGroup,
      clientId: options.clientId,
      onlyThisBroker: false,
      mqSet: options.queues.map((q) => ({ topic: q.topic, brokerName: q.brokerName, queueId: q.queueId })),
    }),
  );
}

/** LOCK_BATCH_MQ: the queues this client now holds the lock of (a subset of `queues`). */
export async function lockBatchMq(brokers: BrokerAccess, options: LockOptions): Promise<MessageQueue[]> {
  const topic = options.queues[0]?.topic;
  if (topic === undefined) return [];
  const address = await brokers.brokerAddress(options.brokerName, topic);
  const request = createRequest(RequestCode.LOCK_BATCH_MQ, { body: lockBody(options) });
  const response = await brokers.invoke(address, request, options.timeoutMillis);
  if (response.code !== ResponseCode.SUCCESS) {
    throw responseError(response, `lock queues of ${options.brokerName}`, {
      address,
      brokerName: options.brokerName,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body?.toString('utf8') ?? '{}');
  } catch (error) {
    throw new ClientError('INVALID_RESPONSE', 'LOCK_BATCH_MQ response body is not JSON', {
      cause: error,
      address,
    });
  }
  const set = (parsed as { lockOKMQSet?: unknown }).lockOKMQSet;
  if (!Array.isArray(set)) return [];
  const locked: MessageQueue[] = [];
  for (const entry of set as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { topic: t, brokerName, queueId } = entry as Record<string, unknown>;
    if (typeof t === 'string' && typeof brokerName === 'string' && typeof queueId === 'number') {
      locked.push(messageQueue(t, brokerName, queueId));
    }
  }
  return locked;
}

/** UNLOCK_BATCH_MQ. */
export async function unlockBatchMq(brokers: BrokerAccess, options: LockOptions): Promise<void> {
  const topic = options.queues[0]?.topic;
  if (topic === undefined) return;
  const address = await brokers.brokerAddress(options.brokerName, topic);
  const request = createRequest(RequestCode.UNLOCK_BATCH_MQ, { body: lockBody(options) });
  const response = await brokers.invoke(address, request, options.timeoutMillis);
  if (response.code !== ResponseCode.SUCCESS) {
    throw responseError(response, `unlock queues of ${options.brokerName}`, {
      address,
      brokerName: options.brokerName,
    });
  }
}
