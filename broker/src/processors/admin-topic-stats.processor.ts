import { z } from 'zod';
import { createResponse, decodeHeader, ResponseCode, str, type RequestProcessor } from '@skyrocket/remoting';
import { fastjsonBody, ObjectKeyedMap, type MessageQueue } from '../admin/fastjson';
import { topicQueueStats } from '../admin/queue-stats';
import type { BrokerContext } from './processor';

const GetTopicStatsInfoRequestHeader = z.object({ topic: str() });

/**
 * GET_TOPIC_STATS_INFO (202): header topic. Body TopicStatsTable {offsetTable: {MessageQueue: {minOffset,
 * maxOffset, lastUpdateTimestamp}}, topicPutTps}: every queue up to max(read, write) queue count, with the store
 * time of the queue's newest message (AdminBrokerProcessor.getTopicStatsInfo). The MessageQueue keys are written
 * as fastjson writes them (admin/fastjson.ts). An unknown topic is TOPIC_NOT_EXIST "topic[…] not exist".
 */
export function getTopicStatsInfoProcessor(context: BrokerContext): RequestProcessor {
  return async (request) => {
    const { topic } = decodeHeader(GetTopicStatsInfoRequestHeader, request.extFields);
    const config = context.topics.get(topic);
    if (!config) {
      return createResponse(request, ResponseCode.TOPIC_NOT_EXIST, { remark: `topic[${topic}] not exist` });
    }
    const brokerName = context.config.brokerName;
    const offsetTable = new ObjectKeyedMap<MessageQueue, object>(
      (await topicQueueStats(context.store, config)).map((queue) => [
        { topic, brokerName, queueId: queue.queueId },
        {
          minOffset: queue.minOffset,
          maxOffset: queue.maxOffset,
          lastUpdateTimestamp: queue.lastUpdateTimestamp,
        },
      ]),
    );
    // topicPutTps comes from BrokerStatsManager in RocketMQ; Skyrocket keeps no per-topic rate yet.
    return createResponse(request, ResponseCode.SUCCESS, {
      body: fastjsonBody({ offsetTable, topicPutTps: 0 }),
    });
  };
}
