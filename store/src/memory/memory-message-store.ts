/**
 * A MessageStore held in memory, for tests and development. It keeps the same structures as the file store, as
 * plain arrays: a commit log of encoded wire records (so a pull answers with exactly the bytes the file store would
 * have), a consume queue per topic and queue (commit-log offset, size, tag code), and an index of `topic#key` and
 * `topic#UNIQ_KEY` to commit-log offsets. Every behaviour is the contract's (testing/message-store.contract.ts);
 * nothing survives shutdown.
 *
 * Appends are synchronous inside putMessage, so once a put resolves its message is visible to every read and the
 * arrival listeners have run.
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
  tagsString2tagsCode,
  type HostAddress,
  type MessageRecordInit,
} from '@skyrocket/remoting/message';

import { DEFAULT_MAX_MESSAGE_BYTES } from '../layout';
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

export interface MemoryMessageStoreOptions {
  /** The broker address written as STOREHOSTADDRESS and into offset msgIds. */
  storeHost: HostAddress;
  /** Source of store timestamps. Default: the system clock. */
  clock?: Clock;
  /** The largest record accepted (MessageStoreConfig.maxMessageSize); larger ones get MESSAGE_ILLEGAL. */
  maxMessageBytes?: number;
  /** Where failures of arrival listeners are reported. Default: silent. */
  logger?: Logger;
}

type Lifecycle = 'CREATED' | 'RUNNING' | 'SHUTDOWN';

/** One record of the commit log. */
interface StoredRecord {
  commitLogOffset: number;
  storeTimestamp: number;
  bytes: Buffer;
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
  tagsCode: number;
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
    };
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
      tagsCode: message.tagsCode ?? tagsString2tagsCode(properties.get(MessageConst.PROPERTY_TAGS)),
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
    for (const { message, size, tagsCode, queued, indexKeys } of prepared) {
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

  /** The record starting exactly at `commitLogOffset`, by binary search of the commit log. */
  #recordAt(commitLogOffset: number): StoredRecord | undefined {
    let low = 0;
    let high = this.#commitLog.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const record = this.#commitLog[mid];
      if (!record) return undefined;
      if (record.commitLogOffset === commitLogOffset) return record;
      if (record.commitLogOffset < commitLogOffset) low = mid + 1;
      else high = mid - 1;
    }
    return undefined;
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
