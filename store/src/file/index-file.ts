import * as path from 'node:path';
import * as messageCodec from '@skyrocket/remoting/message';
import { INDEX_ENTRY_BYTES, INDEX_HEADER_BYTES, INDEX_SLOT_BYTES } from '../layout';
import { SegmentFile } from './segment-file';

// Bound once: TypeScript's CommonJS output reads a re-exported (`export *`) name through a getter at every use.
const { javaStringHashCode } = messageCodec;

/**
 * One IndexFile in RocketMQ's layout (IndexFile.java, IndexHeader.java, PROTOCOL.md §4.3), big-endian:
 *
 *   header   int64 beginTimestamp | int64 endTimestamp | int64 beginPhyOffset | int64 endPhyOffset
 *            | int32 hashSlotCount | int32 indexCount                                   (40 bytes)
 *   slots    hashSlots × int32: the number of the newest entry whose keyHash % hashSlots is this slot, 0 = none
 *   entries  maxEntries × (int32 keyHash | int64 commitLogOffset | int32 timeDiff | int32 prevIndex)   (20 bytes)
 *
 * As in RocketMQ, entry 0 is never used (0 means "no entry"), so indexCount starts at 1 and a file holds
 * maxEntries − 1 keys; timeDiff is whole seconds since beginTimestamp (the first entry's store time); prevIndex
 * chains entries of the same slot, newest first.
 *
 * Writing. Only the newest file is written, front to back. Its slot table is kept in memory (hashSlots × 4 bytes,
 * 20 MB by default, bounded by configuration) and new entries are buffered; both reach the file on flush(), and
 * the header after them, so the header on disk always describes entries and slots that are on disk before it
 * (each step fdatasync'd on flush). Keys added since the last flush are rebuilt by re-dispatch after a crash: see
 * IndexService. Queries read the in-memory state, so a key is found as soon as it is put. A pwrite per key (slot
 * and entry) would cost ~3 µs; this costs one pwrite per ENTRY_BATCH entries and one per dirty 4 KiB slot page.
 *
 * Time. RocketMQ stores seconds, so a stored time is up to 999 ms earlier than the message's store time; queries
 * match an entry when [time, time + 999] meets the asked range (RocketMQ compares `time` alone and can miss a
 * message stored in the last second of the range start), so they may return offsets up to a second outside the
 * range: the store re-checks the record.
 */

export interface IndexFileConfig {
  /** MessageStoreConfig.maxHashSlotNum (5,000,000). */
  hashSlots: number;
  /** MessageStoreConfig.maxIndexNum (20,000,000): entry numbers, entry 0 included. */
  maxEntries: number;
}

/** Index file names: creation time as yyyyMMddHHmmssSSS (UtilAll.timeMillisToHumanString; UTC here). */
export const INDEX_FILE_NAME_PATTERN = /^\d{17}$/;

export function indexFileBytes(config: IndexFileConfig): number {
  return INDEX_HEADER_BYTES + config.hashSlots * INDEX_SLOT_BYTES + config.maxEntries * INDEX_ENTRY_BYTES;
}

/**
 * IndexFile.indexKeyHashMethod: |String.hashCode()|, and 0 for Integer.MIN_VALUE, whose Java Math.abs stays
 * negative (in JavaScript it would become 2^31).
 */
export function indexKeyHash(key: string): number {
  return absKeyHash(javaStringHashCode(key));
}

/**
 * indexKeyHash(prefix + key.slice(start, end)) given prefixHash = javaStringHashCode(prefix), without building the
 * string: String.hashCode is a polynomial over the code units, so the hash of a concatenation continues the
 * prefix's. The store indexes `topic#key` for every key of every message; concatenating and then hashing a cons
 * string was most of the cost of indexing.
 */
export function indexKeyHashOfPart(prefixHash: number, key: string, start: number, end: number): number {
  let hash = prefixHash;
  for (let i = start; i < end; i++) hash = (Math.imul(hash, 31) + key.charCodeAt(i)) | 0;
  return absKeyHash(hash);
}

function absKeyHash(hash: number): number {
  return hash === -0x80000000 ? 0 : Math.abs(hash);
}

