import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  SkyrocketError,
  silentLogger,
  systemClock,
  type Clock,
  type Logger,
  type TimerHandle,
} from '@skyrocket/common';
import * as messageCodec from '@skyrocket/remoting/message';
import type { HostAddress } from '@skyrocket/remoting/message';
import { checkBatch } from '../batch-rules';
import { getMessageFromQueue, type QueueView } from '../get-message';
import {
  ABORT_FILE,
  CHECKPOINT_FILE,
  DEFAULT_CQ_ENTRIES_PER_SEGMENT,
  DEFAULT_COMMITLOG_SEGMENT_BYTES,
  DEFAULT_DISK_MAX_USED_RATIO,
  DEFAULT_FILE_RESERVED_HOURS,
  DEFAULT_FLUSH_INTERVAL_MS,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_SYNC_FLUSH_TIMEOUT_MS,
  LOCK_FILE,
} from '../layout';
import type {
  FlushDiskType,
  GetMessageOptions,
  GetMessageResult,
  MessageArrival,
  MessageStore,
  MessageToStore,
  PutMessageResult,
  PutMessageStatus,
  StoreStats,
} from '../message-store';
import { StoreCheckpoint, type Checkpoint } from './checkpoint';
import { CommitLog, type CommitLogTestHooks } from './commit-log';
import { ConsumeQueueStore } from './consume-queue-store';
import type { DispatchRequest } from './dispatch-request';
import { IndexService } from './index-service';
import { ioError } from './segment-file';

// Bound once: TypeScript's CommonJS output reads a re-exported (`export *`) name through a getter at every use.
const { decodeRecord, getTransactionValue, MessageConst, MessageSysFlag } = messageCodec;

export interface FileMessageStoreOptions {
  /** Store root (layout.ts describes what lives under it). */
  rootDir: string;
  /** This broker's address: written into every record and offset msgId. */
  storeHost: HostAddress;
  flushDiskType?: FlushDiskType;
  commitLogSegmentBytes?: number;
  consumeQueueEntriesPerSegment?: number;
  indexHashSlots?: number;
  indexMaxEntries?: number;
  flushIntervalMs?: number;
  syncFlushTimeoutMs?: number;
  maxMessageBytes?: number;
  /** Delay of each level in ms (level 1 first): the ConsumeQueue tag code of SCHEDULE_TOPIC_XXXX is the due time. */
  delayLevelMillis?: readonly number[];
  /** Commit-log segments whose last message is older than this are deleted (MessageStoreConfig.fileReservedTime). */
  fileReservedHours?: number;
  /** Past this fraction of the disk used, the oldest segments are deleted whatever their age. */
  diskMaxUsedRatio?: number;
  retentionIntervalMs?: number;
  checkpointIntervalMs?: number;
  /**
   * Accepts losing every record from this commit-log offset on, when recovery finds a corrupted record exactly
   * there: the offset a STORE_CORRUPTED start-up error names. Without it the store refuses to start.
   */
  truncateCorruptedAt?: number;
  clock?: Clock;
  logger?: Logger;
  /** Test hook: fault injection into the commit log's file operations. */
  commitLogTestHooks?: CommitLogTestHooks;
}

/** A refused put is logged at most once per status in this interval (see #refuse). */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

type Lifecycle = 'CREATED' | 'RUNNING' | 'SHUTTING_DOWN' | 'SHUT_DOWN';

/**
 * The file-backed MessageStore (RocketMQ DefaultMessageStore): a CommitLog of every record, a ConsumeQueue per
 * topic and queue, an index by key and UNIQ_KEY, a checkpoint of what is durable, and an abort marker that tells a
 * crash from a clean shutdown. Appends are dispatched to the consume queues and the index in the same turn, so a
 * message is pullable as soon as its put resolves, and long-polling pulls are woken through onMessageArrival.
 *
 * Recovery: from the lowest offset the checkpoint proves durable for all three (or the log start without one),
 * the CommitLog validates every record and re-dispatches it; consume-queue entries are placed by queue offset and
 * index keys below the index's end are skipped, so re-dispatch is idempotent. A torn tail is truncated; a
 * corrupted record followed by valid ones stops the start with its offset (see truncateCorruptedAt).
 *
 * Replication: a master serves getCommitLogData from the CommitLog's bytes; a slave's appendToCommitLog writes the
 * master's bytes through the CommitLog (same offsets, same segment files) and dispatches the records at once, as
 * RocketMQ's ReputMessageService does on a slave a moment later. A slave that started at a master's last segment
 * has ConsumeQueues that start at queue offsets above 0: ConsumeQueue pre-blanks their head (fillPreBlank), and
 * its recovery keeps the first real entry as the min offset.
 */
