import { createResponse, ResponseCode, type RequestProcessor } from '@skyrocket/remoting';
import { jsonBody, type NameServerContext } from './processor';

/** GET_ALL_TOPIC_LIST_FROM_NAMESERVER (206): no header. Body: TopicList {"topicList":[...],"brokerAddr":null}. */
export function getAllTopicListProcessor(context: NameServerContext): RequestProcessor {
  return (request) =>
    createResponse(request, ResponseCode.SUCCESS, {
      body: jsonBody({ topicList: context.routes.getAllTopics(), brokerAddr: null }),
    });
}
