/**
 * A MessageStore held in memory, for tests and development. It keeps the same structures as the file store, as
 * plain arrays: a commit log of encoded wire records (so a pull answers with exactly the bytes the file store would
 * have), a consume queue per topic and queue (commit-log offset, size, tag code), and an index of `topic#key` and
 * `topic#UNIQ_KEY` to commit-log offsets. Every behaviour is the contract's (testing/message-store.contract.ts);
 * nothing survives shutdown.
 *
 * Appends are synchronous inside putMessage, so once a put resolves its message is visible to every read and the
 * arrival listeners have run.
 *
 * Replication. There are no segment files: getCommitLogData answers the records back to back, and appendToCommitLog
 * takes them (or a file store's) with the same checks as the file store, against a notional segment size
 * (commitLogSegmentBytes): a replicated end-of-segment blank is kept, padding and all, so this store serves the
 * bytes it was given at the offsets it was given them. Its own appends never write blanks, so a memory master past
 * its first segment is something only a memory slave with a larger segment size would follow (tests never get
 * near 1 GiB).
 */
import { SkyrocketError, silentLogger, systemClock, type Clock, type Logger } from '@skyrocket/common';
import {
  createOffsetMessageId,
  decodeProperties,
  decodeRecord,
  encodeRecord,
  getTransactionValue,
  MAX_PROPERTIES_LENGTH,
  MessageConst,
  MessageSysFlag,
  recordLength,
  type HostAddress,
  type MessageRecordInit,
} from '@skyrocket/remoting/message';

import { DEFAULT_COMMITLOG_SEGMENT_BYTES, DEFAULT_MAX_MESSAGE_BYTES } from '../layout';
import { checkBatch } from '../batch-rules';
import { getMessageFromQueue, type QueueView } from '../get-message';
import type {
  AppendResult,
  GetMessageOptions,
  GetMessageResult,
  MessageArrival,
  MessageStore,
  MessageToStore,
  PutMessageResult,
  PutMessageStatus,
  StoreStats,
} from '../message-store';
import { checkReplicationStart, parseReplicatedData } from '../replication';
import { DEFAULT_DELAY_LEVEL_MILLIS, tagsCodeOf } from '../tags-code';

export interface MemoryMessageStoreOptions {
  /** The broker address written as STOREHOSTADDRESS and into offset msgIds. */
  storeHost: HostAddress;
  /** Source of store timestamps. Default: the system clock. */
  clock?: Clock;
  /** The largest record accepted (MessageStoreConfig.maxMessageSize); larger ones get MESSAGE_ILLEGAL. */
  maxMessageBytes?: number;
  /** Where failures of arrival listeners are reported. Default: silent. */
  logger?: Logger;
  /**
   * Delay of each level in ms (level 1 first): the tag code of a SCHEDULE_TOPIC_XXXX message with a DELAY level is
   * its due time, as in the file store. Default: RocketMQ's 18 levels.
   */
  delayLevelMillis?: readonly number[];
  /**
   * The commit-log segment size of the master this store replicates from (appendToCommitLog): where its blanks end
   * and where a store holding nothing may start. Default: 1 GiB (MessageStoreConfig.mappedFileSizeCommitLog).
   */
  commitLogSegmentBytes?: number;
}

type Lifecycle = 'CREATED' | 'RUNNING' | 'SHUTDOWN';

/** One record of the commit log, or an end-of-segment blank with its padding that a replication brought in. */
interface StoredRecord {
  commitLogOffset: number;
  storeTimestamp: number;
  bytes: Buffer;
  blank?: true;
}

/** One consume-queue entry (20 bytes on disk); the store timestamp is kept for getOffsetInQueueByTime. */
interface QueueEntry {
  commitLogOffset: number;
  size: number;
  tagsCode: number;
  storeTimestamp: number;
}

