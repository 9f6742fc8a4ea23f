import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '@skyrocket/common';
import { crc32 } from '@skyrocket/remoting/message';
import { CHECKPOINT_BYTES } from '../layout';
import { ioError } from './segment-file';

/**
 * The checkpoint file (layout.ts; RocketMQ StoreCheckpoint): how far each part of the store is durable, so recovery
 * after a crash scans the commit log from there instead of from its start. Layout, big-endian:
 *
 *   int64 commitLogFlushedOffset · int64 consumeQueueFlushedOffset · int64 indexFlushedOffset ·
 *   int64 lastStoreTimestamp · int32 CRC32 (UtilAll.crc32 form) of the 32 bytes before it
 *
 * RocketMQ rewrites a 4 KiB page in place through mmap; here the file is replaced atomically (write
 * `checkpoint.tmp`, fsync, rename, fsync the directory), so a crash leaves the old checkpoint or the new one.
 *
 * A checkpoint that is missing, of the wrong length, fails its CRC or holds values out of range reads as absent
 * (with a warning). That is safe because the checkpoint is only an optimisation: without it recovery scans and
 * validates the whole commit log from its first segment and re-dispatches every record. Re-dispatch is idempotent
 * (a ConsumeQueue entry is placed by its queue offset, so an entry written again lands on itself), so starting
 * earlier than necessary costs time, never correctness; trusting a damaged checkpoint could skip records or start
 * mid-record.
 */

export interface Checkpoint {
  /** Every commit-log byte below it is durable (fdatasync'd). */
  commitLogFlushedOffset: number;
  /** Every ConsumeQueue entry for commit-log bytes below it is durable. */
  consumeQueueFlushedOffset: number;
  /** The index covers every message below it. */
  indexFlushedOffset: number;
  /** Store timestamp of the last durable message (0 when none). */
  lastStoreTimestamp: number;
}

const FIELDS = [
  'commitLogFlushedOffset',
  'consumeQueueFlushedOffset',
  'indexFlushedOffset',
  'lastStoreTimestamp',
] as const satisfies ReadonlyArray<keyof Checkpoint>;
const CRC_POSITION = FIELDS.length * 8;

/** The 36 bytes of a checkpoint. Throws RangeError for a value that is not a non-negative safe integer. */
export function encodeCheckpoint(checkpoint: Checkpoint): Buffer {
  const buffer = Buffer.alloc(CHECKPOINT_BYTES);
  FIELDS.forEach((field, i) => {
    const value = checkpoint[field];
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`checkpoint ${field} must be a non-negative safe integer, got ${value}`);
    }
    buffer.writeBigInt64BE(BigInt(value), i * 8);
  });
  buffer.writeInt32BE(crc32(buffer.subarray(0, CRC_POSITION)), CRC_POSITION);
  return buffer;
}

/** Decodes a checkpoint; a string saying why when the bytes are not a valid one. */
export function decodeCheckpoint(bytes: Buffer): Checkpoint | string {
  if (bytes.length !== CHECKPOINT_BYTES) return `it is ${bytes.length} bytes, expected ${CHECKPOINT_BYTES}`;
  const expected = crc32(bytes.subarray(0, CRC_POSITION));
  const actual = bytes.readInt32BE(CRC_POSITION);
  if (actual !== expected) return `its CRC32 is ${actual}, the data's is ${expected}`;
  const values: number[] = [];
  for (let i = 0; i < FIELDS.length; i++) {
    const value = bytes.readBigInt64BE(i * 8);
    if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER))
      return `${FIELDS[i]} is out of range (${value})`;
    values.push(Number(value));
  }
  const [
    commitLogFlushedOffset = 0,
    consumeQueueFlushedOffset = 0,
    indexFlushedOffset = 0,
    lastStoreTimestamp = 0,
  ] = values;
  return { commitLogFlushedOffset, consumeQueueFlushedOffset, indexFlushedOffset, lastStoreTimestamp };
}

/** The checkpoint file of a store. Writes are serialised, so a periodic write and a final one never interleave. */
export class StoreCheckpoint {
  readonly path: string;
  readonly #logger: Logger;
  #writing: Promise<void> = Promise.resolve();

  constructor(filePath: string, logger: Logger) {
    this.path = filePath;
    this.#logger = logger;
  }

  /** The stored checkpoint, or undefined when absent or damaged (see the file comment for why that is safe). */
  read(): Checkpoint | undefined {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw ioError(`read ${this.path}`, error);
    }
    const checkpoint = decodeCheckpoint(bytes);
    if (typeof checkpoint === 'string') {
      this.#logger.warn(
        { path: this.path },
        `checkpoint ${this.path} is damaged (${checkpoint}); ignoring it, recovery scans the commit log from its start`,
      );
      return undefined;
    }
    return checkpoint;
  }

  /** Replaces the checkpoint atomically without blocking the event loop on the fsyncs. */
  write(checkpoint: Checkpoint): Promise<void> {
    const bytes = encodeCheckpoint(checkpoint);
    const next = this.#writing.then(() => this.#writeAsync(bytes));
    this.#writing = next.catch(() => undefined);
    return next;
  }

  /**
   * Replaces the checkpoint atomically, synchronously (shutdown, tests). It shares the temp file with write(), so
   * await the last write() first.
   */
  writeSync(checkpoint: Checkpoint): void {
    const bytes = encodeCheckpoint(checkpoint);
    const tmp = `${this.path}.tmp`;
    try {
      const fd = fs.openSync(tmp, 'w');
      try {
        writeAll(fd, bytes);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, this.path);
      const dirFd = fs.openSync(path.dirname(this.path), 'r');
      try {
        fs.fsyncSync(dirFd);
      } finally {
        fs.closeSync(dirFd);
      }
    } catch (error) {
      throw ioError(`write ${this.path}`, error);
    }
  }

  async #writeAsync(bytes: Buffer): Promise<void> {
    const tmp = `${this.path}.tmp`;
    try {
      const file = await fs.promises.open(tmp, 'w');
      try {
        for (let written = 0; written < bytes.length;) {
          written += (await file.write(bytes, written, bytes.length - written, written)).bytesWritten;
        }
        await file.sync();
      } finally {
        await file.close();
      }
      await fs.promises.rename(tmp, this.path);
      const dir = await fs.promises.open(path.dirname(this.path), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch (error) {
      throw ioError(`write ${this.path}`, error);
    }
  }
}

function writeAll(fd: number, bytes: Buffer): void {
  let written = 0;
  while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written);
}
