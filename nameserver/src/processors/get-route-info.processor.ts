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
  // Route lookups outnumber route changes by orders of magnitude (every client refreshes every 30 s), so the
  // encoded body is cached per topic until the route table changes. Bounded by the number of routed topics.
  const cache = new Map<string, { version: number; body: Buffer }>();
  return (request) => {
    const { topic } = decodeHeader(GetRouteInfoRequestHeader, request.extFields);
    const version = context.routes.routeVersion;
    const cached = cache.get(topic);
    if (cached && cached.version === version) {
      return createResponse(request, ResponseCode.SUCCESS, { body: cached.body });
    }
    const route = context.routes.getTopicRoute(topic);
    if (!route) {
      cache.delete(topic);
      return createResponse(request, ResponseCode.TOPIC_NOT_EXIST, {
        // ClientRequestProcessor: the topic, then FAQUrl.suggestTodo(APPLY_TOPIC_URL).
        remark: `No topic route info in name server for the topic: ${topic}\nSee https://rocketmq.apache.org/docs/bestPractice/06FAQ for further details.`,
      });
    }
    const body = jsonBody(route);
    cache.set(topic, { version, body });
    return createResponse(request, ResponseCode.SUCCESS, { body });
  };
}
