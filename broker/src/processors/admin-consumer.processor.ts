import { z } from 'zod';
import { createResponse, decodeHeader, ResponseCode, str, type RequestProcessor } from '@skyrocket/remoting';
import { fastjsonBody, ObjectKeyedMap, type MessageQueue } from '../admin/fastjson';
import { consumerProgress, consumeStatsTopics } from '../admin/queue-stats';
import { validateGroup } from '../topic/topic-validator';
import { jsonBody, type BrokerContext } from './processor';

const GetConsumeStatsRequestHeader = z.object({
  consumerGroup: str(),
  topic: str().optional(),
  // GetConsumeStatsRequestHeader.TOPIC_NAME_SEPARATOR
  topicList: str().optional(),
});

/**
 * GET_CONSUME_STATS (208): header consumerGroup, topic?, topicList? ("a;b;c"). Body ConsumeStats
 * {offsetTable: {MessageQueue: {brokerOffset, consumerOffset, pullOffset, lastTimestamp}}, consumeTps}: one entry
 * per read queue of each topic — the topic list, else the topic, else every topic the group has offsets in, minus
 * topics its live consumers do not subscribe to (AdminBrokerProcessor.getConsumeStats). The MessageQueue keys are
 * written as fastjson writes them (admin/fastjson.ts). An empty table is a valid answer: the admin tool then asks
 * GET_CONSUMER_CONNECTION_LIST to explain it. An illegal group name is INVALID_PARAMETER.
 */
export function getConsumeStatsProcessor(context: BrokerContext): RequestProcessor {
  return async (request) => {
    const header = decodeHeader(GetConsumeStatsRequestHeader, request.extFields);
    const invalidGroup = validateGroup(header.consumerGroup);
    if (invalidGroup)
      return createResponse(request, ResponseCode.INVALID_PARAMETER, { remark: invalidGroup });
    const topicList = (header.topicList ?? '').split(';').filter((topic) => topic !== '');
    const topics = consumeStatsTopics(context, header.consumerGroup, header.topic || undefined, topicList);
    const progress = await consumerProgress(context, header.consumerGroup, topics);
    const brokerName = context.config.brokerName;
    const offsetTable = new ObjectKeyedMap<MessageQueue, object>(
      progress.map((queue) => [
        { topic: queue.topic, brokerName, queueId: queue.queueId },
        {
          brokerOffset: queue.brokerOffset,
          consumerOffset: queue.consumerOffset,
          pullOffset: queue.pullOffset,
          lastTimestamp: queue.lastTimestamp,
        },
      ]),
    );
    // consumeTps comes from BrokerStatsManager in RocketMQ; Skyrocket keeps no per-group rate yet.
    return createResponse(request, ResponseCode.SUCCESS, {
      body: fastjsonBody({ offsetTable, consumeTps: 0 }),
    });
  };
}

/**
 * GET_ALL_CONSUMER_OFFSET (43): no header. Body ConsumerOffsetSerializeWrapper {offsetTable: {"topic@group":
 * {queueId: offset}}, dataVersion}, used by slaves (SlaveSynchronize) and admin tools.
 */
export function getAllConsumerOffsetProcessor(context: BrokerContext): RequestProcessor {
  return (request) =>
    createResponse(request, ResponseCode.SUCCESS, {
      body: jsonBody({
        ...context.offsets.wrapper(),
        // SlaveSynchronize assigns it to its own DataVersion; Skyrocket's offsets carry none, so a fresh one.
        dataVersion: { stateVersion: 0, timestamp: context.clock.now(), counter: 0 },
      }),
    });
}

const GetConsumerConnectionListRequestHeader = z.object({ consumerGroup: str() });

/**
 * GET_CONSUMER_CONNECTION_LIST (203): header consumerGroup. Body ConsumerConnection {connectionSet: [{clientId,
 * clientAddr, language, version}], subscriptionTable: {topic: SubscriptionData}, consumeType, messageModel,
 * consumeFromWhere}. A group without live consumers is CONSUMER_NOT_ONLINE "the consumer group[…] not online".
 */
export function getConsumerConnectionListProcessor(context: BrokerContext): RequestProcessor {
  return (request) => {
    const { consumerGroup } = decodeHeader(GetConsumerConnectionListRequestHeader, request.extFields);
    const info = context.consumers.get(consumerGroup);
    if (!info || info.channels.size === 0) {
      return createResponse(request, ResponseCode.CONSUMER_NOT_ONLINE, {
        remark: `the consumer group[${consumerGroup}] not online`,
      });
    }
    return createResponse(request, ResponseCode.SUCCESS, {
      body: jsonBody({
        connectionSet: [...info.channels.values()].map((channel) => ({
          clientId: channel.clientId,
          clientAddr: channel.connection.remoteAddress,
          language: channel.language,
          version: channel.version,
        })),
        subscriptionTable: Object.fromEntries(info.subscriptions),
        consumeType: info.consumeType,
        messageModel: info.messageModel,
        consumeFromWhere: info.consumeFromWhere,
      }),
    });
  };
}
