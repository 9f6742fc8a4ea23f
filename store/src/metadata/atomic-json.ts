// The module object itself, read at every call (not a namespace copy): the crash tests fail each step through it.
import fs from 'node:fs';
import * as path from 'node:path';
import { SkyrocketError } from '@skyrocket/common';
import { ioError } from '../file/segment-file';

/**
 * Metadata files (topics, subscription groups, consumer offsets, delay progress) are JSON written atomically:
 * write `<file>.tmp`, fsync it, rename over `<file>`, fsync the directory. A crash at any point leaves either the
 * old file or the new one, never a mix (RocketMQ's ConfigManager keeps a .bak instead; rename is stronger).
 */
export function writeJsonAtomic(filePath: string, value: unknown): void {
  const dir = path.dirname(filePath);
  const tmp = `${filePath}.tmp`;
  const data = Buffer.from(JSON.stringify(value, null, 2) + '\n', 'utf8');
  try {
    fs.mkdirSync(dir, { recursive: true });
    const fd = fs.openSync(tmp, 'w');
    try {
      let written = 0;
      while (written < data.length) written += fs.writeSync(fd, data, written, data.length - written);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, filePath);
    const dirFd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dirFd);
    } finally {
      fs.closeSync(dirFd);
    }
  } catch (error) {
    throw ioError(`write ${filePath}`, error);
  }
}

/** Reads a JSON metadata file; undefined when absent. A file that does not parse is corruption, not "absent". */
export function readJson(filePath: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(filePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError(`read ${filePath}`, error);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SkyrocketError('STORE_CORRUPTED', `metadata file ${filePath} is not valid JSON`, {
      cause: error,
    });
  }
}
