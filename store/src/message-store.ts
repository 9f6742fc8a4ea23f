import type { HostAddress } from '@skyrocket/remoting/message';

/**
 * The broker's message store, as an interface with two implementations: FileMessageStore (the real one) and
 * MemoryMessageStore (tests, development). testing/message-store.contract.ts is run against both.
 * Names and statuses follow RocketMQ's MessageStore / PutMessageStatus / GetMessageStatus so the broker maps them
 * to response codes the way RocketMQ's processors do (PROTOCOL.md §2.4–2.5).
 */

export type FlushDiskType = 'ASYNC_FLUSH' | 'SYNC_FLUSH';

/** One message to append. The store assigns commitLogOffset, queueOffset, storeTimestamp and storeHost. */
export interface MessageToStore {
  topic: string;
  queueId: number;
  flag: number;
  body: Uint8Array;
  /** The encoded properties string (name\u0001value\u0002...), as the send header carries it. */
  properties: string;
  sysFlag: number;
  bornTimestamp: number;
  bornHost: HostAddress;
  reconsumeTimes: number;
  preparedTransactionOffset: number;
  /**
   * The ConsumeQueue tag code. Default: Java String.hashCode of the TAGS property (0 without tags). Scheduled
   * messages pass their delivery time here, as RocketMQ does for SCHEDULE_TOPIC_XXXX.
   */
  tagsCode?: number;
}

export type PutMessageStatus =
  | 'PUT_OK'
  | 'FLUSH_DISK_TIMEOUT'
  | 'FLUSH_SLAVE_TIMEOUT'
  | 'SLAVE_NOT_AVAILABLE'
  | 'SERVICE_NOT_AVAILABLE'
  | 'CREATE_MAPPED_FILE_FAILED'
  | 'MESSAGE_ILLEGAL'
  | 'PROPERTIES_SIZE_EXCEEDED'
  | 'OS_PAGE_CACHE_BUSY'
  | 'UNKNOWN_ERROR';

export interface AppendResult {
  /** CommitLog offset of the first record written. */
  wroteOffset: number;
  /** Bytes of all records written. */
  wroteBytes: number;
  /** Queue offset of the first message; a batch has consecutive ones. */
  queueOffset: number;
  messageCount: number;
  storeTimestamp: number;
  /** Offset msgId of every message (store host + commit-log offset), in order. */
  msgIds: string[];
}

export interface PutMessageResult {
  status: PutMessageStatus;
  /** Present when the bytes were stored: PUT_OK, and also FLUSH_DISK_TIMEOUT / FLUSH_SLAVE_TIMEOUT (data kept). */
  append?: AppendResult;
  /** Why, for any status but PUT_OK. */
  remark?: string;
}

export type GetMessageStatus =
  | 'FOUND'
  | 'NO_MATCHED_MESSAGE'
  | 'MESSAGE_WAS_REMOVING'
  | 'OFFSET_FOUND_NULL'
  | 'OFFSET_OVERFLOW_BADLY'
  | 'OFFSET_OVERFLOW_ONE'
  | 'OFFSET_TOO_SMALL'
  | 'NO_MATCHED_LOGIC_QUEUE'
  | 'NO_MESSAGE_IN_QUEUE';

export interface GetMessageResult {
  status: GetMessageStatus;
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
  /** The stored records, each exactly one wire record (PROTOCOL.md §3.1): a pull answers with these bytes. */
  records: Buffer[];
  /** Queue offset of each record. */
  queueOffsets: number[];
  totalBytes: number;
}

/** Filters a pull: first by ConsumeQueue tag code, then (optionally) by the record itself. */
export interface MessageFilter {
  matchesTagsCode(tagsCode: number): boolean;
  matchesRecord?(record: Buffer): boolean;
}

export interface GetMessageOptions {
  maxMessages: number;
  /** Stop adding records past this many bytes (RocketMQ maxTransferBytesOnMessageInMemory: 256 KiB). */
  maxBytes?: number;
  filter?: MessageFilter;
}

/** What a new message tells long-polling pulls (RocketMQ MessageArrivingListener). */
export interface MessageArrival {
  topic: string;
  queueId: number;
  queueOffset: number;
  tagsCode: number;
  storeTimestamp: number;
}

export interface StoreStats {
  commitLogMinOffset: number;
  commitLogMaxOffset: number;
  commitLogFlushedOffset: number;
  /** Bytes on disk across commit log, consume queues and index. */
  diskBytes: number;
  putMessages: number;
  putBytes: number;
  flushes: number;
  /** Seconds spent flushing the commit log, in total (flushSeconds / flushes = mean flush latency). */
  flushSeconds: number;
  /** Commit-log writes that failed (disk full, I/O error); the bytes stay in memory and are written again. */
  writeErrors: number;
  /** Commit-log flushes (fdatasync) that failed; they are retried, and SYNC_FLUSH sends wait or time out. */
  flushErrors: number;
}

