import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Clock, systemClock } from '@skyrocket/common';
import * as messageCodec from '@skyrocket/remoting/message';
import { DEFAULT_INDEX_HASH_SLOTS, DEFAULT_INDEX_MAX_ENTRIES, INDEX_DIR } from '../layout';
import type { DispatchRequest } from './dispatch-request';
import { INDEX_FILE_NAME_PATTERN, IndexFile, indexKeyHashOfPart, type IndexFileConfig } from './index-file';
import { ioError } from './segment-file';

// Bound once: TypeScript's CommonJS output reads a re-exported (`export *`) name through a getter at every use.
const { getTransactionValue, javaStringHashCode, MessageConst, MessageSysFlag } = messageCodec;

export interface IndexServiceOptions {
  /** The store root: index files live in `<dir>/index/`. */
  dir: string;
  /** Hash slots per file (default 5,000,000). */
  hashSlots?: number;
  /** Entry numbers per file, entry 0 unused (default 20,000,000). */
  maxEntries?: number;
  /** Names new files by its time. */
  clock?: Pick<Clock, 'now'>;
}

/**
 * The message index (RocketMQ IndexService): `topic#key` for each key of KEYS and `topic#uniqKey` for UNIQ_KEY,
 * mapped to commit-log offsets, in IndexFiles named by creation time (yyyyMMddHHmmssSSS, UTC rather than
 * RocketMQ's local time so names keep their order across DST changes; a name is bumped by 1 ms if needed to stay
 * after the newest file's). Only the newest file is written; a full one is sealed and a new one started.
 *
 * Crash recovery. A file's header on disk only counts keys flushed with it (see IndexFile), so after a crash each
 * file describes exactly what it durably holds. The store:
 *   1. load()s the files, which also repairs the newest file's slots (every file is kept: RocketMQ deletes files
 *      newer than the checkpoint's indexMsgTimestamp and rebuilds them; our headers make that unnecessary),
 *   2. re-dispatches from its checkpoint's indexFlushedOffset (the dispatch position it recorded after the last
 *      index flush() resolved), or from lastCommitLogOffset() without one. dispatch() skips records below the
 *      newest file's endPhyOffset as RocketMQ's buildIndex does, so re-dispatching indexed records adds nothing,
 *      apart from the keys of the record at endPhyOffset itself, which query() de-duplicates;
 *   3. recover(commitLogMaxOffset)s once the CommitLog found its end (before or after step 2).
 */
export class IndexService {
  readonly directory: string;
  readonly #config: IndexFileConfig;
  readonly #clock: Pick<Clock, 'now'>;
  #files: IndexFile[] = [];
  #lastNameMillis = 0;
  #lastTopic = '';
  #lastTopicPrefixHash = javaStringHashCode('#');

