import * as fs from 'node:fs';
import * as path from 'node:path';
import { SkyrocketError } from '@skyrocket/common';

/**
 * One preallocated segment file: a fixed-length file named by the offset of its first byte in the log it belongs
 * to (layout.ts). Node has no mmap, so writes are positional `pwrite`s that land in the page cache and reads are
 * positional `pread`s served from it (DESIGN.md §4). Both are synchronous: against the page cache they take
 * microseconds, and keeping them synchronous makes every write visible to the next read in the same turn.
 * Durability comes from sync(), an fdatasync on libuv's thread pool so the event loop never waits on the disk.
 */
export class SegmentFile {
  readonly path: string;
  /** Offset of the first byte of this segment in its log. */
  readonly startOffset: number;
  readonly size: number;
  #fd: number;

  private constructor(filePath: string, startOffset: number, size: number, fd: number) {
    this.path = filePath;
    this.startOffset = startOffset;
    this.size = size;
    this.#fd = fd;
  }

  /** Opens an existing segment; refuses one whose length is not `size` (a torn preallocation or wrong config). */
  static open(filePath: string, startOffset: number, size: number): SegmentFile {
    const fd = openOrThrow(filePath, 'r+');
    const actual = fs.fstatSync(fd).size;
    if (actual !== size) {
      fs.closeSync(fd);
      throw new SkyrocketError(
        'SEGMENT_WRONG_SIZE',
        `segment ${filePath} is ${actual} bytes, expected ${size}; the segment size setting must match the files on disk`,
      );
    }
    return new SegmentFile(filePath, startOffset, size, fd);
  }

  /** Creates a new segment preallocated (sparse) to `size` bytes; fails if it exists. */
  static create(filePath: string, startOffset: number, size: number): SegmentFile {
    fs.mkdirSync(path.dirname(filePath), { recursive: true });
    const fd = openOrThrow(filePath, 'wx+');
    try {
      fs.ftruncateSync(fd, size);
    } catch (error) {
      fs.closeSync(fd);
      fs.rmSync(filePath, { force: true });
      throw ioError(`preallocate ${filePath}`, error);
    }
    return new SegmentFile(filePath, startOffset, size, fd);
  }

  get endOffset(): number {
    return this.startOffset + this.size;
  }

  /** Writes `data` at `position` within this segment. */
  write(data: Uint8Array, position: number): void {
    if (position < 0 || position + data.length > this.size) {
      throw new RangeError(`write of ${data.length} bytes at ${position} overruns segment ${this.path}`);
    }
    let written = 0;
    try {
      while (written < data.length) {
        written += fs.writeSync(this.#fd, data, written, data.length - written, position + written);
      }
    } catch (error) {
      throw ioError(`write ${this.path}`, error);
    }
  }

  /** Reads `length` bytes at `position` within this segment into a new buffer (short only past the file end). */
  read(position: number, length: number): Buffer {
    const buffer = Buffer.allocUnsafe(Math.max(0, Math.min(length, this.size - position)));
    const n = this.readInto(buffer, 0, buffer.length, position);
    return n === buffer.length ? buffer : buffer.subarray(0, n);
  }

  readInto(target: Uint8Array, targetOffset: number, length: number, position: number): number {
    let total = 0;
    try {
      while (total < length) {
        const n = fs.readSync(this.#fd, target, targetOffset + total, length - total, position + total);
        if (n === 0) break;
        total += n;
      }
    } catch (error) {
      throw ioError(`read ${this.path}`, error);
    }
    return total;
  }

  /**
   * Zeroes the written bytes from `from` on, so a torn or rolled-back tail can never be read back as records.
   * Logs are written front to back into sparse preallocated files, so the first chunk that is already all zeros
   * marks the end of what was ever written: zeroing stops there instead of writing the whole (1 GiB) remainder.
   */
  zeroFrom(from: number): void {
    const chunkBytes = 1024 * 1024;
    const zeros = Buffer.alloc(chunkBytes);
    const probe = Buffer.allocUnsafe(chunkBytes);
    for (let position = from; position < this.size; position += chunkBytes) {
      const length = Math.min(chunkBytes, this.size - position);
      const n = this.readInto(probe, 0, length, position);
      if (probe.subarray(0, n).equals(zeros.subarray(0, n))) break;
      this.write(zeros.subarray(0, length), position);
    }
  }

  /** fdatasync on the thread pool: resolves when every write so far is durable. */
  sync(): Promise<void> {
    return new Promise((resolve, reject) => {
      fs.fdatasync(this.#fd, (error) =>
        error ? reject(ioError(`fdatasync ${this.path}`, error)) : resolve(),
      );
    });
  }

  syncNow(): void {
    try {
      fs.fdatasyncSync(this.#fd);
    } catch (error) {
      throw ioError(`fdatasync ${this.path}`, error);
    }
  }

  close(): void {
    if (this.#fd >= 0) {
      fs.closeSync(this.#fd);
      this.#fd = -1;
    }
  }

  /** Closes and removes the file. */
  destroy(): void {
    this.close();
    fs.rmSync(this.path, { force: true });
  }
}

function openOrThrow(filePath: string, flags: string): number {
  try {
    return fs.openSync(filePath, flags);
  } catch (error) {
    throw ioError(`open ${filePath}`, error);
  }
}

/** Maps a Node fs error to the catalog: ENOSPC is DISK_FULL, everything else STORE_IO_ERROR, cause attached. */
export function ioError(what: string, error: unknown): SkyrocketError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return new SkyrocketError(
    code === 'ENOSPC' || code === 'EDQUOT' ? 'DISK_FULL' : 'STORE_IO_ERROR',
    `${what}: ${message}`,
    {
      cause: error,
    },
  );
}
