/**
 * Queue offset queries (PROTOCOL.md §2.6; `header/GetMaxOffset*.java`, `GetMinOffset*.java`, `SearchOffset*.java`,
 * `GetEarliestMsgStoretime*.java`). Offsets are logical consume-queue indices of (topic, queueId).
 *
 * GET_MAX_OFFSET (30): topic, queueId, committed (default true: only offsets already replicated/committed).
 *   Response: offset (the next index to be written).
 * GET_MIN_OFFSET (31): topic, queueId. Response: offset (the first index still available).
 * SEARCH_OFFSET_BY_TIMESTAMP (29): topic, queueId, timestamp (ms), boundaryType? ("lower" default, or "upper": which
 *   end of a run of equal store timestamps). Response: offset.
 * GET_EARLIEST_MSG_STORETIME (32): topic, queueId. Response: timestamp.
 */
import { z } from 'zod';

import { bool, int32, int64, str } from './fields';

export const GetMaxOffsetRequestHeader = z.object({
  topic: str(),
  queueId: int32(),
  committed: bool().default(true),
});
export type GetMaxOffsetRequestHeader = z.infer<typeof GetMaxOffsetRequestHeader>;

export const GetMaxOffsetResponseHeader = z.object({
  offset: int64(),
});
export type GetMaxOffsetResponseHeader = z.infer<typeof GetMaxOffsetResponseHeader>;

export const GetMinOffsetRequestHeader = z.object({
  topic: str(),
  queueId: int32(),
});
export type GetMinOffsetRequestHeader = z.infer<typeof GetMinOffsetRequestHeader>;

export const GetMinOffsetResponseHeader = z.object({
  offset: int64(),
});
export type GetMinOffsetResponseHeader = z.infer<typeof GetMinOffsetResponseHeader>;

export const SearchOffsetRequestHeader = z.object({
  topic: str(),
  queueId: int32(),
  timestamp: int64(),
  // Java BoundaryType.getType: "upper" in any case is UPPER, anything else LOWER; kept as lenient as that.
  boundaryType: str()
    .transform((value): 'lower' | 'upper' => (value.toLowerCase() === 'upper' ? 'upper' : 'lower'))
    .optional(),
});
export type SearchOffsetRequestHeader = z.infer<typeof SearchOffsetRequestHeader>;

export const SearchOffsetResponseHeader = z.object({
  offset: int64(),
});
export type SearchOffsetResponseHeader = z.infer<typeof SearchOffsetResponseHeader>;

export const GetEarliestMsgStoretimeRequestHeader = z.object({
  topic: str(),
  queueId: int32(),
});
export type GetEarliestMsgStoretimeRequestHeader = z.infer<typeof GetEarliestMsgStoretimeRequestHeader>;

export const GetEarliestMsgStoretimeResponseHeader = z.object({
  timestamp: int64(),
});
export type GetEarliestMsgStoretimeResponseHeader = z.infer<typeof GetEarliestMsgStoretimeResponseHeader>;
