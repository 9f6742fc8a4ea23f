import * as fs from 'node:fs';
import * as path from 'node:path';
import { SkyrocketError } from '@skyrocket/common';
import { SEGMENT_NAME_PATTERN, segmentFileName } from '../layout';
import { ioError, SegmentFile } from './segment-file';

/**
 * An unbounded log made of fixed-size SegmentFiles in one directory (RocketMQ MappedFileQueue): segment i covers
 * offsets [start + i·size, start + (i+1)·size). The owner decides where writes go and never writes across a
 * segment boundary; this class finds segments by offset, creates the next one, truncates a torn tail, and deletes
 * old segments for retention.
 */
export class SegmentedFile {
  readonly dir: string;
  readonly segmentSize: number;
  #segments: SegmentFile[] = [];

  constructor(dir: string, segmentSize: number) {
    this.dir = dir;
    this.segmentSize = segmentSize;
  }

  /** Opens every segment in the directory; refuses gaps and files of the wrong length. */
  load(): void {
    fs.mkdirSync(this.dir, { recursive: true });
    let names: string[];
    try {
      names = fs.readdirSync(this.dir).filter((n) => SEGMENT_NAME_PATTERN.test(n));
    } catch (error) {
      throw ioError(`list ${this.dir}`, error);
    }
    const starts = names.map(Number).sort((a, b) => a - b);
    for (const start of starts) {
      const previous = this.#segments[this.#segments.length - 1];
      if (previous && start !== previous.endOffset) {
        throw new SkyrocketError(
          'STORE_CORRUPTED',
          `segments of ${this.dir} are not contiguous: ${segmentFileName(start)} follows ${path.basename(previous.path)}`,
        );
      }
      if (start % this.segmentSize !== 0) {
        throw new SkyrocketError(
          'SEGMENT_WRONG_SIZE',
          `segment ${segmentFileName(start)} in ${this.dir} does not start on a multiple of ${this.segmentSize} bytes`,
        );
      }
      this.#segments.push(
        SegmentFile.open(path.join(this.dir, segmentFileName(start)), start, this.segmentSize),
      );
    }
  }

  get segments(): readonly SegmentFile[] {
    return this.#segments;
  }

  get isEmpty(): boolean {
    return this.#segments.length === 0;
  }

  /** Offset of the first byte still stored (0 when empty). */
  get minOffset(): number {
    return this.#segments[0]?.startOffset ?? 0;
  }

  get lastSegment(): SegmentFile | undefined {
    return this.#segments[this.#segments.length - 1];
  }

  /** The segment holding `offset`, if stored. */
  segmentFor(offset: number): SegmentFile | undefined {
    const first = this.#segments[0];
    if (!first || offset < first.startOffset) return undefined;
    return this.#segments[Math.floor((offset - first.startOffset) / this.segmentSize)];
  }

  /** The segment starting at `startOffset`, created if it is the next one (or the first one of an empty log). */
  segmentStartingAt(startOffset: number): SegmentFile {
    const existing = this.segmentFor(startOffset);
    if (existing) return existing;
    const last = this.lastSegment;
    if (last && startOffset !== last.endOffset) {
      throw new Error(`segment ${startOffset} is not the next one after ${last.startOffset} in ${this.dir}`);
    }
    if (startOffset % this.segmentSize !== 0) throw new Error(`segment start ${startOffset} is not aligned`);
    const segment = SegmentFile.create(
      path.join(this.dir, segmentFileName(startOffset)),
      startOffset,
      this.segmentSize,
    );
    this.#segments.push(segment);
    return segment;
  }

  /** Writes bytes at a log offset; they must fit in one segment, which is created if it is the next one. */
  write(offset: number, data: Uint8Array): void {
    const start = offset - (offset % this.segmentSize);
    if (offset + data.length > start + this.segmentSize) {
      throw new RangeError(
        `write of ${data.length} bytes at ${offset} crosses a segment boundary in ${this.dir}`,
      );
    }
    this.segmentStartingAt(start).write(data, offset - start);
  }

  /** Reads up to `length` bytes at a log offset, never across a segment end; undefined when not stored. */
  read(offset: number, length: number): Buffer | undefined {
    const segment = this.segmentFor(offset);
    if (!segment) return undefined;
    return segment.read(offset - segment.startOffset, Math.min(length, segment.endOffset - offset));
  }

  /**
   * Drops everything at and after `offset` (RocketMQ truncateDirtyFiles): later segments are deleted and the rest
   * of the segment holding `offset` is zeroed, so a torn or rolled-back tail can never be read back.
   */
  truncateFrom(offset: number): void {
    for (let last = this.lastSegment; last && last.startOffset > offset; last = this.lastSegment) {
      this.#segments.pop();
      last.destroy();
    }
    const holder = this.segmentFor(offset);
    if (holder) holder.zeroFrom(offset - holder.startOffset);
  }

  /** Deletes whole segments that end at or before `offset`, oldest first, keeping at least the last one. */
  deleteSegmentsBefore(offset: number): number {
    let deleted = 0;
    while (this.#segments.length > 1) {
      const first = this.#segments[0];
      if (!first || first.endOffset > offset) break;
      this.#segments.shift();
      first.destroy();
      deleted++;
    }
    return deleted;
  }

  /** Deletes the oldest segments for which `expired` says yes, stopping at the first that is not (or the last one). */
  deleteOldestWhile(expired: (segment: SegmentFile) => boolean): SegmentFile[] {
    const removed: SegmentFile[] = [];
    while (this.#segments.length > 1) {
      const first = this.#segments[0];
      if (!first || !expired(first)) break;
      this.#segments.shift();
      first.destroy();
      removed.push(first);
    }
    return removed;
  }

  /** fdatasync of every segment touched since `fromOffset` (normally only the last one or two). */
  async sync(fromOffset: number): Promise<void> {
    await Promise.all(this.#segments.filter((s) => s.endOffset > fromOffset).map((s) => s.sync()));
  }

  diskBytes(): number {
    return this.#segments.length * this.segmentSize;
  }

  close(): void {
    for (const segment of this.#segments) segment.close();
  }

  /** Deletes every segment and the directory. */
  destroy(): void {
    for (const segment of this.#segments) segment.destroy();
    this.#segments = [];
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
