import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { isSkyrocketError } from '@skyrocket/common';
import { javaStringHashCode } from '@skyrocket/remoting/message';
import { INDEX_ENTRY_BYTES, INDEX_HEADER_BYTES, INDEX_SLOT_BYTES } from '../layout';
import { IndexFile, indexFileBytes, indexKeyHash, indexKeyHashOfPart } from './index-file';

const dirs: string[] = [];
const tempFile = (name = '20240101000000000') => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'index-file-'));
  dirs.push(dir);
  return path.join(dir, name);
};
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const T0 = 1_700_000_000_000;

function select(file: IndexFile, key: string, begin = 0, end = Number.MAX_SAFE_INTEGER, max = 100): number[] {
  const out: number[] = [];
  file.selectOffsets(key, max, begin, end, out, new Set());
  return out;
}

describe('indexKeyHash', () => {
  it('is |String.hashCode()|, with 0 for Integer.MIN_VALUE (IndexFile.indexKeyHashMethod)', () => {
    expect(indexKeyHash('TopicA#order-1')).toBe(Math.abs(javaStringHashCode('TopicA#order-1')));
    expect(javaStringHashCode('polygenelubricants')).toBe(-0x80000000);
    expect(indexKeyHash('polygenelubricants')).toBe(0);
    const negative = ['a', 'b', 'c', 'd', 'e'].map((s) => s.repeat(9)).find((s) => javaStringHashCode(s) < 0);
    expect(negative).toBeDefined();
    expect(indexKeyHash(negative ?? '')).toBe(-javaStringHashCode(negative ?? ''));
  });

  it('hashes `prefix + part of a key` from the prefix hash as it hashes the concatenated string', () => {
    expect(indexKeyHashOfPart(javaStringHashCode('polygenelubri'), 'xcants', 1, 6)).toBe(0);
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.nat(), fc.nat(), (prefix, key, a, b) => {
        const start = Math.min(a, b) % (key.length + 1);
        const end = Math.max(start, Math.max(a, b) % (key.length + 1));
        expect(indexKeyHashOfPart(javaStringHashCode(prefix), key, start, end)).toBe(
          indexKeyHash(prefix + key.slice(start, end)),
        );
      }),
    );
  });
});