/** A consume queue: entries[i] has queue offset minOffset + i. */
class ConsumeQueue {
  minOffset = 0;
  readonly entries: QueueEntry[] = [];

  get maxOffset(): number {
    return this.minOffset + this.entries.length;
  }

  entryAt(queueOffset: number): QueueEntry | undefined {
    return this.entries[queueOffset - this.minOffset];
  }

  /**
   * A replicated entry at the queue offset its record carries (ConsumeQueue.putMessagePositionInfo). The first
   * entry of an empty queue sets the min offset (fillPreBlank: a slave that started at the master's last segment);
   * one below the max replaces the entry there, as the file store's re-dispatch does. The array holds no blanks,
   * so an entry past the end of a non-empty queue, which a consistent master never sends, restarts the queue there
   * (the file store blank-fills the gap instead); it answers true then, for the caller to log.
   */
  put(queueOffset: number, entry: QueueEntry): boolean {
    if (queueOffset < this.maxOffset) {
      if (queueOffset >= this.minOffset) this.entries[queueOffset - this.minOffset] = entry;
      return false;
    }
    const gap = queueOffset > this.maxOffset && this.entries.length > 0;
    if (queueOffset > this.maxOffset) {
      this.entries.length = 0;
      this.minOffset = queueOffset;
    }
    this.entries.push(entry);
    return gap;
  }

  /** Drops the entries whose record is gone (ConsumeQueue.correctMinOffset). */
  dropBefore(minCommitLogOffset: number): void {
    let count = 0;
    while (count < this.entries.length && (this.entries[count]?.commitLogOffset ?? 0) < minCommitLogOffset) {
      count++;
    }
    this.entries.splice(0, count);
    this.minOffset += count;
  }
}

/** A message checked and ready to append; offsets and store timestamp are filled in by #append. */
interface PreparedMessage {
  message: MessageToStore;
  size: number;
  /** Decoded once: TAGS and DELAY give the tag code once the store timestamp is known. */
  properties: Map<string, string>;
  /** Prepared and rollback transaction messages get no consume-queue entry (CommitLog.doAppend). */
  queued: boolean;
  /** KEYS and UNIQ_KEY, as `topic#key`; rollback messages are not indexed (IndexService.buildIndex). */
  indexKeys: string[];
}

export class MemoryMessageStore implements MessageStore {
  readonly #storeHost: HostAddress;
  readonly #clock: Clock;
  readonly #maxMessageBytes: number;
  readonly #logger: Logger;
  readonly #delayLevelMillis: readonly number[];
  readonly #segmentBytes: number;
  #state: Lifecycle = 'CREATED';

  /** The commit log in offset order; records below the retention point have been removed. */
  #commitLog: StoredRecord[] = [];
  #maxPhyOffset = 0;
  readonly #queues = new Map<string, Map<number, ConsumeQueue>>();
  /** `topic#key` → commit-log offsets in ascending order. */
  readonly #index = new Map<string, number[]>();
  readonly #listeners = new Set<(arrival: MessageArrival) => void>();
  #putMessages = 0;
  #putBytes = 0;

