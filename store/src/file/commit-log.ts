import * as fs from 'node:fs';
import type { Clock, Logger, TimerHandle } from '@skyrocket/common';
import { describeError, SkyrocketError } from '@skyrocket/common';
import * as messageCodec from '@skyrocket/remoting/message';
import type {
  HostAddress,
  MessageRecord,
  MessageRecordInit,
  RecordLayout,
} from '@skyrocket/remoting/message';
import { CorruptedRecordError } from '../corrupted-record-error';
import { COMMITLOG_DIR, END_OF_SEGMENT_BLANK_MIN_BYTES } from '../layout';
import type { AppendResult, FlushDiskType, MessageToStore, PutMessageStatus } from '../message-store';
import {
  checkRecordBytes,
  checkRecordHeader,
  checkReplicationStart,
  parseReplicatedData,
  type RecordCheck,
} from '../replication';
import { DEFAULT_DELAY_LEVEL_MILLIS, tagsCodeOf } from '../tags-code';
import type { DispatchRequest } from './dispatch-request';
import { GroupCommit, type DurableStatus } from './group-commit';
import type { SegmentFile } from './segment-file';
import { SegmentedFile } from './segmented-file';

// TypeScript's CommonJS output reads a name that '@skyrocket/remoting/message' re-exports (`export *`) through a
// getter at every use; the append path binds what it uses once, here (the getter was ~4 % of an append).
const {
  BLANK_MAGIC_CODE,
  createOffsetMessageId,
  cachedTopicBytes,
  calMsgLength,
  crc32,
  encodeLaidOutRecordInto,
  viewOf,
  getTransactionValue,
  ipAddressBytes,
  MAX_PROPERTIES_LENGTH,
  MAX_V1_TOPIC_LENGTH,
  MAX_V2_TOPIC_LENGTH,
  MessageConst,
  MessageSysFlag,
  MESSAGE_MAGIC_CODE,
  MESSAGE_MAGIC_CODE_V2,
  MIN_RECORD_LENGTH,
  PHY_POS_POSITION,
  SYSFLAG_POSITION,
  BORN_HOST_POSITION,
} = messageCodec;

/**
 * The CommitLog: one append-only log of message records for all topics (RocketMQ CommitLog), in preallocated
 * segments under `<root>/commitlog` (layout.ts). Each record is exactly the wire record (PROTOCOL.md §3.1), so a
 * pull answers with stored bytes; a record never spans two segments: when a batch does not fit, the rest of the
 * segment gets a blank (int32 size, int32 BLANK_MAGIC_CODE) and the batch goes to the next one (§3.3).
 *
 * Writing. `append` is synchronous: it validates, assigns offsets, and encodes the records straight into a write
 * buffer for the active segment. The buffer is written with one positional write at the end of the event-loop turn
 * (setImmediate), or earlier when the next batch does not fit or the segment rolls, so the appends of one turn cost
 * one `pwrite` instead of one each. Measured here (1 KiB records, ASYNC_FLUSH): a raw 1 KiB pwrite costs ~2.2 µs
 * against ~0.3 µs per KiB in 64 KiB writes; through append, 64 appends per turn went from ~15 µs to ~7 µs per append
 * (16 per turn: ~11.6 to ~8.2; one per turn: no change). Reads see appended bytes at once: they are served from the
 * buffer until it is written.
 *
 * Failures. Every I/O that can fail (writing out the previous buffer, creating the next segment, writing the blank)
 * happens before the append assigns anything; if it fails the append returns a status and nothing changed. After
 * that an append cannot fail. If the deferred write of the buffer fails (disk full), the bytes stay in the buffer
 * (readable, retried at the next append, flush or interval) and new appends are refused with SERVICE_NOT_AVAILABLE
 * until the retry succeeds, so nothing already accepted is lost while the process runs.
 *
 * Durability (`waitDurable`). SYNC_FLUSH: group commit (group-commit.ts), PUT_OK once fdatasync'd, or
 * FLUSH_DISK_TIMEOUT after syncFlushTimeoutMs with the data kept. ASYNC_FLUSH: PUT_OK once the bytes are handed to
 * the OS at the end of the turn (one shared promise per turn). That keeps RocketMQ's ASYNC_FLUSH promise (an
 * acknowledged message survives a process crash, as mmap'd pages do) and costs one turn; if that write fails the
 * answer is FLUSH_DISK_TIMEOUT (stored in memory, durability goal not met). Both modes also flush every
 * flushIntervalMs (RocketMQ flushIntervalCommitLog).
 *
 * Recovery (`recover`) and how a torn tail is told from corruption: see the comment on that method.
 *
 * Replication. A master serves raw bytes with `read` (RocketMQ getData: blanks and their padding included); a slave
 * takes them with `appendReplicated` (RocketMQ appendData) at the same offsets, in segments of the same names, and
 * they go through the same buffer, flushes and recovery as appended records.
 */

// The tag-code rule lives in tags-code.ts, shared with the memory store; these names stay importable from here.
export { DEFAULT_DELAY_LEVEL_MILLIS, SCHEDULE_TOPIC } from '../tags-code';

/** Appends of one turn accumulate in a buffer of this size before they are written (clipped to the segment). */
export const DEFAULT_WRITE_BUFFER_BYTES = 1024 * 1024;

/** Recovery reads the log in chunks of this size. */
const RECOVERY_READ_BYTES = 4 * 1024 * 1024;
/** The tail probe reads this much at a time; a chunk of only zeros ends a segment's written data. */
const TAIL_PROBE_BYTES = 1024 * 1024;
/** The first three bytes of MESSAGE_MAGIC_CODE (0xDAA320A7) and MESSAGE_MAGIC_CODE_V2 (0xDAA320AB). */
const MAGIC_PREFIX = Buffer.from([0xda, 0xa3, 0x20]);

export interface CommitLogOptions {
  /** The store root; segments live in `<dir>/commitlog`. */
  dir: string;
  segmentBytes: number;
  flushDiskType: FlushDiskType;
  flushIntervalMs: number;
  syncFlushTimeoutMs: number;
  /** The largest record accepted (MessageStoreConfig.maxMessageSize); larger ones are MESSAGE_ILLEGAL. */
  maxMessageBytes: number;
  /** This broker's address, written into every record and every offset msgId. */
  storeHost: HostAddress;
  clock: Clock;
  logger: Logger;
  /**
   * Delay of each level in ms (level 1 first), for the tag code of SCHEDULE_TOPIC_XXXX records. Must match the
   * broker's messageDelayLevel. Default: RocketMQ's 18 levels.
   */
  delayLevelMillis?: readonly number[];
  /** Size of the per-turn write buffer. Default DEFAULT_WRITE_BUFFER_BYTES. */
  writeBufferBytes?: number;
  /** Test hook: fault injection around file operations. Production code leaves it unset. */
  testHooks?: CommitLogTestHooks;
}

/**
 * Test hook. Tests run as root, where a read-only directory does not stop writes, so faults are injected here:
 * each hook runs just before the real operation and may throw (a SkyrocketError('DISK_FULL', ...) looks exactly like
 * ENOSPC from the file) or, for beforeSync, delay the fdatasync.
 */
export interface CommitLogTestHooks {
  beforeWrite?(offset: number, length: number): void;
  beforeCreateSegment?(startOffset: number): void;
  beforeSync?(): Promise<void> | void;
}

export type CommitLogAppendOutcome =
  | { ok: true; append: AppendResult; dispatch: DispatchRequest[] }
  | { ok: false; status: PutMessageStatus; remark: string };

