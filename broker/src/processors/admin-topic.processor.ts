import {
  createResponse,
  CreateTopicRequestHeader,
  decodeHeader,
  DeleteTopicRequestHeader,
  encodeHeader,
  ResponseCode,
  str,
  type RequestProcessor,
} from '@skyrocket/remoting';
import { z } from 'zod';
import { createOrUpdateTopic, deleteTopic } from '../admin/topic-admin';
import { jsonBody, type BrokerContext } from './processor';

/**
 * UPDATE_AND_CREATE_TOPIC (17): header topic, defaultTopic, readQueueNums, writeQueueNums, perm (PermName bits),
 * topicFilterType ("SINGLE_TAG" | "MULTI_TAG"), topicSysFlag?, order, attributes? ("+key=value,-key"), force.
 * Creates or replaces the topic and registers it with every NameServer at once; an unchanged config is SUCCESS
 * without a new registration (AdminBrokerProcessor.updateAndCreateTopic). An illegal name or a system topic is
 * INVALID_PARAMETER with TopicValidator's remark; a missing or malformed header field is SYSTEM_ERROR naming it.
 */
export function updateAndCreateTopicProcessor(context: BrokerContext): RequestProcessor {
  return (request) => {
    const header = decodeHeader(CreateTopicRequestHeader, request.extFields);
    const outcome = createOrUpdateTopic(context.topics, brokerNames(context), header);
    if (!outcome.ok) return createResponse(request, outcome.code, { remark: outcome.remark });
    context.logger.info(
      { topic: header.topic, changed: outcome.value.changed, config: outcome.value.config },
      'topic created or updated by admin',
    );
    return createResponse(request, ResponseCode.SUCCESS);
  };
}

/**
 * DELETE_TOPIC_IN_BROKER (215): header topic. Deletes the topic config, the topic's consumer offsets and its
 * consume queues (deleteTopicInBroker). A blank topic or a system topic is INVALID_PARAMETER; an unknown topic is
 * SUCCESS, as in RocketMQ.
 */
export function deleteTopicInBrokerProcessor(context: BrokerContext): RequestProcessor {
  return async (request) => {
    const { topic } = decodeHeader(DeleteTopicRequestHeader, request.extFields);
    const outcome = await deleteTopic(context, brokerNames(context), topic);
    if (!outcome.ok) return createResponse(request, outcome.code, { remark: outcome.remark });
    context.logger.info({ topic, existed: outcome.value.existed }, 'topic deleted by admin');
    return createResponse(request, ResponseCode.SUCCESS);
  };
}

/**
 * GET_ALL_TOPIC_CONFIG (21): header topicSeq?, dataVersion?, maxTopicNum? (split metadata; Skyrocket always answers
 * everything, as RocketMQ does with enableSplitMetadata off). Body TopicConfigAndMappingSerializeWrapper
 * {topicConfigTable, dataVersion, mappingDataVersion, topicQueueMappingDetailMap, topicQueueMappingInfoMap};
 * response header totalTopicNum.
 */
export function getAllTopicConfigProcessor(context: BrokerContext): RequestProcessor {
  return (request) => {
    const table = context.topics.table();
    return createResponse(request, ResponseCode.SUCCESS, {
      extFields: encodeHeader({ totalTopicNum: Object.keys(table).length }),
      body: jsonBody({
        topicConfigTable: table,
        dataVersion: context.topics.dataVersion,
        // Static topics (logical queues) are not supported: an empty mapping with a version that never moves.
        mappingDataVersion: { stateVersion: 0, timestamp: 0, counter: 0 },
        topicQueueMappingDetailMap: {},
        topicQueueMappingInfoMap: {},
      }),
    });
  };
}

const GetTopicConfigRequestHeader = z.object({ topic: str() });

/**
 * GET_TOPIC_CONFIG (351): header topic, lo? (logical-queue mapping wanted). Body TopicConfigAndQueueMapping: the
 * TopicConfig's fields (mappingDetail is null and left out). DefaultMQAdminExt.examineTopicStats asks every broker
 * of the route for it; an unknown topic is TOPIC_NOT_EXIST, which the tool expects.
 */
export function getTopicConfigProcessor(context: BrokerContext): RequestProcessor {
  return (request) => {
    const { topic } = decodeHeader(GetTopicConfigRequestHeader, request.extFields);
    const config = context.topics.get(topic);
    if (!config) {
      return createResponse(request, ResponseCode.TOPIC_NOT_EXIST, {
        remark: `No topic in this broker. topic: ${topic}`,
      });
    }
    return createResponse(request, ResponseCode.SUCCESS, { body: jsonBody(config) });
  };
}

function brokerNames(context: BrokerContext) {
  return { clusterName: context.config.brokerClusterName, brokerName: context.config.brokerName };
}
