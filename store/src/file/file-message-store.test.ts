import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BLANK_MAGIC_CODE, decodeRecord } from '@skyrocket/remoting/message';
import { SkyrocketError } from '@skyrocket/common';
import { FakeClock } from '../../../common/src/testing/fake-clock';
import { memoryLogger } from '../../../common/src/testing/memory-logger';
import { ABORT_FILE, COMMITLOG_DIR, CONSUMEQUEUE_DIR, INDEX_DIR } from '../layout';
import { MemoryMessageStore } from '../memory/memory-message-store';
import type { MessageStore } from '../message-store';
import { messageStoreContract } from '../testing/message-store.contract';
import { messageToStore, uniqueTopic } from '../testing/messages';
import { replicate, splitRecords } from '../testing/replication';
import { FileMessageStore, type FileMessageStoreOptions } from './file-message-store';

// Small files so contract tests roll consume-queue segments and index files; the commit-log segment still holds
// the contract's largest (4 MiB) message. CommitLog's own tests roll its segments.
const small: Omit<FileMessageStoreOptions, 'rootDir' | 'storeHost'> = {
  commitLogSegmentBytes: 8 * 1024 * 1024,
  consumeQueueEntriesPerSegment: 64,
  indexHashSlots: 64,
  indexMaxEntries: 256,
};

const create: Parameters<typeof messageStoreContract>[1] = async (ctx) =>
  new FileMessageStore({ rootDir: ctx.dir, storeHost: ctx.storeHost, clock: ctx.clock, ...small });

messageStoreContract('FileMessageStore', create, { reopen: create });

