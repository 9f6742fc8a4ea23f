import {
  createResponse,
  decodeHeader,
  encodeHeader,
  QueryConsumerOffsetRequestHeader,
  RequestCode,
  ResponseCode,
  UpdateConsumerOffsetRequestHeader,
  type RequestProcessor,
} from '@skyrocket/remoting';
import type { BrokerContext } from './processor';

/**
 * QUERY_CONSUMER_OFFSET (14) and UPDATE_CONSUMER_OFFSET (15), one family over the offset table. An update for a
 * group that does not exist (and cannot be auto-created) is SUBSCRIPTION_GROUP_NOT_EXIST, for a topic the broker
 * does not have TOPIC_NOT_EXIST, as in RocketMQ 5.
 * Query rule (ConsumerManageProcessor.queryConsumerOffset): a stored offset → SUCCESS; none, and the queue still
 * starts at 0 with data → SUCCESS with 0 (a new group reads from the start of a young queue, unless
 * setZeroIfNotFound=false); otherwise QUERY_NOT_FOUND and the client applies its consumeFromWhere.
 */
export function consumerOffsetProcessor(context: BrokerContext): RequestProcessor {
  return (request) => {
    if (request.code === RequestCode.UPDATE_CONSUMER_OFFSET) {
      const h = decodeHeader(UpdateConsumerOffsetRequestHeader, request.extFields);
      // ConsumerManageProcessor.updateConsumerOffset: no offsets for groups or topics the broker does not have.
      if (!context.groups.findOrCreate(h.consumerGroup)) {
        return createResponse(request, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, {
          remark: `Group ${h.consumerGroup} not exist!`,
        });
      }
      if (!context.topics.get(h.topic)) {
        return createResponse(request, ResponseCode.TOPIC_NOT_EXIST, {
          remark: `Topic ${h.topic} not exist!`,
        });
      }
      context.offsets.commit(h.consumerGroup, h.topic, h.queueId, h.commitOffset);
      return createResponse(request, ResponseCode.SUCCESS);
    }
    const h = decodeHeader(QueryConsumerOffsetRequestHeader, request.extFields);
    const stored = context.offsets.query(h.consumerGroup, h.topic, h.queueId);
    if (stored >= 0)
      return createResponse(request, ResponseCode.SUCCESS, { extFields: encodeHeader({ offset: stored }) });
    const min = context.store.getMinOffsetInQueue(h.topic, h.queueId);
    const max = context.store.getMaxOffsetInQueue(h.topic, h.queueId);
    if (h.setZeroIfNotFound !== false && min <= 0 && max > 0) {
      return createResponse(request, ResponseCode.SUCCESS, { extFields: encodeHeader({ offset: 0 }) });
    }
    return createResponse(request, ResponseCode.QUERY_NOT_FOUND, {
      remark: 'Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first',
      extFields: {},
    });
  };
}
