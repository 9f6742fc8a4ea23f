import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { isSkyrocketError, SkyrocketError, silentLogger } from '@skyrocket/common';
import {
  BLANK_MAGIC_CODE,
  createOffsetMessageId,
  decodeProperties,
  decodeRecord,
  encodeProperties,
  encodeRecord,
  javaStringHashCode,
  MESSAGE_MAGIC_CODE_V2,
  MessageSysFlag,
} from '@skyrocket/remoting/message';
import { FakeClock } from '../../../common/src/testing/fake-clock';
import { CorruptedRecordError } from '../corrupted-record-error';
import { segmentFileName } from '../layout';
import type { MessageToStore } from '../message-store';
import {
  CommitLog,
  SCHEDULE_TOPIC,
  type CommitLogOptions,
  type CommitLogRecoverOptions,
  type CommitLogTestHooks,
} from './commit-log';
import { splitRecords } from '../testing/replication';
import type { DispatchRequest } from './dispatch-request';

const STORE_HOST = { address: '192.168.0.10', port: 10911 };
const BORN_HOST = { address: '10.0.0.7', port: 52000 };
const SMALL_SEGMENT = 4096;

/** Lets setImmediate callbacks (the end-of-turn write, group-commit rounds) run. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Polls (a real fdatasync takes a while on the thread pool) until `condition` holds, failing after 5 s. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

const tempDirs: string[] = [];
const openLogs: CommitLog[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'commit-log-'));
  tempDirs.push(dir);
  return dir;
}

afterEach(async () => {
  for (const log of openLogs.splice(0)) await log.shutdown().catch(() => undefined);
});

afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

let sequence = 0;

function message(overrides: Partial<MessageToStore> & { bodyBytes?: number } = {}): MessageToStore {
  const { bodyBytes = 100, ...fields } = overrides;
  const n = sequence++;
  const body = Buffer.alloc(bodyBytes, 0x41 + (n % 26));
  return {
    topic: 'TopicTest',
    queueId: 0,
    flag: 0,
    body,
    properties: encodeProperties({
      TAGS: 'TagA',
      KEYS: `key-${n} shared`,
      UNIQ_KEY: `0A0000070001${n.toString(16).toUpperCase().padStart(20, '0')}`,
      WAIT: 'true',
    }),
    sysFlag: 0,
    bornTimestamp: 1_700_000_000_000 + n,
    bornHost: BORN_HOST,
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    ...fields,
  };
}

/** nextQueueOffset as a store implements it, recording each call. */
class QueueOffsets {
  readonly calls: Array<[string, number, number]> = [];
  readonly #next = new Map<string, number>();

  readonly next = (topic: string, queueId: number, count: number): number => {
    this.calls.push([topic, queueId, count]);
    const key = `${topic}@${queueId}`;
    const base = this.#next.get(key) ?? 0;
    this.#next.set(key, base + count);
    return base;
  };
}

interface Opened {
  log: CommitLog;
  clock: FakeClock;
  recovered: DispatchRequest[];
  maxOffset: number;
  truncatedBytes: number;
}

function open(
  dir: string,
  options: Partial<CommitLogOptions> = {},
  recover: Partial<CommitLogRecoverOptions> = {},
): Opened {
  const clock = options.clock instanceof FakeClock ? options.clock : new FakeClock(1_700_000_100_000);
  const log = new CommitLog({
    dir,
    segmentBytes: SMALL_SEGMENT,
    flushDiskType: 'ASYNC_FLUSH',
    flushIntervalMs: 500,
    syncFlushTimeoutMs: 1000,
    maxMessageBytes: 1024 * 1024,
    storeHost: STORE_HOST,
    logger: silentLogger(),
    ...options,
    clock,
  });
  log.load();
  const recovered: DispatchRequest[] = [];
  const result = log.recover({ fromOffset: 0, onRecord: (request) => recovered.push(request), ...recover });
  openLogs.push(log);
  return { log, clock, recovered, ...result };
}

async function close(log: CommitLog): Promise<void> {
  await log.shutdown();
  openLogs.splice(openLogs.indexOf(log), 1);
}

function appendOk(log: CommitLog, messages: MessageToStore[], queues: QueueOffsets) {
  const outcome = log.append(messages, queues.next);
  if (!outcome.ok) throw new Error(`append failed: ${outcome.status} ${outcome.remark}`);
  return outcome;
}

function segmentPath(dir: string, offset: number, segmentBytes = SMALL_SEGMENT): string {
  return path.join(dir, 'commitlog', segmentFileName(offset - (offset % segmentBytes)));
}

/** Overwrites bytes of a closed log at a log offset. */
function patch(dir: string, offset: number, bytes: Uint8Array, segmentBytes = SMALL_SEGMENT): void {
  const fd = fs.openSync(segmentPath(dir, offset, segmentBytes), 'r+');
  fs.writeSync(fd, bytes, 0, bytes.length, offset % segmentBytes);
  fs.closeSync(fd);
}