export interface MessageStore {
  /** Opens the files, recovers after a crash, starts flushing and retention. */
  start(): Promise<void>;
  /** Flushes everything, writes the checkpoint, removes the abort marker, closes the files. */
  shutdown(): Promise<void>;

  putMessage(message: MessageToStore): Promise<PutMessageResult>;
  /** Appends a batch for one topic and queue atomically, with consecutive queue offsets. */
  putMessages(messages: MessageToStore[]): Promise<PutMessageResult>;

  getMessage(
    topic: string,
    queueId: number,
    offset: number,
    options: GetMessageOptions,
  ): Promise<GetMessageResult>;
  /** The next queue offset to be written (the number of entries ever written). 0 for an unknown queue. */
  getMaxOffsetInQueue(topic: string, queueId: number): number;
  /** The first queue offset still stored. */
  getMinOffsetInQueue(topic: string, queueId: number): number;
  /** The first queue offset whose store timestamp is ≥ timestamp (max offset when none; min when all are). */
  getOffsetInQueueByTime(topic: string, queueId: number, timestamp: number): Promise<number>;
  /** Store timestamp of the first message still in the queue, or -1. */
  getEarliestMessageTime(topic: string, queueId: number): Promise<number>;
  /** The record at a commit-log offset (VIEW_MESSAGE_BY_ID), or undefined. */
  lookMessageByOffset(commitLogOffset: number): Promise<Buffer | undefined>;
  /**
   * Records whose KEYS contain `key` or whose UNIQ_KEY is `key`, stored between the timestamps, newest first, at
   * most maxMessages (QUERY_MESSAGE).
   */
  queryMessage(
    topic: string,
    key: string,
    maxMessages: number,
    beginTimestamp: number,
    endTimestamp: number,
  ): Promise<Buffer[]>;

  getMinPhyOffset(): number;
  getMaxPhyOffset(): number;
  /** Queue ids with data for a topic. */
  getQueueIds(topic: string): number[];
  /** Drops the consume queues of deleted topics (their commit-log bytes age out with retention). */
  deleteTopics(topics: string[]): Promise<void>;

  /**
   * Retention: removes every record starting below `commitLogOffset` (a record boundary); min offsets, lookups and
   * queries follow at once. The file store also runs this from its time/disk-usage retention.
   */
  deleteMessagesBefore(commitLogOffset: number): Promise<void>;

  /**
   * Master side of replication (RocketMQ DefaultMessageStore.getCommitLogData, read by the HA connection): the raw
   * commit-log bytes from `offset` (not necessarily a record start), at most `maxBytes` (a positive integer; a
   * RangeError otherwise), never past the end of the segment holding `offset` nor past getMaxPhyOffset().
   * Undefined when `offset` is below getMinPhyOffset() or not below getMaxPhyOffset(), or the store is not
   * running. The end of a segment is its end-of-segment blank (PROTOCOL.md §3.3) and the zero padding after the
   * blank's 8-byte header up to the segment end: the file store's max offset jumps to the next segment start when
   * it rolls, and a slave must hold the same bytes at the same offsets. The memory store keeps no segment files: it
   * answers its records back to back (its own appends never write blanks; only the blanks that a replication
   * brought in are there), so its answers are exactly what its appendToCommitLog takes.
   */
  getCommitLogData(offset: number, maxBytes: number): Buffer | undefined;

  /**
   * Slave side of replication (RocketMQ DefaultMessageStore.appendToCommitLog): appends `data`, raw commit-log bytes
   * of the master starting at its offset `startOffset`, at the same offsets, and dispatches every message record as
   * a local append does (ConsumeQueue entry at the record's queue offset unless it is a transaction PREPARED or
   * ROLLBACK record, index of UNIQ_KEY and KEYS, tag codes, arrival listeners, stats) before it returns.
   *
   * `data` holds whole records: zero or more message records, optionally followed by one end-of-segment blank whose
   * TOTALSIZE runs exactly to the segment end, header and padding both in `data` (the next call then starts at the
   * next segment start). The caller buffers partial records. `startOffset` must be getMaxPhyOffset(), except in a
   * store that holds nothing yet, which takes any multiple of the commit-log segment size (a master starts a new
   * slave at the start of its last segment, PROTOCOL.md §4.5); the ConsumeQueues then start at the queue offsets of
   * the first records. Every record is checked before anything is written (magic code, TOTALSIZE within the data
   * and its segment, body CRC, PHYSICALOFFSET equal to its offset, a blank only last); a violation throws
   * SkyrocketError INVALID_PARAMETER naming the offset and the problem, and nothing is appended. Throws
   * CLIENT_STATE when the store is not running, and the file store's I/O error when a write fails (nothing moved).
   */
  appendToCommitLog(startOffset: number, data: Uint8Array): void;

  /** Registers a listener called after each message is dispatched; returns an unsubscribe function. */
  onMessageArrival(listener: (arrival: MessageArrival) => void): () => void;
  stats(): StoreStats;
}
