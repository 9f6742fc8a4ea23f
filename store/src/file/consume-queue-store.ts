import * as fs from 'node:fs';
import * as path from 'node:path';
import * as messageCodec from '@skyrocket/remoting/message';
import { CONSUMEQUEUE_DIR, DEFAULT_CQ_ENTRIES_PER_SEGMENT } from '../layout';
import {
  checkQueueId,
  ConsumeQueue,
  QUEUE_ID_DIRECTORY_PATTERN,
  TOPIC_DIRECTORY_PATTERN,
  topicDirectoryName,
} from './consume-queue';
import type { DispatchRequest } from './dispatch-request';
import { ioError } from './segment-file';

// Bound once: TypeScript's CommonJS output reads a re-exported (`export *`) name through a getter at every use.
const { getTransactionValue, MessageSysFlag } = messageCodec;

export interface ConsumeQueueStoreOptions {
  /** The store root: queues live in `<dir>/consumequeue/<topic>/<queueId>/`. */
  dir: string;
  /** Entries per ConsumeQueue segment (default 300,000: 6,000,000-byte files, as RocketMQ). */
  entriesPerSegment?: number;
}

/**
 * Every ConsumeQueue of the store (RocketMQ ConsumeQueueStore / DefaultMessageStore.consumeQueueTable). Topic
 * directory names are the topic names themselves, as in RocketMQ; names outside TopicValidator's `[%|a-zA-Z0-9_-]`
 * are refused with INVALID_PARAMETER (the broker validates topics before they get here), and directories with such
 * names, or queue directories that are not decimal ints, are ignored by load().
 */
export class ConsumeQueueStore {
  readonly directory: string;
  readonly entriesPerSegment: number;
  readonly #rootDir: string;
  readonly #queues = new Map<string, Map<number, ConsumeQueue>>();

  constructor(options: ConsumeQueueStoreOptions) {
    this.#rootDir = options.dir;
    this.directory = path.join(options.dir, CONSUMEQUEUE_DIR);
    this.entriesPerSegment = options.entriesPerSegment ?? DEFAULT_CQ_ENTRIES_PER_SEGMENT;
  }

  /** Opens every `<topic>/<queueId>` directory found; call recover() next. */
  load(): void {
    fs.mkdirSync(this.directory, { recursive: true });
    for (const topic of listDirectories(this.directory)) {
      if (!TOPIC_DIRECTORY_PATTERN.test(topic)) continue;
      for (const queueIdName of listDirectories(path.join(this.directory, topic))) {
        if (!QUEUE_ID_DIRECTORY_PATTERN.test(queueIdName) || Number(queueIdName) > 0x7fffffff) continue;
        const queue = this.#newQueue(topic, Number(queueIdName));
        queue.load();
        this.#put(queue);
      }
    }
  }

  /** Recovers every queue (ConsumeQueue.recover). */
  recover(): void {
    for (const queue of this.#all()) queue.recover();
  }

  get(topic: string, queueId: number): ConsumeQueue | undefined {
    return this.#queues.get(topic)?.get(queueId);
  }

  /** The queue, created empty if new; throws INVALID_PARAMETER for an unsafe topic name or a bad queueId. */
  getOrCreate(topic: string, queueId: number): ConsumeQueue {
    const existing = this.get(topic, queueId);
    if (existing) return existing;
    const queue = this.#newQueue(topic, queueId);
    queue.load();
    queue.recover();
    this.#put(queue);
    return queue;
  }

  topics(): string[] {
    return [...this.#queues.keys()].sort();
  }

  queueIds(topic: string): number[] {
    return [...(this.#queues.get(topic)?.keys() ?? [])].sort((a, b) => a - b);
  }

  /**
   * Adds a message's entry (CommitLogDispatcherBuildConsumeQueue): normal and committed messages only; transaction
   * half (prepared) and rollback records get no entry, as in RocketMQ.
   */
  dispatch(request: DispatchRequest): void {
    const transactionType = getTransactionValue(request.sysFlag);
    if (
      transactionType === MessageSysFlag.TRANSACTION_PREPARED_TYPE ||
      transactionType === MessageSysFlag.TRANSACTION_ROLLBACK_TYPE
    ) {
      return;
    }
    this.getOrCreate(request.topic, request.queueId).putEntry(
      request.queueOffset,
      request.commitLogOffset,
      request.size,
      request.tagsCode,
    );
  }

  /** The next queue offset to write; 0 for an unknown queue. */
  maxOffset(topic: string, queueId: number): number {
    return this.get(topic, queueId)?.maxOffset ?? 0;
  }

  /** The first readable queue offset; 0 for an unknown queue. */
  minOffset(topic: string, queueId: number): number {
    return this.get(topic, queueId)?.minOffset ?? 0;
  }

  /**
   * The highest commitLogOffset + size over all queues: every queue holds all entries below it, so a rebuild
   * from the CommitLog can start there. -1 when no queue has an entry.
   */
  maxPhysicalOffset(): number {
    let max = -1;
    for (const queue of this.#all()) max = Math.max(max, queue.maxPhysicalOffset);
    return max;
  }

  /** Drops, in every queue, the entries pointing at or past phyOffset (after the CommitLog truncated there). */
  truncateByCommitLogOffset(phyOffset: number): void {
    for (const queue of this.#all()) queue.truncateByCommitLogOffset(phyOffset);
  }

  /** Deletes every queue of a topic and its directory. */
  deleteTopic(topic: string): void {
    const queues = this.#queues.get(topic);
    if (!queues) return;
    for (const queue of queues.values()) queue.destroy();
    this.#queues.delete(topic);
    fs.rmSync(path.join(this.directory, topicDirectoryName(topic)), { recursive: true, force: true });
  }

  /** Retention in every queue (ConsumeQueue.deleteExpired); returns the number of segments deleted. */
  deleteExpired(minCommitLogOffset: number): number {
    let deleted = 0;
    for (const queue of this.#all()) deleted += queue.deleteExpired(minCommitLogOffset);
    return deleted;
  }

  async flush(): Promise<void> {
    await Promise.all([...this.#all()].map((queue) => queue.flush()));
  }

  close(): void {
    for (const queue of this.#all()) queue.close();
  }

  diskBytes(): number {
    let bytes = 0;
    for (const queue of this.#all()) bytes += queue.diskBytes();
    return bytes;
  }

  #newQueue(topic: string, queueId: number): ConsumeQueue {
    return new ConsumeQueue({
      dir: this.#rootDir,
      topic,
      queueId: checkQueueId(queueId),
      entriesPerSegment: this.entriesPerSegment,
    });
  }

  #put(queue: ConsumeQueue): void {
    let queues = this.#queues.get(queue.topic);
    if (!queues) {
      queues = new Map();
      this.#queues.set(queue.topic, queues);
    }
    queues.set(queue.queueId, queue);
  }

  *#all(): IterableIterator<ConsumeQueue> {
    for (const queues of this.#queues.values()) yield* queues.values();
  }
}

function listDirectories(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch (error) {
    throw ioError(`list ${dir}`, error);
  }
}
