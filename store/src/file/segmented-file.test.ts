import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isSkyrocketError } from '@skyrocket/common';
import { SegmentedFile } from './segmented-file';

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'segmented-'));

describe('SegmentedFile', () => {
  it('writes and reads across segments named by their 20-digit start offset', () => {
    const dir = tempDir();
    const log = new SegmentedFile(dir, 1024);
    log.load();
    log.write(0, Buffer.from('first'));
    log.write(1024, Buffer.from('second'));
    log.write(2048 + 10, Buffer.from('third'));
    expect(fs.readdirSync(dir).sort()).toEqual([
      '00000000000000000000',
      '00000000000000001024',
      '00000000000000002048',
    ]);
    expect(fs.statSync(path.join(dir, '00000000000000000000')).size).toBe(1024);
    expect(log.read(1024, 6)?.toString()).toBe('second');
    expect(log.read(2058, 5)?.toString()).toBe('third');
    expect(log.read(1020, 100)?.length).toBe(4);
    expect(log.read(4096, 1)).toBeUndefined();
    expect(() => log.write(1020, Buffer.alloc(10))).toThrow(/crosses a segment boundary/);
    log.close();

    const reopened = new SegmentedFile(dir, 1024);
    reopened.load();
    expect(reopened.segments.map((s) => s.startOffset)).toEqual([0, 1024, 2048]);
    expect(reopened.read(0, 5)?.toString()).toBe('first');
    reopened.close();
  });

  it('refuses segments of the wrong length and gaps between segments', () => {
    const dir = tempDir();
    const log = new SegmentedFile(dir, 1024);
    log.load();
    log.write(0, Buffer.from('x'));
    log.write(1024, Buffer.from('y'));
    log.close();
    const wrongSize = new SegmentedFile(dir, 2048);
    expect(() => wrongSize.load()).toThrow(/is 1024 bytes, expected 2048/);
    fs.truncateSync(path.join(dir, '00000000000000001024'), 100);
    try {
      new SegmentedFile(dir, 1024).load();
      throw new Error('expected a failure');
    } catch (error) {
      expect(isSkyrocketError(error, 'SEGMENT_WRONG_SIZE')).toBe(true);
    }
    fs.rmSync(path.join(dir, '00000000000000001024'));
    fs.writeFileSync(path.join(dir, '00000000000000002048'), Buffer.alloc(1024));
    expect(() => new SegmentedFile(dir, 1024).load()).toThrow(/not contiguous/);
  });

  it('truncates a tail: later segments deleted, the rest of the holder zeroed', () => {
    const dir = tempDir();
    const log = new SegmentedFile(dir, 1024);
    log.load();
    log.write(0, Buffer.alloc(1024, 7));
    log.write(1024, Buffer.alloc(512, 8));
    log.truncateFrom(600);
    expect(log.segments.map((s) => s.startOffset)).toEqual([0]);
    expect(log.read(0, 600)?.every((b) => b === 7)).toBe(true);
    expect(log.read(600, 424)?.every((b) => b === 0)).toBe(true);
    log.close();
  });

  it('deletes old segments but always keeps the last one', () => {
    const dir = tempDir();
    const log = new SegmentedFile(dir, 1024);
    log.load();
    for (const start of [0, 1024, 2048]) log.write(start, Buffer.from('z'));
    expect(log.deleteSegmentsBefore(2048)).toBe(2);
    expect(log.minOffset).toBe(2048);
    expect(log.read(0, 1)).toBeUndefined();
    expect(log.deleteSegmentsBefore(10_000)).toBe(0);
    log.close();
  });
});