export class FileMessageStore implements MessageStore {
  readonly #options: FileMessageStoreOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  /** When each refusal status was last logged, and how many of it were not logged since (see #refuse). */
  readonly #refusalLog = new Map<PutMessageStatus, { at: number; suppressed: number }>();
  readonly #commitLog: CommitLog;
  readonly #consumeQueues: ConsumeQueueStore;
  readonly #index: IndexService;
  readonly #checkpoint: StoreCheckpoint;
  readonly #listeners = new Set<(arrival: MessageArrival) => void>();
  #state: Lifecycle = 'CREATED';
  /** End of the last record dispatched to the consume queues and the index. */
  #dispatchedOffset = 0;
  /** Records below it are gone (retention by offset cuts inside a segment; whole segments go later). */
  #minPhyOffsetWatermark = 0;
  #lastStoreTimestamp = 0;
  #timers: TimerHandle[] = [];
  #checkpointRunning: Promise<void> | undefined;
  #putMessages = 0;
  #putBytes = 0;
  readonly #nextQueueOffset = (topic: string, queueId: number): number =>
    this.#consumeQueues.maxOffset(topic, queueId);

  constructor(options: FileMessageStoreOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger();
    this.#commitLog = new CommitLog({
      dir: options.rootDir,
      segmentBytes: options.commitLogSegmentBytes ?? DEFAULT_COMMITLOG_SEGMENT_BYTES,
      flushDiskType: options.flushDiskType ?? 'ASYNC_FLUSH',
      flushIntervalMs: options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS,
      syncFlushTimeoutMs: options.syncFlushTimeoutMs ?? DEFAULT_SYNC_FLUSH_TIMEOUT_MS,
      maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      storeHost: options.storeHost,
      ...(options.delayLevelMillis ? { delayLevelMillis: options.delayLevelMillis } : {}),
      clock: this.#clock,
      logger: this.#logger,
      ...(options.commitLogTestHooks ? { testHooks: options.commitLogTestHooks } : {}),
    });
    this.#consumeQueues = new ConsumeQueueStore({
      dir: options.rootDir,
      entriesPerSegment: options.consumeQueueEntriesPerSegment ?? DEFAULT_CQ_ENTRIES_PER_SEGMENT,
    });
    this.#index = new IndexService({
      dir: options.rootDir,
      clock: this.#clock,
      ...(options.indexHashSlots ? { hashSlots: options.indexHashSlots } : {}),
      ...(options.indexMaxEntries ? { maxEntries: options.indexMaxEntries } : {}),
    });
    this.#checkpoint = new StoreCheckpoint(path.join(options.rootDir, CHECKPOINT_FILE), this.#logger);
  }

  async start(): Promise<void> {
    if (this.#state !== 'CREATED') throw new SkyrocketError('CLIENT_STATE', `the store is ${this.#state}`);
    const root = this.#options.rootDir;
    try {
      fs.mkdirSync(root, { recursive: true });
    } catch (error) {
      throw ioError(`create ${root}`, error);
    }
    this.#lock();
    const crashed = fs.existsSync(path.join(root, ABORT_FILE));
    const checkpoint = this.#checkpoint.read();
    this.#commitLog.load();
    this.#consumeQueues.load();
    this.#consumeQueues.recover();
    this.#index.load();

    const fromOffset = Math.max(this.#commitLog.minOffset, this.#recoveryStart(checkpoint));
    const started = Date.now();
    const recovered = this.#commitLog.recover({
      fromOffset,
      onRecord: (request) => this.#dispatch(request, false),
      ...(this.#options.truncateCorruptedAt !== undefined
        ? { truncateCorruptedAt: this.#options.truncateCorruptedAt }
        : {}),
    });
    this.#consumeQueues.truncateByCommitLogOffset(recovered.maxOffset);
    // ConsumeQueue.correctMinOffset: entries pointing at commit-log bytes already deleted do not count.
    this.#consumeQueues.deleteExpired(this.#commitLog.minOffset);
    this.#index.recover(recovered.maxOffset);
    this.#dispatchedOffset = recovered.maxOffset;
    this.#lastStoreTimestamp = Math.max(this.#lastStoreTimestamp, checkpoint?.lastStoreTimestamp ?? 0);
    this.#logger.info(
      {
        crashed,
        fromOffset,
        maxOffset: recovered.maxOffset,
        truncatedBytes: recovered.truncatedBytes,
        ms: Date.now() - started,
      },
      crashed ? 'store recovered after a crash' : 'store opened after a clean shutdown',
    );

    this.#writeMarker(ABORT_FILE, String(process.pid));
    this.#commitLog.start();
    const checkpointMs = this.#options.checkpointIntervalMs ?? 1000;
    const retentionMs = this.#options.retentionIntervalMs ?? 10_000;
    this.#timers.push(this.#clock.setInterval(() => void this.#saveCheckpoint(), checkpointMs).unref());
    this.#timers.push(this.#clock.setInterval(() => this.#runRetention(), retentionMs).unref());
    this.#state = 'RUNNING';
  }

  async shutdown(): Promise<void> {
    if (this.#state !== 'RUNNING') {
      this.#state = 'SHUT_DOWN';
      return;
    }
    this.#state = 'SHUTTING_DOWN';
    for (const timer of this.#timers.splice(0)) this.#clock.clearTimer(timer);
    await this.#checkpointRunning;
    await this.#commitLog.shutdown();
    await Promise.all([this.#consumeQueues.flush(), this.#index.flush()]);
    this.#checkpoint.writeSync(this.#currentCheckpoint(this.#commitLog.flushedOffset));
    this.#consumeQueues.close();
    this.#index.close();
    fs.rmSync(path.join(this.#options.rootDir, ABORT_FILE), { force: true });
    fs.rmSync(path.join(this.#options.rootDir, LOCK_FILE), { force: true });
    this.#state = 'SHUT_DOWN';
  }

  putMessage(message: MessageToStore): Promise<PutMessageResult> {
    return this.putMessages([message]);
  }

  /**
   * Not an async function: one `then` per put costs less than an async function's suspended frame and await
   * closures (~40 ns per put, measured in isolation). Errors still reject the returned promise, as from an async
   * function.
   */
  putMessages(messages: MessageToStore[]): Promise<PutMessageResult> {
    try {
      if (this.#state !== 'RUNNING') {
        return this.#refuse('SERVICE_NOT_AVAILABLE', `the store is ${this.#state}`, messages);
      }
      const refusal = checkBatch(messages);
      if (refusal) return this.#refuse('MESSAGE_ILLEGAL', refusal, messages);
      const outcome = this.#commitLog.append(messages, this.#nextQueueOffset);
      if (!outcome.ok) return this.#refuse(outcome.status, outcome.remark, messages);
      for (const request of outcome.dispatch) this.#dispatch(request, true);
      const append = outcome.append;
      this.#putMessages += append.messageCount;
      this.#putBytes += append.wroteBytes;
      return this.#commitLog
        .waitDurable(append.wroteOffset + append.wroteBytes)
        .then((durable): PutMessageResult =>
          durable === 'PUT_OK'
            ? { status: 'PUT_OK', append }
            : { status: durable, append, remark: 'the message is stored but not yet flushed to disk' },
        );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async getMessage(
    topic: string,
    queueId: number,
    offset: number,
    options: GetMessageOptions,
  ): Promise<GetMessageResult> {
    const queue = this.#consumeQueues.get(topic, queueId);
    const view: QueueView | undefined = queue && {
      minOffset: queue.minOffset,
      maxOffset: queue.maxOffset,
      entries: (from, maxCount) => queue.getEntries(from, maxCount),
    };
    return getMessageFromQueue(view, offset, options, (commitLogOffset, size) =>
      this.#readRecord(commitLogOffset, size),
    );
  }

  getMaxOffsetInQueue(topic: string, queueId: number): number {
    return this.#consumeQueues.maxOffset(topic, queueId);
  }

  getMinOffsetInQueue(topic: string, queueId: number): number {
    return this.#consumeQueues.minOffset(topic, queueId);
  }

  async getOffsetInQueueByTime(topic: string, queueId: number, timestamp: number): Promise<number> {
    const queue = this.#consumeQueues.get(topic, queueId);
    if (!queue) return 0;
    return queue.searchOffsetByTime(timestamp, (commitLogOffset, size) =>
      this.#storeTimestampAt(commitLogOffset, size),
    );
  }

  async getEarliestMessageTime(topic: string, queueId: number): Promise<number> {
    const queue = this.#consumeQueues.get(topic, queueId);
    if (!queue) return -1;
    for (const entry of queue.getEntries(queue.minOffset, 32)) {
      const timestamp = this.#storeTimestampAt(entry.commitLogOffset, entry.size);
      if (timestamp !== undefined) return timestamp;
    }
    return -1;
  }

  async lookMessageByOffset(commitLogOffset: number): Promise<Buffer | undefined> {
    if (commitLogOffset < this.getMinPhyOffset()) return undefined;
    return this.#commitLog.readRecord(commitLogOffset);
  }

  async queryMessage(
    topic: string,
    key: string,
    maxMessages: number,
    beginTimestamp: number,
    endTimestamp: number,
  ): Promise<Buffer[]> {
    const found: Buffer[] = [];
    // Over-fetch: hash collisions and removed records are filtered out below.
    for (const offset of this.#index.query(topic, key, maxMessages * 2 + 8, beginTimestamp, endTimestamp)) {
      if (found.length >= maxMessages) break;
      const record = await this.lookMessageByOffset(offset);
      if (!record) continue;
      const decoded = decodeRecord(record);
      if (
        decoded.topic !== topic ||
        decoded.storeTimestamp < beginTimestamp ||
        decoded.storeTimestamp > endTimestamp
      ) {
        continue;
      }
      const keys =
        decoded.properties.get(MessageConst.PROPERTY_KEYS)?.split(MessageConst.KEY_SEPARATOR) ?? [];
      const uniqKey = decoded.properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX);
      if (keys.includes(key) || uniqKey === key) found.push(record);
    }
    return found;
  }

  getMinPhyOffset(): number {
    return Math.max(this.#commitLog.minOffset, this.#minPhyOffsetWatermark);
  }

  getMaxPhyOffset(): number {
    return this.#commitLog.maxOffset;
  }

  getQueueIds(topic: string): number[] {
    return this.#consumeQueues.queueIds(topic);
  }

  async deleteTopics(topics: string[]): Promise<void> {
    for (const topic of topics) this.#consumeQueues.deleteTopic(topic);
  }

  async deleteMessagesBefore(commitLogOffset: number): Promise<void> {
    this.#minPhyOffsetWatermark = Math.max(
      this.#minPhyOffsetWatermark,
      Math.min(commitLogOffset, this.getMaxPhyOffset()),
    );
    this.#commitLog.deleteExpiredSegments((segment) => segment.endOffset <= this.#minPhyOffsetWatermark);
    this.#afterCommitLogRetention();
  }

  getCommitLogData(offset: number, maxBytes: number): Buffer | undefined {
    if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
      throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
    }
    // DefaultMessageStore.getCommitLogData answers null once the store is shut down.
    if (this.#state !== 'RUNNING' || !Number.isSafeInteger(offset) || offset < this.getMinPhyOffset()) {
      return undefined;
    }
    // CommitLog.read stops at the max offset and the segment end; the padding after a blank reads as the zeros of
    // the preallocated (sparse) file, or as the master's bytes a slave wrote there.
    return this.#commitLog.read(offset, maxBytes);
  }

  appendToCommitLog(startOffset: number, data: Uint8Array): void {
    if (this.#state !== 'RUNNING') {
      throw new SkyrocketError('CLIENT_STATE', `the store is ${this.#state}: replicated data refused`);
    }
    for (const request of this.#commitLog.appendReplicated(startOffset, data)) {
      this.#dispatch(request, true);
      // A slave counts what it replicates as puts (ReputMessageService on a SLAVE: getSinglePutMessageTopic*).
      this.#putMessages++;
      this.#putBytes += request.size;
    }
  }

  onMessageArrival(listener: (arrival: MessageArrival) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  stats(): StoreStats {
    const commitLog = this.#commitLog.stats;
    return {
      commitLogMinOffset: this.getMinPhyOffset(),
      commitLogMaxOffset: this.getMaxPhyOffset(),
      commitLogFlushedOffset: this.#commitLog.flushedOffset,
      diskBytes: this.#commitLog.diskBytes() + this.#consumeQueues.diskBytes() + this.#index.diskBytes(),
      putMessages: this.#putMessages,
      putBytes: this.#putBytes,
      flushes: commitLog.syncs,
      flushSeconds: commitLog.syncSeconds,
      writeErrors: commitLog.writeErrors,
      flushErrors: commitLog.syncErrors,
    };
  }

  // ---- internals -------------------------------------------------------------------------------------------------

  /**
   * Answers a put that stores nothing, and logs it: at most one line per status every REFUSAL_LOG_INTERVAL_MS, with
   * how many more were refused in between, so a client that keeps sending bad messages cannot flood the log. (The
   * broker counts every refusal by status in skyrocket_broker_send_total.)
   */
  #refuse(status: PutMessageStatus, remark: string, messages: MessageToStore[]): Promise<PutMessageResult> {
    const now = this.#clock.now();
    const last = this.#refusalLog.get(status);
    if (last !== undefined && now - last.at < REFUSAL_LOG_INTERVAL_MS) {
      last.suppressed++;
    } else {
      this.#logger.warn(
        { status, topic: messages[0]?.topic, messages: messages.length, suppressed: last?.suppressed ?? 0 },
        `put refused, nothing stored: ${status}: ${remark}`,
      );
      this.#refusalLog.set(status, { at: now, suppressed: 0 });
    }
    return Promise.resolve({ status, remark });
  }

  #dispatch(request: DispatchRequest, live: boolean): void {
    this.#consumeQueues.dispatch(request);
    this.#index.dispatch(request);
    this.#dispatchedOffset = request.commitLogOffset + request.size;
    this.#lastStoreTimestamp = Math.max(this.#lastStoreTimestamp, request.storeTimestamp);
    if (!live || this.#listeners.size === 0) return;
    const transaction = getTransactionValue(request.sysFlag);
    if (
      transaction === MessageSysFlag.TRANSACTION_PREPARED_TYPE ||
      transaction === MessageSysFlag.TRANSACTION_ROLLBACK_TYPE
    ) {
      return;
    }
    const arrival: MessageArrival = {
      topic: request.topic,
      queueId: request.queueId,
      queueOffset: request.queueOffset,
      tagsCode: request.tagsCode,
      storeTimestamp: request.storeTimestamp,
    };
    for (const listener of this.#listeners) {
      try {
        listener(arrival);
      } catch (error) {
        this.#logger.error({ err: error }, 'message arrival listener failed');
      }
    }
  }

  #readRecord(commitLogOffset: number, size: number): Buffer | undefined {
    if (commitLogOffset < this.getMinPhyOffset()) return undefined;
    const bytes = this.#commitLog.read(commitLogOffset, size);
    return bytes && bytes.length === size ? bytes : undefined;
  }

  /** The store timestamp of the record at an offset, read from its header without decoding the rest. */
  #storeTimestampAt(commitLogOffset: number, size: number): number | undefined {
    if (commitLogOffset < this.getMinPhyOffset()) return undefined;
    const header = this.#commitLog.read(commitLogOffset, Math.min(size, 80));
    if (!header || header.length < 80) return undefined;
    const sysFlag = header.readInt32BE(36);
    const bornHostBytes = (sysFlag & MessageSysFlag.BORNHOST_V6_FLAG) !== 0 ? 20 : 8;
    return Number(header.readBigInt64BE(48 + bornHostBytes));
  }

  /**
   * Lowest offset that every part of the store proves it has durably processed: the checkpoint's three offsets,
   * and the consume queues' own end (lower if their files were lost). Without a checkpoint: the log start.
   */
  #recoveryStart(checkpoint: Checkpoint | undefined): number {
    if (!checkpoint) return this.#commitLog.minOffset;
    const queuesEnd = this.#consumeQueues.maxPhysicalOffset();
    return Math.min(
      checkpoint.commitLogFlushedOffset,
      checkpoint.consumeQueueFlushedOffset,
      checkpoint.indexFlushedOffset,
      queuesEnd >= 0 ? queuesEnd : this.#commitLog.minOffset,
    );
  }

  #currentCheckpoint(commitLogFlushedOffset: number, dispatched = this.#dispatchedOffset): Checkpoint {
    return {
      commitLogFlushedOffset,
      consumeQueueFlushedOffset: Math.min(dispatched, commitLogFlushedOffset),
      indexFlushedOffset: Math.min(dispatched, commitLogFlushedOffset),
      lastStoreTimestamp: this.#lastStoreTimestamp,
    };
  }

  #saveCheckpoint(): Promise<void> {
    if (this.#checkpointRunning || this.#state !== 'RUNNING')
      return this.#checkpointRunning ?? Promise.resolve();
    const run = (async () => {
      try {
        // What was dispatched before the flushes start is durable once they finish.
        const dispatched = this.#dispatchedOffset;
        await Promise.all([this.#consumeQueues.flush(), this.#index.flush()]);
        await this.#checkpoint.write(this.#currentCheckpoint(this.#commitLog.flushedOffset, dispatched));
      } catch (error) {
        this.#logger.error({ err: error }, 'checkpoint failed; recovery will start from the previous one');
      } finally {
        this.#checkpointRunning = undefined;
      }
    })();
    this.#checkpointRunning = run;
    return run;
  }

  /** Time- and disk-based retention (RocketMQ CleanCommitLogService), then the queues and index follow. */
  #runRetention(): void {
    if (this.#state !== 'RUNNING') return;
    const reservedMs = (this.#options.fileReservedHours ?? DEFAULT_FILE_RESERVED_HOURS) * 3600_000;
    const now = this.#clock.now();
    let diskFull = this.#diskUsedRatio() > (this.#options.diskMaxUsedRatio ?? DEFAULT_DISK_MAX_USED_RATIO);
    const deleted = this.#commitLog.deleteExpiredSegments((_segment, lastStoreTimestamp) => {
      if (diskFull) {
        // One segment per round when the disk is full, so retention never empties the log in one go.
        diskFull = false;
        return true;
      }
      return lastStoreTimestamp > 0 && now - lastStoreTimestamp > reservedMs;
    });
    if (deleted > 0) this.#afterCommitLogRetention();
  }

  #afterCommitLogRetention(): void {
    const min = this.getMinPhyOffset();
    this.#consumeQueues.deleteExpired(min);
    this.#index.deleteFilesBefore(min);
  }

  #diskUsedRatio(): number {
    try {
      const stats = fs.statfsSync(this.#options.rootDir);
      return stats.blocks > 0 ? 1 - stats.bavail / stats.blocks : 0;
    } catch {
      return 0;
    }
  }

  /** One store per directory: a lock file with the owner's pid; a dead owner's lock is taken over. */
  #lock(): void {
    const lockPath = path.join(this.#options.rootDir, LOCK_FILE);
    let owner: number | undefined;
    try {
      owner = Number(fs.readFileSync(lockPath, 'utf8').trim());
    } catch {
      owner = undefined;
    }
    if (owner && owner !== process.pid && isAlive(owner)) {
      throw new SkyrocketError(
        'STORE_LOCKED',
        `store ${this.#options.rootDir} is in use by process ${owner}`,
      );
    }
    this.#writeMarker(LOCK_FILE, String(process.pid));
  }

  #writeMarker(name: string, content: string): void {
    const file = path.join(this.#options.rootDir, name);
    try {
      const fd = fs.openSync(file, 'w');
      try {
        fs.writeSync(fd, content);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    } catch (error) {
      throw ioError(`write ${file}`, error);
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
