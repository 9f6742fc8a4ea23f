import {
  createResponse,
  decodeHeader,
  GetConsumerListByGroupRequestHeader,
  ResponseCode,
  UnregisterClientRequestHeader,
  type RequestProcessor,
} from '@skyrocket/remoting';
import { jsonBody, type BrokerContext } from './processor';

/** UNREGISTER_CLIENT (35): header clientID, producerGroup?, consumerGroup?. Removes the client from those groups. */
export function unregisterClientProcessor(context: BrokerContext): RequestProcessor {
  return (request) => {
    const header = decodeHeader(UnregisterClientRequestHeader, request.extFields);
    if (header.producerGroup) context.producers.unregister(header.producerGroup, header.clientID);
    if (header.consumerGroup) context.consumers.unregister(header.consumerGroup, header.clientID);
    return createResponse(request, ResponseCode.SUCCESS);
  };
}

/**
 * GET_CONSUMER_LIST_BY_GROUP (38): header consumerGroup; body {"consumerIdList":[...]}. Clients sort it and
 * allocate queues themselves. An unknown or empty group is SYSTEM_ERROR, as in RocketMQ.
 */
export function getConsumerListByGroupProcessor(context: BrokerContext): RequestProcessor {
  return (request) => {
    const { consumerGroup } = decodeHeader(GetConsumerListByGroupRequestHeader, request.extFields);
    const ids = context.consumers.clientIds(consumerGroup);
    if (ids.length === 0) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, {
        remark: `no consumer for this group, ${consumerGroup}`,
      });
    }
    return createResponse(request, ResponseCode.SUCCESS, { body: jsonBody({ consumerIdList: ids }) });
  };
}
