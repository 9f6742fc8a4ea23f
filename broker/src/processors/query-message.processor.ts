import {
  createResponse,
  decodeHeader,
  encodeHeader,
  QueryMessageRequestHeader,
  ResponseCode,
  ViewMessageRequestHeader,
  type RequestProcessor,
} from '@skyrocket/remoting';
import type { BrokerContext } from './processor';

/** MixAll.UNIQUE_MSG_QUERY_FLAG: an extField set to "true" when the key is a UNIQ_KEY (client msgId). */
export const UNIQUE_MSG_QUERY_FLAG = '_UNIQUE_KEY_QUERY';
/** MessageStoreConfig.defaultQueryMaxNum: the maxNum of a UNIQ_KEY query, whatever the header says. */
const DEFAULT_QUERY_MAX_NUM = 32;
/** MessageStoreConfig.maxMsgsNumBatch: IndexService never returns more than this per query. */
const MAX_MSGS_NUM_BATCH = 64;

/**
 * QUERY_MESSAGE (12): header topic, key (a KEYS entry, or a UNIQ_KEY when extField `_UNIQUE_KEY_QUERY` is "true"),
 * maxNum, beginTimestamp, endTimestamp (store time, inclusive; Long.MAX_VALUE means "until now"). The body is the
 * matching records back to back (MessageDecoder.decodes reads them), at most min(maxNum, 64); a UNIQ_KEY query
 * uses maxNum 32. Response header indexLastUpdateTimestamp, indexLastUpdatePhyoffset: how far the index goes; the
 * index is updated as each message is stored, so "now" and the commit log's max offset.
 * Nothing found is QUERY_NOT_FOUND "can not find message, maybe time range not correct" with both at 0, as in
 * QueryMessageProcessor. A blank key, maxNum ≤ 0 or beginTimestamp > endTimestamp is INVALID_PARAMETER.
 */
export function queryMessageProcessor(context: BrokerContext): RequestProcessor {
  return async (request) => {
    const header = decodeHeader(QueryMessageRequestHeader, request.extFields);
    const invalid = (remark: string) => createResponse(request, ResponseCode.INVALID_PARAMETER, { remark });
    if (header.topic.trim() === '') return invalid('The specified topic is blank.');
    if (header.key === '') return invalid('the query key is blank');
    const uniqueKeyQuery = request.extFields[UNIQUE_MSG_QUERY_FLAG] === 'true';
    if (!uniqueKeyQuery && header.maxNum <= 0)
      return invalid(`maxNum must be positive, got ${header.maxNum}`);
    if (header.beginTimestamp > header.endTimestamp) {
      return invalid(`beginTimestamp ${header.beginTimestamp} is after endTimestamp ${header.endTimestamp}`);
    }
    const maxNum = Math.min(uniqueKeyQuery ? DEFAULT_QUERY_MAX_NUM : header.maxNum, MAX_MSGS_NUM_BATCH);
    const records = await context.store.queryMessage(
      header.topic,
      header.key,
      maxNum,
      header.beginTimestamp,
      header.endTimestamp,
    );
    if (records.length === 0) {
      return createResponse(request, ResponseCode.QUERY_NOT_FOUND, {
        remark: 'can not find message, maybe time range not correct',
        extFields: indexHeader(0, 0),
      });
    }
    return createResponse(request, ResponseCode.SUCCESS, {
      extFields: indexHeader(context.clock.now(), context.store.getMaxPhyOffset()),
      body: Buffer.concat(records),
    });
  };
}

function indexHeader(timestamp: number, phyOffset: number): Record<string, string> {
  return encodeHeader({ indexLastUpdateTimestamp: timestamp, indexLastUpdatePhyoffset: phyOffset });
}

/**
 * VIEW_MESSAGE_BY_ID (33): header offset (the commit-log offset decoded from an offset msgId), topic? (unused, as in
 * RocketMQ). The body is the record stored at that offset, as is (MessageDecoder.clientDecode reads it). An offset
 * that holds no record (never written, removed by retention, or not a record boundary) is SYSTEM_ERROR
 * "can not find message by the offset, N", as in QueryMessageProcessor.
 */
export function viewMessageByIdProcessor(context: BrokerContext): RequestProcessor {
  return async (request) => {
    const { offset } = decodeHeader(ViewMessageRequestHeader, request.extFields);
    const record = offset >= 0 ? await context.store.lookMessageByOffset(offset) : undefined;
    if (!record) {
      const why = offset < 0 ? ' (a commit-log offset is never negative)' : '';
      return createResponse(request, ResponseCode.SYSTEM_ERROR, {
        remark: `can not find message by the offset, ${offset}${why}`,
      });
    }
    return createResponse(request, ResponseCode.SUCCESS, { body: record });
  };
}
