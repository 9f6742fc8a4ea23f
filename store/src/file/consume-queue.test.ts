import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isSkyrocketError } from '@skyrocket/common';
import { CQ_ENTRY_BYTES } from '../layout';
import { ConsumeQueue, type ConsumeQueueEntry, topicDirectoryName } from './consume-queue';

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'consume-queue-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const ENTRIES_PER_SEGMENT = 4;
const SEGMENT_BYTES = ENTRIES_PER_SEGMENT * CQ_ENTRY_BYTES;

function openQueue(root: string, entriesPerSegment = ENTRIES_PER_SEGMENT): ConsumeQueue {
  const queue = new ConsumeQueue({ dir: root, topic: 'TopicA', queueId: 3, entriesPerSegment });
  queue.load();
  queue.recover();
  return queue;
}

/** Entry i of the test queues: 100 bytes at commit-log offset 1000 + i × 100 (past 2^32 for large i). */
const entry = (queueOffset: number, base = 1000): ConsumeQueueEntry => ({
  queueOffset,
  commitLogOffset: base + queueOffset * 100,
  size: 100,
  tagsCode: queueOffset % 2 === 0 ? -queueOffset || 0 : 1_700_000_000_000 + queueOffset,
});

function put(queue: ConsumeQueue, e: ConsumeQueueEntry): void {
  queue.putEntry(e.queueOffset, e.commitLogOffset, e.size, e.tagsCode);
}

/** Reads the whole queue from `from` the way a puller does: loop, one segment per call at most. */
function readAll(queue: ConsumeQueue, from = queue.minOffset): ConsumeQueueEntry[] {
  const all: ConsumeQueueEntry[] = [];
  for (let offset = from; offset < queue.maxOffset;) {
    const batch = queue.getEntries(offset, 1000);
    if (batch.length === 0) break;
    all.push(...batch);
    offset = (batch[batch.length - 1]?.queueOffset ?? offset) + 1;
  }
  return all;
}

const segmentNames = (queue: ConsumeQueue) => fs.readdirSync(queue.directory).sort();