  constructor(options: MemoryMessageStoreOptions) {
    this.#storeHost = options.storeHost;
    this.#clock = options.clock ?? systemClock;
    this.#maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.#logger = options.logger ?? silentLogger();
    this.#delayLevelMillis = options.delayLevelMillis ?? DEFAULT_DELAY_LEVEL_MILLIS;
    this.#segmentBytes = options.commitLogSegmentBytes ?? DEFAULT_COMMITLOG_SEGMENT_BYTES;
    if (!Number.isSafeInteger(this.#segmentBytes) || this.#segmentBytes < 4096) {
      throw new RangeError(
        `commitLogSegmentBytes must be an integer of at least 4096, got ${this.#segmentBytes}`,
      );
    }
  }

  start(): Promise<void> {
    if (this.#state !== 'CREATED') {
      return Promise.reject(
        new SkyrocketError('CLIENT_STATE', `the memory store cannot start: it is ${this.#state}`),
      );
    }
    this.#state = 'RUNNING';
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.#state = 'SHUTDOWN';
    return Promise.resolve();
  }

  putMessage(message: MessageToStore): Promise<PutMessageResult> {
    return this.putMessages([message]);
  }

  putMessages(messages: MessageToStore[]): Promise<PutMessageResult> {
    return Promise.resolve(this.#put(messages));
  }

  getMessage(
    topic: string,
    queueId: number,
    offset: number,
    options: GetMessageOptions,
  ): Promise<GetMessageResult> {
    return Promise.resolve(this.#getMessage(topic, queueId, offset, options));
  }

  getMaxOffsetInQueue(topic: string, queueId: number): number {
    return this.#queue(topic, queueId)?.maxOffset ?? 0;
  }

  getMinOffsetInQueue(topic: string, queueId: number): number {
    return this.#queue(topic, queueId)?.minOffset ?? 0;
  }

  /** ConsumeQueue.getOffsetInQueueByTime with BoundaryType.LOWER; 0 for an unknown queue, as RocketMQ. */
  getOffsetInQueueByTime(topic: string, queueId: number, timestamp: number): Promise<number> {
    const queue = this.#queue(topic, queueId);
    if (!queue) return Promise.resolve(0);
    let low = 0;
    let high = queue.entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((queue.entries[mid]?.storeTimestamp ?? 0) < timestamp) low = mid + 1;
      else high = mid;
    }
    return Promise.resolve(queue.minOffset + low);
  }

  getEarliestMessageTime(topic: string, queueId: number): Promise<number> {
    return Promise.resolve(this.#queue(topic, queueId)?.entries[0]?.storeTimestamp ?? -1);
  }

  lookMessageByOffset(commitLogOffset: number): Promise<Buffer | undefined> {
    const record = this.#recordAt(commitLogOffset);
    return Promise.resolve(record && Buffer.from(record.bytes));
  }

  /**
   * DefaultMessageStore.queryMessage over an exact index: the newest matches first. The key is checked on the
   * record itself, as clients do after RocketMQ's hash-based index lookup.
   */
  queryMessage(
    topic: string,
    key: string,
    maxMessages: number,
    beginTimestamp: number,
    endTimestamp: number,
  ): Promise<Buffer[]> {
    const found: Buffer[] = [];
    const offsets = this.#index.get(indexKey(topic, key)) ?? [];
    for (let i = offsets.length - 1; i >= 0 && found.length < maxMessages; i--) {
      const record = this.#recordAt(offsets[i] ?? -1);
      if (!record || record.storeTimestamp < beginTimestamp || record.storeTimestamp > endTimestamp) continue;
      if (recordHasKey(record.bytes, topic, key)) found.push(Buffer.from(record.bytes));
    }
    return Promise.resolve(found);
  }

  getMinPhyOffset(): number {
    return this.#commitLog[0]?.commitLogOffset ?? this.#maxPhyOffset;
  }

  getMaxPhyOffset(): number {
    return this.#maxPhyOffset;
  }

  getQueueIds(topic: string): number[] {
    return [...(this.#queues.get(topic)?.keys() ?? [])].sort((a, b) => a - b);
  }

  /**
   * DefaultMessageStore.deleteTopics: the consume queues go, so the next message of the topic starts again at queue
   * offset 0; the records stay in the commit log (and its index) until retention removes them.
   */
  deleteTopics(topics: string[]): Promise<void> {
    for (const topic of topics) this.#queues.delete(topic);
    return Promise.resolve();
  }

  onMessageArrival(listener: (arrival: MessageArrival) => void): () => void {
    // A fresh wrapper per call, so registering one function twice gives two independent subscriptions.
    const registered = (arrival: MessageArrival): void => listener(arrival);
    this.#listeners.add(registered);
    return () => {
      this.#listeners.delete(registered);
    };
  }

  stats(): StoreStats {
    return {
      commitLogMinOffset: this.getMinPhyOffset(),
      commitLogMaxOffset: this.#maxPhyOffset,
      // Nothing is ever on disk, and everything appended is as durable as it will ever be.
      commitLogFlushedOffset: this.#maxPhyOffset,
      diskBytes: 0,
      putMessages: this.#putMessages,
      putBytes: this.#putBytes,
      flushes: 0,
      flushSeconds: 0,
      writeErrors: 0,
      flushErrors: 0,
    };
  }

  /**
   * The stored bytes from `offset` on: records (and replicated blanks) back to back, cut at maxBytes and at the end
   * of the notional segment holding `offset`, like the file store.
   */
  getCommitLogData(offset: number, maxBytes: number): Buffer | undefined {
    if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
      throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
    }
    if (this.#state !== 'RUNNING' || !Number.isSafeInteger(offset)) return undefined;
    if (offset < this.getMinPhyOffset() || offset >= this.#maxPhyOffset) return undefined;
    const segmentEnd = offset - (offset % this.#segmentBytes) + this.#segmentBytes;
    const end = Math.min(offset + maxBytes, this.#maxPhyOffset, segmentEnd);
    const parts: Buffer[] = [];
    for (let i = this.#indexHolding(offset); i < this.#commitLog.length; i++) {
      const stored = this.#commitLog[i];
      if (!stored || stored.commitLogOffset >= end) break;
      const from = Math.max(offset, stored.commitLogOffset) - stored.commitLogOffset;
      parts.push(stored.bytes.subarray(from, Math.min(end - stored.commitLogOffset, stored.bytes.length)));
    }
    return Buffer.concat(parts);
  }

  /**
   * The file store's rules and checks (replication.ts), on this store's records: the bytes are copied (the caller
   * may reuse `data`), each record is queued, indexed and announced as #append does, a blank is kept as it came.
   */
  appendToCommitLog(startOffset: number, data: Uint8Array): void {
    if (this.#state !== 'RUNNING') {
      throw new SkyrocketError('CLIENT_STATE', `the memory store is ${this.#state}: replicated data refused`);
    }
    // Records are at least 91 bytes and the log starts at 0, so a max offset of 0 means nothing was ever stored.
    checkReplicationStart(startOffset, this.#maxPhyOffset, this.#maxPhyOffset === 0, this.#segmentBytes);
    const replicated = parseReplicatedData(startOffset, data, this.#segmentBytes);
    if (data.length === 0) return;
    const arrivals: MessageArrival[] = [];
    let position = 0;
    for (const record of replicated.records) {
      const { commitLogOffset, storeTimestamp, topic, properties } = record;
      const bytes = Buffer.from(data.subarray(position, position + record.totalSize));
      this.#commitLog.push({ commitLogOffset, storeTimestamp, bytes });
      const transactionType = getTransactionValue(record.sysFlag);
      const tagsCode = this.#tagsCode(topic, properties, storeTimestamp);
      if (
        transactionType === MessageSysFlag.TRANSACTION_NOT_TYPE ||
        transactionType === MessageSysFlag.TRANSACTION_COMMIT_TYPE
      ) {
        const queueOffset = record.queueOffset;
        const queue = this.#queueForWrite(topic, record.queueId);
        const previousMax = queue.maxOffset;
        const entry = { commitLogOffset, size: record.totalSize, tagsCode, storeTimestamp };
        if (queue.put(queueOffset, entry)) {
          this.#logger.warn(
            { topic, queueId: record.queueId, queueOffset, previousMax },
            `replicated queue offset ${queueOffset} leaves a gap after ${previousMax}: the queue restarts there`,
          );
        }
        arrivals.push({ topic, queueId: record.queueId, queueOffset, tagsCode, storeTimestamp });
      }
      if (transactionType !== MessageSysFlag.TRANSACTION_ROLLBACK_TYPE) {
        for (const key of messageKeys(topic, properties)) this.#indexPut(key, commitLogOffset);
      }
      position += record.totalSize;
    }
    if (replicated.endsSegment) {
      this.#commitLog.push({
        commitLogOffset: startOffset + position,
        storeTimestamp: 0,
        bytes: Buffer.from(data.subarray(position)),
        blank: true,
      });
    }
    this.#maxPhyOffset = startOffset + data.length;
    // A slave counts what it replicates as puts (ReputMessageService on a SLAVE: getSinglePutMessageTopic*).
    this.#putMessages += replicated.records.length;
    this.#putBytes += replicated.recordBytes;
    for (const arrival of arrivals) this.#notify(arrival);
  }

  /**
   * Test surface of the contract (not on the MessageStore interface yet): retention up to a commit-log offset.
   * Removes every record that starts below `commitLogOffset`, so getMinPhyOffset() becomes the offset of the first
   * record left (exactly `commitLogOffset` when it is a record boundary) or getMaxPhyOffset() when none is left.
   * Consume queues and the index follow at once (their min offsets move past the removed records), so pulls below
   * the new minimum answer OFFSET_TOO_SMALL.
   */
  deleteMessagesBefore(commitLogOffset: number): Promise<void> {
    if (!Number.isSafeInteger(commitLogOffset) || commitLogOffset < 0) {
      return Promise.reject(
        new RangeError(`commitLogOffset must be a non-negative integer, got ${commitLogOffset}`),
      );
    }
    const keep = this.#commitLog.findIndex((record) => record.commitLogOffset >= commitLogOffset);
    this.#commitLog = keep < 0 ? [] : this.#commitLog.slice(keep);
    const minPhyOffset = this.getMinPhyOffset();
    for (const queues of this.#queues.values()) {
      for (const queue of queues.values()) queue.dropBefore(minPhyOffset);
    }
    for (const [key, offsets] of this.#index) {
      const first = offsets.findIndex((offset) => offset >= minPhyOffset);
      if (first < 0) this.#index.delete(key);
      else if (first > 0) this.#index.set(key, offsets.slice(first));
    }
    return Promise.resolve();
  }

  #put(messages: MessageToStore[]): PutMessageResult {
    if (this.#state !== 'RUNNING') {
      return failure('SERVICE_NOT_AVAILABLE', `the message store is ${this.#state}`);
    }
    const refusal = checkBatch(messages);
    if (refusal !== undefined) return failure('MESSAGE_ILLEGAL', refusal);
    const prepared: PreparedMessage[] = [];
    for (const message of messages) {
      const result = this.#prepare(message);
      if ('status' in result) return result;
      prepared.push(result);
    }
    return { status: 'PUT_OK', append: this.#append(prepared) };
  }

  /** The checks of MessageExtEncoder.encode, in its order: properties length, then record size. */
  #prepare(message: MessageToStore): PreparedMessage | PutMessageResult {
    const propertiesLength = Buffer.byteLength(message.properties, 'utf8');
    if (propertiesLength > MAX_PROPERTIES_LENGTH) {
      return failure(
        'PROPERTIES_SIZE_EXCEEDED',
        `properties of ${propertiesLength} bytes exceed ${MAX_PROPERTIES_LENGTH} bytes`,
      );
    }
    let size: number;
    try {
      size = recordLength(this.#recordInit(message, 0, 0, 0));
    } catch (error) {
      if (error instanceof RangeError) return failure('MESSAGE_ILLEGAL', error.message);
      throw error;
    }
    if (size > this.#maxMessageBytes) {
      return failure(
        'MESSAGE_ILLEGAL',
        `a record of ${size} bytes exceeds the maximum message size of ${this.#maxMessageBytes} bytes`,
      );
    }
    const properties = decodeProperties(message.properties);
    const transactionType = getTransactionValue(message.sysFlag);
    return {
      message,
      size,
      properties,
      queued:
        transactionType === MessageSysFlag.TRANSACTION_NOT_TYPE ||
        transactionType === MessageSysFlag.TRANSACTION_COMMIT_TYPE,
      indexKeys:
        transactionType === MessageSysFlag.TRANSACTION_ROLLBACK_TYPE
          ? []
          : messageKeys(message.topic, properties),
    };
  }

  /** Appends checked messages as one unit: one store timestamp, contiguous records, consecutive queue offsets. */
  #append(prepared: PreparedMessage[]): AppendResult {
    const storeTimestamp = this.#clock.now();
    const wroteOffset = this.#maxPhyOffset;
    const msgIds: string[] = [];
    const arrivals: MessageArrival[] = [];
    let firstQueueOffset: number | undefined;
    for (const { message, size, properties, queued, indexKeys } of prepared) {
      const tagsCode = message.tagsCode ?? this.#tagsCode(message.topic, properties, storeTimestamp);
      const commitLogOffset = this.#maxPhyOffset;
      const queue = queued ? this.#queueForWrite(message.topic, message.queueId) : undefined;
      // Prepared and rollback records carry queue offset 0 (CommitLog.doAppend).
      const queueOffset = queue?.maxOffset ?? 0;
      firstQueueOffset ??= queueOffset;
      const bytes = encodeRecord(this.#recordInit(message, queueOffset, commitLogOffset, storeTimestamp));
      this.#commitLog.push({ commitLogOffset, storeTimestamp, bytes });
      this.#maxPhyOffset += size;
      queue?.entries.push({ commitLogOffset, size, tagsCode, storeTimestamp });
      for (const key of indexKeys) this.#indexPut(key, commitLogOffset);
      msgIds.push(createOffsetMessageId(this.#storeHost, commitLogOffset));
      if (queue)
        arrivals.push({
          topic: message.topic,
          queueId: message.queueId,
          queueOffset,
          tagsCode,
          storeTimestamp,
        });
    }
    const wroteBytes = this.#maxPhyOffset - wroteOffset;
    this.#putMessages += prepared.length;
    this.#putBytes += wroteBytes;
    for (const arrival of arrivals) this.#notify(arrival);
    return {
      wroteOffset,
      wroteBytes,
      queueOffset: firstQueueOffset ?? 0,
      messageCount: prepared.length,
      storeTimestamp,
      msgIds,
    };
  }

  /** The file store's tag code (tags-code.ts): TAGS hashed, or a DELAY level's due time in SCHEDULE_TOPIC_XXXX. */
  #tagsCode(topic: string, properties: Map<string, string>, storeTimestamp: number): number {
    return tagsCodeOf(
      topic,
      properties.get(MessageConst.PROPERTY_TAGS),
      properties.get(MessageConst.PROPERTY_DELAY_TIME_LEVEL),
      storeTimestamp,
      this.#delayLevelMillis,
    );
  }

  #recordInit(
    message: MessageToStore,
    queueOffset: number,
    commitLogOffset: number,
    storeTimestamp: number,
  ): MessageRecordInit {
    return {
      queueId: message.queueId,
      flag: message.flag,
      queueOffset,
      commitLogOffset,
      sysFlag: message.sysFlag,
      bornTimestamp: message.bornTimestamp,
      bornHost: message.bornHost,
      storeTimestamp,
      storeHost: this.#storeHost,
      reconsumeTimes: message.reconsumeTimes,
      preparedTransactionOffset: message.preparedTransactionOffset,
      body: message.body,
      topic: message.topic,
      properties: message.properties,
    };
  }

  #notify(arrival: MessageArrival): void {
    for (const listener of this.#listeners) {
      try {
        listener(arrival);
      } catch (error) {
        // The message is stored; a failing listener must not fail the put or starve the other listeners.
        this.#logger.error(
          { err: error, topic: arrival.topic, queueId: arrival.queueId },
          'arrival listener failed',
        );
      }
    }
  }

  /** DefaultMessageStore.getMessage, through the algorithm every store shares (get-message.ts). */
  #getMessage(topic: string, queueId: number, offset: number, options: GetMessageOptions): GetMessageResult {
    const queue = this.#queue(topic, queueId);
    const view: QueueView | undefined = queue && {
      minOffset: queue.minOffset,
      maxOffset: queue.maxOffset,
      entries: (from, maxCount) => {
        const out = [];
        for (let q = from; q < queue.maxOffset && out.length < maxCount; q++) {
          const entry = queue.entryAt(q);
          if (!entry) break;
          out.push({
            queueOffset: q,
            commitLogOffset: entry.commitLogOffset,
            size: entry.size,
            tagsCode: entry.tagsCode,
          });
        }
        return out;
      },
    };
    return getMessageFromQueue(view, offset, options, (commitLogOffset) => {
      const record = this.#recordAt(commitLogOffset);
      return record ? Buffer.from(record.bytes) : undefined;
    });
  }

  #queue(topic: string, queueId: number): ConsumeQueue | undefined {
    return this.#queues.get(topic)?.get(queueId);
  }

  #queueForWrite(topic: string, queueId: number): ConsumeQueue {
    let queues = this.#queues.get(topic);
    if (!queues) {
      queues = new Map();
      this.#queues.set(topic, queues);
    }
    let queue = queues.get(queueId);
    if (!queue) {
      queue = new ConsumeQueue();
      queues.set(queueId, queue);
    }
    return queue;
  }

  #indexPut(key: string, commitLogOffset: number): void {
    const offsets = this.#index.get(key);
    if (!offsets) this.#index.set(key, [commitLogOffset]);
    else if (offsets[offsets.length - 1] !== commitLogOffset) offsets.push(commitLogOffset);
  }

  /** The message record starting exactly at `commitLogOffset` (never a blank), by binary search of the log. */
  #recordAt(commitLogOffset: number): StoredRecord | undefined {
    const record = this.#commitLog[this.#indexHolding(commitLogOffset)];
    return record && record.commitLogOffset === commitLogOffset && !record.blank ? record : undefined;
  }