/** Entries buffered before one pwrite: 1024 × 20 = 20 KiB. */
const ENTRY_BATCH = 1024;
const SLOT_PAGE_BYTES = 4096;
/** Entries read per pread when repairing slots. */
const SCAN_ENTRIES = 4096;
const TWO_POW_32 = 2 ** 32;
const INT32_MAX = 0x7fffffff;

interface IndexHeader {
  beginTimestamp: number;
  endTimestamp: number;
  beginPhyOffset: number;
  endPhyOffset: number;
  hashSlotCount: number;
  indexCount: number;
}

export class IndexFile {
  readonly path: string;
  readonly hashSlots: number;
  readonly maxEntries: number;
  #segment: SegmentFile;
  #header: IndexHeader;
  /** The slot table, big-endian as on disk; loaded when the file is first written to. */
  #slots: Buffer | undefined;
  #slotsView: DataView | undefined;
  #dirtySlotPages = new Set<number>();
  #entries: Buffer | undefined;
  #entriesView: DataView | undefined;
  /** Number of the first entry in #entries; entries [#firstBufferedEntry, indexCount) are not written yet. */
  #firstBufferedEntry: number;
  #headerDirty = false;
  /** Header writes so far: lets an in-flight flush see that its snapshot is stale. */
  #headerWrites = 0;
  #flushing: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(filePath: string, config: IndexFileConfig, segment: SegmentFile, header: IndexHeader) {
    this.path = filePath;
    this.hashSlots = config.hashSlots;
    this.maxEntries = config.maxEntries;
    this.#segment = segment;
    this.#header = header;
    this.#firstBufferedEntry = header.indexCount;
  }

  /**
   * Creates a file (sparse, preallocated). A file that follows a full one starts from its end offset and time
   * (RocketMQ passes lastUpdateEndPhyOffset / lastUpdateIndexTimestamp), so "what is indexed" carries over.
   */
  static create(
    filePath: string,
    config: IndexFileConfig,
    previous: { endPhyOffset: number; endTimestamp: number } = { endPhyOffset: 0, endTimestamp: 0 },
  ): IndexFile {
    checkConfig(config);
    const segment = SegmentFile.create(filePath, 0, indexFileBytes(config));
    const file = new IndexFile(filePath, config, segment, {
      beginTimestamp: Math.max(0, previous.endTimestamp),
      endTimestamp: Math.max(0, previous.endTimestamp),
      beginPhyOffset: Math.max(0, previous.endPhyOffset),
      endPhyOffset: Math.max(0, previous.endPhyOffset),
      hashSlotCount: 0,
      indexCount: 1,
    });
    file.#writeHeader();
    return file;
  }

  /** Opens an existing file; refuses one whose length does not match the configuration (SEGMENT_WRONG_SIZE). */
  static open(filePath: string, config: IndexFileConfig): IndexFile {
    checkConfig(config);
    const segment = SegmentFile.open(filePath, 0, indexFileBytes(config));
    const raw = segment.read(0, INDEX_HEADER_BYTES);
    const view = viewOf(raw);
    const indexCount = view.getInt32(36);
    return new IndexFile(filePath, config, segment, {
      beginTimestamp: readInt64(view, 0),
      endTimestamp: readInt64(view, 8),
      beginPhyOffset: readInt64(view, 16),
      endPhyOffset: readInt64(view, 24),
      hashSlotCount: view.getInt32(32),
      // IndexHeader.load: a header never written reads 0; a damaged count reads as an empty file too.
      indexCount: indexCount <= 0 || indexCount > config.maxEntries ? 1 : indexCount,
    });
  }

  get name(): string {
    return path.basename(this.path);
  }

  get beginTimestamp(): number {
    return this.#header.beginTimestamp;
  }

  get endTimestamp(): number {
    return this.#header.endTimestamp;
  }

  get beginPhyOffset(): number {
    return this.#header.beginPhyOffset;
  }

  /** commitLogOffset of the last message indexed here (or carried over from the previous file). */
  get endPhyOffset(): number {
    return this.#header.endPhyOffset;
  }

  get hashSlotCount(): number {
    return this.#header.hashSlotCount;
  }

  /** The next entry number; entries 1 .. indexCount − 1 exist. */
  get indexCount(): number {
    return this.#header.indexCount;
  }

  get hasEntries(): boolean {
    return this.#header.indexCount > 1;
  }

  get isFull(): boolean {
    return this.#header.indexCount >= this.maxEntries;
  }

  get sizeBytes(): number {
    return this.#segment.size;
  }

  /** IndexFile.putKey: false when the file is full. */
  putKey(key: string, commitLogOffset: number, storeTimestamp: number): boolean {
    return this.putKeyHash(indexKeyHash(key), commitLogOffset, storeTimestamp);
  }

  /** putKey of a key whose indexKeyHash is known. */
  putKeyHash(keyHash: number, commitLogOffset: number, storeTimestamp: number): boolean {
    const header = this.#header;
    if (header.indexCount >= this.maxEntries) return false;
    const slots = this.#writableSlots();
    const slotPosition = (keyHash % this.hashSlots) * INDEX_SLOT_BYTES;
    let previous = slots.getInt32(slotPosition);
    if (previous <= 0 || previous >= header.indexCount) previous = 0;

    // RocketMQ computes the first entry's timeDiff before moving beginTimestamp to it; we move it first, so the
    // first entry reads back as its own time rather than one relative to the previous file's end.
    if (header.indexCount === 1) {
      header.beginPhyOffset = commitLogOffset;
      header.beginTimestamp = storeTimestamp;
    }
    const timeDiff =
      header.beginTimestamp <= 0
        ? 0
        : Math.min(INT32_MAX, Math.max(0, Math.trunc((storeTimestamp - header.beginTimestamp) / 1000)));

    if (!this.#entriesView) {
      this.#entries = Buffer.allocUnsafe(ENTRY_BATCH * INDEX_ENTRY_BYTES);
      this.#entriesView = viewOf(this.#entries);
    }
    const entries = this.#entriesView;
    if (header.indexCount - this.#firstBufferedEntry === ENTRY_BATCH) this.#writeEntries();
    const position = (header.indexCount - this.#firstBufferedEntry) * INDEX_ENTRY_BYTES;
    entries.setInt32(position, keyHash);
    writeInt64(entries, position + 4, commitLogOffset);
    entries.setInt32(position + 12, timeDiff);
    entries.setInt32(position + 16, previous);

    slots.setInt32(slotPosition, header.indexCount);
    this.#dirtySlotPages.add(Math.floor(slotPosition / SLOT_PAGE_BYTES));
    if (previous === 0) header.hashSlotCount++;
    header.indexCount++;
    header.endPhyOffset = commitLogOffset;
    header.endTimestamp = storeTimestamp;
    this.#headerDirty = true;
    return true;
  }

  /** IndexFile.isTimeMatched: whether [beginTimestamp, endTimestamp] of this file meets [begin, end]. */
  isTimeMatched(begin: number, end: number): boolean {
    return this.hasEntries && begin <= this.#header.endTimestamp && end >= this.#header.beginTimestamp;
  }

  /**
   * IndexFile.selectPhyOffset: walks the key's slot chain newest first and adds to `out` the commit-log offsets of
   * entries whose keyHash matches and whose time meets [begin, end], until `out` holds maxCount. Offsets already in
   * `seen` are skipped (re-dispatch after a crash can index a message twice).
   */
  selectOffsets(
    key: string,
    maxCount: number,
    begin: number,
    end: number,
    out: number[],
    seen: Set<number>,
  ): void {
    const header = this.#header;
    if (header.indexCount <= 1 || out.length >= maxCount) return;
    const keyHash = indexKeyHash(key);
    let index = this.#readSlot(keyHash % this.hashSlots);
    if (index <= 0 || index >= header.indexCount) return;
    for (;;) {
      const entry = this.#readEntry(index);
      if (entry.timeDiff < 0) break;
      const time = header.beginTimestamp + entry.timeDiff * 1000;
      if (
        entry.keyHash === keyHash &&
        time + 999 >= begin &&
        time <= end &&
        !seen.has(entry.commitLogOffset)
      ) {
        seen.add(entry.commitLogOffset);
        out.push(entry.commitLogOffset);
        if (out.length >= maxCount) break;
      }
      // Chains go strictly backwards; anything else is damage, and stopping keeps the walk finite.
      if (entry.prevIndex <= 0 || entry.prevIndex >= index || time + 999 < begin) break;
      index = entry.prevIndex;
    }
  }

  /**
   * After a crash, slots written by an interrupted flush may point at entries past the header's indexCount, whose
   * keys are about to be re-dispatched. Points each such slot back at its newest entry below indexCount, found from
   * the entries' keyHash, so chains to older entries are not lost. Returns the number of slots repaired.
   */
  repairSlots(): number {
    const slots = this.#writableSlots();
    const broken = new Set<number>();
    for (let slot = 0; slot < this.hashSlots; slot++) {
      const value = slots.getInt32(slot * INDEX_SLOT_BYTES);
      if (value < 0 || value >= this.#header.indexCount) broken.add(slot);
    }
    if (broken.size === 0) return 0;
    const repaired = broken.size;
    for (let to = this.#header.indexCount; to > 1 && broken.size > 0;) {
      const from = Math.max(1, to - SCAN_ENTRIES);
      const view = viewOf(this.#segment.read(this.#entryPosition(from), (to - from) * INDEX_ENTRY_BYTES));
      for (let index = to - 1; index >= from && broken.size > 0; index--) {
        const slot = view.getInt32((index - from) * INDEX_ENTRY_BYTES) % this.hashSlots;
        if (broken.delete(slot)) this.#setSlot(slot, index);
      }
      to = from;
    }
    for (const slot of broken) this.#setSlot(slot, 0);
    return repaired;
  }

  /** Lowers endPhyOffset to `commitLogMaxOffset` when the CommitLog lost its tail, so new records get indexed. */
  clampEndPhyOffset(commitLogMaxOffset: number): void {
    if (this.#header.endPhyOffset > commitLogMaxOffset) {
      this.#header.endPhyOffset = Math.max(0, commitLogMaxOffset);
      this.#headerDirty = true;
    }
  }

  /**
   * Writes buffered entries and dirty slot pages, fdatasyncs, then writes the header and fdatasyncs again. The
   * header is a snapshot taken first, so it never counts entries that are not on disk before it. Flushes run one
   * at a time, and a flush whose header a later seal() or close() already superseded does not write it.
   */
  flush(): Promise<void> {
    const run = this.#flushing.then(() => this.#flushOnce());
    this.#flushing = run.catch(() => undefined);
    return run;
  }

  async #flushOnce(): Promise<void> {
    if (this.#closed || (!this.#headerDirty && this.#dirtySlotPages.size === 0)) return;
    const header = this.#encodeHeader();
    const headerWrites = this.#headerWrites;
    this.#headerDirty = false;
    try {
      this.#writeBody();
      await this.#segment.sync();
      if (this.#closed || this.#headerWrites !== headerWrites) return;
      this.#segment.write(header, 0);
      this.#headerWrites++;
      await this.#segment.sync();
    } catch (error) {
      this.#headerDirty = true;
      throw error;
    }
  }

  /**
   * Makes the file durable synchronously and drops its in-memory slot table: IndexService does this when the file
   * is full, once per maxEntries keys, so a later crash never leaves an older file with a stale header.
   */
  seal(): void {
    if (this.#headerDirty || this.#dirtySlotPages.size > 0) {
      const header = this.#encodeHeader();
      this.#headerDirty = false;
      this.#writeBody();
      this.#segment.syncNow();
      this.#segment.write(header, 0);
      this.#headerWrites++;
      this.#segment.syncNow();
    }
    this.#slots = this.#slotsView = undefined;
    this.#entries = this.#entriesView = undefined;
  }

  /** Writes everything buffered, header included, without fdatasync (flush first for durability), and closes. */
  close(): void {
    if (this.#closed) return;
    if (this.#headerDirty || this.#dirtySlotPages.size > 0) {
      this.#writeBody();
      this.#writeHeader();
    }
    this.#closed = true;
    this.#segment.close();
  }

  destroy(): void {
    this.#closed = true;
    this.#segment.destroy();
  }

  /** The in-memory slot table (read from the file the first time). */
  #writableSlots(): DataView {
    if (!this.#slotsView) {
      this.#slots = this.#segment.read(INDEX_HEADER_BYTES, this.hashSlots * INDEX_SLOT_BYTES);
      this.#slotsView = viewOf(this.#slots);
    }
    return this.#slotsView;
  }

  #setSlot(slot: number, value: number): void {
    const slots = this.#writableSlots();
    slots.setInt32(slot * INDEX_SLOT_BYTES, value);
    this.#dirtySlotPages.add(Math.floor((slot * INDEX_SLOT_BYTES) / SLOT_PAGE_BYTES));
  }

  #readSlot(slot: number): number {
    if (this.#slotsView) return this.#slotsView.getInt32(slot * INDEX_SLOT_BYTES);
    return this.#segment.read(INDEX_HEADER_BYTES + slot * INDEX_SLOT_BYTES, INDEX_SLOT_BYTES).readInt32BE(0);
  }

  #readEntry(index: number): {
    keyHash: number;
    commitLogOffset: number;
    timeDiff: number;
    prevIndex: number;
  } {
    let source: DataView;
    let position: number;
    if (this.#entriesView && index >= this.#firstBufferedEntry) {
      source = this.#entriesView;
      position = (index - this.#firstBufferedEntry) * INDEX_ENTRY_BYTES;
    } else {
      source = viewOf(this.#segment.read(this.#entryPosition(index), INDEX_ENTRY_BYTES));
      position = 0;
    }
    return {
      keyHash: source.getInt32(position),
      commitLogOffset: readInt64(source, position + 4),
      timeDiff: source.getInt32(position + 12),
      prevIndex: source.getInt32(position + 16),
    };
  }

  #entryPosition(index: number): number {
    return INDEX_HEADER_BYTES + this.hashSlots * INDEX_SLOT_BYTES + index * INDEX_ENTRY_BYTES;
  }

  #writeBody(): void {
    this.#writeEntries();
    const slots = this.#slots;
    if (!slots) return;
    for (const page of [...this.#dirtySlotPages].sort((a, b) => a - b)) {
      const from = page * SLOT_PAGE_BYTES;
      this.#segment.write(slots.subarray(from, from + SLOT_PAGE_BYTES), INDEX_HEADER_BYTES + from);
    }
    this.#dirtySlotPages.clear();
  }

  #writeEntries(): void {
    const count = this.#header.indexCount - this.#firstBufferedEntry;
    if (this.#entries && count > 0) {
      this.#segment.write(
        this.#entries.subarray(0, count * INDEX_ENTRY_BYTES),
        this.#entryPosition(this.#firstBufferedEntry),
      );
    }
    this.#firstBufferedEntry = this.#header.indexCount;
  }

  #writeHeader(): void {
    this.#segment.write(this.#encodeHeader(), 0);
    this.#headerWrites++;
    this.#headerDirty = false;
  }

  #encodeHeader(): Buffer {
    const header = this.#header;
    const raw = Buffer.alloc(INDEX_HEADER_BYTES);
    const view = viewOf(raw);
    writeInt64(view, 0, header.beginTimestamp);
    writeInt64(view, 8, header.endTimestamp);
    writeInt64(view, 16, header.beginPhyOffset);
    writeInt64(view, 24, header.endPhyOffset);
    view.setInt32(32, header.hashSlotCount);
    view.setInt32(36, header.indexCount);
    return raw;
  }
}

function checkConfig(config: IndexFileConfig): void {
  if (!Number.isInteger(config.hashSlots) || config.hashSlots < 1 || config.hashSlots > INT32_MAX) {
    throw new RangeError(`index hashSlots must be an int ≥ 1, got ${config.hashSlots}`);
  }
  if (!Number.isInteger(config.maxEntries) || config.maxEntries < 2 || config.maxEntries > INT32_MAX) {
    throw new RangeError(`index maxEntries must be an int ≥ 2, got ${config.maxEntries}`);
  }
}

/** Entries are coded through DataViews: several times faster than Buffer.readInt32BE and friends (measured). */
function viewOf(bytes: Buffer): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function writeInt64(target: DataView, position: number, value: number): void {
  const high = Math.floor(value / TWO_POW_32);
  target.setInt32(position, high);
  target.setUint32(position + 4, value - high * TWO_POW_32);
}

function readInt64(source: DataView, position: number): number {
  return source.getInt32(position) * TWO_POW_32 + source.getUint32(position + 4);
}
