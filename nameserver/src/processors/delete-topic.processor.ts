import {
  createResponse,
  decodeHeader,
  DeleteTopicFromNamesrvRequestHeader,
  ResponseCode,
  type RequestProcessor,
} from '@skyrocket/remoting';
import type { NameServerContext } from './processor';

/** DELETE_TOPIC_IN_NAMESRV (216): header topic, optional clusterName (then only that cluster's queues go). */
export function deleteTopicProcessor(context: NameServerContext): RequestProcessor {
  return (request) => {
    const { topic, clusterName } = decodeHeader(DeleteTopicFromNamesrvRequestHeader, request.extFields);
    context.routes.deleteTopic(topic, clusterName);
    return createResponse(request, ResponseCode.SUCCESS);
  };
}