  /** Index in the commit log of the last entry starting at or before `commitLogOffset` (-1 when none does). */
  #indexHolding(commitLogOffset: number): number {
    let low = 0;
    let high = this.#commitLog.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const start = this.#commitLog[mid]?.commitLogOffset ?? 0;
      if (start === commitLogOffset) return mid;
      if (start < commitLogOffset) low = mid + 1;
      else high = mid - 1;
    }
    return high;
  }
}

/** The index keys of a message (IndexService.buildIndex): UNIQ_KEY and each non-empty word of KEYS. */
function messageKeys(topic: string, properties: Map<string, string>): string[] {
  const keys = new Set<string>();
  const uniqKey = properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX);
  if (uniqKey !== undefined && uniqKey !== '') keys.add(uniqKey);
  for (const key of (properties.get(MessageConst.PROPERTY_KEYS) ?? '').split(MessageConst.KEY_SEPARATOR)) {
    if (key !== '') keys.add(key);
  }
  return [...keys].map((key) => indexKey(topic, key));
}

function indexKey(topic: string, key: string): string {
  return `${topic}#${key}`;
}

function recordHasKey(bytes: Buffer, topic: string, key: string): boolean {
  const record = decodeRecord(bytes);
  if (record.topic !== topic) return false;
  if (record.properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) === key) return true;
  const keys = record.properties.get(MessageConst.PROPERTY_KEYS) ?? '';
  return keys.split(MessageConst.KEY_SEPARATOR).includes(key);
}

function failure(status: PutMessageStatus, remark: string): PutMessageResult {
  return { status, remark };
}
