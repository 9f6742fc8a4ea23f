import {
  createResponse,
  decodeHeader,
  encodeHeader,
  GetEarliestMsgStoretimeRequestHeader,
  GetMaxOffsetRequestHeader,
  GetMinOffsetRequestHeader,
  RequestCode,
  ResponseCode,
  SearchOffsetRequestHeader,
  type RequestProcessor,
} from '@skyrocket/remoting';
import type { BrokerContext } from './processor';

/**
 * The queue-position family: GET_MAX_OFFSET (30), GET_MIN_OFFSET (31), SEARCH_OFFSET_BY_TIMESTAMP (29) → header
 * `offset`; GET_EARLIEST_MSG_STORETIME (32) → header `timestamp`. Headers topic, queueId (+ timestamp).
 */
export function queueOffsetProcessor(context: BrokerContext): RequestProcessor {
  return async (request) => {
    switch (request.code) {
      case RequestCode.GET_MAX_OFFSET: {
        const h = decodeHeader(GetMaxOffsetRequestHeader, request.extFields);
        const offset = context.store.getMaxOffsetInQueue(h.topic, h.queueId);
        return createResponse(request, ResponseCode.SUCCESS, { extFields: encodeHeader({ offset }) });
      }
      case RequestCode.GET_MIN_OFFSET: {
        const h = decodeHeader(GetMinOffsetRequestHeader, request.extFields);
        const offset = context.store.getMinOffsetInQueue(h.topic, h.queueId);
        return createResponse(request, ResponseCode.SUCCESS, { extFields: encodeHeader({ offset }) });
      }
      case RequestCode.SEARCH_OFFSET_BY_TIMESTAMP: {
        const h = decodeHeader(SearchOffsetRequestHeader, request.extFields);
        const offset = await context.store.getOffsetInQueueByTime(h.topic, h.queueId, h.timestamp);
        return createResponse(request, ResponseCode.SUCCESS, { extFields: encodeHeader({ offset }) });
      }
      default: {
        const h = decodeHeader(GetEarliestMsgStoretimeRequestHeader, request.extFields);
        const timestamp = await context.store.getEarliestMessageTime(h.topic, h.queueId);
        return createResponse(request, ResponseCode.SUCCESS, { extFields: encodeHeader({ timestamp }) });
      }
    }
  };
}
