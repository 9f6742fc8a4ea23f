/**
 * Everything about the store's files in one place (DESIGN.md §4; RocketMQ's MessageStoreConfig, StoreCheckpoint,
 * ConsumeQueue and IndexFile for the numbers). Changing anything here changes the on-disk format.
 *
 * <storeRoot>/
 *   commitlog/<20-digit start offset>          CommitLog segments, preallocated to commitLogSegmentBytes
 *   consumequeue/<topic>/<queueId>/<20-digit>  ConsumeQueue segments of 20-byte entries
 *   index/<17-digit yyyyMMddHHmmssSSS>          IndexFile: hash slots + linked entries, RocketMQ's layout
 *   config/*.json                              metadata written atomically (topics, groups, offsets, delay)
 *   checkpoint                                 what is durable (see CHECKPOINT_* below)
 *   abort                                      present while the store runs; left behind by a crash
 *   lock                                       held by the running store's pid
 */

export const COMMITLOG_DIR = 'commitlog';
export const CONSUMEQUEUE_DIR = 'consumequeue';
export const INDEX_DIR = 'index';
export const CONFIG_DIR = 'config';
export const CHECKPOINT_FILE = 'checkpoint';
export const ABORT_FILE = 'abort';
export const LOCK_FILE = 'lock';

/** Segment files are named by their start offset, zero-padded to 20 digits (UtilAll.offset2FileName). */
export const SEGMENT_NAME_DIGITS = 20;
export const SEGMENT_NAME_PATTERN = /^\d{20}$/;

export function segmentFileName(startOffset: number): string {
  return String(startOffset).padStart(SEGMENT_NAME_DIGITS, '0');
}

/** MessageStoreConfig.mappedFileSizeCommitLog: 1 GiB. */
export const DEFAULT_COMMITLOG_SEGMENT_BYTES = 1024 * 1024 * 1024;

/**
 * A record never spans two segments. When the next record does not fit, the rest of the segment gets a blank
 * record: int32 totalSize (the bytes left) + int32 BLANK_MAGIC_CODE (CommitLog.END_FILE_MIN_BLANK_LENGTH = 8), and
 * the record goes to the next segment. So a segment always has room for at least this many bytes of blank.
 */
export const END_OF_SEGMENT_BLANK_MIN_BYTES = 8;

/** ConsumeQueue entry: int64 commitLogOffset, int32 size, int64 tagsCode (ConsumeQueue.CQ_STORE_UNIT_SIZE). */
export const CQ_ENTRY_BYTES = 20;
/** MessageStoreConfig.mappedFileSizeConsumeQueue: 300,000 entries per segment. */
export const DEFAULT_CQ_ENTRIES_PER_SEGMENT = 300_000;

/** IndexFile header: beginTimestamp, endTimestamp, beginPhyOffset, endPhyOffset (int64 each), hashSlotCount, indexCount (int32). */
export const INDEX_HEADER_BYTES = 40;
/** A hash slot holds the int32 number of the newest entry for that hash (0 = empty). */
export const INDEX_SLOT_BYTES = 4;
/** An entry: int32 keyHash, int64 commitLogOffset, int32 timeDiff (seconds from beginTimestamp), int32 prevIndex. */
export const INDEX_ENTRY_BYTES = 20;
/** MessageStoreConfig.maxHashSlotNum / maxIndexNum. */
export const DEFAULT_INDEX_HASH_SLOTS = 5_000_000;
export const DEFAULT_INDEX_MAX_ENTRIES = 20_000_000;

/**
 * Checkpoint file: 4 int64 fields, then int32 CRC32 of those 32 bytes, written to a temp file and renamed.
 * - commitLogFlushedOffset: every CommitLog byte below it is durable (fdatasync'd)
 * - consumeQueueFlushedOffset: every ConsumeQueue entry for CommitLog bytes below it is durable
 * - indexFlushedOffset: the index covers every message below it
 * - lastStoreTimestamp: store timestamp of the last durable message
 */
export const CHECKPOINT_BYTES = 4 * 8 + 4;

/** MessageStoreConfig.maxMessageSize: 4 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** MessageStoreConfig.flushIntervalCommitLog (ASYNC_FLUSH): 500 ms. */
export const DEFAULT_FLUSH_INTERVAL_MS = 500;
/** MessageStoreConfig.syncFlushTimeout: 5 s. */
export const DEFAULT_SYNC_FLUSH_TIMEOUT_MS = 5000;
/** MessageStoreConfig.fileReservedTime: 72 h. */
export const DEFAULT_FILE_RESERVED_HOURS = 72;
/** MessageStoreConfig.diskMaxUsedSpaceRatio: 75 %. */
export const DEFAULT_DISK_MAX_USED_RATIO = 0.75;