describe('ConsumeQueue', () => {
  it('round-trips entries across segment roll-over, before and after reopening', async () => {
    const root = tempDir();
    const queue = openQueue(root);
    expect(queue.directory).toBe(path.join(root, 'consumequeue', 'TopicA', '3'));
    expect([queue.minOffset, queue.maxOffset, queue.maxPhysicalOffset]).toEqual([0, 0, -1]);
    expect(queue.lastEntry()).toBeUndefined();

    const expected = Array.from({ length: 10 }, (_, i) => entry(i));
    for (const e of expected) {
      put(queue, e);
      // Visible at once, before any flush.
      expect(queue.getEntries(e.queueOffset, 1)).toEqual([e]);
    }
    expect(queue.maxOffset).toBe(10);
    expect(queue.maxPhysicalOffset).toBe(1000 + 9 * 100 + 100);
    expect(queue.lastEntry()).toEqual(expected[9]);
    // One call never passes the end of a segment.
    expect(queue.getEntries(1, 100)).toEqual(expected.slice(1, 4));
    expect(queue.getEntries(4, 2)).toEqual(expected.slice(4, 6));
    expect(queue.getEntries(9, 100)).toEqual(expected.slice(9));
    expect(queue.getEntries(10, 100)).toEqual([]);
    expect(readAll(queue)).toEqual(expected);

    await queue.flush();
    expect(segmentNames(queue)).toEqual([
      '00000000000000000000',
      '00000000000000000080',
      '00000000000000000160',
    ]);
    expect(fs.statSync(path.join(queue.directory, '00000000000000000080')).size).toBe(SEGMENT_BYTES);
    // RocketMQ's entry layout, big-endian: int64 commitLogOffset, int32 size, int64 tagsCode.
    const raw = fs.readFileSync(path.join(queue.directory, '00000000000000000080'));
    expect(raw.readBigInt64BE(0)).toBe(1400n);
    expect(raw.readInt32BE(8)).toBe(100);
    expect(raw.readBigInt64BE(12)).toBe(-4n);
    expect(raw.readBigInt64BE(20 + 12)).toBe(1_700_000_000_005n);
    expect(queue.diskBytes()).toBe(3 * SEGMENT_BYTES);
    queue.close();

    const reopened = openQueue(root);
    expect([reopened.minOffset, reopened.maxOffset, reopened.maxPhysicalOffset]).toEqual([0, 10, 2000]);
    expect(readAll(reopened)).toEqual(expected);
    reopened.close();
  });

  it('keeps commit-log offsets and tag codes beyond 32 bits exact', () => {
    const root = tempDir();
    const queue = openQueue(root);
    queue.putEntry(0, 2 ** 40 + 7, 4 * 1024 * 1024, Number.MIN_SAFE_INTEGER);
    queue.putEntry(1, Number.MAX_SAFE_INTEGER - 10, 10, Number.MAX_SAFE_INTEGER);
    queue.close();
    const reopened = openQueue(root);
    expect(reopened.getEntries(0, 2)).toEqual([
      {
        queueOffset: 0,
        commitLogOffset: 2 ** 40 + 7,
        size: 4 * 1024 * 1024,
        tagsCode: Number.MIN_SAFE_INTEGER,
      },
      {
        queueOffset: 1,
        commitLogOffset: Number.MAX_SAFE_INTEGER - 10,
        size: 10,
        tagsCode: Number.MAX_SAFE_INTEGER,
      },
    ]);
    expect(reopened.maxPhysicalOffset).toBe(Number.MAX_SAFE_INTEGER);
    reopened.close();
  });

  it('keeps what was flushed across a crash (no close) and loses only the unflushed buffer', async () => {
    const root = tempDir();
    const queue = openQueue(root, 1000);
    for (let i = 0; i < 5; i++) put(queue, entry(i));
    await queue.flush();
    for (let i = 5; i < 8; i++) put(queue, entry(i));
    // Crash: the buffered entries 5..7 never reach the file; re-dispatch from the checkpoint rebuilds them.
    const recovered = openQueue(root, 1000);
    expect(recovered.maxOffset).toBe(5);
    for (let i = 5; i < 8; i++) put(recovered, entry(i));
    expect(readAll(recovered)).toEqual(Array.from({ length: 8 }, (_, i) => entry(i)));
    recovered.close();
  });

  it('recovers after garbage or a torn entry at the tail', () => {
    const root = tempDir();
    const queue = openQueue(root);
    for (let i = 0; i < 6; i++) put(queue, entry(i));
    queue.close();
    const lastSegment = path.join(queue.directory, '00000000000000000080');

    // A torn entry: only its commitLogOffset reached the file.
    const torn = Buffer.alloc(8);
    torn.writeBigInt64BE(1600n);
    writeAt(lastSegment, 2 * CQ_ENTRY_BYTES, torn);
    let reopened = openQueue(root);
    expect(reopened.maxOffset).toBe(6);
    expect(reopened.maxPhysicalOffset).toBe(1600);
    expect(
      fs
        .readFileSync(lastSegment)
        .subarray(2 * CQ_ENTRY_BYTES)
        .every((b) => b === 0),
    ).toBe(true);
    reopened.close();

    // Random garbage, and garbage shaped like entries: positive size, but going backwards in the commit log.
    writeAt(lastSegment, 2 * CQ_ENTRY_BYTES, Buffer.from('9f3ac1d2e4b5a6978899aabbccddeeff00112233', 'hex'));
    reopened = openQueue(root);
    expect(reopened.maxOffset).toBe(6);
    reopened.close();
    const backwards = Buffer.alloc(CQ_ENTRY_BYTES);
    backwards.writeBigInt64BE(100n);
    backwards.writeInt32BE(50, 8);
    writeAt(lastSegment, 2 * CQ_ENTRY_BYTES, backwards);
    reopened = openQueue(root);
    expect(reopened.maxOffset).toBe(6);
    expect(readAll(reopened)).toEqual(Array.from({ length: 6 }, (_, i) => entry(i)));
    reopened.close();
  });

  it('drops the segments after a hole: zeros end the data, as in RocketMQ', () => {
    const root = tempDir();
    const queue = openQueue(root);
    for (let i = 0; i < 10; i++) put(queue, entry(i));
    queue.close();
    writeAt(
      path.join(queue.directory, '00000000000000000080'),
      3 * CQ_ENTRY_BYTES,
      Buffer.alloc(CQ_ENTRY_BYTES),
    );
    const reopened = openQueue(root);
    expect(reopened.maxOffset).toBe(7);
    expect(segmentNames(reopened)).toEqual(['00000000000000000000', '00000000000000000080']);
    reopened.close();
  });

  it('re-dispatch is idempotent: entries are written at queueOffset × 20', () => {
    const root = tempDir();
    const queue = openQueue(root);
    const expected = Array.from({ length: 7 }, (_, i) => entry(i));
    for (const e of expected) put(queue, e);
    queue.close();
    const reopened = openQueue(root);
    for (const e of expected) put(reopened, e);
    expect(reopened.maxOffset).toBe(7);
    expect(readAll(reopened)).toEqual(expected);
    reopened.close();
  });

  it('starts an empty queue at a later offset behind pre-blank entries, as fillPreBlank does', () => {
    const root = tempDir();
    const queue = openQueue(root);
    put(queue, entry(6));
    put(queue, entry(7));
    expect([queue.minOffset, queue.maxOffset]).toEqual([6, 8]);
    expect(queue.getEntries(6, 10)).toEqual([entry(6), entry(7)]);
    // Reads below minOffset see no blanks.
    expect(queue.getEntries(4, 10)).toEqual([entry(6), entry(7)]);
    queue.close();
    // Only the segment holding offset 6 exists; its head is blank (commitLogOffset 0, size Integer.MAX_VALUE).
    expect(segmentNames(queue)).toEqual(['00000000000000000080']);
    const raw = fs.readFileSync(path.join(queue.directory, '00000000000000000080'));
    expect([raw.readBigInt64BE(0), raw.readInt32BE(8), raw.readBigInt64BE(12)]).toEqual([0n, 0x7fffffff, 0n]);

    const reopened = openQueue(root);
    expect([reopened.minOffset, reopened.maxOffset, reopened.maxPhysicalOffset]).toEqual([6, 8, 1800]);
    reopened.close();
  });

  it('fills a gap in the middle of a queue with blanks that readers skip', () => {
    const root = tempDir();
    const queue = openQueue(root);
    put(queue, entry(0));
    put(queue, entry(1));
    put(queue, entry(9));
    expect(queue.maxOffset).toBe(10);
    expect(queue.getEntries(0, 10)).toEqual([entry(0), entry(1)]);
    // Blanks 2..8 span two segments; the read skips them and stops at the end of the segment holding entry 9.
    expect(queue.getEntries(2, 10)).toEqual([entry(9)]);
    expect(readAll(queue)).toEqual([entry(0), entry(1), entry(9)]);
    queue.close();
    const reopened = openQueue(root);
    expect(reopened.maxOffset).toBe(10);
    expect(readAll(reopened)).toEqual([entry(0), entry(1), entry(9)]);
    reopened.close();
  });

  it('truncates entries pointing at or past a commit-log offset', async () => {
    const root = tempDir();
    const queue = openQueue(root);
    for (let i = 0; i < 11; i++) put(queue, entry(i));
    queue.truncateByCommitLogOffset(5000);
    expect(queue.maxOffset).toBe(11);

    queue.truncateByCommitLogOffset(1550);
    expect([queue.minOffset, queue.maxOffset, queue.maxPhysicalOffset]).toEqual([0, 6, 1600]);
    expect(queue.lastEntry()).toEqual(entry(5));
    expect(segmentNames(queue)).toEqual(['00000000000000000000', '00000000000000000080']);
    expect(queue.getEntries(6, 1)).toEqual([]);
    // The next record re-uses queue offset 6.
    put(queue, entry(6, 5000));
    expect(queue.getEntries(4, 10)).toEqual([entry(4), entry(5), entry(6, 5000)]);
    await queue.flush();
    queue.close();

    const reopened = openQueue(root);
    expect(reopened.maxOffset).toBe(7);
    reopened.truncateByCommitLogOffset(1400);
    expect([reopened.minOffset, reopened.maxOffset, reopened.maxPhysicalOffset]).toEqual([0, 4, 1400]);
    // Everything: the queue is empty from its first entry on.
    reopened.truncateByCommitLogOffset(0);
    expect([reopened.minOffset, reopened.maxOffset, reopened.maxPhysicalOffset]).toEqual([0, 0, -1]);
    expect(reopened.lastEntry()).toBeUndefined();
    reopened.close();
  });

  it('truncates trailing blanks with the entry after them', () => {
    const queue = openQueue(tempDir());
    put(queue, entry(0));
    put(queue, entry(5));
    queue.truncateByCommitLogOffset(entry(5).commitLogOffset);
    expect([queue.maxOffset, queue.maxPhysicalOffset]).toEqual([1, 1100]);
    put(queue, entry(1));
    expect(readAll(queue)).toEqual([entry(0), entry(1)]);
    queue.close();
  });

  describe('searchOffsetByTime', () => {
    // Store time of the record at commit-log offset 1000 + i × 100: 10 ms steps, three messages per step.
    const storeTimeOf = (commitLogOffset: number) =>
      1_000_000 + Math.floor((commitLogOffset - 1000) / 300) * 10;
    const count = 1000;
    let queue: ConsumeQueue;
    beforeAll(() => {
      queue = openQueue(tempDir(), 64);
      for (let i = 0; i < count; i++) put(queue, entry(i));
    });
    afterAll(() => queue.close());

    const linear = (timestamp: number, gone = -1) => {
      for (let i = 0; i < count; i++) {
        if (i > gone && storeTimeOf(entry(i).commitLogOffset) >= timestamp) return i;
      }
      return count;
    };

    it('finds the first offset stored at or after a timestamp', () => {
      const lookup = (offset: number) => storeTimeOf(offset);
      for (let timestamp = 999_990; timestamp <= 1_003_350; timestamp += 7) {
        expect(queue.searchOffsetByTime(timestamp, lookup)).toBe(linear(timestamp));
      }
      expect(queue.searchOffsetByTime(1_000_010, lookup)).toBe(3);
      expect(queue.searchOffsetByTime(1_000_011, lookup)).toBe(6);
    });

    it('answers minOffset before the first message and maxOffset after the last', () => {
      const lookup = (offset: number) => storeTimeOf(offset);
      expect(queue.searchOffsetByTime(0, lookup)).toBe(0);
      expect(queue.searchOffsetByTime(storeTimeOf(entry(count - 1).commitLogOffset), lookup)).toBe(999);
      expect(queue.searchOffsetByTime(Number.MAX_SAFE_INTEGER, lookup)).toBe(count);
    });

    it('counts records that are gone as too old', () => {
      const gone = 400;
      const lookup = (offset: number) =>
        offset <= entry(gone).commitLogOffset ? undefined : storeTimeOf(offset);
      for (const timestamp of [0, 1_000_500, 1_001_340, 1_002_000, 2_000_000]) {
        expect(queue.searchOffsetByTime(timestamp, lookup)).toBe(linear(timestamp, gone));
      }
    });

    it('answers maxOffset for an empty queue', () => {
      const empty = openQueue(tempDir());
      expect(empty.searchOffsetByTime(5, () => 5)).toBe(0);
      empty.close();
    });
  });

  it('deletes expired segments and moves minOffset with the commit log', async () => {
    const root = tempDir();
    const queue = openQueue(root);
    for (let i = 0; i < 10; i++) put(queue, entry(i));
    await queue.flush();

    expect(queue.deleteExpired(1000)).toBe(0);
    expect(queue.minOffset).toBe(0);
    // Segment 0 (entries 0..3, up to offset 1300) is all below 1450; entry 5 (1500) is the first still stored.
    expect(queue.deleteExpired(1450)).toBe(1);
    expect(segmentNames(queue)).toEqual(['00000000000000000080', '00000000000000000160']);
    expect(queue.minOffset).toBe(5);
    expect(queue.getEntries(0, 10)).toEqual([]);
    expect(queue.getEntries(queue.minOffset, 10)).toEqual([entry(5), entry(6), entry(7)]);
    expect(queue.deleteExpired(1500)).toBe(0);
    expect(queue.minOffset).toBe(5);
    queue.close();

    // After a restart recover() finds the first stored entry; deleteExpired corrects it.
    const reopened = openQueue(root);
    expect(reopened.minOffset).toBe(4);
    reopened.deleteExpired(1450);
    expect(reopened.minOffset).toBe(5);

    // Everything expired: the last segment stays and minOffset = maxOffset ("offset moved" for every reader).
    expect(reopened.deleteExpired(1_000_000)).toBe(1);
    expect(segmentNames(reopened)).toEqual(['00000000000000000160']);
    expect([reopened.minOffset, reopened.maxOffset]).toEqual([10, 10]);
    expect(reopened.maxPhysicalOffset).toBe(2000);
    // New entries continue at maxOffset.
    put(reopened, entry(10));
    expect([reopened.minOffset, reopened.maxOffset]).toEqual([10, 11]);
    expect(reopened.getEntries(10, 5)).toEqual([entry(10)]);
    reopened.close();
  });

  it('restarts an expired queue far ahead without writing segments of blanks', () => {
    const queue = openQueue(tempDir());
    for (let i = 0; i < 3; i++) put(queue, entry(i));
    queue.deleteExpired(1_000_000);
    expect([queue.minOffset, queue.maxOffset]).toEqual([3, 3]);
    put(queue, entry(41));
    expect([queue.minOffset, queue.maxOffset]).toEqual([41, 42]);
    queue.close();
    expect(segmentNames(queue)).toEqual(['00000000000000000800']);
  });

  it('deletes its directory on destroy and rejects bad arguments', () => {
    const queue = openQueue(tempDir());
    put(queue, entry(0));
    queue.destroy();
    expect(fs.existsSync(queue.directory)).toBe(false);
    expect(() => queue.putEntry(-1, 0, 1, 0)).toThrow(RangeError);
    expect(() => queue.putEntry(0, 0, 0, 0)).toThrow(RangeError);
    expect(() => queue.putEntry(0, 0, 0x7fffffff, 0)).toThrow(RangeError);
    expect(() => queue.putEntry(0, 2 ** 60, 1, 0)).toThrow(RangeError);
    expect(() => new ConsumeQueue({ dir: '/tmp', topic: 'T', queueId: 0, entriesPerSegment: 0 })).toThrow(
      RangeError,
    );
  });

  it('only turns valid topic names into directory names', () => {
    expect(topicDirectoryName('%RETRY%group_1|x-y')).toBe('%RETRY%group_1|x-y');
    for (const topic of ['', '.', '..', '../etc', 'a/b', 'a\\b', 'a b', 'a\0', 'é', 'x'.repeat(256)]) {
      try {
        topicDirectoryName(topic);
        throw new Error(`accepted ${JSON.stringify(topic)}`);
      } catch (error) {
        expect(isSkyrocketError(error, 'INVALID_PARAMETER')).toBe(true);
      }
    }
    expect(() => new ConsumeQueue({ dir: '/tmp', topic: '..', queueId: 0, entriesPerSegment: 4 })).toThrow(
      /cannot be stored/,
    );
    expect(() => new ConsumeQueue({ dir: '/tmp', topic: 'T', queueId: -1, entriesPerSegment: 4 })).toThrow(
      /queueId/,
    );
  });
});

function writeAt(file: string, position: number, bytes: Buffer): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.writeSync(fd, bytes, 0, bytes.length, position);
  } finally {
    fs.closeSync(fd);
  }
}