  constructor(options: IndexServiceOptions) {
    this.directory = path.join(options.dir, INDEX_DIR);
    this.#config = {
      hashSlots: options.hashSlots ?? DEFAULT_INDEX_HASH_SLOTS,
      maxEntries: options.maxEntries ?? DEFAULT_INDEX_MAX_ENTRIES,
    };
    this.#clock = options.clock ?? systemClock;
  }

  /** Opens every index file, oldest first; a file whose length does not fit the configuration fails the load. */
  load(): void {
    let names: string[];
    try {
      fs.mkdirSync(this.directory, { recursive: true });
      names = fs.readdirSync(this.directory).filter((name) => INDEX_FILE_NAME_PATTERN.test(name));
    } catch (error) {
      throw ioError(`list ${this.directory}`, error);
    }
    names.sort();
    for (const name of names) this.#files.push(IndexFile.open(path.join(this.directory, name), this.#config));
    const newestName = names[names.length - 1];
    if (newestName) this.#lastNameMillis = parseFileName(newestName);
    // Only the newest file can hold slots of an interrupted flush (full files are sealed synchronously). Repair
    // them before anything is dispatched: a key put on a slot that points past the header would start a new chain.
    const newest = this.#newest;
    if (newest) {
      newest.repairSlots();
      if (newest.isFull) newest.seal();
    }
  }

  /**
   * After the CommitLog recovered to commitLogMaxOffset (before or after its records were re-dispatched): deletes
   * the newest files whose keys all point at or past it (records a truncated tail lost) and lowers the newest
   * remaining file's endPhyOffset to it, so records written there again get indexed. Entries past the end that
   * remain in older chains are harmless: query() answers candidates and the store verifies each record's key.
   */
  recover(commitLogMaxOffset: number): void {
    for (let newest = this.#newest; newest?.hasEntries && newest.beginPhyOffset >= commitLogMaxOffset;) {
      this.#files.pop();
      newest.destroy();
      newest = this.#newest;
    }
    this.#newest?.clampEndPhyOffset(commitLogMaxOffset);
  }

  /** commitLogOffset of the last record indexed (the newest file's endPhyOffset); 0 when there is no file. */
  lastCommitLogOffset(): number {
    return this.#newest?.endPhyOffset ?? 0;
  }

  /**
   * IndexService.buildIndex: indexes UNIQ_KEY, then each non-empty key of KEYS (split on MessageConst.KEY_SEPARATOR,
   * ' '), as `topic#key`. Records below the newest file's endPhyOffset are already indexed and skipped, and so are
   * transaction rollback records. Prepared (half) records are indexed: RocketMQ's buildIndex only skips rollbacks.
   */
  dispatch(request: DispatchRequest): void {
    const { keys, uniqKey } = request;
    // Most messages without keys end here, before any allocation.
    if ((keys === undefined || keys.length === 0) && (uniqKey === undefined || uniqKey.length === 0)) return;
    if (getTransactionValue(request.sysFlag) === MessageSysFlag.TRANSACTION_ROLLBACK_TYPE) return;
    const newest = this.#newest;
    if (newest && request.commitLogOffset < newest.endPhyOffset) return;
    // The keys are hashed in place (indexKeyHashOfPart): no `topic#key` strings, no split array.
    const prefixHash = this.#topicPrefixHash(request.topic);
    const { commitLogOffset, storeTimestamp } = request;
    if (uniqKey !== undefined && uniqKey.length > 0) {
      this.#putKeyHash(
        indexKeyHashOfPart(prefixHash, uniqKey, 0, uniqKey.length),
        commitLogOffset,
        storeTimestamp,
      );
    }
    if (keys === undefined) return;
    for (let start = 0; start < keys.length;) {
      let end = keys.indexOf(MessageConst.KEY_SEPARATOR, start);
      if (end < 0) end = keys.length;
      if (end > start) {
        this.#putKeyHash(indexKeyHashOfPart(prefixHash, keys, start, end), commitLogOffset, storeTimestamp);
      }
      start = end + MessageConst.KEY_SEPARATOR.length;
    }
  }

  /**
   * IndexService.queryOffset: commit-log offsets of records indexed under `topic#key` and stored within
   * [beginTimestamp, endTimestamp] (to the second, see IndexFile), newest first, at most maxMessages, each once.
   * Hash collisions are possible: the store checks the key on each record.
   */
  query(
    topic: string,
    key: string,
    maxMessages: number,
    beginTimestamp: number,
    endTimestamp: number,
  ): number[] {
    const offsets: number[] = [];
    const seen = new Set<number>();
    const indexKey = `${topic}#${key}`;
    for (let i = this.#files.length - 1; i >= 0 && offsets.length < maxMessages; i--) {
      const file = this.#files[i];
      if (!file) break;
      if (file.isTimeMatched(beginTimestamp, endTimestamp)) {
        file.selectOffsets(indexKey, maxMessages, beginTimestamp, endTimestamp, offsets, seen);
      }
      // Older files hold only older keys.
      if (file.hasEntries && file.beginTimestamp < beginTimestamp) break;
    }
    return offsets;
  }

  /**
   * Retention (IndexService.deleteExpiredFile): deletes the oldest files whose last key points below
   * minCommitLogOffset, keeping the newest file. Returns the number deleted.
   */
  deleteFilesBefore(minCommitLogOffset: number): number {
    let deleted = 0;
    for (let oldest = this.#files[0]; this.#files.length > 1 && oldest; oldest = this.#files[0]) {
      if (oldest.endPhyOffset >= minCommitLogOffset) break;
      this.#files.shift();
      oldest.destroy();
      deleted++;
    }
    return deleted;
  }

  /** Makes every key indexed so far durable. */
  async flush(): Promise<void> {
    await this.#newest?.flush();
  }

  /** Writes what is buffered (flush first for durability) and closes the files. */
  close(): void {
    for (const file of this.#files) file.close();
    this.#files = [];
  }

  diskBytes(): number {
    let bytes = 0;
    for (const file of this.#files) bytes += file.sizeBytes;
    return bytes;
  }

  /** The index files, oldest first (for tests and diagnostics). */
  get files(): readonly IndexFile[] {
    return this.#files;
  }

  get #newest(): IndexFile | undefined {
    return this.#files[this.#files.length - 1];
  }

  #putKeyHash(keyHash: number, commitLogOffset: number, storeTimestamp: number): void {
    const newest = this.#newest;
    if (newest?.putKeyHash(keyHash, commitLogOffset, storeTimestamp)) return;
    const next = this.#rollFile();
    if (!next.putKeyHash(keyHash, commitLogOffset, storeTimestamp)) {
      throw new Error(`a new index file ${next.path} refused a key`);
    }
  }

  /** javaStringHashCode(`${topic}#`), for the last topic asked (consecutive messages tend to share it). */
  #topicPrefixHash(topic: string): number {
    if (topic !== this.#lastTopic) {
      this.#lastTopic = topic;
      this.#lastTopicPrefixHash = javaStringHashCode(`${topic}#`);
    }
    return this.#lastTopicPrefixHash;
  }

  /** Seals the full newest file (synchronously durable) and starts the next one where it ended. */
  #rollFile(): IndexFile {
    const previous = this.#newest;
    previous?.seal();
    const millis = Math.max(this.#clock.now(), this.#lastNameMillis + 1);
    const file = IndexFile.create(
      path.join(this.directory, formatFileName(millis)),
      this.#config,
      previous && { endPhyOffset: previous.endPhyOffset, endTimestamp: previous.endTimestamp },
    );
    this.#lastNameMillis = millis;
    this.#files.push(file);
    return file;
  }
}

/** yyyyMMddHHmmssSSS in UTC. */
function formatFileName(millis: number): string {
  const date = new Date(millis);
  const pad = (value: number, width: number) => String(value).padStart(width, '0');
  return (
    pad(date.getUTCFullYear(), 4) +
    pad(date.getUTCMonth() + 1, 2) +
    pad(date.getUTCDate(), 2) +
    pad(date.getUTCHours(), 2) +
    pad(date.getUTCMinutes(), 2) +
    pad(date.getUTCSeconds(), 2) +
    pad(date.getUTCMilliseconds(), 3)
  );
}

function parseFileName(name: string): number {
  const part = (from: number, to: number) => Number(name.slice(from, to));
  const millis = Date.UTC(
    part(0, 4),
    part(4, 6) - 1,
    part(6, 8),
    part(8, 10),
    part(10, 12),
    part(12, 14),
    part(14, 17),
  );
  return Number.isFinite(millis) ? millis : 0;
}