describe('IndexFile', () => {
  const config = { hashSlots: 8, maxEntries: 5 };

  it('writes RocketMQ layout: 40-byte header, int32 slots, 20-byte chained entries from number 1', async () => {
    const filePath = tempFile();
    const file = IndexFile.create(filePath, config);
    expect(fs.statSync(filePath).size).toBe(40 + 8 * 4 + 5 * 20);
    expect(indexFileBytes(config)).toBe(40 + 8 * 4 + 5 * 20);
    expect(file.putKey('T#k1', 1000, T0)).toBe(true);
    expect(file.putKey('T#k2', 2000, T0 + 2500)).toBe(true);
    expect(file.putKey('T#k1', 3000, T0 + 5999)).toBe(true);
    expect(file.putKey('T#k3', 4000, T0 + 7000)).toBe(true);
    // maxEntries counts entry 0, which is never used.
    expect(file.isFull).toBe(true);
    expect(file.putKey('T#k4', 5000, T0 + 8000)).toBe(false);
    await file.flush();

    const raw = fs.readFileSync(filePath);
    const slotOf = (key: string) => INDEX_HEADER_BYTES + (indexKeyHash(key) % 8) * INDEX_SLOT_BYTES;
    const entryAt = (n: number) => INDEX_HEADER_BYTES + 8 * INDEX_SLOT_BYTES + n * INDEX_ENTRY_BYTES;
    const distinctSlots = new Set(['T#k1', 'T#k2', 'T#k3'].map(slotOf)).size;
    expect(raw.readBigInt64BE(0)).toBe(BigInt(T0));
    expect(raw.readBigInt64BE(8)).toBe(BigInt(T0 + 7000));
    expect(raw.readBigInt64BE(16)).toBe(1000n);
    expect(raw.readBigInt64BE(24)).toBe(4000n);
    expect(raw.readInt32BE(32)).toBe(distinctSlots);
    expect(raw.readInt32BE(36)).toBe(5);
    expect(raw.readInt32BE(slotOf('T#k1'))).toBe(3);
    expect(raw.subarray(entryAt(0), entryAt(1)).every((b) => b === 0)).toBe(true);
    // Entry 3: keyHash, commitLogOffset, whole seconds since beginTimestamp, previous entry of the slot.
    expect(raw.readInt32BE(entryAt(3))).toBe(indexKeyHash('T#k1'));
    expect(raw.readBigInt64BE(entryAt(3) + 4)).toBe(3000n);
    expect(raw.readInt32BE(entryAt(3) + 12)).toBe(5);
    expect(raw.readInt32BE(entryAt(3) + 16)).toBe(1);
    expect(raw.readInt32BE(entryAt(2) + 12)).toBe(2);
    expect(raw.readInt32BE(entryAt(1) + 16)).toBe(0);
    file.close();

    const reopened = IndexFile.open(filePath, config);
    expect([reopened.beginTimestamp, reopened.endPhyOffset, reopened.indexCount]).toEqual([T0, 4000, 5]);
    expect(select(reopened, 'T#k1')).toEqual([3000, 1000]);
    expect(select(reopened, 'T#k2')).toEqual([2000]);
    expect(select(reopened, 'T#k9')).toEqual([]);
    reopened.close();
  });

  it('finds keys before any flush and matches time to the second it was stored in', () => {
    const file = IndexFile.create(tempFile(), { hashSlots: 2, maxEntries: 100 });
    file.putKey('T#a', 10, T0);
    file.putKey('T#a', 20, T0 + 1500);
    file.putKey('T#a', 30, T0 + 3000);
    expect(select(file, 'T#a')).toEqual([30, 20, 10]);
    // Entry 20 reads back as T0 + 1000: kept for a range starting anywhere in its second.
    expect(select(file, 'T#a', T0 + 1500, T0 + 3000)).toEqual([30, 20]);
    expect(select(file, 'T#a', T0 + 1999, T0 + 2999)).toEqual([20]);
    expect(select(file, 'T#a', T0 + 2000, T0 + 2999)).toEqual([]);
    expect(select(file, 'T#a', 0, T0 + 999)).toEqual([10]);
    expect(select(file, 'T#a', 0, Number.MAX_SAFE_INTEGER, 2)).toEqual([30, 20]);
    expect(file.isTimeMatched(T0 + 3001, T0 + 9000)).toBe(false);
    expect(file.isTimeMatched(0, T0)).toBe(true);
    file.close();
  });

  it('refuses a file whose length does not fit the configuration', () => {
    const filePath = tempFile();
    IndexFile.create(filePath, config).close();
    try {
      IndexFile.open(filePath, { hashSlots: 16, maxEntries: 5 });
      throw new Error('expected a failure');
    } catch (error) {
      expect(isSkyrocketError(error, 'SEGMENT_WRONG_SIZE')).toBe(true);
    }
    expect(() => IndexFile.create(tempFile(), { hashSlots: 0, maxEntries: 5 })).toThrow(RangeError);
    expect(() => IndexFile.create(tempFile(), { hashSlots: 1, maxEntries: 1 })).toThrow(RangeError);
  });

  it('repairs slots an interrupted flush left pointing past the header', async () => {
    const filePath = tempFile();
    const file = IndexFile.create(filePath, { hashSlots: 4, maxEntries: 100 });
    for (let i = 1; i <= 6; i++) file.putKey(`T#k${i % 3}`, i * 100, T0 + i);
    await file.flush();
    file.close();
    // As if a flush wrote slots for entries 7 and 8 and then the process died before the header.
    const slots = (key: string) => INDEX_HEADER_BYTES + (indexKeyHash(key) % 4) * INDEX_SLOT_BYTES;
    const fd = fs.openSync(filePath, 'r+');
    const value = Buffer.alloc(4);
    value.writeInt32BE(8);
    fs.writeSync(fd, value, 0, 4, slots('T#k1'));
    fs.closeSync(fd);

    const reopened = IndexFile.open(filePath, { hashSlots: 4, maxEntries: 100 });
    expect(select(reopened, 'T#k1')).toEqual([]);
    expect(reopened.repairSlots()).toBe(1);
    expect(select(reopened, 'T#k1')).toEqual([400, 100]);
    expect(reopened.repairSlots()).toBe(0);
    // A key put now chains onto the repaired slot.
    reopened.putKey('T#k1', 700, T0 + 7);
    expect(select(reopened, 'T#k1')).toEqual([700, 400, 100]);
    reopened.close();
  });

  it('lets a later seal() win over the header snapshot of a flush in flight', async () => {
    const filePath = tempFile();
    const file = IndexFile.create(filePath, { hashSlots: 4, maxEntries: 100 });
    file.putKey('T#a', 100, T0);
    const flushing = file.flush();
    file.putKey('T#a', 200, T0 + 1);
    file.seal();
    await flushing;
    file.close();
    const reopened = IndexFile.open(filePath, { hashSlots: 4, maxEntries: 100 });
    expect(reopened.indexCount).toBe(3);
    expect(select(reopened, 'T#a')).toEqual([200, 100]);
    reopened.close();
  });
});
