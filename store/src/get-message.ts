import type { GetMessageOptions, GetMessageResult } from './message-store';

/**
 * The pull algorithm shared by every MessageStore (RocketMQ DefaultMessageStore.getMessage): walk the consume
 * queue from `offset`, skip entries the filter rejects, fetch matching records, stop at the count or byte limit.
 * Status and nextBeginOffset follow RocketMQ exactly, because consumers act on them (PROTOCOL.md §2.5).
 */
export interface QueueView {
  minOffset: number;
  /** Next queue offset to be written. */
  maxOffset: number;
  /** Entries from `fromOffset`, at most `maxCount`, in queue order (may return fewer, e.g. at a segment end). */
  entries(
    fromOffset: number,
    maxCount: number,
  ): Array<{ queueOffset: number; commitLogOffset: number; size: number; tagsCode: number }>;
}

/** A pull with no maxBytes stops at RocketMQ's maxTransferBytesOnMessageInMemory: 256 KiB. */
export const DEFAULT_PULL_MAX_BYTES = 256 * 1024;
/** RocketMQ DefaultMessageStore.MAX_PULL_MSG_SIZE: a pull never returns more than 128 MiB. */
const MAX_PULL_BYTES = 128 * 1024 * 1024;
/** MessageStoreConfig.maxFilterMessageSize: one pull scans at most this many bytes of consume queue (800 entries). */
const MAX_FILTER_SCAN_BYTES = 16000;
const CQ_UNIT = 20;

export function getMessageFromQueue(
  queue: QueueView | undefined,
  offset: number,
  options: GetMessageOptions,
  readRecord: (commitLogOffset: number, size: number) => Buffer | undefined,
): GetMessageResult {
  const result: GetMessageResult = {
    status: 'NO_MESSAGE_IN_QUEUE',
    nextBeginOffset: offset,
    minOffset: 0,
    maxOffset: 0,
    records: [],
    queueOffsets: [],
    totalBytes: 0,
  };
  if (!queue) {
    result.status = 'NO_MATCHED_LOGIC_QUEUE';
    result.nextBeginOffset = 0;
    return result;
  }
  const { minOffset, maxOffset } = queue;
  result.minOffset = minOffset;
  result.maxOffset = maxOffset;
  if (maxOffset === 0) {
    result.status = 'NO_MESSAGE_IN_QUEUE';
    result.nextBeginOffset = 0;
    return result;
  }
  if (offset < minOffset) {
    result.status = 'OFFSET_TOO_SMALL';
    result.nextBeginOffset = minOffset;
    return result;
  }
  if (offset === maxOffset) {
    result.status = 'OFFSET_OVERFLOW_ONE';
    return result;
  }
  if (offset > maxOffset) {
    result.status = 'OFFSET_OVERFLOW_BADLY';
    result.nextBeginOffset = maxOffset;
    return result;
  }

  const maxMessages = Math.max(1, options.maxMessages);
  // maxBytes below 100 counts as 100 (DefaultMessageStore.getMessage).
  const maxBytes = Math.min(Math.max(options.maxBytes ?? DEFAULT_PULL_MAX_BYTES, 100), MAX_PULL_BYTES);
  const maxScanBytes = Math.max(MAX_FILTER_SCAN_BYTES, maxMessages * CQ_UNIT);
  const filter = options.filter;
  result.status = 'NO_MATCHED_MESSAGE';
  let next = offset;
  scan: while (result.totalBytes === 0 && next < maxOffset) {
    // RocketMQ iterates the rest of the consume-queue segment; the scan window bounds what is looked at.
    const entries = queue.entries(next, Math.ceil(maxScanBytes / CQ_UNIT));
    if (entries.length === 0) {
      result.status = 'OFFSET_FOUND_NULL';
      break;
    }
    for (const entry of entries) {
      if (next >= maxOffset) break scan;
      if ((entry.queueOffset - offset) * CQ_UNIT >= maxScanBytes) break scan;
      if (result.records.length >= maxMessages) break scan;
      // At least one message, even when it alone exceeds maxBytes (RocketMQ isTheBatchFull).
      if (result.records.length > 0 && result.totalBytes + entry.size > maxBytes) break scan;
      next = entry.queueOffset + 1;
      if (filter && !filter.matchesTagsCode(entry.tagsCode)) {
        if (result.totalBytes === 0) result.status = 'NO_MATCHED_MESSAGE';
        continue;
      }
      const record = readRecord(entry.commitLogOffset, entry.size);
      if (!record) {
        if (result.totalBytes === 0) result.status = 'MESSAGE_WAS_REMOVING';
        continue;
      }
      if (filter?.matchesRecord && !filter.matchesRecord(record)) {
        if (result.totalBytes === 0) result.status = 'NO_MATCHED_MESSAGE';
        continue;
      }
      result.records.push(record);
      result.queueOffsets.push(entry.queueOffset);
      result.totalBytes += record.length;
      result.status = 'FOUND';
    }
  }
  result.nextBeginOffset = next;
  return result;
}