function readFileAt(dir: string, offset: number, length: number, segmentBytes = SMALL_SEGMENT): Buffer {
  return fs
    .readFileSync(segmentPath(dir, offset, segmentBytes))
    .subarray(offset % segmentBytes, (offset % segmentBytes) + length);
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('CommitLog append and read', () => {
  it('stores the exact wire record, readable at once and from disk after the turn', async () => {
    const dir = tempDir();
    const { log, clock } = open(dir, { segmentBytes: 64 * 1024 });
    const queues = new QueueOffsets();
    const sent = message({ queueId: 3, flag: 7, reconsumeTimes: 2 });
    const { append, dispatch } = appendOk(log, [sent], queues);

    expect(append.wroteOffset).toBe(0);
    expect(append.queueOffset).toBe(0);
    expect(append.messageCount).toBe(1);
    expect(append.storeTimestamp).toBe(clock.now());
    expect(append.msgIds).toEqual([createOffsetMessageId(STORE_HOST, 0)]);
    const expected = encodeRecord({
      ...sent,
      queueOffset: 0,
      commitLogOffset: 0,
      storeTimestamp: clock.now(),
      storeHost: STORE_HOST,
    });
    expect(append.wroteBytes).toBe(expected.length);
    expect(log.maxOffset).toBe(expected.length);

    // Served from the write buffer before the end of the turn.
    expect(log.read(0, append.wroteBytes)).toEqual(expected);
    expect(log.readRecord(0)).toEqual(expected);
    expect(readFileAt(dir, 0, 8, 64 * 1024)).toEqual(Buffer.alloc(8));
    await nextTurn();
    expect(readFileAt(dir, 0, expected.length, 64 * 1024)).toEqual(expected);
    expect(log.read(0, 1_000_000)).toEqual(expected);

    const decoded = decodeRecord(log.readRecord(0)!, 0, { verifyBodyCRC: true });
    expect(decoded).toMatchObject({
      topic: 'TopicTest',
      queueId: 3,
      flag: 7,
      reconsumeTimes: 2,
      storeHost: STORE_HOST,
    });
    expect(dispatch).toEqual([
      {
        topic: 'TopicTest',
        queueId: 3,
        queueOffset: 0,
        commitLogOffset: 0,
        size: expected.length,
        tagsCode: javaStringHashCode('TagA'),
        storeTimestamp: clock.now(),
        sysFlag: 0,
        preparedTransactionOffset: 0,
        keys: decoded.properties.get('KEYS'),
        uniqKey: decoded.properties.get('UNIQ_KEY'),
      },
    ]);
  });

  it('names every offset in its msgId, beyond 32 bits too', () => {
    const start = 2 ** 44 + 7 * 64 * 1024;
    const { log } = open(tempDir(), { segmentBytes: 64 * 1024 }, { fromOffset: start });
    const { append, dispatch } = appendOk(log, [message(), message({ bodyBytes: 3000 })], new QueueOffsets());
    expect(append.wroteOffset).toBe(start);
    expect(append.msgIds).toEqual(dispatch.map((d) => createOffsetMessageId(STORE_HOST, d.commitLogOffset)));
  });

  it('gives a batch consecutive queue offsets from one nextQueueOffset call, per queue', () => {
    const { log } = open(tempDir(), { segmentBytes: 64 * 1024 });
    const queues = new QueueOffsets();
    const batch = [message(), message(), message(), message(), message()];
    const first = appendOk(log, batch, queues);
    expect(queues.calls).toEqual([['TopicTest', 0, 5]]);
    expect(first.dispatch.map((d) => d.queueOffset)).toEqual([0, 1, 2, 3, 4]);
    expect(first.append.queueOffset).toBe(0);
    expect(first.append.msgIds).toEqual(
      first.dispatch.map((d) => createOffsetMessageId(STORE_HOST, d.commitLogOffset)),
    );
    // Records are contiguous and each carries its own offsets.
    let offset = first.append.wroteOffset;
    for (const [i, d] of first.dispatch.entries()) {
      expect(d.commitLogOffset).toBe(offset);
      const record = decodeRecord(log.readRecord(offset)!);
      expect(record).toMatchObject({ queueOffset: i, commitLogOffset: offset, body: batch[i]?.body });
      offset += d.size;
    }
    expect(offset).toBe(first.append.wroteOffset + first.append.wroteBytes);

    const second = appendOk(log, [message(), message()], queues);
    expect(second.append.queueOffset).toBe(5);
    const otherQueue = appendOk(log, [message({ queueId: 1 })], queues);
    expect(otherQueue.append.queueOffset).toBe(0);
  });

  it('writes every record byte for byte as the general encoder does, batches of mixed hosts and properties too', () => {
    // The append encodes with the layout its validation worked out (encodeLaidOutRecordInto), trusting it.
    const { log, clock } = open(tempDir(), { segmentBytes: 1024 * 1024 });
    const queues = new QueueOffsets();
    const host = fc.record({
      address: fc.oneof(fc.ipV4(), fc.ipV6()),
      port: fc.integer({ min: 0, max: 65535 }),
    });
    const value = fc
      .oneof(fc.string({ maxLength: 60 }), fc.string({ maxLength: 20, unit: 'grapheme' }))
      .filter((v) => !v.includes('\u0001') && !v.includes('\u0002'));
    const fields = fc.record({
      bornHost: host,
      body: fc.uint8Array({ maxLength: 300 }),
      flag: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      sysFlag: fc.constantFrom(0, MessageSysFlag.BORNHOST_V6_FLAG, MessageSysFlag.COMPRESSED_FLAG),
      reconsumeTimes: fc.nat({ max: 16 }),
      properties: fc.dictionary(fc.constantFrom('TAGS', 'KEYS', 'UNIQ_KEY', 'a', 'b'), value),
    });
    fc.assert(
      fc.property(fc.array(fields, { minLength: 1, maxLength: 4 }), (drawn) => {
        const batch = drawn.map((f) =>
          message({ ...f, body: Buffer.from(f.body), properties: encodeProperties(f.properties) }),
        );
        const { dispatch } = appendOk(log, batch, queues);
        dispatch.forEach((d, i) => {
          const expected = encodeRecord({
            ...batch[i]!,
            queueOffset: d.queueOffset,
            commitLogOffset: d.commitLogOffset,
            storeTimestamp: clock.now(),
            storeHost: STORE_HOST,
          });
          expect(log.readRecord(d.commitLogOffset)).toEqual(expected);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('writes V2 records for long topics and IPv6 hosts, and finds them again', async () => {
    const dir = tempDir();
    const storeHost = { address: '2001:db8::10', port: 10911 };
    const { log } = open(dir, { storeHost });
    const topic = 'T'.repeat(200);
    const sent = message({ topic, bornHost: { address: '2001:db8::7', port: 40000 } });
    const { append, dispatch } = appendOk(log, [sent], new QueueOffsets());
    const record = decodeRecord(log.readRecord(0)!, 0, { verifyBodyCRC: true });
    expect(record.magicCode).toBe(MESSAGE_MAGIC_CODE_V2);
    expect(record.sysFlag & MessageSysFlag.BORNHOST_V6_FLAG).not.toBe(0);
    expect(record.sysFlag & MessageSysFlag.STOREHOSTADDRESS_V6_FLAG).not.toBe(0);
    expect(record).toMatchObject({ topic, storeHost, bornHost: sent.bornHost });
    expect(append.msgIds).toEqual([createOffsetMessageId(storeHost, 0)]);
    expect(dispatch[0]?.sysFlag).toBe(record.sysFlag);
    await close(log);
    expect(open(dir, { storeHost }).recovered).toEqual(dispatch);
  });

  it('names the store host of the record in its msgId after the host object changed (port known late)', () => {
    // A broker listening on port 0 builds its store before it knows its port, then sets it on the same object.
    const storeHost = { address: '127.0.0.1', port: 0 };
    const { log } = open(tempDir(), { storeHost });
    storeHost.port = 43949;
    const { append } = appendOk(log, [message()], new QueueOffsets());
    const record = decodeRecord(log.readRecord(0)!, 0);
    expect(record.storeHost).toEqual({ address: '127.0.0.1', port: 43949 });
    expect(append.msgIds).toEqual([createOffsetMessageId(record.storeHost, 0)]);
  });

  it('gives transaction PREPARED and ROLLBACK records queue offset 0 without taking one', () => {
    const { log } = open(tempDir());
    const queues = new QueueOffsets();
    const prepared = appendOk(log, [message({ sysFlag: MessageSysFlag.TRANSACTION_PREPARED_TYPE })], queues);
    expect(prepared.dispatch[0]?.queueOffset).toBe(0);
    expect(queues.calls).toEqual([]);
    appendOk(log, [message()], queues);
    const committed = appendOk(log, [message({ sysFlag: MessageSysFlag.TRANSACTION_COMMIT_TYPE })], queues);
    expect(committed.append.queueOffset).toBe(1);
  });

  it('rolls to the next segment with an end-of-segment blank; no record spans two segments', async () => {
    const dir = tempDir();
    const { log } = open(dir);
    const queues = new QueueOffsets();
    const results = Array.from({ length: 8 }, () => appendOk(log, [message({ bodyBytes: 1000 })], queues));
    const size = results[0]!.append.wroteBytes;
    const perSegment = Math.floor((SMALL_SEGMENT - 8) / size);
    expect(perSegment).toBeGreaterThan(1);
    for (const [i, { append }] of results.entries()) {
      const segment = Math.floor(i / perSegment);
      expect(append.wroteOffset).toBe(segment * SMALL_SEGMENT + (i % perSegment) * size);
      expect(log.readRecord(append.wroteOffset)).toBeDefined();
    }
    const blankAt = perSegment * size;
    const blank = log.read(blankAt, 8)!;
    expect(blank.readInt32BE(0)).toBe(SMALL_SEGMENT - blankAt);
    expect(blank.readInt32BE(4)).toBe(BLANK_MAGIC_CODE);
    expect(log.readRecord(blankAt)).toBeUndefined();
    await log.flush();
    expect(fs.readdirSync(path.join(dir, 'commitlog')).sort()).toEqual([
      segmentFileName(0),
      segmentFileName(SMALL_SEGMENT),
      segmentFileName(2 * SMALL_SEGMENT),
    ]);
    expect(log.flushedOffset).toBe(log.maxOffset);
  });

  it('writes the appends of one turn with one pwrite, and a batch larger than the buffer too', async () => {
    const { log } = open(tempDir(), { segmentBytes: 64 * 1024, writeBufferBytes: 16 * 1024 });
    const queues = new QueueOffsets();
    for (let i = 0; i < 50; i++) appendOk(log, [message({ bodyBytes: 100 })], queues);
    expect(log.stats.writes).toBe(0);
    await nextTurn();
    expect(log.stats.writes).toBe(1);

    // A full buffer is written before the next append is added; a batch bigger than the buffer gets its own.
    const big = appendOk(
      log,
      Array.from({ length: 20 }, () => message({ bodyBytes: 1000 })),
      queues,
    );
    expect(big.append.wroteBytes).toBeGreaterThan(16 * 1024);
    expect(decodeRecord(log.readRecord(big.dispatch[19]!.commitLogOffset)!).queueOffset).toBe(69);
    await nextTurn();
    expect(log.stats.writes).toBe(2);
    for (const d of big.dispatch) expect(log.readRecord(d.commitLogOffset)?.length).toBe(d.size);
    expect(log.stats.appendedMessages).toBe(70);
  });

  it('reads nothing outside what is stored and only whole records at record starts', () => {
    const { log } = open(tempDir());
    expect(log.read(0, 10)).toBeUndefined();
    const { append } = appendOk(log, [message()], new QueueOffsets());
    expect(log.read(append.wroteBytes, 1)).toBeUndefined();
    expect(log.read(-1, 1)).toBeUndefined();
    expect(log.read(10, 1_000_000)?.length).toBe(append.wroteBytes - 10);
    expect(log.readRecord(1)).toBeUndefined();
    expect(log.readRecord(append.wroteBytes)).toBeUndefined();
  });

  it('refuses bad messages with a status, assigning nothing', () => {
    const { log } = open(tempDir(), { maxMessageBytes: 2000 });
    const queues = new QueueOffsets();
    const cases: Array<[MessageToStore[], string, RegExp]> = [
      [[message({ bodyBytes: 3000 })], 'MESSAGE_ILLEGAL', /exceeds the maximum message size of 2000/],
      [
        [message({ properties: `A\u0001${'x'.repeat(40_000)}\u0002` })],
        'PROPERTIES_SIZE_EXCEEDED',
        /40003 bytes exceed 32767/,
      ],
      [[message({ topic: 't'.repeat(40_000) })], 'MESSAGE_ILLEGAL', /topic/],
      [[message(), message({ queueId: 1 })], 'MESSAGE_ILLEGAL', /same topic and queue/],
      [
        Array.from({ length: 4 }, () => message({ bodyBytes: 1000 })),
        'MESSAGE_ILLEGAL',
        /does not fit in a commit-log segment/,
      ],
      [[message({ bornHost: { address: 'not-an-ip', port: 1 } })], 'MESSAGE_ILLEGAL', /not an IP address/],
      [[message({ bornTimestamp: Number.NaN })], 'MESSAGE_ILLEGAL', /bornTimestamp is out of range/],
      [[message({ queueId: 2 ** 31 })], 'MESSAGE_ILLEGAL', /queueId is out of range/],
      [[], 'MESSAGE_ILLEGAL', /no messages/],
    ];
    for (const [messages, status, remark] of cases) {
      const outcome = log.append(messages, queues.next);
      expect(outcome).toMatchObject({ ok: false, status });
      if (!outcome.ok) expect(outcome.remark).toMatch(remark);
    }
    expect(log.maxOffset).toBe(0);
    expect(queues.calls).toEqual([]);
  });

  it('waits for the end-of-turn write under ASYNC_FLUSH, and flushes on the interval', async () => {
    const dir = tempDir();
    const { log, clock } = open(dir);
    log.start();
    const { append } = appendOk(log, [message()], new QueueOffsets());
    const durable = log.waitDurable(append.wroteOffset + append.wroteBytes);
    expect(readFileAt(dir, 0, 8)).toEqual(Buffer.alloc(8));
    await expect(durable).resolves.toBe('PUT_OK');
    expect(readFileAt(dir, 0, append.wroteBytes)).toEqual(log.read(0, append.wroteBytes));
    expect(log.flushedOffset).toBe(0);
    clock.advance(500);
    await until(() => log.flushedOffset === append.wroteBytes);
  });

  it('computes the tag code of delayed messages from the delivery time, on append and on recovery', async () => {
    const dir = tempDir();
    const { log, clock } = open(dir);
    const queues = new QueueOffsets();
    const delayed = (level: string) =>
      message({ topic: SCHEDULE_TOPIC, properties: encodeProperties({ TAGS: 'T', DELAY: level }) });
    const stored = clock.now();
    const results = ['3', '99', 'abc', '0'].map((level) => appendOk(log, [delayed(level)], queues));
    const expected = [stored + 10_000, stored + 7_200_000, javaStringHashCode('T'), javaStringHashCode('T')];
    expect(results.map((r) => r.dispatch[0]?.tagsCode)).toEqual(expected);
    const explicit = appendOk(log, [message({ tagsCode: 42 })], queues);
    expect(explicit.dispatch[0]?.tagsCode).toBe(42);
    await close(log);
    const reopened = open(dir);
    expect(reopened.recovered.slice(0, 4).map((d) => d.tagsCode)).toEqual(expected);
  });

  it('reads TAGS, KEYS, UNIQ_KEY and DELAY from any properties string as decodeProperties does', async () => {
    const dir = tempDir();
    const { log } = open(dir, { segmentBytes: 64 * 1024 });
    const queues = new QueueOffsets();
    const piece = fc.constantFrom(
      'TAGS',
      'KEYS',
      'UNIQ_KEY',
      'DELAY',
      'TAG',
      'X',
      '\u0001',
      '\u0002',
      'a',
      ' ',
      '5',
    );
    const appended: DispatchRequest[] = [];
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 24 }), (pieces) => {
        const properties = pieces.join('');
        const { dispatch } = appendOk(log, [message({ topic: SCHEDULE_TOPIC, properties })], queues);
        const map = decodeProperties(properties);
        expect(dispatch[0]).toMatchObject({ keys: map.get('KEYS'), uniqKey: map.get('UNIQ_KEY') });
        appended.push(...dispatch);
      }),
      { numRuns: 300 },
    );
    await close(log);
    expect(open(dir, { segmentBytes: 64 * 1024 }).recovered).toEqual(appended);
  });

  it('refuses appends after shutdown and lifecycle calls out of order', async () => {
    const dir = tempDir();
    const log = new CommitLog({
      dir,
      segmentBytes: SMALL_SEGMENT,
      flushDiskType: 'ASYNC_FLUSH',
      flushIntervalMs: 500,
      syncFlushTimeoutMs: 1000,
      maxMessageBytes: 4096,
      storeHost: STORE_HOST,
      clock: new FakeClock(),
      logger: silentLogger(),
    });
    expect(() => log.append([message()], new QueueOffsets().next)).toThrow(/not allowed in state CREATED/);
    log.load();
    log.recover({ fromOffset: 0, onRecord: () => undefined });
    expect(() => log.recover({ fromOffset: 0, onRecord: () => undefined })).toThrow(/not allowed/);
    await log.shutdown();
    expect(log.append([message()], new QueueOffsets().next)).toMatchObject({
      ok: false,
      status: 'SERVICE_NOT_AVAILABLE',
    });
  });
});

describe('CommitLog recovery', () => {
  async function writeLog(dir: string, count: number, bodyBytes = 1000, segmentBytes = SMALL_SEGMENT) {
    const { log } = open(dir, { segmentBytes });
    const queues = new QueueOffsets();
    const dispatch: DispatchRequest[] = [];
    for (let i = 0; i < count; i++) {
      dispatch.push(
        ...appendOk(
          log,
          i % 3 === 2 ? [message({ bodyBytes: 200 }), message({ bodyBytes: 200 })] : [message({ bodyBytes })],
          queues,
        ).dispatch,
      );
    }
    const maxOffset = log.maxOffset;
    await close(log);
    return { dispatch, maxOffset };
  }

  it('finds every record again after a clean shutdown, and starts at the checkpoint when told', async () => {
    const dir = tempDir();
    const { dispatch, maxOffset } = await writeLog(dir, 12);
    expect(maxOffset).toBeGreaterThan(3 * SMALL_SEGMENT);
    const first = open(dir);
    expect(first.recovered).toEqual(dispatch);
    expect(first).toMatchObject({ maxOffset, truncatedBytes: 0 });
    const next = appendOk(first.log, [message()], new QueueOffsets());
    expect(next.append.wroteOffset).toBe(maxOffset);
    await close(first.log);

    const from = dispatch[7]!.commitLogOffset;
    const second = open(dir, {}, { fromOffset: from });
    expect(second.recovered.map((d) => d.commitLogOffset)).toEqual([
      ...dispatch.slice(7).map((d) => d.commitLogOffset),
      maxOffset,
    ]);
  });

  it('finds what a crashed process had written (no shutdown)', async () => {
    const dir = tempDir();
    const { log } = open(dir);
    const { dispatch } = appendOk(log, [message(), message()], new QueueOffsets());
    await nextTurn();
    const reopened = open(dir);
    expect(reopened.recovered).toEqual(dispatch);
  });

  it('truncates a record cut short by a crash, and the next append takes its place', async () => {
    const dir = tempDir();
    const { dispatch, maxOffset } = await writeLog(dir, 5);
    const last = dispatch.at(-1)!;
    const half = Math.floor(last.size / 2);
    patch(dir, last.commitLogOffset + half, Buffer.alloc(last.size - half));
    const { log, recovered, truncatedBytes, maxOffset: recoveredMax } = open(dir);
    expect(recoveredMax).toBe(last.commitLogOffset);
    expect(truncatedBytes).toBeGreaterThan(0);
    expect(truncatedBytes).toBeLessThanOrEqual(half);
    expect(recovered).toEqual(dispatch.slice(0, -1));
    expect(readFileAt(dir, last.commitLogOffset, maxOffset - last.commitLogOffset)).toEqual(
      Buffer.alloc(maxOffset - last.commitLogOffset),
    );
    const next = appendOk(log, [message()], new QueueOffsets());
    expect(next.append.wroteOffset).toBe(last.commitLogOffset);
  });

  it('truncates garbage after the last record, including a stale record copy at the wrong offset', async () => {
    const dir = tempDir();
    const { dispatch, maxOffset } = await writeLog(dir, 2, 100, 64 * 1024);
    patch(dir, maxOffset, crypto.randomBytes(300), 64 * 1024);
    const first = open(dir, { segmentBytes: 64 * 1024 });
    expect(first.maxOffset).toBe(maxOffset);
    expect(first.truncatedBytes).toBeGreaterThan(290);
    expect(first.recovered).toEqual(dispatch);
    await close(first.log);

    // A whole valid record, but PHYSICALOFFSET says it belongs elsewhere: a torn tail, not data.
    patch(dir, maxOffset, readFileAt(dir, 0, dispatch[0]!.size, 64 * 1024), 64 * 1024);
    const second = open(dir, { segmentBytes: 64 * 1024 });
    expect(second).toMatchObject({ maxOffset, truncatedBytes: dispatch[0]!.size });
  });

  it('drops an empty segment created by a roll-over the crash interrupted', async () => {
    const dir = tempDir();
    const { maxOffset } = await writeLog(dir, 2);
    expect(maxOffset).toBeLessThan(SMALL_SEGMENT);
    fs.writeFileSync(
      path.join(dir, 'commitlog', segmentFileName(SMALL_SEGMENT)),
      Buffer.alloc(SMALL_SEGMENT),
    );
    const { log } = open(dir);
    expect(log.maxOffset).toBe(maxOffset);
    expect(fs.readdirSync(path.join(dir, 'commitlog'))).toEqual([segmentFileName(0)]);
  });

  it('refuses a corrupted record followed by valid ones, naming its offset, and truncates there when told', async () => {
    const dir = tempDir();
    const segmentBytes = 64 * 1024;
    const { dispatch, maxOffset } = await writeLog(dir, 10, 300, segmentBytes);
    const bad = dispatch[3]!;
    const flipAt = bad.commitLogOffset + 100; // inside the body
    patch(dir, flipAt, Buffer.from([readFileAt(dir, flipAt, 1, segmentBytes)[0]! ^ 0x10]), segmentBytes);

    const error = caught(() => open(dir, { segmentBytes }));
    expect(isSkyrocketError(error, 'STORE_CORRUPTED')).toBe(true);
    expect(error).toBeInstanceOf(CorruptedRecordError);
    expect((error as CorruptedRecordError).offset).toBe(bad.commitLogOffset);
    expect((error as Error).message).toContain(`record at offset ${bad.commitLogOffset}`);
    expect((error as Error).message).toContain(`next at offset ${dispatch[4]!.commitLogOffset}`);
    expect((error as Error).message).toContain(`truncateCorruptedAt set to ${bad.commitLogOffset}`);
    expect((error as Error).message).toMatch(/crc-mismatch/);

    const wrongOffset = caught(() =>
      open(dir, { segmentBytes }, { truncateCorruptedAt: bad.commitLogOffset + 1 }),
    );
    expect((wrongOffset as Error).message).toMatch(/not where the corruption is/);

    const truncated = open(dir, { segmentBytes }, { truncateCorruptedAt: bad.commitLogOffset });
    expect(truncated).toMatchObject({
      maxOffset: bad.commitLogOffset,
      truncatedBytes: maxOffset - bad.commitLogOffset,
    });
    expect(truncated.recovered).toEqual(dispatch.slice(0, 3));
    expect(truncated.log.readRecord(dispatch[5]!.commitLogOffset)).toBeUndefined();
    appendOk(truncated.log, [message()], new QueueOffsets());
    await close(truncated.log);
    const clean = open(dir, { segmentBytes });
    expect(clean.recovered).toHaveLength(4);
    expect(clean.truncatedBytes).toBe(0);
  });

  it('refuses a bad magic code in the middle, and a corrupted last record of a segment when the next has data', async () => {
    const dir = tempDir();
    const { dispatch } = await writeLog(dir, 7);
    const lastOfFirstSegment = dispatch.filter((d) => d.commitLogOffset < SMALL_SEGMENT).at(-1)!;
    patch(dir, lastOfFirstSegment.commitLogOffset + 4, Buffer.from([0, 0, 0, 0]));
    const error = caught(() => open(dir));
    expect(isSkyrocketError(error, 'STORE_CORRUPTED')).toBe(true);
    expect((error as Error).message).toContain(`record at offset ${lastOfFirstSegment.commitLogOffset}`);
    expect((error as Error).message).toContain(`next at offset ${SMALL_SEGMENT}`);
    expect((error as Error).message).toMatch(/bad magic code/);
  });

  it('starts an empty log at the segment boundary at or after the checkpoint, so offsets are never reused', () => {
    const dir = tempDir();
    const { log, maxOffset } = open(dir, {}, { fromOffset: 5000 });
    expect(maxOffset).toBe(2 * SMALL_SEGMENT);
    expect(log.minOffset).toBe(2 * SMALL_SEGMENT);
    const { append } = appendOk(log, [message()], new QueueOffsets());
    expect(append.wroteOffset).toBe(2 * SMALL_SEGMENT);
  });

  it('refuses a checkpoint beyond the end of the log', async () => {
    const dir = tempDir();
    await writeLog(dir, 1);
    const error = caught(() => open(dir, {}, { fromOffset: 3 * SMALL_SEGMENT }));
    expect(isSkyrocketError(error, 'STORE_CORRUPTED')).toBe(true);
    expect(error).not.toBeInstanceOf(CorruptedRecordError); // nothing to truncate at
    expect((error as Error).message).toMatch(/segments are missing/);
  });
});

describe('CommitLog durability and failures', () => {
  it('SYNC_FLUSH: concurrent appends share fdatasyncs and all resolve PUT_OK', async () => {
    const hooks: CommitLogTestHooks = {
      beforeSync: async () => {
        // Hold each sync for a couple of turns so appends pile up behind it, as they do behind a real disk.
        await nextTurn();
        await nextTurn();
      },
    };
    const { log } = open(tempDir(), {
      flushDiskType: 'SYNC_FLUSH',
      segmentBytes: 64 * 1024,
      testHooks: hooks,
    });
    const queues = new QueueOffsets();
    const statuses: string[] = [];
    const producer = async () => {
      for (let i = 0; i < 25; i++) {
        const { append } = appendOk(log, [message({ bodyBytes: 200 })], queues);
        statuses.push(await log.waitDurable(append.wroteOffset + append.wroteBytes));
        expect(log.flushedOffset).toBeGreaterThanOrEqual(append.wroteOffset + append.wroteBytes);
      }
    };
    await Promise.all(Array.from({ length: 20 }, producer));
    expect(statuses).toHaveLength(500);
    expect(new Set(statuses)).toEqual(new Set(['PUT_OK']));
    expect(log.stats.syncs).toBeLessThan(100);
    expect(log.stats.syncs).toBeGreaterThan(0);
    expect(log.flushedOffset).toBe(log.maxOffset);
  });

  it('SYNC_FLUSH: a slow sync yields FLUSH_DISK_TIMEOUT, the data stays and is flushed later', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const dir = tempDir();
    const { log, clock } = open(dir, {
      flushDiskType: 'SYNC_FLUSH',
      syncFlushTimeoutMs: 1000,
      testHooks: { beforeSync: () => gate },
    });
    const { append, dispatch } = appendOk(log, [message()], new QueueOffsets());
    const end = append.wroteOffset + append.wroteBytes;
    const status = log.waitDurable(end);
    await nextTurn();
    clock.advance(999);
    await nextTurn();
    clock.advance(1);
    await expect(status).resolves.toBe('FLUSH_DISK_TIMEOUT');
    expect(log.readRecord(0)?.length).toBe(append.wroteBytes);
    release();
    await log.flush();
    expect(log.flushedOffset).toBe(end);
    await expect(log.waitDurable(end)).resolves.toBe('PUT_OK');
    await close(log);
    expect(open(dir).recovered).toEqual(dispatch);
  });

  it('disk full: the buffered bytes stay readable, new appends get a status, and nothing accepted is lost', async () => {
    const dir = tempDir();
    const fault = { diskFull: false };
    const hooks: CommitLogTestHooks = {
      beforeWrite: () => {
        if (fault.diskFull)
          throw new SkyrocketError('DISK_FULL', 'write commitlog: ENOSPC: no space left on device');
      },
    };
    const { log } = open(dir, { testHooks: hooks });
    const queues = new QueueOffsets();
    const accepted = [appendOk(log, [message()], queues)];
    await nextTurn();

    fault.diskFull = true;
    accepted.push(appendOk(log, [message()], queues));
    const second = accepted[1]!.append;
    const durable = log.waitDurable(second.wroteOffset + second.wroteBytes);
    await expect(durable).resolves.toBe('FLUSH_DISK_TIMEOUT');
    await expect(log.flush()).rejects.toThrow(/ENOSPC/);
    expect(log.readRecord(second.wroteOffset)?.length).toBe(second.wroteBytes);

    const refused = log.append([message()], queues.next);
    expect(refused).toMatchObject({ ok: false, status: 'SERVICE_NOT_AVAILABLE' });
    if (!refused.ok) expect(refused.remark).toMatch(/^DISK_FULL: .*ENOSPC/);
    expect(log.maxOffset).toBe(second.wroteOffset + second.wroteBytes);
    expect(queues.calls).toHaveLength(2);
    expect(log.stats.writeErrors).toBeGreaterThan(0);

    fault.diskFull = false;
    accepted.push(appendOk(log, [message()], queues));
    await close(log);
    expect(open(dir).recovered).toEqual(accepted.flatMap((a) => a.dispatch));
  });

  it('a segment that cannot be created gives CREATE_MAPPED_FILE_FAILED and changes nothing', async () => {
    const dir = tempDir();
    const fault = { readOnly: false };
    const hooks: CommitLogTestHooks = {
      beforeCreateSegment: () => {
        if (fault.readOnly)
          throw new SkyrocketError('STORE_IO_ERROR', 'open commitlog: EROFS: read-only file system');
      },
    };
    const { log } = open(dir, { testHooks: hooks });
    const queues = new QueueOffsets();
    const accepted = [1, 2, 3].map(() => appendOk(log, [message({ bodyBytes: 1000 })], queues));
    const end = log.maxOffset;
    fault.readOnly = true;
    const refused = log.append([message({ bodyBytes: 1000 })], queues.next);
    expect(refused).toMatchObject({ ok: false, status: 'CREATE_MAPPED_FILE_FAILED' });
    if (!refused.ok) expect(refused.remark).toMatch(/EROFS/);
    expect(log.maxOffset).toBe(end);
    expect(queues.calls).toHaveLength(3);

    fault.readOnly = false;
    accepted.push(appendOk(log, [message({ bodyBytes: 1000 })], queues));
    expect(accepted[3]!.append.wroteOffset).toBe(SMALL_SEGMENT);
    await close(log);
    expect(open(dir).recovered).toEqual(accepted.flatMap((a) => a.dispatch));
  });
});

describe('CommitLog retention', () => {
  it('deletes expired segments by their last store timestamp, never the active or an unflushed one', async () => {
    const dir = tempDir();
    const { log, clock } = open(dir);
    const queues = new QueueOffsets();
    const appended: DispatchRequest[] = [];
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      appended.push(...appendOk(log, [message({ bodyBytes: 1000 })], queues).dispatch);
    }
    const segments = Math.ceil(log.maxOffset / SMALL_SEGMENT);
    expect(segments).toBe(4);
    expect(log.deleteExpiredSegments(() => true)).toBe(0); // nothing is durable yet
    await log.flush();

    const seen: Array<[number, number]> = [];
    const firstOfSegment = (start: number) =>
      appended.find((d) => d.commitLogOffset === start)!.storeTimestamp;
    const deleted = log.deleteExpiredSegments((segment, lastStoreTimestamp) => {
      seen.push([segment.startOffset, lastStoreTimestamp]);
      return segment.startOffset < 2 * SMALL_SEGMENT;
    });
    expect(deleted).toBe(2);
    expect(seen).toEqual([
      [0, firstOfSegment(SMALL_SEGMENT)],
      [SMALL_SEGMENT, firstOfSegment(2 * SMALL_SEGMENT)],
      [2 * SMALL_SEGMENT, firstOfSegment(3 * SMALL_SEGMENT)],
    ]);
    expect(log.minOffset).toBe(2 * SMALL_SEGMENT);
    expect(log.read(0, 10)).toBeUndefined();
    expect(log.readRecord(appended[0]!.commitLogOffset)).toBeUndefined();
    expect(log.deleteExpiredSegments(() => true)).toBe(1);
    expect(log.minOffset).toBe(3 * SMALL_SEGMENT);
    expect(log.diskBytes()).toBe(SMALL_SEGMENT);
    await close(log);
    const reopened = open(dir);
    expect(reopened.recovered).toEqual(appended.filter((d) => d.commitLogOffset >= 3 * SMALL_SEGMENT));
  });
});

describe('CommitLog replication (appendReplicated, CommitLog.appendData)', () => {
  /** A master log of `count` 1000-byte-body records: several segments, each ended by a blank. */
  function master(count: number) {
    const { log } = open(tempDir());
    const queues = new QueueOffsets();
    const dispatch = Array.from({ length: count }, () =>
      appendOk(log, [message({ bodyBytes: 1000 })], queues),
    ).flatMap((a) => a.dispatch);
    return { log, dispatch };
  }

  /** The master's bytes from `from` on, a segment at a time (read stops at a segment end): whole records each. */
  function segmentsOf(log: CommitLog, from = 0): Array<[number, Buffer]> {
    const runs: Array<[number, Buffer]> = [];
    for (let offset = from; offset < log.maxOffset;) {
      const data = log.read(offset, SMALL_SEGMENT)!;
      runs.push([offset, data]);
      offset += data.length;
    }
    return runs;
  }

  it('writes the master bytes at the same offsets, through the buffer or straight to the file, and recovers them', async () => {
    const { log: source, dispatch } = master(9);
    expect(source.maxOffset).toBeGreaterThan(2 * SMALL_SEGMENT);
    const dir = tempDir();
    // A buffer smaller than two records: some appends are buffered, some written at once.
    const { log } = open(dir, { writeBufferBytes: 1500 });
    const dispatched: DispatchRequest[] = [];
    const [first, ...rest] = segmentsOf(source);
    // The first segment in one piece, ending with its blank; the others a record (or the blank) at a time.
    dispatched.push(...log.appendReplicated(first![0], first![1]));
    expect(log.maxOffset).toBe(SMALL_SEGMENT);
    for (const [offset, data] of rest) {
      let at = 0;
      for (const record of splitRecords(data)) {
        dispatched.push(...log.appendReplicated(offset + at, record));
        at += record.length;
      }
    }
    expect(dispatched).toEqual(dispatch);
    expect(log.maxOffset).toBe(source.maxOffset);
    expect(log.stats.appendedMessages).toBe(9);
    expect(log.stats.writes).toBeGreaterThan(0);
    for (const [offset, data] of segmentsOf(source)) expect(log.read(offset, SMALL_SEGMENT)).toEqual(data);
    const last = dispatch[dispatch.length - 1]!;
    expect(log.readRecord(last.commitLogOffset)).toEqual(source.readRecord(last.commitLogOffset));
    await close(log);
    const reopened = open(dir);
    expect(reopened.recovered).toEqual(dispatch);
    expect(reopened.maxOffset).toBe(source.maxOffset);
  });

  it('starts an empty log at a segment boundary, and only an empty one', async () => {
    const { log: source, dispatch } = master(9);
    const runs = segmentsOf(source);
    const [start, data] = runs[runs.length - 1]!;
    expect(start % SMALL_SEGMENT).toBe(0);
    expect(start).toBeGreaterThan(0);
    const dir = tempDir();
    const { log } = open(dir);
    expect(caught(() => log.appendReplicated(start + 1, data))).toMatchObject({
      errorName: 'INVALID_PARAMETER',
    });
    log.appendReplicated(start, data);
    expect(log.minOffset).toBe(start);
    expect(log.maxOffset).toBe(source.maxOffset);
    expect(log.read(start - 1, 1)).toBeUndefined();
    expect(caught(() => log.appendReplicated(0, runs[0]![1]))).toMatchObject({
      errorName: 'INVALID_PARAMETER',
    });
    await close(log);
    const reopened = open(dir);
    expect(reopened.maxOffset).toBe(source.maxOffset);
    expect(reopened.recovered).toEqual(dispatch.filter((d) => d.commitLogOffset >= start));
  });

  it('throws and changes nothing when the segment cannot be created or the write fails', async () => {
    const { log: source, dispatch } = master(9);
    const [[, first], [, second]] = segmentsOf(source) as [[number, Buffer], [number, Buffer]];
    const fault = { create: false, write: false };
    const hooks: CommitLogTestHooks = {
      beforeCreateSegment: () => {
        if (fault.create)
          throw new SkyrocketError('DISK_FULL', 'open commitlog: ENOSPC: no space left on device');
      },
      beforeWrite: () => {
        if (fault.write)
          throw new SkyrocketError('DISK_FULL', 'write commitlog: ENOSPC: no space left on device');
      },
    };
    const dir = tempDir();
    const { log } = open(dir, { testHooks: hooks });

    // An empty log that was to start at the second segment keeps no trace of the attempt.
    fault.create = true;
    expect(caught(() => log.appendReplicated(SMALL_SEGMENT, second))).toMatchObject({
      errorName: 'STORE_IO_ERROR',
      message: expect.stringMatching(/ENOSPC/) as string,
    });
    fault.create = false;
    fault.write = true;
    expect(caught(() => log.appendReplicated(SMALL_SEGMENT, second))).toMatchObject({
      errorName: 'DISK_FULL',
    });
    expect(log.maxOffset).toBe(0);
    expect(log.read(SMALL_SEGMENT, 1)).toBeUndefined();
    expect(fs.existsSync(segmentPath(dir, SMALL_SEGMENT))).toBe(false);

    // So it may still start anywhere: here at 0.
    fault.write = false;
    log.appendReplicated(0, first);
    fault.write = true;
    expect(caught(() => log.appendReplicated(SMALL_SEGMENT, second))).toMatchObject({
      errorName: 'DISK_FULL',
    });
    expect(log.maxOffset).toBe(SMALL_SEGMENT);
    fault.write = false;
    log.appendReplicated(SMALL_SEGMENT, second);
    expect(log.maxOffset).toBe(2 * SMALL_SEGMENT);
    await close(log);
    expect(open(dir).recovered).toEqual(dispatch.filter((d) => d.commitLogOffset < 2 * SMALL_SEGMENT));
  });
});
