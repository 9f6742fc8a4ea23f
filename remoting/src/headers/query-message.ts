/**
 * Message lookup headers (`header/ViewMessageRequestHeader.java`, `QueryMessageRequestHeader.java`,
 * `QueryMessageResponseHeader.java`).
 *
 * VIEW_MESSAGE_BY_ID (33): offset (the commit-log offset decoded from an offset msgId), topic?. The response body
 *   is the record.
 * QUERY_MESSAGE (12): topic, key (a KEYS entry or a UNIQ_KEY, looked up in the index), maxNum, beginTimestamp,
 *   endTimestamp. The body of the response is the matching records; its header: indexLastUpdateTimestamp,
 *   indexLastUpdatePhyoffset.
 */
import { z } from 'zod';

import { int32, int64, int64Clamped, str } from './fields';

export const ViewMessageRequestHeader = z.object({
  offset: int64(),
  topic: str().optional(),
});
export type ViewMessageRequestHeader = z.infer<typeof ViewMessageRequestHeader>;

export const QueryMessageRequestHeader = z.object({
  topic: str(),
  key: str(),
  maxNum: int32(),
  beginTimestamp: int64Clamped(),
  // mqadmin queryMsgByKey and queryMessageByUniqKey send Long.MAX_VALUE for "until now".
  endTimestamp: int64Clamped(),
});
export type QueryMessageRequestHeader = z.infer<typeof QueryMessageRequestHeader>;

export const QueryMessageResponseHeader = z.object({
  indexLastUpdateTimestamp: int64(),
  indexLastUpdatePhyoffset: int64(),
});
export type QueryMessageResponseHeader = z.infer<typeof QueryMessageResponseHeader>;