export interface CommitLogRecoverOptions {
  /** A record boundary to scan from: the checkpoint's commitLogFlushedOffset, or 0 / the log start. */
  fromOffset: number;
  /** Called for every valid record from fromOffset on, in log order. */
  onRecord: (request: DispatchRequest) => void;
  /**
   * Accepts losing everything from this offset on when recovery finds a corrupted record exactly here (the offset
   * a STORE_CORRUPTED error names). Ignored when the log is not corrupted there, so leaving it set is harmless.
   */
  truncateCorruptedAt?: number;
}

export interface CommitLogRecoverResult {
  /** The next write position. */
  maxOffset: number;
  /** Bytes dropped after the last valid record (a torn write, or the accepted corrupted tail). */
  truncatedBytes: number;
}

export interface CommitLogStats {
  appendedMessages: number;
  appendedBytes: number;
  /** Positional writes issued (one per write-out of the buffer, plus blanks). */
  writes: number;
  syncs: number;
  /** Total seconds spent in fdatasync (with syncs: the mean flush latency, as a Prometheus summary does). */
  syncSeconds: number;
  writeErrors: number;
  syncErrors: number;
}

type CommitLogState = 'CREATED' | 'LOADED' | 'RECOVERED' | 'RUNNING' | 'SHUTTING_DOWN' | 'SHUT_DOWN';

type AppendFailure = Extract<CommitLogAppendOutcome, { ok: false }>;

/** The four properties dispatch needs, read in one pass without building a Map. */
interface DispatchProperties {
  tags: string | undefined;
  keys: string | undefined;
  uniqKey: string | undefined;
  delay: string | undefined;
}

const PUT_OK: Promise<DurableStatus> = Promise.resolve('PUT_OK');
const EMPTY_BODY = new Uint8Array(0);
/** Character codes of '0'-'9', 'A'-'F'. */
const HEX_DIGITS: readonly number[] = Array.from('0123456789ABCDEF', (digit) => digit.charCodeAt(0));

