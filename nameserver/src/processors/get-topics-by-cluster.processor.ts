import {
  createResponse,
  decodeHeader,
  GetTopicsByClusterRequestHeader,
  ResponseCode,
  type RequestProcessor,
} from '@skyrocket/remoting';
import { jsonBody, type NameServerContext } from './processor';

/** GET_TOPICS_BY_CLUSTER (224): header `cluster`. Body: TopicList of the topics served by that cluster's brokers. */
export function getTopicsByClusterProcessor(context: NameServerContext): RequestProcessor {
  return (request) => {
    const { cluster } = decodeHeader(GetTopicsByClusterRequestHeader, request.extFields);
    return createResponse(request, ResponseCode.SUCCESS, {
      body: jsonBody({ topicList: context.routes.getTopicsByCluster(cluster), brokerAddr: null }),
    });
  };
}