describe('FileMessageStore delay levels', () => {
  it('gives SCHEDULE_TOPIC_XXXX entries the due time of the configured level as their tag code', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-delay-'));
    const clock = new FakeClock(1_700_000_000_000);
    const store = new FileMessageStore({
      rootDir: dir,
      storeHost: { address: '127.0.0.1', port: 10911 },
      clock,
      ...small,
      delayLevelMillis: [1000, 7000],
    });
    await store.start();
    try {
      const put = await store.putMessage({
        topic: 'SCHEDULE_TOPIC_XXXX',
        queueId: 1,
        flag: 0,
        body: Buffer.from('later'),
        properties: 'DELAY\u00012\u0002REAL_TOPIC\u0001T\u0002REAL_QID\u00010\u0002',
        sysFlag: 0,
        bornTimestamp: clock.now(),
        bornHost: { address: '127.0.0.1', port: 5000 },
        reconsumeTimes: 0,
        preparedTransactionOffset: 0,
      });
      expect(put.status).toBe('PUT_OK');
      const codes: number[] = [];
      await store.getMessage('SCHEDULE_TOPIC_XXXX', 1, 0, {
        maxMessages: 1,
        filter: { matchesTagsCode: (code) => (codes.push(code), true) },
      });
      expect(codes).toEqual([clock.now() + 7000]);
    } finally {
      await store.shutdown();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('FileMessageStore retention (RocketMQ CleanCommitLogService)', () => {
  const SEGMENT = 64 * 1024;
  const INTERVAL = 10_000;
  const TOPIC = 'RetentionTopic';

  /**
   * A SYNC_FLUSH store (every put durable once it answers, so retention may take any full segment) on a fake clock,
   * holding `count` 1 KiB messages in one queue, one every `stepMs` of fake time, each with a key for the index.
   */
  async function filledStore(options: Partial<FileMessageStoreOptions>, count: number, stepMs = 1000) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-retention-'));
    const clock = new FakeClock(1_700_000_000_000);
    const open = () =>
      new FileMessageStore({
        rootDir: dir,
        storeHost: { address: '127.0.0.1', port: 10911 },
        clock,
        flushDiskType: 'SYNC_FLUSH',
        commitLogSegmentBytes: SEGMENT,
        consumeQueueEntriesPerSegment: 16,
        indexHashSlots: 64,
        indexMaxEntries: 32,
        retentionIntervalMs: INTERVAL,
        ...options,
      });
    const store = open();
    await store.start();
    const offsets: number[] = [];
    for (let i = 0; i < count; i++) {
      clock.advance(stepMs);
      const put = await store.putMessage(
        messageToStore({ topic: TOPIC, body: Buffer.alloc(1024, i), properties: { KEYS: `key-${i}` } }),
      );
      expect(put.status).toBe('PUT_OK');
      offsets.push(put.append?.wroteOffset ?? -1);
    }
    return { dir, clock, store, offsets, open };
  }

  /** The commit-log segment files on disk, by start offset. */
  const segmentsOf = (dir: string) =>
    fs
      .readdirSync(path.join(dir, COMMITLOG_DIR))
      .map(Number)
      .sort((a, b) => a - b);

  it('deletes the segments whose last message is older than the reserved time, and every reader follows', async () => {
    const { dir, clock, store, offsets, open } = await filledStore({ fileReservedHours: 1 }, 200);
    try {
      const lastSegment = Math.floor((store.getMaxPhyOffset() - 1) / SEGMENT) * SEGMENT;
      expect(lastSegment).toBeGreaterThanOrEqual(3 * SEGMENT);
      // Not yet an hour old: retention runs and keeps everything.
      clock.advance(2 * INTERVAL);
      expect(segmentsOf(dir)).toEqual(
        Array.from({ length: lastSegment / SEGMENT + 1 }, (_, i) => i * SEGMENT),
      );

      clock.advance(3_600_000);
      // Every full segment is past the reserved time; the active one (being written) stays.
      expect(segmentsOf(dir)).toEqual([lastSegment]);
      expect(store.getMinPhyOffset()).toBe(lastSegment);
      const firstKept = offsets.findIndex((offset) => offset >= lastSegment);
      expect(store.getMinOffsetInQueue(TOPIC, 0)).toBe(firstKept);
      expect(store.getMaxOffsetInQueue(TOPIC, 0)).toBe(200);

      // A reader of a deleted segment is told the offset moved, and where to go; lookups find nothing there.
      const old = await store.getMessage(TOPIC, 0, 0, { maxMessages: 8 });
      expect(old).toMatchObject({
        status: 'OFFSET_TOO_SMALL',
        nextBeginOffset: firstKept,
        minOffset: firstKept,
      });
      expect(old.records).toHaveLength(0);
      expect(await store.lookMessageByOffset(offsets[0] ?? -1)).toBeUndefined();
      expect(await store.queryMessage(TOPIC, 'key-0', 8, 0, Number.MAX_SAFE_INTEGER)).toHaveLength(0);
      // What is kept is served as before.
      const kept = await store.getMessage(TOPIC, 0, firstKept, { maxMessages: 8 });
      expect(kept.status).toBe('FOUND');
      expect(
        kept.records[0]?.equals(
          (await store.lookMessageByOffset(offsets[firstKept] ?? -1)) ?? Buffer.alloc(0),
        ),
      ).toBe(true);
      expect(await store.queryMessage(TOPIC, 'key-199', 8, 0, Number.MAX_SAFE_INTEGER)).toHaveLength(1);
      // The consume-queue and index files of the deleted range are gone too (entries per CQ file: 16).
      const cqFiles = fs.readdirSync(path.join(dir, CONSUMEQUEUE_DIR, TOPIC, '0'));
      expect(Math.min(...cqFiles.map(Number))).toBeGreaterThan(0);
      expect(fs.readdirSync(path.join(dir, INDEX_DIR)).length).toBeLessThan(200 / 32);

      // It holds after a restart.
      await store.shutdown();
      const reopened = open();
      await reopened.start();
      try {
        expect(reopened.getMinPhyOffset()).toBe(lastSegment);
        expect(reopened.getMinOffsetInQueue(TOPIC, 0)).toBe(firstKept);
        expect((await reopened.getMessage(TOPIC, 0, 0, { maxMessages: 8 })).status).toBe('OFFSET_TOO_SMALL');
      } finally {
        await reopened.shutdown();
      }
    } finally {
      await store.shutdown();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('past the disk-use threshold deletes the oldest segment each round whatever its age, never the active one', async () => {
    // A ratio of 0: any used disk is past it, so every round finds the disk "full".
    // Filled within one retention interval, so no round runs before the test's.
    const { dir, clock, store } = await filledStore({ diskMaxUsedRatio: 0, fileReservedHours: 72 }, 200, 10);
    try {
      const segments = segmentsOf(dir);
      expect(segments.length).toBeGreaterThanOrEqual(4);
      for (let round = 1; round < segments.length; round++) {
        clock.advance(INTERVAL);
        expect(segmentsOf(dir)).toEqual(segments.slice(round));
        expect(store.getMinPhyOffset()).toBe(segments[round]);
      }
      clock.advance(5 * INTERVAL);
      expect(segmentsOf(dir)).toEqual(segments.slice(-1));
      const put = await store.putMessage(messageToStore({ topic: TOPIC, body: Buffer.alloc(1024) }));
      expect(put.status).toBe('PUT_OK');
    } finally {
      await store.shutdown();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('FileMessageStore when the disk fills up', () => {
  it('answers, refuses, logs and counts, keeps every accepted message, and carries on once there is room', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-disk-full-'));
    const fault = { diskFull: false };
    const { logger, entries } = memoryLogger();
    const open = (hooks?: FileMessageStoreOptions['commitLogTestHooks']) =>
      new FileMessageStore({
        rootDir: dir,
        storeHost: { address: '127.0.0.1', port: 10911 },
        logger,
        ...small,
        ...(hooks ? { commitLogTestHooks: hooks } : {}),
      });
    const store = open({
      beforeWrite: () => {
        if (fault.diskFull)
          throw new SkyrocketError('DISK_FULL', 'write commitlog: ENOSPC: no space left on device');
      },
    });
    await store.start();
    const topic = uniqueTopic('disk_full');
    const put = (body: string) => store.putMessage(messageToStore({ topic, body: Buffer.from(body) }));
    try {
      expect((await put('before')).status).toBe('PUT_OK');

      fault.diskFull = true;
      // Taken into memory, but not written: the sender learns its message is not on disk yet.
      const caught = await put('during');
      expect(caught.status).toBe('FLUSH_DISK_TIMEOUT');
      expect(caught.remark).toMatch(/not yet flushed/);
      // Until a write succeeds again, new messages are refused with the reason.
      const refused = await put('refused');
      expect(refused.status).toBe('SERVICE_NOT_AVAILABLE');
      expect(refused.remark).toMatch(/DISK_FULL: .*ENOSPC/);
      expect(store.stats().writeErrors).toBeGreaterThan(0);
      expect(entries.some((e) => e.level === 50 && /ENOSPC/.test(JSON.stringify(e)))).toBe(true);
      // What was accepted is readable all along.
      expect((await store.getMessage(topic, 0, 0, { maxMessages: 8 })).records).toHaveLength(2);

      fault.diskFull = false;
      expect((await put('after')).status).toBe('PUT_OK');
      const errors = store.stats().writeErrors;
      expect((await put('after-2')).status).toBe('PUT_OK');
      expect(store.stats().writeErrors).toBe(errors);
    } finally {
      await store.shutdown();
    }
    const reopened = open();
    await reopened.start();
    try {
      const records = (await reopened.getMessage(topic, 0, 0, { maxMessages: 8 })).records;
      expect(records.map((r) => decodeRecord(r).body.toString())).toEqual([
        'before',
        'during',
        'after',
        'after-2',
      ]);
    } finally {
      await reopened.shutdown();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('FileMessageStore refusals', () => {
  it('logs a refused put with its reason, once per status every 10 s with the count in between', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-refusal-'));
    const clock = new FakeClock(1_700_000_000_000);
    const { logger, entries } = memoryLogger();
    const store = new FileMessageStore({
      rootDir: dir,
      storeHost: { address: '127.0.0.1', port: 10911 },
      clock,
      logger,
      ...small,
      maxMessageBytes: 4096,
    });
    await store.start();
    const topic = uniqueTopic('refusal');
    const tooBig = () => store.putMessage(messageToStore({ topic, body: Buffer.alloc(8192) }));
    const refusals = () =>
      entries.filter((e) => e.msg !== undefined && String(e.msg).startsWith('put refused'));
    try {
      const first = await tooBig();
      expect(first.status).toBe('MESSAGE_ILLEGAL');
      expect(first.remark).toMatch(/exceeds the maximum message size of 4096 bytes/);
      await tooBig();
      await tooBig();
      expect(refusals()).toEqual([
        expect.objectContaining({ level: 40, status: 'MESSAGE_ILLEGAL', topic, suppressed: 0 }),
      ]);
      expect(String(refusals()[0]?.msg)).toContain('exceeds the maximum message size');
      // Another status is logged on its own.
      const longProperties = await store.putMessage(
        messageToStore({ topic, properties: { KEYS: 'k'.repeat(40_000) } }),
      );
      expect(longProperties.status).toBe('PROPERTIES_SIZE_EXCEEDED');
      clock.advance(10_000);
      await tooBig();
      expect(refusals().map((e) => e.suppressed)).toEqual([0, 0, 2]);
      expect(store.getMaxPhyOffset()).toBe(0); // nothing stored
    } finally {
      await store.shutdown();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('FileMessageStore replication (CommitLog.getData / appendData across segments)', () => {
  // The smallest commit-log segment the CommitLog takes, so a few messages roll it; ConsumeQueue segments of 4
  // entries, so a slave's queues start in a segment other than their first.
  const SEGMENT = 4096;
  const storeHost = { address: '10.0.0.1', port: 10911 };
  const dirs: string[] = [];
  const open: FileMessageStore[] = [];

  afterEach(async () => {
    for (const store of open.splice(0).reverse()) await store.shutdown().catch(() => undefined);
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  function tempDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-ha-'));
    dirs.push(dir);
    return dir;
  }

  async function started(
    dir: string,
    clock: FakeClock,
    options: Partial<FileMessageStoreOptions> = {},
  ): Promise<FileMessageStore> {
    const store = new FileMessageStore({
      rootDir: dir,
      storeHost,
      clock,
      commitLogSegmentBytes: SEGMENT,
      consumeQueueEntriesPerSegment: 4,
      indexHashSlots: 64,
      indexMaxEntries: 256,
      ...options,
    });
    open.push(store);
    await store.start();
    return store;
  }

  /** Puts `count` messages of varied sizes, alternating between two queues, with keys. */
  async function fill(store: MessageStore, topics: [string, string], count: number, from = 0): Promise<void> {
    for (let i = from; i < from + count; i++) {
      const result = await store.putMessage(
        messageToStore({
          topic: topics[i % 2] as string,
          queueId: i % 2 === 0 ? 0 : 3,
          body: Buffer.alloc(200 + ((i * 397) % 900), 0x30 + (i % 10)),
          properties: { KEYS: `key-${i}`, TAGS: `Tag${i % 3}` },
        }),
      );
      expect(result.status).toBe('PUT_OK');
    }
  }

  /** What pulls from queue offset `from` to the end answer (the file store answers a ConsumeQueue segment each). */
  async function pulled(store: MessageStore, topic: string, queueId: number, from: number) {
    const options = { maxMessages: 64, maxBytes: 1024 * 1024 };
    const first = await store.getMessage(topic, queueId, from, options);
    const queueOffsets = [...first.queueOffsets];
    const records = first.records.map((record) => record.toString('hex'));
    for (let next = first.nextBeginOffset; first.status === 'FOUND' && next < first.maxOffset;) {
      const more = await store.getMessage(topic, queueId, next, options);
      if (more.status !== 'FOUND') break;
      queueOffsets.push(...more.queueOffsets);
      records.push(...more.records.map((record) => record.toString('hex')));
      next = more.nextBeginOffset;
    }
    return { status: first.status, queueOffsets, records };
  }

  function commitLogFiles(dir: string): Map<string, Buffer> {
    const commitLogDir = path.join(dir, COMMITLOG_DIR);
    return new Map(
      fs
        .readdirSync(commitLogDir)
        .sort()
        .map((name) => [name, fs.readFileSync(path.join(commitLogDir, name))]),
    );
  }

  it('copies blanks and their padding, so the slave segment files are byte for byte the master ones', async () => {
    const clock = new FakeClock();
    const masterDir = tempDir();
    const slaveDir = tempDir();
    const master = await started(masterDir, clock);
    const slave = await started(slaveDir, clock);
    const topics: [string, string] = [uniqueTopic('ha_roll_a'), uniqueTopic('ha_roll_b')];
    await fill(master, topics, 30);
    expect(master.getMaxPhyOffset()).toBeGreaterThan(4 * SEGMENT);

    // Chunks smaller than a segment and not aligned to records: blanks arrive in pieces too.
    replicate(master, slave, { chunkBytes: 999 });
    expect(slave.getMaxPhyOffset()).toBe(master.getMaxPhyOffset());
    expect(slave.getCommitLogData(SEGMENT - 1, 10)).toEqual(master.getCommitLogData(SEGMENT - 1, 10));
    for (const [topic, queueId] of [
      [topics[0], 0],
      [topics[1], 3],
    ] as const) {
      expect(await pulled(slave, topic, queueId, 0)).toEqual(await pulled(master, topic, queueId, 0));
    }
    // Later data continues from the slave's max offset.
    await fill(master, topics, 12, 30);
    replicate(master, slave, { chunkBytes: 999 });
    expect(slave.getMaxPhyOffset()).toBe(master.getMaxPhyOffset());

    await master.shutdown();
    await slave.shutdown();
    const masterFiles = commitLogFiles(masterDir);
    const slaveFiles = commitLogFiles(slaveDir);
    expect([...slaveFiles.keys()]).toEqual([...masterFiles.keys()]);
    expect(masterFiles.size).toBeGreaterThan(4);
    for (const [name, bytes] of masterFiles) {
      expect(slaveFiles.get(name)?.equals(bytes)).toBe(true);
      // Every segment but the last ends with a blank whose padding is zeros.
      if (name !== [...masterFiles.keys()].pop()) {
        const records = splitRecords(bytes);
        const blank = records[records.length - 1];
        expect(blank?.readInt32BE(4)).toBe(BLANK_MAGIC_CODE);
        expect(blank?.subarray(8).every((byte) => byte === 0)).toBe(true);
      }
    }
  });

  it('starts an empty slave at the master last segment, serves pulls from there, and recovers after a shutdown and a crash', async () => {
    const clock = new FakeClock();
    const master = await started(tempDir(), clock);
    const slaveDir = tempDir();
    let slave = await started(slaveDir, clock);
    const topics: [string, string] = [uniqueTopic('ha_tail_a'), uniqueTopic('ha_tail_b')];
    await fill(master, topics, 40);
    const max = master.getMaxPhyOffset();
    // DefaultHAConnection: a slave that reports 0 gets data from the start of the master's last segment.
    const lastSegmentStart = max - (max % SEGMENT);
    expect(lastSegmentStart).toBeGreaterThanOrEqual(3 * SEGMENT);
    replicate(master, slave, { from: lastSegmentStart, chunkBytes: 700 });

    /** The queue offset of the first message in the queue at or after the slave's start. */
    async function firstReplicated(topic: string, queueId: number): Promise<number> {
      for (let offset = master.getMinOffsetInQueue(topic, queueId); ; offset++) {
        const [record] = (await master.getMessage(topic, queueId, offset, { maxMessages: 1 })).records;
        if (!record) throw new Error(`no message at or after the slave start in ${topic}`);
        if (decodeRecord(record).commitLogOffset >= lastSegmentStart) return offset;
      }
    }
    const queues = [
      { topic: topics[0], queueId: 0, first: await firstReplicated(topics[0], 0) },
      { topic: topics[1], queueId: 3, first: await firstReplicated(topics[1], 3) },
    ];
    // Beyond the first ConsumeQueue segment (4 entries): the slave's queues start in a later one.
    for (const { first } of queues) expect(first).toBeGreaterThan(4);

    async function expectServesFromFirstReplicated(store: FileMessageStore): Promise<void> {
      expect(store.getMinPhyOffset()).toBe(lastSegmentStart);
      expect(store.getMaxPhyOffset()).toBe(master.getMaxPhyOffset());
      for (const { topic, queueId, first } of queues) {
        expect(store.getMinOffsetInQueue(topic, queueId)).toBe(first);
        expect(store.getMaxOffsetInQueue(topic, queueId)).toBe(master.getMaxOffsetInQueue(topic, queueId));
        const fromFirst = await pulled(store, topic, queueId, first);
        expect(fromFirst.status).toBe('FOUND');
        expect(fromFirst).toEqual(await pulled(master, topic, queueId, first));
        expect(await store.getMessage(topic, queueId, 0, { maxMessages: 1 })).toMatchObject({
          status: 'OFFSET_TOO_SMALL',
          nextBeginOffset: first,
        });
        expect(await store.getOffsetInQueueByTime(topic, queueId, 0)).toBe(first);
      }
    }
    await expectServesFromFirstReplicated(slave);
    // The index holds the replicated messages, and only those.
    const replicatedKeys: boolean[] = [];
    for (let i = 0; i < 40; i++) {
      const topic = topics[i % 2] as string;
      const [onMaster] = await master.queryMessage(topic, `key-${i}`, 1, 0, Number.MAX_SAFE_INTEGER);
      const replicated = decodeRecord(onMaster ?? Buffer.alloc(0)).commitLogOffset >= lastSegmentStart;
      replicatedKeys.push(replicated);
      expect(await slave.queryMessage(topic, `key-${i}`, 1, 0, Number.MAX_SAFE_INTEGER)).toEqual(
        replicated ? [onMaster] : [],
      );
    }
    expect(replicatedKeys).toContain(true);
    expect(replicatedKeys).toContain(false);

    // A clean restart keeps the start, and replication goes on from the max offset.
    await slave.shutdown();
    slave = await started(slaveDir, clock);
    await expectServesFromFirstReplicated(slave);
    await fill(master, topics, 10, 40);
    replicate(master, slave, { chunkBytes: 700 });
    await expectServesFromFirstReplicated(slave);

    // A crash: the abort marker stays, and the next start recovers from the checkpoint of the clean shutdown.
    await fill(master, topics, 10, 50);
    replicate(master, slave, { chunkBytes: 700 });
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(fs.existsSync(path.join(slaveDir, ABORT_FILE))).toBe(true);
    // The crashed instance keeps its files open until afterEach shuts it down, after the new one.
    slave = await started(slaveDir, clock);
    await expectServesFromFirstReplicated(slave);
    await fill(master, topics, 10, 60);
    expect(replicate(master, slave, { chunkBytes: 700 })).toBeGreaterThan(0);
    await expectServesFromFirstReplicated(slave);
  });

  it.each(['ASYNC_FLUSH', 'SYNC_FLUSH'] as const)(
    '%s: flushes replicated bytes on the flush interval',
    async (flushDiskType) => {
      const clock = new FakeClock();
      const master = await started(tempDir(), clock);
      const slave = await started(tempDir(), clock, { flushDiskType, flushIntervalMs: 500 });
      await fill(master, [uniqueTopic('ha_flush_a'), uniqueTopic('ha_flush_b')], 12);
      replicate(master, slave);
      expect(slave.stats().commitLogFlushedOffset).toBe(0);
      clock.advance(500);
      const deadline = Date.now() + 5000;
      while (slave.stats().commitLogFlushedOffset < slave.getMaxPhyOffset()) {
        if (Date.now() > deadline) throw new Error('the replicated bytes were not flushed within 5 s');
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      expect(slave.stats().flushes).toBeGreaterThan(0);
    },
  );

  it('feeds a memory store, which keeps the blanks and serves the same bytes from the same offsets', async () => {
    const clock = new FakeClock();
    const master = await started(tempDir(), clock);
    const topics: [string, string] = [uniqueTopic('ha_memory_a'), uniqueTopic('ha_memory_b')];
    await fill(master, topics, 30);
    const memory = new MemoryMessageStore({ storeHost, clock, commitLogSegmentBytes: SEGMENT });
    await memory.start();
    const max = master.getMaxPhyOffset();
    const from = max - (max % SEGMENT) - 2 * SEGMENT;
    replicate(master, memory, { from, chunkBytes: 999 });
    expect(memory.getMinPhyOffset()).toBe(from);
    expect(memory.getMaxPhyOffset()).toBe(max);
    for (let offset = from; offset < max; offset += 512) {
      expect(memory.getCommitLogData(offset, 1000)).toEqual(master.getCommitLogData(offset, 1000));
    }
    for (const [topic, queueId] of [
      [topics[0], 0],
      [topics[1], 3],
    ] as const) {
      const first = memory.getMinOffsetInQueue(topic, queueId);
      expect(first).toBeGreaterThan(0);
      expect(await pulled(memory, topic, queueId, first)).toEqual(
        await pulled(master, topic, queueId, first),
      );
    }
    // A blank is no message.
    const blank = splitRecords(master.getCommitLogData(from, SEGMENT) ?? Buffer.alloc(0)).pop();
    expect(blank?.readInt32BE(4)).toBe(BLANK_MAGIC_CODE);
    expect(await memory.lookMessageByOffset(from + SEGMENT - (blank?.length ?? 0))).toBeUndefined();
    await memory.shutdown();
  });
});