export class CommitLog {
  readonly #segments: SegmentedFile;
  readonly #segmentBytes: number;
  readonly #flushDiskType: FlushDiskType;
  readonly #flushIntervalMs: number;
  readonly #maxMessageBytes: number;
  readonly #storeHost: HostAddress;
  readonly #storeHostV6Flag: number;
  readonly #ipBytesCache = new Map<string, Uint8Array>();
  /** hex(store IP, port) of offset msgIds, for the host it was computed from (see #refreshMsgIdPrefix). */
  #msgIdPrefix: { address: string; port: number; prefix: string };
  /** Per record of the append in progress (reused): what #validatedLength worked out, for the encoder. */
  readonly #sizes: number[] = [];
  readonly #sysFlags: number[] = [];
  readonly #propertiesLengths: number[] = [];
  readonly #bornIps: Uint8Array[] = [];
  /** The layout handed to the encoder (reused; encodeLaidOutRecordInto keeps nothing). */
  readonly #layout: RecordLayout = {
    totalSize: 0,
    magicCode: 0,
    sysFlag: 0,
    bodyCRC: 0,
    bornIp: EMPTY_BODY,
    storeIp: EMPTY_BODY,
    topicBytes: EMPTY_BODY,
    propertiesString: '',
    propertiesLength: 0,
  };
  /** The record being encoded (reused; see append). */
  readonly #recordInit: MessageRecordInit & { magicCode: number };
  #syncNanos = 0n;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #delayLevelMillis: readonly number[];
  readonly #hooks: CommitLogTestHooks | undefined;
  readonly #groupCommit: GroupCommit;
  readonly #defaultBuffer: Buffer;

  #state: CommitLogState = 'CREATED';
  /** The next write position (maxOffset). */
  #writePosition = 0;
  /** The write buffer: bytes [#bufferStart, #bufferStart + #bufferLength) of the active segment, not yet written. */
  #buffer: Buffer;
  /** A DataView over #buffer, for the encoder (encodeLaidOutRecordInto). */
  #bufferView: DataView;
  #bufferStart = 0;
  #bufferLength = 0;
  #writeScheduled = false;
  /** The error of the last failed write-out while it keeps failing; appends are refused meanwhile. */
  #writeFailure: unknown;
  /** ASYNC_FLUSH waiters of the current turn share this; settled by the next write-out. */
  #writeTurn: { promise: Promise<DurableStatus>; resolve: (status: DurableStatus) => void } | undefined;
  #flushedOffset = 0;
  #activeSegment: SegmentFile | undefined;
  #flushTimer: TimerHandle | undefined;
  readonly #scratch: DispatchProperties = {
    tags: undefined,
    keys: undefined,
    uniqKey: undefined,
    delay: undefined,
  };
  readonly #stats: CommitLogStats = {
    appendedMessages: 0,
    appendedBytes: 0,
    writes: 0,
    syncs: 0,
    syncSeconds: 0,
    writeErrors: 0,
    syncErrors: 0,
  };

  constructor(options: CommitLogOptions) {
    if (!Number.isSafeInteger(options.segmentBytes) || options.segmentBytes < 4096) {
      throw new RangeError(`segmentBytes must be an integer of at least 4096, got ${options.segmentBytes}`);
    }
    // Throws RangeError for an address a record cannot hold.
    const storeIpBytes = ipAddressBytes(options.storeHost.address).length;
    if (!isPort(options.storeHost.port))
      throw new RangeError(`storeHost port ${options.storeHost.port} is invalid`);
    this.#segments = new SegmentedFile(`${options.dir}/${COMMITLOG_DIR}`, options.segmentBytes);
    this.#segmentBytes = options.segmentBytes;
    this.#flushDiskType = options.flushDiskType;
    this.#flushIntervalMs = options.flushIntervalMs;
    this.#maxMessageBytes = options.maxMessageBytes;
    this.#storeHost = options.storeHost;
    this.#storeHostV6Flag = storeIpBytes === 16 ? MessageSysFlag.STOREHOSTADDRESS_V6_FLAG : 0;
    // An offset msgId is hex(store IP, port, int64 offset) (MessageDecoder); the first part is cached.
    this.#msgIdPrefix = msgIdPrefix(options.storeHost);
    this.#recordInit = {
      magicCode: MESSAGE_MAGIC_CODE,
      queueId: 0,
      flag: 0,
      queueOffset: 0,
      commitLogOffset: 0,
      sysFlag: 0,
      bornTimestamp: 0,
      bornHost: options.storeHost,
      storeTimestamp: 0,
      storeHost: options.storeHost,
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
      body: EMPTY_BODY,
      topic: '',
      properties: '',
    };
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#delayLevelMillis = options.delayLevelMillis ?? DEFAULT_DELAY_LEVEL_MILLIS;
    this.#hooks = options.testHooks;
    this.#defaultBuffer = Buffer.allocUnsafe(
      Math.max(1, Math.min(options.writeBufferBytes ?? DEFAULT_WRITE_BUFFER_BYTES, options.segmentBytes)),
    );
    this.#buffer = this.#defaultBuffer;
    this.#bufferView = viewOf(this.#buffer);
    this.#groupCommit = new GroupCommit({
      sync: () => this.#syncToDisk(),
      durableOffset: 0,
      timeoutMs: options.syncFlushTimeoutMs,
      clock: options.clock,
      logger: options.logger,
    });
  }

  /** Opens the segments (refusing files of the wrong length and gaps). Call recover() next. */
  load(): void {
    this.#expectState('load', 'CREATED');
    this.#segments.load();
    this.#state = 'LOADED';
  }

  /**
   * Scans and validates records from `fromOffset` to the end, calls onRecord for each, truncates a torn tail, and
   * makes what remains durable. Each record must have a V1/V2 magic code, a TOTALSIZE between the minimum record
   * length and what its segment has left (minus the 8 bytes always kept for a blank), decode completely, match its
   * BODYCRC, and carry its own offset in PHYSICALOFFSET. A blank whose size is exactly the rest of its segment moves
   * on to the next segment; an all-zero header is where the written data ends.
   *
   * Torn tail or corrupted middle? At the first offset P that is not a valid record or blank, recovery looks ahead
   * for *valid data after P*: a valid record (all the checks above, PHYSICALOFFSET included, which makes a match by
   * chance practically impossible) starting anywhere after P in the rest of P's segment or in a later segment.
   * Each segment is read up to its first 1 MiB chunk of only zeros, since logs are written front to back.
   * - Nothing valid after P: the tail is a write cut short by the crash, never acknowledged as durable. It is
   *   truncated (zeroed, later segments deleted) and the next append goes to P.
   * - Valid records after P: the bytes at P were damaged after they were written (a bit flip, a lost sector). The
   *   records after P may have been acknowledged, so recovery refuses to go on: STORE_CORRUPTED naming P. Setting
   *   `truncateCorruptedAt: P` accepts losing everything from P on.
   * This also refuses the rare case of a power loss that persisted pages of not-yet-synced data out of order (a
   * zeroed page followed by a later record): dropping them is then safe, but recovery cannot tell that from lost
   * acknowledged data, so it asks the operator.
   *
   * Records before a STORE_CORRUPTED error have already gone to onRecord; a later recovery dispatches them again, so
   * the dispatcher must be idempotent (entries are placed by queue offset).
   */
  recover(options: CommitLogRecoverOptions): CommitLogRecoverResult {
    this.#expectState('recover', 'LOADED');
    const startedAt = performance.now();
    const last = this.#segments.lastSegment;
    if (!last) {
      // An empty log starts at the segment boundary at or after fromOffset, so offsets are never reused.
      const start = Math.ceil(Math.max(0, options.fromOffset) / this.#segmentBytes) * this.#segmentBytes;
      this.#resetPositions(start);
      this.#state = 'RECOVERED';
      return { maxOffset: start, truncatedBytes: 0 };
    }
    if (options.fromOffset > last.endOffset) {
      throw new SkyrocketError(
        'STORE_CORRUPTED',
        `commit log recovery should start at ${options.fromOffset} (the checkpoint), but the commit log in ${this.#segments.dir} ends at ${last.endOffset}: segments are missing`,
      );
    }
    const start = Math.max(options.fromOffset, this.#segments.minOffset);
    const reader = new LogReader(this.#segmentBytes, RECOVERY_READ_BYTES);
    let position = start;
    let records = 0;
    let stop: { kind: 'zero' } | { kind: 'invalid'; reason: string } | undefined;
    for (let segment = this.#segments.segmentFor(position); segment;) {
      const check = checkRecordAt(reader, segment, position);
      if (check.kind === 'record') {
        options.onRecord(this.#dispatchOfRecord(check.record));
        position += check.record.totalSize;
        records++;
      } else if (check.kind === 'blank') {
        position = segment.endOffset;
        segment = this.#segments.segmentFor(position);
      } else {
        stop = check;
        break;
      }
    }

    let truncatedBytes = 0;
    if (stop !== undefined) {
      const tail = this.#probeTail(position, true);
      if (tail.nextValid !== undefined) {
        const reason = stop.kind === 'zero' ? 'an all-zero header' : stop.reason;
        if (options.truncateCorruptedAt !== position) {
          throw this.#corruptedError(position, reason, tail.nextValid, options.truncateCorruptedAt);
        }
        truncatedBytes = this.#probeTail(position, false).dirtyEnd - position;
        this.#logger.warn(
          { offset: position, reason, truncatedBytes },
          `commit log: dropping everything from the corrupted record at ${position} on (${reason}), as truncateCorruptedAt asks`,
        );
        this.#truncateAll(position);
      } else {
        truncatedBytes = Math.max(0, tail.dirtyEnd - position);
        if (truncatedBytes > 0) {
          this.#logger.warn(
            { offset: position, truncatedBytes, reason: stop.kind === 'zero' ? 'zero header' : stop.reason },
            `commit log: truncating a torn write of ${truncatedBytes} bytes at ${position}`,
          );
        }
        // Also drops segments created after `position` that never got data (a crash during a roll-over).
        this.#segments.truncateFrom(position);
      }
    }

    for (const segment of this.#segments.segments) {
      if (segment.endOffset > start) segment.syncNow();
    }
    this.#resetPositions(position);
    this.#state = 'RECOVERED';
    this.#logger.info(
      {
        fromOffset: start,
        maxOffset: position,
        records,
        truncatedBytes,
        ms: Math.round(performance.now() - startedAt),
      },
      `commit log recovered: ${records} records from ${start} to ${position}`,
    );
    return { maxOffset: position, truncatedBytes };
  }

  /** Starts the periodic flush (every flushIntervalMs, in both modes: SYNC_FLUSH covers sends with WAIT=false). */
  start(): void {
    this.#expectState('start', 'RECOVERED');
    this.#flushTimer = this.#clock.setInterval(() => this.#periodicFlush(), this.#flushIntervalMs).unref();
    this.#state = 'RUNNING';
  }

  /**
   * Appends one message or a batch (same topic and queue) contiguously in one segment. Synchronous; the bytes are
   * readable at once and written out at the end of the turn. Queue offsets come from `nextQueueOffset`, called once
   * with the number of messages that take one (all but transaction PREPARED/ROLLBACK records, which get queue
   * offset 0 and no ConsumeQueue entry, as in CommitLog.doAppend), and only when the append will succeed.
   */
  append(
    messages: readonly MessageToStore[],
    nextQueueOffset: (topic: string, queueId: number, count: number) => number,
  ): CommitLogAppendOutcome {
    if (this.#state === 'SHUTTING_DOWN' || this.#state === 'SHUT_DOWN') {
      return failure('SERVICE_NOT_AVAILABLE', 'the commit log is shut down');
    }
    if (this.#state !== 'RUNNING' && this.#state !== 'RECOVERED') this.#expectState('append');
    const first = messages[0];
    if (first === undefined) return failure('MESSAGE_ILLEGAL', 'no messages to append');

    // 1. Validate and size every record; nothing is assigned yet.
    const topic = cachedTopicBytes(first.topic);
    const topicBytes = topic.length;
    if (topicBytes > MAX_V2_TOPIC_LENGTH) {
      return failure(
        'MESSAGE_ILLEGAL',
        `a topic of ${topicBytes} bytes is longer than ${MAX_V2_TOPIC_LENGTH}`,
      );
    }
    // CommitLog.asyncPutMessage: V2 records (2-byte topic length) only for topics longer than 127.
    const magicCode = topicBytes > MAX_V1_TOPIC_LENGTH ? MESSAGE_MAGIC_CODE_V2 : MESSAGE_MAGIC_CODE;
    const count = messages.length;
    const sizes = this.#sizes;
    let totalBytes = 0;
    let queueOffsetCount = 0;
    for (let i = 0; i < count; i++) {
      const message = messages[i] as MessageToStore;
      if (message.topic !== first.topic || message.queueId !== first.queueId) {
        return failure('MESSAGE_ILLEGAL', 'all messages of a batch must have the same topic and queue');
      }
      const size = this.#validatedLength(message, topicBytes, magicCode, i);
      if (typeof size !== 'number') return size;
      sizes[i] = size;
      totalBytes += size;
      if (takesQueueOffset(message.sysFlag)) queueOffsetCount++;
    }
    if (totalBytes + END_OF_SEGMENT_BLANK_MIN_BYTES > this.#segmentBytes) {
      return failure(
        'MESSAGE_ILLEGAL',
        `a batch of ${totalBytes} bytes does not fit in a commit-log segment of ${this.#segmentBytes} bytes`,
      );
    }

    // 2. Every I/O that can fail: after this the append cannot fail.
    const notReady = this.#prepareWrite(totalBytes);
    if (notReady) return notReady;

    // 3. Assign offsets and encode straight into the write buffer.
    const wroteOffset = this.#writePosition;
    const firstQueueOffset =
      queueOffsetCount > 0 ? nextQueueOffset(first.topic, first.queueId, queueOffsetCount) : 0;
    const storeTimestamp = this.#clock.now();
    const msgIds: string[] = new Array<string>(count);
    this.#refreshMsgIdPrefix();
    const dispatch: DispatchRequest[] = new Array<DispatchRequest>(count);
    // One init object for every record: encodeRecordInto reads it synchronously and keeps nothing.
    const record = this.#recordInit;
    record.magicCode = magicCode;
    record.storeTimestamp = storeTimestamp;
    record.storeHost = this.#storeHost;
    record.topic = first.topic;
    record.queueId = first.queueId;
    const layout = this.#layout;
    layout.magicCode = magicCode;
    layout.storeIp = this.#ipBytes(this.#storeHost.address);
    layout.topicBytes = topic;
    let queueOffset = firstQueueOffset;
    let at = this.#bufferLength;
    for (let i = 0; i < count; i++) {
      const message = messages[i] as MessageToStore;
      const commitLogOffset = this.#bufferStart + at;
      const recordQueueOffset = takesQueueOffset(message.sysFlag) ? queueOffset++ : 0;
      record.flag = message.flag;
      record.queueOffset = recordQueueOffset;
      record.commitLogOffset = commitLogOffset;
      record.sysFlag = message.sysFlag;
      record.bornTimestamp = message.bornTimestamp;
      record.bornHost = message.bornHost;
      record.reconsumeTimes = message.reconsumeTimes;
      record.preparedTransactionOffset = message.preparedTransactionOffset;
      record.body = message.body;
      record.properties = message.properties;
      const size = sizes[i] as number;
      const storedSysFlag = this.#sysFlags[i] as number;
      layout.totalSize = size;
      layout.sysFlag = storedSysFlag;
      layout.bodyCRC = crc32(message.body);
      layout.bornIp = this.#bornIps[i] as Uint8Array;
      layout.propertiesString = message.properties;
      layout.propertiesLength = this.#propertiesLengths[i] as number;
      encodeLaidOutRecordInto(record, layout, this.#buffer, this.#bufferView, at);
      msgIds[i] = this.#msgIdPrefix.prefix + hex16(commitLogOffset);
      dispatch[i] = this.#dispatchOfAppend(
        message,
        commitLogOffset,
        recordQueueOffset,
        size,
        storeTimestamp,
        storedSysFlag,
      );
      at += size;
    }
    // Keep no reference to the caller's message.
    record.body = EMPTY_BODY;
    record.properties = '';
    record.bornHost = this.#storeHost;
    layout.propertiesString = '';
    this.#bufferLength = at;
    this.#writePosition = wroteOffset + totalBytes;
    this.#stats.appendedMessages += count;
    this.#stats.appendedBytes += totalBytes;
    this.#scheduleWrite();
    return {
      ok: true,
      append: {
        wroteOffset,
        wroteBytes: totalBytes,
        queueOffset: firstQueueOffset,
        messageCount: count,
        storeTimestamp,
        msgIds,
      },
      dispatch,
    };
  }

  /**
   * Resolves when the bytes below `endOffset` (an append's wroteOffset + wroteBytes) meet the flush mode's goal:
   * fdatasync'd for SYNC_FLUSH (group commit; FLUSH_DISK_TIMEOUT after syncFlushTimeoutMs, data kept), handed to
   * the OS for ASYNC_FLUSH (at the end of the current turn).
   */
  waitDurable(endOffset: number): Promise<DurableStatus> {
    const target = Math.min(endOffset, this.#writePosition);
    if (this.#flushDiskType === 'SYNC_FLUSH') return this.#groupCommit.waitDurable(target);
    if (target <= this.#bufferStart) return PUT_OK;
    if (this.#writeTurn === undefined) {
      let resolve: (status: DurableStatus) => void = () => undefined;
      const promise = new Promise<DurableStatus>((r) => (resolve = r));
      this.#writeTurn = { promise, resolve };
    }
    this.#scheduleWrite();
    return this.#writeTurn.promise;
  }

  /**
   * The slave side of replication (RocketMQ CommitLog.appendData): writes `data`, whole records a master sent from
   * its commit-log offset `startOffset`, at the same offsets, so the slave's segment files hold the master's bytes.
   * All of it is checked first (replication.ts: it continues at maxOffset, or starts an empty log at a segment
   * start; whole valid records carrying their own offsets; a blank only last, with its padding); a refusal throws
   * INVALID_PARAMETER and changes nothing. Records then go to the write buffer as appended ones do (readable at once,
   * written at the end of the turn, covered by the periodic flush and by recovery). Data that ends its segment with
   * the blank is written straight to the file, since the padding can be as large as a message, and the log moves
   * to the next segment as #prepareWrite does after a blank. I/O that fails throws before anything moves. Returns a
   * DispatchRequest per message record, built from the record as recovery builds them.
   */
  appendReplicated(startOffset: number, data: Uint8Array): DispatchRequest[] {
    if (this.#state !== 'RUNNING' && this.#state !== 'RECOVERED') {
      throw new SkyrocketError('CLIENT_STATE', `the commit log is ${this.#state}: replicated data refused`);
    }
    // Nothing stored: no segment, or only empty ones (a crash or a failed attempt right after creating one).
    const holdsNothing = this.#writePosition === this.minOffset;
    checkReplicationStart(startOffset, this.#writePosition, holdsNothing, this.#segmentBytes);
    const replicated = parseReplicatedData(startOffset, data, this.#segmentBytes);
    if (data.length === 0) return [];

    // A log holding nothing starts where the master's data does (checkReplicationStart allowed nothing else).
    const startsLog = startOffset !== this.#writePosition;
    if (startsLog) this.#dropEmptySegments();
    const segmentStart = startOffset - (startOffset % this.#segmentBytes);
    const segmentEnd = segmentStart + this.#segmentBytes;
    // The blank's padding can be as large as a message: data ending its segment bypasses the buffer, as does data
    // larger than the room left in it.
    const direct = replicated.endsSegment || data.length > this.#buffer.length - this.#bufferLength;
    // Every I/O that can fail comes before anything moves.
    try {
      if (this.#writeFailure !== undefined) this.#writeOut();
      throwIfFailed(this.#ensureSegment(segmentStart));
      if (direct) {
        this.#writeOut();
        this.#writeDirect(startOffset, data);
      }
    } catch (error) {
      if (startsLog) this.#dropEmptySegments();
      throw error;
    }
    if (startsLog) this.#resetPositions(startOffset);
    if (direct) {
      this.#writePosition = replicated.endsSegment ? segmentEnd : startOffset + data.length;
      this.#bufferStart = this.#writePosition;
    } else {
      this.#buffer.set(data, this.#bufferLength);
      this.#bufferLength += data.length;
      this.#writePosition += data.length;
      this.#scheduleWrite();
    }
    this.#stats.appendedMessages += replicated.records.length;
    this.#stats.appendedBytes += replicated.recordBytes;
    return replicated.records.map((record) => this.#dispatchOfRecord(record));
  }

  /** Up to `size` bytes at `offset`, never past the write position or a segment end; undefined when not stored. */
  read(offset: number, size: number): Buffer | undefined {
    if (!Number.isSafeInteger(offset) || offset < this.minOffset || offset >= this.#writePosition)
      return undefined;
    const segment = this.#segments.segmentFor(offset);
    if (!segment) return undefined;
    const end = Math.min(offset + Math.max(0, size), this.#writePosition, segment.endOffset);
    const out = Buffer.allocUnsafe(end - offset);
    const diskEnd = Math.min(end, this.#bufferStart);
    if (diskEnd > offset) {
      const n = segment.readInto(out, 0, diskEnd - offset, offset - segment.startOffset);
      if (n !== diskEnd - offset) return undefined;
    }
    if (end > diskEnd) {
      const from = Math.max(offset, this.#bufferStart);
      this.#buffer.copy(out, from - offset, from - this.#bufferStart, end - this.#bufferStart);
    }
    return out;
  }

  /**
   * The whole record starting at `offset`, or undefined when nothing is stored there or it is not a record start:
   * the magic code, a TOTALSIZE that fits, and PHYSICALOFFSET equal to `offset` are checked (not the CRC).
   */
  readRecord(offset: number): Buffer | undefined {
    const header = this.read(offset, 8);
    if (header === undefined || header.length < 8) return undefined;
    const totalSize = header.readInt32BE(0);
    const magicCode = header.readInt32BE(4);
    if (magicCode !== MESSAGE_MAGIC_CODE && magicCode !== MESSAGE_MAGIC_CODE_V2) return undefined;
    if (totalSize < MIN_RECORD_LENGTH || offset + totalSize > this.#writePosition) return undefined;
    const record = this.read(offset, totalSize);
    if (record === undefined || record.length !== totalSize) return undefined;
    return readInt64(record, PHY_POS_POSITION) === offset ? record : undefined;
  }

  /** The first offset still stored. */
  get minOffset(): number {
    return this.#segments.isEmpty ? this.#writePosition : this.#segments.minOffset;
  }

  /** The next write position: every offset below it holds appended data. */
  get maxOffset(): number {
    return this.#writePosition;
  }

  /** Every byte below it is durable (fdatasync'd). */
  get flushedOffset(): number {
    return this.#flushedOffset;
  }

  get stats(): Readonly<CommitLogStats> {
    return {
      ...this.#stats,
      syncs: this.#groupCommit.syncCount,
      syncSeconds: Number(this.#syncNanos) / 1e9,
      syncErrors: this.#groupCommit.failedSyncCount,
    };
  }

  /** Writes out the buffer and fdatasyncs; rejects with the I/O error if that fails. */
  flush(): Promise<void> {
    if (this.#state === 'SHUT_DOWN') return Promise.resolve();
    return this.#groupCommit.flush(this.#writePosition);
  }

  /** Final flush, then closes the files. Rejects with the flush error (after closing) if the data is not durable. */
  async shutdown(): Promise<void> {
    if (this.#state === 'SHUT_DOWN' || this.#state === 'SHUTTING_DOWN') return;
    const recovered = this.#state === 'RECOVERED' || this.#state === 'RUNNING';
    this.#state = 'SHUTTING_DOWN';
    if (this.#flushTimer !== undefined) this.#clock.clearTimer(this.#flushTimer);
    this.#flushTimer = undefined;
    let flushError: unknown;
    if (recovered) {
      try {
        await this.#groupCommit.flush(this.#writePosition);
      } catch (error) {
        flushError = error;
      }
    }
    await this.#groupCommit.close();
    this.#settleWriteTurn(flushError === undefined ? 'PUT_OK' : 'FLUSH_DISK_TIMEOUT');
    this.#segments.close();
    this.#state = 'SHUT_DOWN';
    if (flushError !== undefined) {
      this.#logger.error(
        { err: flushError, flushedOffset: this.#flushedOffset, maxOffset: this.#writePosition },
        `commit log shut down without flushing everything: ${describeError(flushError)}`,
      );
      throw flushError;
    }
  }

  /**
   * Retention: deletes the oldest segments while `isExpired` says so, given each segment's last store timestamp.
   * Never deletes the active (last) segment or one holding bytes that are not yet durable. Returns how many went.
   */
  deleteExpiredSegments(isExpired: (segment: SegmentFile, lastStoreTimestamp: number) => boolean): number {
    const removed = this.#segments.deleteOldestWhile(
      (segment) =>
        segment.endOffset <= this.#flushedOffset && isExpired(segment, this.#lastStoreTimestampOf(segment)),
    );
    for (const segment of removed) {
      this.#logger.info(
        { segment: segment.path, startOffset: segment.startOffset },
        `commit log segment ${segment.path} deleted by retention`,
      );
    }
    return removed.length;
  }

  /** Bytes the segments occupy (preallocated size). */
  diskBytes(): number {
    return this.#segments.diskBytes();
  }

  // ---- appending -------------------------------------------------------------------------------------------------

  /**
   * Checks everything a record must satisfy and returns its TOTALSIZE (calMsgLength), or why it cannot be stored;
   * what it works out for record `index` (stored sysFlag, born IP, properties length) goes to the encoder, which
   * trusts it (encodeLaidOutRecordInto). The commit-log tests decode every record written this way.
   */
  #validatedLength(
    message: MessageToStore,
    topicBytes: number,
    magicCode: number,
    index: number,
  ): number | AppendFailure {
    const bornIp = this.#ipBytes(message.bornHost.address);
    const bornIpBytes = bornIp.length;
    if (bornIpBytes === 0) {
      return failure(
        'MESSAGE_ILLEGAL',
        `bornHost ${JSON.stringify(message.bornHost.address)} is not an IP address`,
      );
    }
    const invalid =
      (!isInt32(message.queueId) && 'queueId') ||
      (!isInt32(message.flag) && 'flag') ||
      (!isInt32(message.sysFlag) && 'sysFlag') ||
      (!isInt32(message.reconsumeTimes) && 'reconsumeTimes') ||
      (!isPort(message.bornHost.port) && 'bornHost port') ||
      (!Number.isSafeInteger(message.bornTimestamp) && 'bornTimestamp') ||
      (!Number.isSafeInteger(message.preparedTransactionOffset) && 'preparedTransactionOffset');
    if (invalid) return failure('MESSAGE_ILLEGAL', `${invalid} is out of range`);
    const propertiesBytes = Buffer.byteLength(message.properties, 'utf8');
    if (propertiesBytes > MAX_PROPERTIES_LENGTH) {
      return failure(
        'PROPERTIES_SIZE_EXCEEDED',
        `properties of ${propertiesBytes} bytes exceed ${MAX_PROPERTIES_LENGTH} bytes`,
      );
    }
    const sysFlag =
      (message.sysFlag & ~(MessageSysFlag.BORNHOST_V6_FLAG | MessageSysFlag.STOREHOSTADDRESS_V6_FLAG)) |
      (bornIpBytes === 16 ? MessageSysFlag.BORNHOST_V6_FLAG : 0) |
      this.#storeHostV6Flag;
    const size = calMsgLength(magicCode, sysFlag, message.body.length, topicBytes, propertiesBytes);
    if (size > this.#maxMessageBytes) {
      return failure(
        'MESSAGE_ILLEGAL',
        `a record of ${size} bytes exceeds the maximum message size of ${this.#maxMessageBytes} bytes`,
      );
    }
    this.#sysFlags[index] = sysFlag;
    this.#bornIps[index] = bornIp;
    this.#propertiesLengths[index] = propertiesBytes;
    return size;
  }

  /** The 4 or 16 bytes of an IP address a record can hold, empty otherwise; remembered, since producers are few. */
  #ipBytes(address: string): Uint8Array {
    let bytes = this.#ipBytesCache.get(address);
    if (bytes === undefined) {
      try {
        bytes = ipAddressBytes(address);
      } catch {
        bytes = EMPTY_BODY;
      }
      if (this.#ipBytesCache.size >= 4096) this.#ipBytesCache.clear();
      this.#ipBytesCache.set(address, bytes);
    }
    return bytes;
  }

  /**
   * Everything that can fail before an append of `totalBytes` assigns anything: retrying a failed write-out, rolling
   * to the next segment when the batch and a blank do not fit, creating the segment, making room in the buffer.
   */
  #prepareWrite(totalBytes: number): AppendFailure | undefined {
    if (this.#writeFailure !== undefined) {
      const failed = this.#tryWriteOut();
      if (failed) return failed;
    }
    const segmentStart = this.#writePosition - (this.#writePosition % this.#segmentBytes);
    const segmentEnd = segmentStart + this.#segmentBytes;
    if (this.#writePosition + totalBytes + END_OF_SEGMENT_BLANK_MIN_BYTES > segmentEnd) {
      const failed = this.#tryWriteOut() ?? this.#ensureSegment(segmentEnd) ?? this.#writeBlank(segmentEnd);
      if (failed) return failed;
      this.#writePosition = segmentEnd;
      this.#bufferStart = segmentEnd;
    } else {
      const failed = this.#ensureSegment(segmentStart);
      if (failed) return failed;
    }
    if (totalBytes > this.#buffer.length - this.#bufferLength) {
      const failed = this.#tryWriteOut();
      if (failed) return failed;
      // A batch larger than the buffer gets a buffer of its own until it is written (rare: huge batches only).
      if (totalBytes > this.#buffer.length) this.#useBuffer(Buffer.allocUnsafe(totalBytes));
    }
    return undefined;
  }

  #ensureSegment(startOffset: number): AppendFailure | undefined {
    if (this.#activeSegment?.startOffset === startOffset) return undefined;
    try {
      if (this.#segments.segmentFor(startOffset) === undefined)
        this.#hooks?.beforeCreateSegment?.(startOffset);
      this.#activeSegment = this.#segments.segmentStartingAt(startOffset);
      return undefined;
    } catch (error) {
      this.#stats.writeErrors++;
      this.#logger.error(
        { err: error, startOffset },
        `commit log: cannot create segment ${startOffset}: ${describeError(error)}`,
      );
      return failure('CREATE_MAPPED_FILE_FAILED', describeIoError(error));
    }
  }

  /** Fills the rest of the active segment, from the write position to `segmentEnd`, with a blank record. */
  #writeBlank(segmentEnd: number): AppendFailure | undefined {
    const blank = Buffer.allocUnsafe(END_OF_SEGMENT_BLANK_MIN_BYTES);
    blank.writeInt32BE(segmentEnd - this.#writePosition, 0);
    blank.writeInt32BE(BLANK_MAGIC_CODE, 4);
    try {
      this.#hooks?.beforeWrite?.(this.#writePosition, blank.length);
      this.#segments.write(this.#writePosition, blank);
      this.#stats.writes++;
      return undefined;
    } catch (error) {
      this.#stats.writeErrors++;
      this.#logger.error(
        { err: error, offset: this.#writePosition },
        `commit log: cannot write the end-of-segment blank: ${describeError(error)}`,
      );
      return failure('SERVICE_NOT_AVAILABLE', describeIoError(error));
    }
  }

  /** Deletes the segments of a log that holds nothing (so they are empty), for it to start elsewhere. */
  #dropEmptySegments(): void {
    if (this.#segments.isEmpty) return;
    this.#segments.destroy();
    this.#activeSegment = undefined;
  }

  /** One positional write of bytes that bypass the buffer (written out before). Throws the I/O error. */
  #writeDirect(offset: number, bytes: Uint8Array): void {
    try {
      this.#hooks?.beforeWrite?.(offset, bytes.length);
      this.#segments.write(offset, bytes);
      this.#stats.writes++;
    } catch (error) {
      this.#stats.writeErrors++;
      this.#logger.error(
        { err: error, offset, bytes: bytes.length },
        `commit log: cannot write ${bytes.length} replicated bytes at ${offset}: ${describeError(error)}`,
      );
      throw error;
    }
  }

  #tryWriteOut(): AppendFailure | undefined {
    try {
      this.#writeOut();
      return undefined;
    } catch (error) {
      return failure('SERVICE_NOT_AVAILABLE', describeIoError(error));
    }
  }

  /** Writes the buffer to its segment with one positional write. Throws the I/O error, keeping the bytes. */
  #writeOut(): void {
    if (this.#bufferLength === 0) return;
    const start = this.#bufferStart;
    const length = this.#bufferLength;
    try {
      this.#hooks?.beforeWrite?.(start, length);
      this.#segments.write(start, this.#buffer.subarray(0, length));
      this.#stats.writes++;
    } catch (error) {
      this.#stats.writeErrors++;
      if (this.#writeFailure === undefined) {
        this.#logger.error(
          { err: error, offset: start, bytes: length },
          `commit log write failed; ${length} bytes stay buffered and new appends are refused until a retry succeeds: ${describeError(error)}`,
        );
      }
      this.#writeFailure = error;
      this.#settleWriteTurn('FLUSH_DISK_TIMEOUT');
      throw error;
    }
    if (this.#writeFailure !== undefined) {
      this.#logger.info({ offset: start }, 'commit log writes succeed again');
      this.#writeFailure = undefined;
    }
    this.#bufferStart = start + length;
    this.#bufferLength = 0;
    if (this.#buffer !== this.#defaultBuffer) this.#useBuffer(this.#defaultBuffer);
    this.#settleWriteTurn('PUT_OK');
  }

  #useBuffer(buffer: Buffer): void {
    this.#buffer = buffer;
    this.#bufferView = viewOf(buffer);
  }

  #scheduleWrite(): void {
    if (this.#writeScheduled) return;
    this.#writeScheduled = true;
    setImmediate(() => {
      this.#writeScheduled = false;
      try {
        this.#writeOut();
      } catch {
        // Logged by #writeOut; retried by the next append, flush or interval.
      }
    });
  }

  #settleWriteTurn(status: DurableStatus): void {
    const turn = this.#writeTurn;
    if (turn === undefined) return;
    this.#writeTurn = undefined;
    turn.resolve(status);
  }

  // ---- flushing --------------------------------------------------------------------------------------------------

  /** The group commit's sync: write out the buffer, fdatasync what changed since the last sync. */
  async #syncToDisk(): Promise<number> {
    this.#writeOut();
    const target = this.#bufferStart;
    const from = this.#flushedOffset;
    if (target <= from) return from;
    await this.#hooks?.beforeSync?.();
    const started = process.hrtime.bigint();
    await this.#segments.sync(from);
    this.#syncNanos += process.hrtime.bigint() - started;
    if (target > this.#flushedOffset) this.#flushedOffset = target;
    return target;
  }

  #periodicFlush(): void {
    if (this.#writePosition <= this.#flushedOffset && this.#bufferLength === 0) return;
    // Failures are logged by the group commit; the next interval retries.
    this.#groupCommit.flush(this.#writePosition).catch(() => undefined);
  }

  // ---- dispatch --------------------------------------------------------------------------------------------------

  /**
   * Follows the store host as it is now. The records take the host object as it is at each append, and a broker
   * listening on port 0 learns its port only after the store was built; the msgIds must name the same host as the
   * records (a client decodes one to find the other).
   */
  #refreshMsgIdPrefix(): void {
    const host = this.#storeHost;
    if (host.port !== this.#msgIdPrefix.port || host.address !== this.#msgIdPrefix.address) {
      this.#msgIdPrefix = msgIdPrefix(host);
    }
  }

  #dispatchOfAppend(
    message: MessageToStore,
    commitLogOffset: number,
    queueOffset: number,
    size: number,
    storeTimestamp: number,
    sysFlag: number,
  ): DispatchRequest {
    const properties = readDispatchProperties(message.properties, this.#scratch);
    return {
      topic: message.topic,
      queueId: message.queueId,
      queueOffset,
      commitLogOffset,
      size,
      tagsCode:
        message.tagsCode ?? this.#tagsCode(message.topic, properties.tags, properties.delay, storeTimestamp),
      storeTimestamp,
      sysFlag,
      preparedTransactionOffset: message.preparedTransactionOffset,
      keys: properties.keys,
      uniqKey: properties.uniqKey,
    };
  }

  #dispatchOfRecord(record: MessageRecord): DispatchRequest {
    const properties = record.properties;
    return {
      topic: record.topic,
      queueId: record.queueId,
      queueOffset: record.queueOffset,
      commitLogOffset: record.commitLogOffset,
      size: record.totalSize,
      tagsCode: this.#tagsCode(
        record.topic,
        properties.get(MessageConst.PROPERTY_TAGS),
        properties.get(MessageConst.PROPERTY_DELAY_TIME_LEVEL),
        record.storeTimestamp,
      ),
      storeTimestamp: record.storeTimestamp,
      sysFlag: record.sysFlag,
      preparedTransactionOffset: record.preparedTransactionOffset,
      keys: properties.get(MessageConst.PROPERTY_KEYS),
      uniqKey: properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX),
    };
  }

  /** CommitLog.checkMessageAndReturnSize's tag code, with this log's delay levels (tags-code.ts). */
  #tagsCode(
    topic: string,
    tags: string | undefined,
    delay: string | undefined,
    storeTimestamp: number,
  ): number {
    return tagsCodeOf(topic, tags, delay, storeTimestamp, this.#delayLevelMillis);
  }

  // ---- recovery helpers ------------------------------------------------------------------------------------------

  /**
   * Looks at the log after `from` (where valid data stopped): each segment from there on is read in 1 MiB chunks up
   * to its first chunk of only zeros. Returns the first valid record found after `from` (when asked to look for
   * one) and the end of the last non-zero byte seen.
   */
  #probeTail(from: number, findValid: boolean): { nextValid: number | undefined; dirtyEnd: number } {
    let dirtyEnd = from;
    const probe = Buffer.allocUnsafe(TAIL_PROBE_BYTES + 3);
    const checker = new LogReader(this.#segmentBytes, 64 * 1024);
    for (
      let segment = this.#segments.segmentFor(from);
      segment;
      segment = this.#segments.segmentFor(segment.endOffset)
    ) {
      const segmentFrom = Math.max(from, segment.startOffset);
      for (let chunkStart = segmentFrom; chunkStart < segment.endOffset; chunkStart += TAIL_PROBE_BYTES) {
        const length = Math.min(TAIL_PROBE_BYTES + 3, segment.endOffset - chunkStart);
        const n = segment.readInto(probe, 0, length, chunkStart - segment.startOffset);
        const chunk = probe.subarray(0, n);
        const lastNonZero = lastNonZeroIndex(chunk);
        if (lastNonZero < 0) break;
        dirtyEnd = Math.max(dirtyEnd, chunkStart + lastNonZero + 1);
        if (!findValid) continue;
        for (let i = chunk.indexOf(MAGIC_PREFIX); i >= 0; i = chunk.indexOf(MAGIC_PREFIX, i + 1)) {
          const fourth = chunk[i + 3];
          if (fourth !== 0xa7 && fourth !== 0xab) continue;
          const candidate = chunkStart + i - 4;
          if (candidate <= from || candidate < segment.startOffset) continue;
          if (checkRecordAt(checker, segment, candidate).kind === 'record')
            return { nextValid: candidate, dirtyEnd };
        }
      }
    }
    return { nextValid: undefined, dirtyEnd };
  }

  /**
   * Drops everything from `offset` on for good: later segments deleted, and every non-zero chunk of the rest of the
   * holding segment zeroed (not only up to the first zero chunk, as a torn-tail truncation does), so no record past
   * `offset` can ever be found again.
   */
  #truncateAll(offset: number): void {
    this.#segments.truncateFrom(offset);
    const holder = this.#segments.segmentFor(offset);
    if (!holder) return;
    const zeros = Buffer.alloc(TAIL_PROBE_BYTES);
    const probe = Buffer.allocUnsafe(TAIL_PROBE_BYTES);
    for (let position = offset; position < holder.endOffset; position += TAIL_PROBE_BYTES) {
      const length = Math.min(TAIL_PROBE_BYTES, holder.endOffset - position);
      const n = holder.readInto(probe, 0, length, position - holder.startOffset);
      if (lastNonZeroIndex(probe.subarray(0, n)) >= 0)
        holder.write(zeros.subarray(0, length), position - holder.startOffset);
    }
  }

  #corruptedError(
    offset: number,
    reason: string,
    nextValid: number,
    requested: number | undefined,
  ): CorruptedRecordError {
    const mismatch =
      requested === undefined
        ? ''
        : ` (truncateCorruptedAt is ${requested}, which is not where the corruption is)`;
    return new CorruptedRecordError(
      offset,
      `commit log record at offset ${offset} in ${this.#segments.dir} is corrupted (${reason}), but valid records follow (the next at offset ${nextValid}); refusing to start rather than serve or silently drop them${mismatch}. To drop everything from offset ${offset} on, start again with truncateCorruptedAt set to ${offset}`,
    );
  }

  /** Store timestamp of the last record of a (non-active) segment: the first record of the next one bounds it. */
  #lastStoreTimestampOf(segment: SegmentFile): number {
    const next = this.#segments.segmentFor(segment.endOffset);
    const header = next === undefined ? undefined : this.read(next.startOffset, BORN_HOST_POSITION + 20 + 8);
    if (header !== undefined && header.length >= BORN_HOST_POSITION + 20 + 8) {
      const magicCode = header.readInt32BE(4);
      if (magicCode === MESSAGE_MAGIC_CODE || magicCode === MESSAGE_MAGIC_CODE_V2) {
        const sysFlag = header.readInt32BE(SYSFLAG_POSITION);
        const bornHostBytes = (sysFlag & MessageSysFlag.BORNHOST_V6_FLAG) !== 0 ? 20 : 8;
        const storeTimestamp = readInt64(header, BORN_HOST_POSITION + bornHostBytes);
        if (storeTimestamp !== undefined) return storeTimestamp;
      }
    }
    // RocketMQ itself uses the file's modification time (MappedFile.getLastModifiedTimestamp).
    try {
      return fs.statSync(segment.path).mtimeMs;
    } catch {
      return this.#clock.now();
    }
  }

  // ---- state -----------------------------------------------------------------------------------------------------

  #resetPositions(position: number): void {
    this.#writePosition = position;
    this.#bufferStart = position;
    this.#bufferLength = 0;
    this.#flushedOffset = position;
    this.#activeSegment = undefined;
    this.#groupCommit.advanceTo(position);
  }

  #expectState(operation: string, ...allowed: CommitLogState[]): void {
    if (!allowed.includes(this.#state)) {
      throw new Error(`CommitLog.${operation}() is not allowed in state ${this.#state}`);
    }
  }
}

/**
 * Reads a log forward in large chunks, so recovery issues one pread per chunk, not one per record. A view is valid
 * until the next call.
 */
class LogReader {
  readonly #chunkBytes: number;
  #buffer: Buffer;
  #start = -1;
  #length = 0;

  constructor(segmentBytes: number, chunkBytes: number) {
    this.#chunkBytes = chunkBytes;
    this.#buffer = Buffer.allocUnsafe(Math.min(chunkBytes, segmentBytes));
  }

  get buffer(): Buffer {
    return this.#buffer;
  }

  /** Makes [offset, offset + length) of `segment` available in `buffer`; returns its index there, or -1. */
  ensure(segment: SegmentFile, offset: number, length: number): number {
    if (offset >= this.#start && offset + length <= this.#start + this.#length) return offset - this.#start;
    if (offset + length > segment.endOffset) return -1;
    const want = Math.max(length, Math.min(this.#chunkBytes, segment.endOffset - offset));
    if (want > this.#buffer.length) this.#buffer = Buffer.allocUnsafe(want);
    const n = segment.readInto(this.#buffer, 0, want, offset - segment.startOffset);
    this.#start = offset;
    this.#length = n;
    return n >= length ? 0 : -1;
  }
}

/** Validates what starts at `offset` of `segment` (see CommitLog.recover for the checks). */
function checkRecordAt(reader: LogReader, segment: SegmentFile, offset: number): RecordCheck {
  const remaining = segment.endOffset - offset;
  if (remaining < END_OF_SEGMENT_BLANK_MIN_BYTES) {
    return { kind: 'invalid', reason: `only ${remaining} bytes remain before the segment end` };
  }
  let at = reader.ensure(segment, offset, 8);
  if (at < 0) return { kind: 'invalid', reason: 'the header cannot be read' };
  const totalSize = reader.buffer.readInt32BE(at);
  const header = checkRecordHeader(totalSize, reader.buffer.readInt32BE(at + 4), remaining);
  if (header) return header;
  at = reader.ensure(segment, offset, totalSize);
  if (at < 0) return { kind: 'invalid', reason: 'the record cannot be read' };
  return checkRecordBytes(reader.buffer, at, offset);
}

const CHAR_T = 'T'.charCodeAt(0);
const CHAR_K = 'K'.charCodeAt(0);
const CHAR_U = 'U'.charCodeAt(0);
const CHAR_D = 'D'.charCodeAt(0);

/** The four dispatch properties, with decodeProperties' rules (a repeated name keeps its last value). */
function readDispatchProperties(properties: string, out: DispatchProperties): DispatchProperties {
  out.tags = undefined;
  out.keys = undefined;
  out.uniqKey = undefined;
  out.delay = undefined;
  const length = properties.length;
  let index = 0;
  while (index < length) {
    let end = properties.indexOf('\u0002', index);
    if (end < 0) end = length;
    if (end - index >= 3) {
      const separator = properties.indexOf('\u0001', index);
      if (separator > index && separator < end - 1) {
        const nameLength = separator - index;
        // The first character picks the one candidate name before a startsWith (WAIT, CLUSTER, ... match none).
        const first = properties.charCodeAt(index);
        if (
          first === CHAR_T &&
          nameLength === 4 &&
          properties.startsWith(MessageConst.PROPERTY_TAGS, index)
        ) {
          out.tags = properties.slice(separator + 1, end);
        } else if (
          first === CHAR_K &&
          nameLength === 4 &&
          properties.startsWith(MessageConst.PROPERTY_KEYS, index)
        ) {
          out.keys = properties.slice(separator + 1, end);
        } else if (
          first === CHAR_U &&
          nameLength === 8 &&
          properties.startsWith(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX, index)
        ) {
          out.uniqKey = properties.slice(separator + 1, end);
        } else if (
          first === CHAR_D &&
          nameLength === 5 &&
          properties.startsWith(MessageConst.PROPERTY_DELAY_TIME_LEVEL, index)
        ) {
          out.delay = properties.slice(separator + 1, end);
        }
      }
    }
    index = end + 1;
  }
  return out;
}

/** Transaction PREPARED and ROLLBACK records take no queue offset (DefaultMessageStore.assignOffset). */
function takesQueueOffset(sysFlag: number): boolean {
  const type = getTransactionValue(sysFlag);
  return type === MessageSysFlag.TRANSACTION_NOT_TYPE || type === MessageSysFlag.TRANSACTION_COMMIT_TYPE;
}

function isInt32(value: number): boolean {
  return Number.isInteger(value) && value >= -0x8000_0000 && value <= 0x7fff_ffff;
}

function isPort(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0xffff;
}

function failure(status: PutMessageStatus, remark: string): AppendFailure {
  return { ok: false, status, remark };
}

/** For callers that throw rather than answer a status (replication): the failure as a catalog error. */
function throwIfFailed(failed: AppendFailure | undefined): void {
  if (failed) throw new SkyrocketError('STORE_IO_ERROR', `commit log: ${failed.status}: ${failed.remark}`);
}

function describeIoError(error: unknown): string {
  return error instanceof SkyrocketError ? `${error.errorName}: ${error.message}` : describeError(error);
}

function readInt64(buffer: Buffer, position: number): number | undefined {
  const value = buffer.readInt32BE(position) * 0x1_0000_0000 + buffer.readUInt32BE(position + 4);
  return Number.isSafeInteger(value) ? value : undefined;
}

function lastNonZeroIndex(bytes: Buffer): number {
  for (let i = bytes.length - 1; i >= 0; i--) if (bytes[i] !== 0) return i;
  return -1;
}

function msgIdPrefix(host: HostAddress): { address: string; port: number; prefix: string } {
  return { address: host.address, port: host.port, prefix: createOffsetMessageId(host, 0).slice(0, -16) };
}

/**
 * A safe integer as 16 uppercase hex digits, the offset part of an offset msgId (createOffsetMessageId): one
 * String.fromCharCode of table lookups costs about half of toString(16).toUpperCase().padStart(16, '0').
 */
function hex16(value: number): string {
  const h = Math.floor(value / 0x1_0000_0000);
  const l = value >>> 0;
  const d = HEX_DIGITS;
  return String.fromCharCode(
    d[h >>> 28] as number,
    d[(h >>> 24) & 15] as number,
    d[(h >>> 20) & 15] as number,
    d[(h >>> 16) & 15] as number,
    d[(h >>> 12) & 15] as number,
    d[(h >>> 8) & 15] as number,
    d[(h >>> 4) & 15] as number,
    d[h & 15] as number,
    d[l >>> 28] as number,
    d[(l >>> 24) & 15] as number,
    d[(l >>> 20) & 15] as number,
    d[(l >>> 16) & 15] as number,
    d[(l >>> 12) & 15] as number,
    d[(l >>> 8) & 15] as number,
    d[(l >>> 4) & 15] as number,
    d[l & 15] as number,
  );
}
