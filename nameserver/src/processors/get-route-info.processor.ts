import {
  createResponse,
  decodeHeader,
  GetRouteInfoRequestHeader,
  ResponseCode,
  type RequestProcessor,
} from '@skyrocket/remoting';
import { jsonBody, type NameServerContext } from './processor';

/**
 * GET_ROUTEINFO_BY_TOPIC (105): the route of one topic. Header: topic, optional acceptStandardJsonOnly.
 * Body: TopicRouteData JSON. Apache's NameServer sends fastjson's non-standard form (unquoted numeric keys) to
 * clients older than V4_9_4; Skyrocket always sends standard JSON, which every client parses (PROTOCOL.md §1.6).
 * Unknown topic: TOPIC_NOT_EXIST (17) with RocketMQ's remark.
 */
export function getRouteInfoProcessor(context: NameServerContext): RequestProcessor {
  return (request) => {
    const { topic } = decodeHeader(GetRouteInfoRequestHeader, request.extFields);
    const route = context.routes.getTopicRoute(topic);
    if (!route) {
      return createResponse(request, ResponseCode.TOPIC_NOT_EXIST, {
        // ClientRequestProcessor: the topic, then FAQUrl.suggestTodo(APPLY_TOPIC_URL).
        remark: `No topic route info in name server for the topic: ${topic}\nSee https://rocketmq.apache.org/docs/bestPractice/06FAQ for further details.`,
      });
    }
    return createResponse(request, ResponseCode.SUCCESS, { body: jsonBody(route) });
  };
}
