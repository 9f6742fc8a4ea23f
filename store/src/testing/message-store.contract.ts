/**
 * The MessageStore contract: the behaviours every implementation must have, run against each of them
 * (memory/memory-message-store.test.ts, and the file store's test). Semantics follow RocketMQ's DefaultMessageStore
 * (PROTOCOL.md §2.5 for pull statuses, §3 for records); each block names the Java it follows.
 *
 * Rules for implementations:
 * - `create` gets a fresh empty directory, a FakeClock (store timestamps must come from it) and the store host to
 *   write into records; it returns a store that is not started. The contract starts it and shuts it down, and
 *   may call shutdown() on a store already shut down.
 * - Once putMessage resolves, its messages are visible to every read and arrival listeners have been called.
 * - `deleteMessagesBefore(commitLogOffset)` (test surface until it joins the interface) simulates retention: the
 *   contract calls it only with a record boundary (a record's commit-log offset, or getMaxPhyOffset()); afterwards
 *   getMinPhyOffset() equals it and consume queues, the index and lookups no longer see the records below it.
 * - With `reopen`, the store must keep its data across shutdown and a new instance over the same directory.
 * - Replication tests create a second store (a slave) with `create` over a directory of its own; its commit-log
 *   segments must be large enough for everything a test writes (the file store's own tests cover segment rolls).
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

import { isSkyrocketError, type SkyrocketError } from '@skyrocket/common';
import {
  decodeOffsetMessageId,
  decodeRecord,
  encodeProperties,
  javaStringHashCode,
  MESSAGE_MAGIC_CODE,
  MESSAGE_MAGIC_CODE_V2,
  MessageConst,
  MessageSysFlag,
  type HostAddress,
} from '@skyrocket/remoting/message';

import { FakeClock } from '../../../common/src/testing/fake-clock';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../layout';
import type {
  AppendResult,
  GetMessageOptions,
  MessageArrival,
  MessageStore,
  MessageToStore,
  PutMessageResult,
} from '../message-store';
import { expectedRecord, messageToStore, tagFilter, uniqueTopic } from './messages';
import { replicate, splitRecords } from './replication';

export interface MessageStoreContractContext {
  /** A fresh empty directory for this test, removed afterwards. */
  dir: string;
  /** The store's clock: store timestamps must be its now(). */
  clock: FakeClock;
  /** The host the store writes as STOREHOSTADDRESS and into offset msgIds. */
  storeHost: HostAddress;
}

/** What the contract needs beyond MessageStore: the retention hook it uses to test "offset moved". */
export interface MessageStoreTestSurface {
  /** Removes the records below `commitLogOffset` as retention would; min offsets follow. */
  deleteMessagesBefore(commitLogOffset: number): Promise<void>;
}

export type ContractMessageStore = MessageStore & MessageStoreTestSurface;

export type MessageStoreFactory = (ctx: MessageStoreContractContext) => Promise<ContractMessageStore>;

export interface MessageStoreContractOptions {
  /** A new store over the directory of a shut-down one; given only for stores that keep data. */
  reopen?: MessageStoreFactory;
}

const STORE_HOST: HostAddress = { address: '10.0.0.1', port: 10911 };
const PULL: GetMessageOptions = { maxMessages: 32 };

function appended(result: PutMessageResult): AppendResult {
  if (result.status !== 'PUT_OK' || !result.append) {
    throw new Error(`expected PUT_OK with an append result, got ${result.status}: ${result.remark ?? ''}`);
  }
  return result.append;
}

/** What appendToCommitLog threw; fails when it did not throw a SkyrocketError. */
function refusal(append: () => void): SkyrocketError {
  try {
    append();
  } catch (error) {
    if (isSkyrocketError(error)) return error;
    throw error;
  }
  throw new Error('expected appendToCommitLog to throw');
}

/** A copy of a record whose body ("replicated body N") has one byte flipped: its BODYCRC no longer matches. */
function withBodyByteFlipped(record: Buffer): Buffer {
  const copy = Buffer.from(record);
  const at = copy.indexOf('replicated body');
  if (at < 0) throw new Error('the record has no body to flip');
  copy.writeUInt8(copy.readUInt8(at) ^ 0xff, at);
  return copy;
}

/** Everything a pull from the min offset shows of a queue. */
async function queueContents(
  store: MessageStore,
  topic: string,
  queueId: number,
): Promise<{ min: number; max: number; queueOffsets: number[]; records: string[] }> {
  const min = store.getMinOffsetInQueue(topic, queueId);
  const pulled = await store.getMessage(topic, queueId, min, { maxMessages: 64, maxBytes: 1024 * 1024 });
  return {
    min,
    max: store.getMaxOffsetInQueue(topic, queueId),
    queueOffsets: pulled.queueOffsets,
    records: pulled.records.map((record) => record.toString('hex')),
  };
}

function tagged(topic: string, tag: string, fields: Partial<MessageToStore> = {}): MessageToStore {
  return messageToStore({ topic, ...fields, properties: { [MessageConst.PROPERTY_TAGS]: tag } });
}

export function messageStoreContract(
  name: string,
  create: MessageStoreFactory,
  options: MessageStoreContractOptions = {},
): void {
  describe(`MessageStore contract: ${name}`, () => {
    let ctx: MessageStoreContractContext;
    let store: ContractMessageStore;

    beforeEach(async () => {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'skyrocket-store-contract-'));
      ctx = { dir, clock: new FakeClock(), storeHost: STORE_HOST };
      store = await create(ctx);
      await store.start();
    });

    afterEach(async () => {
      await store.shutdown();
      await fs.rm(ctx.dir, { recursive: true, force: true });
    });

    async function put(message: MessageToStore): Promise<AppendResult> {
      return appended(await store.putMessage(message));
    }

    /** Puts `count` messages to one queue, advancing the clock `stepMs` before each. */
    async function putMany(topic: string, count: number, stepMs = 0, queueId = 0): Promise<AppendResult[]> {
      const results: AppendResult[] = [];
      for (let i = 0; i < count; i++) {
        ctx.clock.advance(stepMs);
        results.push(await put(messageToStore({ topic, queueId, body: Buffer.from(`message ${i}`) })));
      }
      return results;
    }

    describe('put and get (CommitLog.doAppend, MessageDecoder.decode)', () => {
      it('stores a message as the wire record, byte for byte, with the offsets, host and time it assigns', async () => {
        const topic = uniqueTopic('round_trip');
        ctx.clock.advance(1234);
        const message = messageToStore({
          topic,
          queueId: 3,
          flag: 7,
          body: Buffer.from('Hello RocketMQ, 你好'),
          properties: { TAGS: 'TagA', KEYS: 'k1 k2', UNIQ_KEY: '0A0000070000000000000000000A0001' },
          sysFlag: MessageSysFlag.MULTI_TAGS_FLAG,
          reconsumeTimes: 2,
          preparedTransactionOffset: 99,
        });
        const append = await put(message);
        expect(append).toEqual({
          wroteOffset: 0,
          wroteBytes: expect.any(Number) as number,
          queueOffset: 0,
          messageCount: 1,
          storeTimestamp: ctx.clock.now(),
          msgIds: [expect.any(String) as string],
        });

        const result = await store.getMessage(topic, 3, 0, PULL);
        const expected = expectedRecord(message, {
          queueOffset: 0,
          commitLogOffset: 0,
          storeTimestamp: ctx.clock.now(),
          storeHost: STORE_HOST,
        });
        expect(result.status).toBe('FOUND');
        expect(result.records).toHaveLength(1);
        expect(result.records[0]?.equals(expected)).toBe(true);
        expect(result.queueOffsets).toEqual([0]);
        expect(result.totalBytes).toBe(expected.length);
        expect(append.wroteBytes).toBe(expected.length);

        const record = decodeRecord(result.records[0] ?? Buffer.alloc(0), 0, { verifyBodyCRC: true });
        expect(record).toMatchObject({
          magicCode: MESSAGE_MAGIC_CODE,
          queueId: 3,
          flag: 7,
          queueOffset: 0,
          commitLogOffset: 0,
          sysFlag: MessageSysFlag.MULTI_TAGS_FLAG,
          bornTimestamp: message.bornTimestamp,
          bornHost: message.bornHost,
          storeTimestamp: ctx.clock.now(),
          storeHost: STORE_HOST,
          reconsumeTimes: 2,
          preparedTransactionOffset: 99,
          topic,
        });
        expect(record.body.toString()).toBe('Hello RocketMQ, 你好');
        expect(Object.fromEntries(record.properties)).toEqual({
          TAGS: 'TagA',
          KEYS: 'k1 k2',
          UNIQ_KEY: '0A0000070000000000000000000A0001',
        });
      });

      it('returns offset msgIds that decode to the store host and the commit-log offset of each record', async () => {
        const topic = uniqueTopic('msg_id');
        const results = await putMany(topic, 3);
        for (const result of results) {
          expect(result.msgIds).toHaveLength(1);
          expect(decodeOffsetMessageId(result.msgIds[0] ?? '')).toEqual({
            storeHost: STORE_HOST,
            commitLogOffset: result.wroteOffset,
          });
          expect(result.msgIds[0]).toMatch(/^[0-9A-F]{32}$/);
        }
      });

      it('assigns commit-log offsets as a running byte count across topics and queues', async () => {
        const first = await put(messageToStore({ topic: uniqueTopic('phy_a'), body: Buffer.alloc(10) }));
        const second = await put(
          messageToStore({ topic: uniqueTopic('phy_b'), queueId: 2, body: Buffer.alloc(300) }),
        );
        const third = await put(messageToStore({ topic: uniqueTopic('phy_c'), body: Buffer.alloc(0) }));
        expect(first.wroteOffset).toBe(0);
        expect(second.wroteOffset).toBe(first.wroteBytes);
        expect(third.wroteOffset).toBe(first.wroteBytes + second.wroteBytes);
        expect(store.getMinPhyOffset()).toBe(0);
        expect(store.getMaxPhyOffset()).toBe(third.wroteOffset + third.wroteBytes);
      });

      it('keeps one queue-offset sequence per topic and queue', async () => {
        const a = uniqueTopic('queues_a');
        const b = uniqueTopic('queues_b');
        const offsets: number[] = [];
        for (const [topic, queueId] of [
          [a, 0],
          [a, 1],
          [b, 0],
          [a, 0],
          [a, 1],
          [a, 0],
        ] as const) {
          offsets.push((await put(messageToStore({ topic, queueId }))).queueOffset);
        }
        expect(offsets).toEqual([0, 0, 0, 1, 1, 2]);
        expect(store.getMaxOffsetInQueue(a, 0)).toBe(3);
        expect(store.getMaxOffsetInQueue(a, 1)).toBe(2);
        expect(store.getMaxOffsetInQueue(b, 0)).toBe(1);
        expect(store.getMinOffsetInQueue(a, 0)).toBe(0);
        expect(store.getQueueIds(a)).toEqual([0, 1]);
        expect(store.getQueueIds(b)).toEqual([0]);
        const records = (await store.getMessage(a, 0, 0, PULL)).records.map((r) => decodeRecord(r));
        expect(records.map((r) => r.queueOffset)).toEqual([0, 1, 2]);
      });

      it('reports 0 offsets and no queue ids for a queue never written', () => {
        const topic = uniqueTopic('never_written');
        expect(store.getMaxOffsetInQueue(topic, 0)).toBe(0);
        expect(store.getMinOffsetInQueue(topic, 0)).toBe(0);
        expect(store.getQueueIds(topic)).toEqual([]);
      });

      it('stamps each message with the clock at append', async () => {
        const topic = uniqueTopic('store_time');
        const start = ctx.clock.now();
        await putMany(topic, 3, 1000);
        const records = (await store.getMessage(topic, 0, 0, PULL)).records.map((r) => decodeRecord(r));
        expect(records.map((r) => r.storeTimestamp)).toEqual([start + 1000, start + 2000, start + 3000]);
      });

      it('writes a V2 record for a topic longer than 127 bytes (CommitLog autoMessageVersionOnTopicLen)', async () => {
        const topic = uniqueTopic('long_topic_').padEnd(200, 'x');
        const message = messageToStore({ topic });
        await put(message);
        const [record] = (await store.getMessage(topic, 0, 0, PULL)).records;
        expect(record && decodeRecord(record).magicCode).toBe(MESSAGE_MAGIC_CODE_V2);
        expect(
          record?.equals(
            expectedRecord(message, {
              queueOffset: 0,
              commitLogOffset: 0,
              storeTimestamp: ctx.clock.now(),
              storeHost: STORE_HOST,
            }),
          ),
        ).toBe(true);
      });

      it('writes an IPv6 born host with the BORNHOST_V6 flag set', async () => {
        const topic = uniqueTopic('ipv6_born');
        await put(messageToStore({ topic, bornHost: { address: '2001:db8::7', port: 40000 } }));
        const [record] = (await store.getMessage(topic, 0, 0, PULL)).records;
        const decoded = decodeRecord(record ?? Buffer.alloc(0));
        expect(decoded.bornHost).toEqual({ address: '2001:db8::7', port: 40000 });
        expect(decoded.sysFlag & MessageSysFlag.BORNHOST_V6_FLAG).toBe(MessageSysFlag.BORNHOST_V6_FLAG);
      });
    });

    describe('batches (CommitLog.asyncPutMessages)', () => {
      it('appends a batch as contiguous records with consecutive queue offsets and one msgId each', async () => {
        const topic = uniqueTopic('batch');
        await putMany(topic, 2, 0, 1);
        ctx.clock.advance(500);
        const batch = [0, 1, 2].map((i) =>
          messageToStore({
            topic,
            queueId: 1,
            body: Buffer.from(`batched ${i}`),
            properties: { KEYS: `b${i}` },
          }),
        );
        const before = store.getMaxPhyOffset();
        const append = appended(await store.putMessages(batch));
        expect(append.wroteOffset).toBe(before);
        expect(append.queueOffset).toBe(2);
        expect(append.messageCount).toBe(3);
        expect(append.storeTimestamp).toBe(ctx.clock.now());
        expect(append.msgIds).toHaveLength(3);
        expect(store.getMaxPhyOffset()).toBe(before + append.wroteBytes);

        const result = await store.getMessage(topic, 1, 2, PULL);
        expect(result.queueOffsets).toEqual([2, 3, 4]);
        let commitLogOffset = append.wroteOffset;
        for (const [i, message] of batch.entries()) {
          const record = result.records[i] ?? Buffer.alloc(0);
          expect(
            record.equals(
              expectedRecord(message, {
                queueOffset: 2 + i,
                commitLogOffset,
                storeTimestamp: append.storeTimestamp,
                storeHost: STORE_HOST,
              }),
            ),
          ).toBe(true);
          expect(decodeOffsetMessageId(append.msgIds[i] ?? '').commitLogOffset).toBe(commitLogOffset);
          commitLogOffset += record.length;
        }
        expect(commitLogOffset).toBe(append.wroteOffset + append.wroteBytes);
      });

      it('refuses an empty batch, one that mixes topics or queues, or one with transaction messages', async () => {
        const topic = uniqueTopic('bad_batch');
        await put(messageToStore({ topic }));
        const maxPhyOffset = store.getMaxPhyOffset();
        const batches: MessageToStore[][] = [
          [],
          [messageToStore({ topic }), messageToStore({ topic: uniqueTopic('other') })],
          [messageToStore({ topic }), messageToStore({ topic, queueId: 1 })],
          [
            messageToStore({ topic }),
            messageToStore({ topic, sysFlag: MessageSysFlag.TRANSACTION_PREPARED_TYPE }),
          ],
        ];
        for (const batch of batches) {
          const result = await store.putMessages(batch);
          expect(result.status).toBe('MESSAGE_ILLEGAL');
          expect(result.append).toBeUndefined();
        }
        expect(store.getMaxPhyOffset()).toBe(maxPhyOffset);
        expect(store.getMaxOffsetInQueue(topic, 0)).toBe(1);
        expect(store.getMaxOffsetInQueue(topic, 1)).toBe(0);
      });

      it('stores none of a batch when one message is too large', async () => {
        const topic = uniqueTopic('oversize_batch');
        const batch = [
          messageToStore({ topic }),
          messageToStore({ topic, body: Buffer.alloc(DEFAULT_MAX_MESSAGE_BYTES + 1) }),
        ];
        expect((await store.putMessages(batch)).status).toBe('MESSAGE_ILLEGAL');
        expect(store.getMaxPhyOffset()).toBe(0);
        expect(store.getMaxOffsetInQueue(topic, 0)).toBe(0);
      });
    });

    describe('getMessage statuses (DefaultMessageStore.getMessage)', () => {
      it('answers NO_MATCHED_LOGIC_QUEUE with nextBeginOffset 0 for a queue never written', async () => {
        const topic = uniqueTopic('no_queue');
        await put(messageToStore({ topic, queueId: 0 }));
        for (const [queueTopic, queueId, offset] of [
          [uniqueTopic('absent'), 0, 0],
          [uniqueTopic('absent'), 0, 5],
          [topic, 1, 3],
        ] as const) {
          expect(await store.getMessage(queueTopic, queueId, offset, PULL)).toEqual({
            status: 'NO_MATCHED_LOGIC_QUEUE',
            nextBeginOffset: 0,
            minOffset: 0,
            maxOffset: 0,
            records: [],
            queueOffsets: [],
            totalBytes: 0,
          });
        }
      });

      it('answers FOUND with nextBeginOffset one past the last record returned', async () => {
        const topic = uniqueTopic('found');
        await putMany(topic, 5);
        const result = await store.getMessage(topic, 0, 1, { maxMessages: 3 });
        expect(result).toMatchObject({ status: 'FOUND', nextBeginOffset: 4, minOffset: 0, maxOffset: 5 });
        expect(result.queueOffsets).toEqual([1, 2, 3]);
        expect(result.records.map((r) => decodeRecord(r).body.toString())).toEqual([
          'message 1',
          'message 2',
          'message 3',
        ]);
        expect(result.totalBytes).toBe(result.records.reduce((sum, r) => sum + r.length, 0));
      });

      it('answers OFFSET_OVERFLOW_ONE at the max offset, keeping the offset', async () => {
        const topic = uniqueTopic('overflow_one');
        await putMany(topic, 2);
        expect(await store.getMessage(topic, 0, 2, PULL)).toMatchObject({
          status: 'OFFSET_OVERFLOW_ONE',
          nextBeginOffset: 2,
          minOffset: 0,
          maxOffset: 2,
          records: [],
          totalBytes: 0,
        });
      });

      it('answers OFFSET_OVERFLOW_BADLY past the max offset, moving to the max offset', async () => {
        const topic = uniqueTopic('overflow_badly');
        await putMany(topic, 2);
        expect(await store.getMessage(topic, 0, 9, PULL)).toMatchObject({
          status: 'OFFSET_OVERFLOW_BADLY',
          nextBeginOffset: 2,
          minOffset: 0,
          maxOffset: 2,
          records: [],
        });
      });

      it('answers OFFSET_TOO_SMALL below the min offset, moving to the min offset', async () => {
        const topic = uniqueTopic('too_small');
        const results = await putMany(topic, 4);
        await store.deleteMessagesBefore(results[2]?.wroteOffset ?? -1);
        expect(await store.getMessage(topic, 0, 1, PULL)).toMatchObject({
          status: 'OFFSET_TOO_SMALL',
          nextBeginOffset: 2,
          minOffset: 2,
          maxOffset: 4,
          records: [],
        });
        expect((await store.getMessage(topic, 0, 2, PULL)).queueOffsets).toEqual([2, 3]);
      });
    });

    describe('pull limits (DefaultMessageStore.isTheBatchFull)', () => {
      it('returns at most maxMessages records', async () => {
        const topic = uniqueTopic('max_messages');
        await putMany(topic, 10);
        const result = await store.getMessage(topic, 0, 0, { maxMessages: 4 });
        expect(result.queueOffsets).toEqual([0, 1, 2, 3]);
        expect(result.nextBeginOffset).toBe(4);
        const rest = await store.getMessage(topic, 0, 4, { maxMessages: 32 });
        expect(rest.queueOffsets).toEqual([4, 5, 6, 7, 8, 9]);
        expect(rest.nextBeginOffset).toBe(10);
      });

      it('stops before the record that would pass maxBytes', async () => {
        const topic = uniqueTopic('max_bytes');
        for (let i = 0; i < 5; i++) await put(messageToStore({ topic, body: Buffer.alloc(1000, i) }));
        const size = (await store.getMessage(topic, 0, 0, { maxMessages: 1 })).totalBytes;
        const result = await store.getMessage(topic, 0, 0, { maxMessages: 32, maxBytes: size * 3 - 1 });
        expect(result.queueOffsets).toEqual([0, 1]);
        expect(result.totalBytes).toBe(size * 2);
        expect(result.nextBeginOffset).toBe(2);
        const exact = await store.getMessage(topic, 0, 0, { maxMessages: 32, maxBytes: size * 3 });
        expect(exact.queueOffsets).toEqual([0, 1, 2]);
      });

      it('returns one record even when it alone exceeds maxBytes', async () => {
        const topic = uniqueTopic('one_over');
        await put(messageToStore({ topic, body: Buffer.alloc(5000) }));
        await put(messageToStore({ topic, body: Buffer.alloc(5000) }));
        const result = await store.getMessage(topic, 0, 0, { maxMessages: 32, maxBytes: 1000 });
        expect(result.status).toBe('FOUND');
        expect(result.queueOffsets).toEqual([0]);
        expect(result.nextBeginOffset).toBe(1);
      });
    });

    describe('filtering (ConsumeQueue tag codes, MessageFilter)', () => {
      it('returns only records whose tag code matches and moves past the entries it scanned', async () => {
        const topic = uniqueTopic('tags');
        for (const tag of ['TagB', 'TagA', 'TagB', 'TagA', 'TagB', 'TagB']) await put(tagged(topic, tag));
        const result = await store.getMessage(topic, 0, 0, { maxMessages: 32, filter: tagFilter('TagA') });
        expect(result.status).toBe('FOUND');
        expect(result.queueOffsets).toEqual([1, 3]);
        expect(result.records.map((r) => decodeRecord(r).properties.get('TAGS'))).toEqual(['TagA', 'TagA']);
        // The trailing TagB entries were scanned, so the next pull starts after them.
        expect(result.nextBeginOffset).toBe(6);
      });

      it('stops at maxMessages matched records, not counting the filtered ones', async () => {
        const topic = uniqueTopic('tags_max');
        for (const tag of ['TagB', 'TagA', 'TagB', 'TagA', 'TagA']) await put(tagged(topic, tag));
        const result = await store.getMessage(topic, 0, 0, { maxMessages: 2, filter: tagFilter('TagA') });
        expect(result.queueOffsets).toEqual([1, 3]);
        expect(result.nextBeginOffset).toBe(4);
      });

      it('answers NO_MATCHED_MESSAGE when nothing matches, with nextBeginOffset past the scanned entries', async () => {
        const topic = uniqueTopic('no_match');
        for (let i = 0; i < 5; i++) await put(tagged(topic, 'TagB'));
        expect(await store.getMessage(topic, 0, 1, { maxMessages: 32, filter: tagFilter('TagA') })).toEqual({
          status: 'NO_MATCHED_MESSAGE',
          nextBeginOffset: 5,
          minOffset: 0,
          maxOffset: 5,
          records: [],
          queueOffsets: [],
          totalBytes: 0,
        });
      });

      it('scans at most maxFilterMessageSize (16000 bytes = 800 entries) of consume queue per pull', async () => {
        const topic = uniqueTopic('scan_window');
        for (let i = 0; i < 850; i++) await put(tagged(topic, 'TagB'));
        await put(tagged(topic, 'TagA'));
        const filter = tagFilter('TagA');
        const first = await store.getMessage(topic, 0, 0, { maxMessages: 32, filter });
        expect(first).toMatchObject({ status: 'NO_MATCHED_MESSAGE', nextBeginOffset: 800 });
        const second = await store.getMessage(topic, 0, first.nextBeginOffset, { maxMessages: 32, filter });
        expect(second).toMatchObject({ status: 'FOUND', queueOffsets: [850], nextBeginOffset: 851 });
      });

      it('applies matchesRecord to the records whose tag code matched', async () => {
        const topic = uniqueTopic('record_filter');
        for (const [tag, color] of [
          ['TagA', 'red'],
          ['TagB', 'red'],
          ['TagA', 'blue'],
          ['TagA', 'red'],
        ]) {
          await put(messageToStore({ topic, properties: { TAGS: tag ?? '', color: color ?? '' } }));
        }
        const seen: string[] = [];
        const result = await store.getMessage(topic, 0, 0, {
          maxMessages: 32,
          filter: {
            matchesTagsCode: (code) => code === javaStringHashCode('TagA'),
            matchesRecord: (record) => {
              const color = decodeRecord(record).properties.get('color') ?? '';
              seen.push(color);
              return color === 'red';
            },
          },
        });
        expect(result.queueOffsets).toEqual([0, 3]);
        expect(seen).toEqual(['red', 'blue', 'red']);
        const none = await store.getMessage(topic, 0, 1, {
          maxMessages: 32,
          filter: { matchesTagsCode: () => true, matchesRecord: () => false },
        });
        expect(none).toMatchObject({ status: 'NO_MATCHED_MESSAGE', nextBeginOffset: 4 });
      });

      it('keeps the tag code given with the message instead of hashing TAGS (scheduled messages)', async () => {
        const topic = uniqueTopic('given_tags_code');
        const deliverAt = ctx.clock.now() + 10_000;
        await put(messageToStore({ topic, tagsCode: deliverAt, properties: { TAGS: 'TagA' } }));
        const filter = { matchesTagsCode: (code: number) => code === deliverAt };
        expect((await store.getMessage(topic, 0, 0, { maxMessages: 32, filter })).status).toBe('FOUND');
      });
    });

    describe('getOffsetInQueueByTime (ConsumeQueue.getOffsetInQueueByTime, BoundaryType.LOWER)', () => {
      it('finds the first offset stored at or after a time, min before the first and max after the last', async () => {
        const topic = uniqueTopic('by_time');
        const t0 = ctx.clock.now();
        await putMany(topic, 1, 1000); // offset 0 at t0+1000
        await putMany(topic, 2, 1000); // offsets 1, 2 at t0+2000 and t0+3000
        await put(messageToStore({ topic })); // offset 3 at t0+3000 too
        await putMany(topic, 1, 2000); // offset 4 at t0+5000
        const at = (t: number) => store.getOffsetInQueueByTime(topic, 0, t);
        expect(await at(t0)).toBe(0);
        expect(await at(t0 + 1000)).toBe(0);
        expect(await at(t0 + 1001)).toBe(1);
        expect(await at(t0 + 3000)).toBe(2);
        expect(await at(t0 + 4000)).toBe(4);
        expect(await at(t0 + 5000)).toBe(4);
        expect(await at(t0 + 5001)).toBe(5);
        expect(await store.getOffsetInQueueByTime(uniqueTopic('absent'), 0, t0)).toBe(0);
      });

      it('answers from the min offset once older messages are gone', async () => {
        const topic = uniqueTopic('by_time_retention');
        const t0 = ctx.clock.now();
        const results = await putMany(topic, 4, 1000);
        await store.deleteMessagesBefore(results[2]?.wroteOffset ?? -1);
        expect(await store.getOffsetInQueueByTime(topic, 0, t0)).toBe(2);
        expect(await store.getOffsetInQueueByTime(topic, 0, t0 + 4000)).toBe(3);
        expect(await store.getOffsetInQueueByTime(topic, 0, t0 + 9000)).toBe(4);
      });
    });

    describe('getEarliestMessageTime', () => {
      it('gives the store time of the first message still in the queue, or -1', async () => {
        const topic = uniqueTopic('earliest');
        expect(await store.getEarliestMessageTime(topic, 0)).toBe(-1);
        const t0 = ctx.clock.now();
        const results = await putMany(topic, 3, 1000);
        expect(await store.getEarliestMessageTime(topic, 0)).toBe(t0 + 1000);
        await store.deleteMessagesBefore(results[1]?.wroteOffset ?? -1);
        expect(await store.getEarliestMessageTime(topic, 0)).toBe(t0 + 2000);
        await store.deleteMessagesBefore(store.getMaxPhyOffset());
        expect(await store.getEarliestMessageTime(topic, 0)).toBe(-1);
      });
    });

    describe('lookMessageByOffset (VIEW_MESSAGE_BY_ID)', () => {
      it('returns the record at a commit-log offset, and nothing at the end of the log', async () => {
        const topic = uniqueTopic('look');
        const results = await putMany(topic, 3);
        const pulled = (await store.getMessage(topic, 0, 0, PULL)).records;
        for (const [i, result] of results.entries()) {
          const record = await store.lookMessageByOffset(result.wroteOffset);
          expect(record?.equals(pulled[i] ?? Buffer.alloc(0))).toBe(true);
        }
        expect(await store.lookMessageByOffset(store.getMaxPhyOffset())).toBeUndefined();
        expect(await store.lookMessageByOffset(store.getMaxPhyOffset() + 1000)).toBeUndefined();
      });

      it('finds the record an offset msgId names', async () => {
        const topic = uniqueTopic('look_by_id');
        const [result] = await putMany(topic, 1);
        const { commitLogOffset } = decodeOffsetMessageId(result?.msgIds[0] ?? '');
        const record = await store.lookMessageByOffset(commitLogOffset);
        expect(record && decodeRecord(record).topic).toBe(topic);
      });
    });

    describe('queryMessage (IndexService, QUERY_MESSAGE)', () => {
      it('finds messages by each of their KEYS and by UNIQ_KEY, newest first', async () => {
        const topic = uniqueTopic('query');
        const put1 = await put(
          messageToStore({ topic, properties: { KEYS: 'order-1 shared', UNIQ_KEY: 'U1' } }),
        );
        ctx.clock.advance(10_000);
        const put2 = await put(
          messageToStore({ topic, queueId: 1, properties: { KEYS: 'order-10 shared' } }),
        );
        ctx.clock.advance(10_000);
        const put3 = await put(messageToStore({ topic, properties: { KEYS: 'shared', UNIQ_KEY: 'U3' } }));
        const offsetsOf = async (key: string, max = 32) =>
          (await store.queryMessage(topic, key, max, 0, Number.MAX_SAFE_INTEGER)).map(
            (r) => decodeRecord(r).commitLogOffset,
          );
        expect(await offsetsOf('order-1')).toEqual([put1.wroteOffset]);
        expect(await offsetsOf('order-10')).toEqual([put2.wroteOffset]);
        expect(await offsetsOf('shared')).toEqual([put3.wroteOffset, put2.wroteOffset, put1.wroteOffset]);
        expect(await offsetsOf('shared', 2)).toEqual([put3.wroteOffset, put2.wroteOffset]);
        expect(await offsetsOf('U1')).toEqual([put1.wroteOffset]);
        expect(await offsetsOf('U3')).toEqual([put3.wroteOffset]);
        expect(await offsetsOf('order')).toEqual([]);
        expect(await offsetsOf('order-1 shared')).toEqual([]);
        const [record] = await store.queryMessage(topic, 'U3', 1, 0, Number.MAX_SAFE_INTEGER);
        expect(record?.equals((await store.lookMessageByOffset(put3.wroteOffset)) ?? Buffer.alloc(0))).toBe(
          true,
        );
      });

      it('bounds the search by store time', async () => {
        // 10 s apart, bounds in the gaps: RocketMQ's index keeps times to the second.
        const topic = uniqueTopic('query_time');
        const t0 = ctx.clock.now();
        const offsets: number[] = [];
        for (let i = 1; i <= 3; i++) {
          ctx.clock.advance(10_000);
          offsets.push((await put(messageToStore({ topic, properties: { KEYS: 'k' } }))).wroteOffset);
        }
        const query = async (begin: number, end: number) =>
          (await store.queryMessage(topic, 'k', 32, begin, end)).map((r) => decodeRecord(r).commitLogOffset);
        expect(await query(t0 + 5_000, t0 + 25_000)).toEqual([offsets[1], offsets[0]]);
        expect(await query(t0 + 15_000, t0 + 35_000)).toEqual([offsets[2], offsets[1]]);
        expect(await query(t0 + 31_000, t0 + 40_000)).toEqual([]);
        expect(await query(t0, t0 + 5_000)).toEqual([]);
      });

      it('keeps topics apart', async () => {
        const a = uniqueTopic('query_a');
        const b = uniqueTopic('query_b');
        await put(messageToStore({ topic: a, properties: { KEYS: 'same-key' } }));
        const onB = await put(messageToStore({ topic: b, properties: { KEYS: 'same-key' } }));
        const found = await store.queryMessage(b, 'same-key', 32, 0, Number.MAX_SAFE_INTEGER);
        expect(found.map((r) => decodeRecord(r).commitLogOffset)).toEqual([onB.wroteOffset]);
      });
    });

    describe('transaction messages (CommitLog.doAppend, CommitLogDispatcherBuildConsumeQueue)', () => {
      it('stores prepared and rollback records with queue offset 0 and no consume-queue entry', async () => {
        const topic = uniqueTopic('transactions');
        const arrivals: MessageArrival[] = [];
        store.onMessageArrival((arrival) => arrivals.push(arrival));
        await put(messageToStore({ topic, properties: { KEYS: 'normal' } }));
        const prepared = await put(
          messageToStore({
            topic,
            sysFlag: MessageSysFlag.TRANSACTION_PREPARED_TYPE,
            properties: { KEYS: 'prepared' },
          }),
        );
        const rollback = await put(
          messageToStore({
            topic,
            sysFlag: MessageSysFlag.TRANSACTION_ROLLBACK_TYPE,
            properties: { KEYS: 'rollback' },
          }),
        );
        const commit = await put(messageToStore({ topic, sysFlag: MessageSysFlag.TRANSACTION_COMMIT_TYPE }));
        expect([prepared.queueOffset, rollback.queueOffset, commit.queueOffset]).toEqual([0, 0, 1]);
        expect(store.getMaxOffsetInQueue(topic, 0)).toBe(2);
        expect(arrivals.map((a) => a.queueOffset)).toEqual([0, 1]);
        const pulled = (await store.getMessage(topic, 0, 0, PULL)).records.map((r) => decodeRecord(r));
        expect(pulled.map((r) => r.commitLogOffset)).toEqual([0, commit.wroteOffset]);
        const stored = await store.lookMessageByOffset(prepared.wroteOffset);
        expect(stored && decodeRecord(stored).queueOffset).toBe(0);
        // IndexService.buildIndex indexes prepared messages but not rollbacks.
        expect(await store.queryMessage(topic, 'prepared', 32, 0, Number.MAX_SAFE_INTEGER)).toHaveLength(1);
        expect(await store.queryMessage(topic, 'rollback', 32, 0, Number.MAX_SAFE_INTEGER)).toHaveLength(0);
      });
    });

    describe('deleteTopics (DefaultMessageStore.deleteTopics)', () => {
      it('drops the consume queues of the topics; the next message starts again at queue offset 0', async () => {
        const doomed = uniqueTopic('doomed');
        const kept = uniqueTopic('kept');
        const [first] = await putMany(doomed, 2, 0, 0);
        await putMany(doomed, 1, 0, 3);
        await putMany(kept, 2);
        await store.deleteTopics([doomed]);
        expect(store.getQueueIds(doomed)).toEqual([]);
        expect(store.getMaxOffsetInQueue(doomed, 0)).toBe(0);
        expect(store.getMinOffsetInQueue(doomed, 3)).toBe(0);
        expect(await store.getMessage(doomed, 0, 1, PULL)).toMatchObject({
          status: 'NO_MATCHED_LOGIC_QUEUE',
          nextBeginOffset: 0,
        });
        expect(store.getQueueIds(kept)).toEqual([0]);
        expect((await store.getMessage(kept, 0, 0, PULL)).queueOffsets).toEqual([0, 1]);
        // The commit log keeps the bytes until retention removes them.
        expect(await store.lookMessageByOffset(first?.wroteOffset ?? -1)).toBeDefined();
        expect((await put(messageToStore({ topic: doomed }))).queueOffset).toBe(0);
        expect((await store.getMessage(doomed, 0, 0, PULL)).queueOffsets).toEqual([0]);
      });
    });

    describe('onMessageArrival (MessageArrivingListener)', () => {
      it('tells listeners about each stored message before the put resolves', async () => {
        const topic = uniqueTopic('arrival');
        const arrivals: MessageArrival[] = [];
        store.onMessageArrival((arrival) => arrivals.push(arrival));
        ctx.clock.advance(100);
        await put(tagged(topic, 'TagA', { queueId: 2 }));
        expect(arrivals).toEqual([
          {
            topic,
            queueId: 2,
            queueOffset: 0,
            tagsCode: javaStringHashCode('TagA'),
            storeTimestamp: ctx.clock.now(),
          },
        ]);
        await put(messageToStore({ topic, queueId: 2 }));
        expect(arrivals[1]).toMatchObject({ queueOffset: 1, tagsCode: 0 });
      });

      it('reports every message of a batch, in order', async () => {
        const topic = uniqueTopic('arrival_batch');
        const arrivals: MessageArrival[] = [];
        store.onMessageArrival((arrival) => arrivals.push(arrival));
        await store.putMessages([tagged(topic, 'A'), tagged(topic, 'B'), tagged(topic, 'C')]);
        expect(arrivals.map((a) => [a.queueOffset, a.tagsCode])).toEqual([
          [0, javaStringHashCode('A')],
          [1, javaStringHashCode('B')],
          [2, javaStringHashCode('C')],
        ]);
      });

      it('stops calling a listener once unsubscribed, and keeps going when one throws', async () => {
        const topic = uniqueTopic('arrival_unsubscribe');
        const first: number[] = [];
        const second: number[] = [];
        const unsubscribe = store.onMessageArrival((arrival) => first.push(arrival.queueOffset));
        store.onMessageArrival(() => {
          throw new Error('listener failure');
        });
        store.onMessageArrival((arrival) => second.push(arrival.queueOffset));
        await put(messageToStore({ topic }));
        unsubscribe();
        await put(messageToStore({ topic }));
        expect(first).toEqual([0]);
        expect(second).toEqual([0, 1]);
      });

      it('is not called for a refused message', async () => {
        const arrivals: MessageArrival[] = [];
        store.onMessageArrival((arrival) => arrivals.push(arrival));
        const topic = uniqueTopic('arrival_refused');
        await store.putMessage(messageToStore({ topic, body: Buffer.alloc(DEFAULT_MAX_MESSAGE_BYTES + 1) }));
        expect(arrivals).toEqual([]);
      });
    });

    describe('limits (MessageExtEncoder.encode)', () => {
      it('refuses a message over the maximum size with MESSAGE_ILLEGAL and stores nothing', async () => {
        const topic = uniqueTopic('oversize');
        await put(messageToStore({ topic }));
        const before = store.stats();
        const result = await store.putMessage(
          messageToStore({ topic, body: Buffer.alloc(DEFAULT_MAX_MESSAGE_BYTES + 1) }),
        );
        expect(result.status).toBe('MESSAGE_ILLEGAL');
        expect(result.append).toBeUndefined();
        expect(result.remark).toEqual(expect.any(String));
        expect(store.getMaxPhyOffset()).toBe(before.commitLogMaxOffset);
        expect(store.getMaxOffsetInQueue(topic, 0)).toBe(1);
        expect(store.stats().putMessages).toBe(before.putMessages);
        expect((await put(messageToStore({ topic, body: Buffer.alloc(1024 * 1024) }))).queueOffset).toBe(1);
      });

      it('refuses properties longer than 32767 bytes with PROPERTIES_SIZE_EXCEEDED', async () => {
        const topic = uniqueTopic('long_properties');
        // KEYS \u0001 + 32,767 bytes + \u0002: longer than the int16 length field can hold.
        const properties = encodeProperties({ KEYS: 'k'.repeat(32_767) });
        const result = await store.putMessage(messageToStore({ topic, properties }));
        expect(result.status).toBe('PROPERTIES_SIZE_EXCEEDED');
        expect(store.getMaxPhyOffset()).toBe(0);
        expect(store.getMaxOffsetInQueue(topic, 0)).toBe(0);
      });
    });

    describe('retention (deleteMessagesBefore)', () => {
      it('moves the commit-log and queue minimums past the removed records', async () => {
        const a = uniqueTopic('retention_a');
        const b = uniqueTopic('retention_b');
        const a0 = await put(messageToStore({ topic: a }));
        const b0 = await put(messageToStore({ topic: b }));
        const a1 = await put(messageToStore({ topic: a }));
        await put(messageToStore({ topic: b }));
        await put(messageToStore({ topic: a }));

        await store.deleteMessagesBefore(a1.wroteOffset);
        expect(store.getMinPhyOffset()).toBe(a1.wroteOffset);
        expect(store.stats().commitLogMinOffset).toBe(a1.wroteOffset);
        expect([store.getMinOffsetInQueue(a, 0), store.getMaxOffsetInQueue(a, 0)]).toEqual([1, 3]);
        expect([store.getMinOffsetInQueue(b, 0), store.getMaxOffsetInQueue(b, 0)]).toEqual([1, 2]);
        expect(await store.lookMessageByOffset(a0.wroteOffset)).toBeUndefined();
        expect(await store.lookMessageByOffset(b0.wroteOffset)).toBeUndefined();
        expect(await store.getMessage(b, 0, 0, PULL)).toMatchObject({
          status: 'OFFSET_TOO_SMALL',
          nextBeginOffset: 1,
          minOffset: 1,
          maxOffset: 2,
        });
        expect((await store.getMessage(a, 0, 1, PULL)).queueOffsets).toEqual([1, 2]);
      });

      it('leaves a queue with min = max when all its messages are gone', async () => {
        const topic = uniqueTopic('retention_all');
        await putMany(topic, 3);
        await store.deleteMessagesBefore(store.getMaxPhyOffset());
        expect(store.getMinPhyOffset()).toBe(store.getMaxPhyOffset());
        expect(store.getMinOffsetInQueue(topic, 0)).toBe(3);
        expect(store.getMaxOffsetInQueue(topic, 0)).toBe(3);
        expect(store.getQueueIds(topic)).toEqual([0]);
        expect(await store.getMessage(topic, 0, 0, PULL)).toMatchObject({
          status: 'OFFSET_TOO_SMALL',
          nextBeginOffset: 3,
          minOffset: 3,
          maxOffset: 3,
        });
        expect(await store.getMessage(topic, 0, 3, PULL)).toMatchObject({ status: 'OFFSET_OVERFLOW_ONE' });
        expect((await put(messageToStore({ topic }))).queueOffset).toBe(3);
        expect((await store.getMessage(topic, 0, 3, PULL)).queueOffsets).toEqual([3]);
      });

      it('drops removed records from query results', async () => {
        const topic = uniqueTopic('retention_query');
        await put(messageToStore({ topic, properties: { KEYS: 'k' } }));
        const kept = await put(messageToStore({ topic, properties: { KEYS: 'k' } }));
        await store.deleteMessagesBefore(kept.wroteOffset);
        const found = await store.queryMessage(topic, 'k', 32, 0, Number.MAX_SAFE_INTEGER);
        expect(found.map((r) => decodeRecord(r).commitLogOffset)).toEqual([kept.wroteOffset]);
      });
    });

    describe('replication (DefaultMessageStore.getCommitLogData / appendToCommitLog, classic HA)', () => {
      const slaves: Array<{ store: ContractMessageStore; dir: string }> = [];

      /** An empty, started store of the same kind, in a directory of its own. */
      async function newSlave(): Promise<ContractMessageStore> {
        const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'skyrocket-store-slave-'));
        const slave = await create({
          dir,
          clock: ctx.clock,
          storeHost: { address: '10.0.0.2', port: 10911 },
        });
        slaves.push({ store: slave, dir });
        await slave.start();
        return slave;
      }

      afterEach(async () => {
        for (const { store: slave, dir } of slaves.splice(0)) {
          await slave.shutdown();
          await fs.rm(dir, { recursive: true, force: true });
        }
      });

      /** The master's whole log, as getCommitLogData serves it. */
      function commitLogBytes(from: MessageStore): Buffer {
        const parts: Buffer[] = [];
        for (let offset = from.getMinPhyOffset(); offset < from.getMaxPhyOffset();) {
          const part = from.getCommitLogData(offset, 1000);
          if (!part) throw new Error(`no data at ${offset}`);
          parts.push(part);
          offset += part.length;
        }
        return Buffer.concat(parts);
      }

      it('answers the raw records from any offset, bounded by maxBytes and the max offset', async () => {
        const topic = uniqueTopic('ha_data');
        const results = await putMany(topic, 3);
        const records = await Promise.all(results.map((r) => store.lookMessageByOffset(r.wroteOffset)));
        const all = Buffer.concat(records.map((r) => r ?? Buffer.alloc(0)));
        const max = store.getMaxPhyOffset();
        expect(all.length).toBe(max);
        expect(store.getCommitLogData(0, 1024 * 1024)).toEqual(all);
        expect(store.getCommitLogData(10, 5)).toEqual(all.subarray(10, 15));
        expect(store.getCommitLogData(max - 1, 100)).toEqual(all.subarray(max - 1));
        expect(store.getCommitLogData(max, 100)).toBeUndefined();
        expect(store.getCommitLogData(-1, 100)).toBeUndefined();
        expect(() => store.getCommitLogData(0, 0)).toThrow(RangeError);
        const second = results[1]?.wroteOffset ?? -1;
        await store.deleteMessagesBefore(second);
        expect(store.getCommitLogData(second - 1, 100)).toBeUndefined();
        expect(store.getCommitLogData(second, 1024 * 1024)).toEqual(all.subarray(second));
      });

      it('copies every kind of record to an empty store, which serves the same records, offsets, keys and arrivals', async () => {
        const a = uniqueTopic('ha_a');
        const b = uniqueTopic('ha_b');
        const schedule = 'SCHEDULE_TOPIC_XXXX';
        const masterArrivals: MessageArrival[] = [];
        store.onMessageArrival((arrival) => masterArrivals.push(arrival));
        ctx.clock.advance(1000);
        await putMany(a, 3, 10);
        // Larger than a getCommitLogData chunk: it reaches the slave in pieces.
        await put(
          messageToStore({
            topic: a,
            queueId: 1,
            body: Buffer.alloc(6000, 0x61),
            properties: { KEYS: 'big-one other', UNIQ_KEY: 'UNIQ_A1', TAGS: 'Big' },
          }),
        );
        appended(
          await store.putMessages([
            tagged(b, 'TagB', { queueId: 2 }),
            messageToStore({ topic: b, queueId: 2, properties: { KEYS: 'in-batch' } }),
            tagged(b, 'TagC', { queueId: 2 }),
          ]),
        );
        const prepared = await put(
          messageToStore({
            topic: a,
            sysFlag: MessageSysFlag.TRANSACTION_PREPARED_TYPE,
            properties: { KEYS: 'half' },
          }),
        );
        await put(
          messageToStore({
            topic: a,
            sysFlag: MessageSysFlag.TRANSACTION_ROLLBACK_TYPE,
            properties: { KEYS: 'rolled-back' },
          }),
        );
        await put(messageToStore({ topic: a, sysFlag: MessageSysFlag.TRANSACTION_COMMIT_TYPE }));
        ctx.clock.advance(10);
        // A delayed message: its ConsumeQueue tag code is its due time (level 2: 5 s), on both sides.
        await put(
          messageToStore({
            topic: schedule,
            queueId: 1,
            properties: { DELAY: '2', REAL_TOPIC: a, REAL_QID: '0' },
          }),
        );
        await put(messageToStore({ topic: a, queueId: 1 }));

        const slave = await newSlave();
        const slaveArrivals: MessageArrival[] = [];
        slave.onMessageArrival((arrival) => slaveArrivals.push(arrival));
        expect(replicate(store, slave, { chunkBytes: 4096 })).toBeGreaterThan(1);

        expect(slave.getMaxPhyOffset()).toBe(store.getMaxPhyOffset());
        expect(slave.getMinPhyOffset()).toBe(store.getMinPhyOffset());
        expect(commitLogBytes(slave)).toEqual(commitLogBytes(store));
        const queues: Array<[string, number]> = [
          [a, 0],
          [a, 1],
          [b, 2],
          [schedule, 1],
        ];
        for (const [topic, queueId] of queues) {
          const onMaster = await queueContents(store, topic, queueId);
          expect(onMaster.records.length).toBeGreaterThan(0);
          expect(await queueContents(slave, topic, queueId)).toEqual(onMaster);
          expect(slave.getQueueIds(topic)).toEqual(store.getQueueIds(topic));
        }
        // Three messages and the committed half; the prepared and rolled-back records take no queue offset.
        expect(store.getMaxOffsetInQueue(a, 0)).toBe(4);
        expect(slave.getMaxOffsetInQueue(a, 0)).toBe(4);
        expect(await slave.queryMessage(a, 'rolled-back', 32, 0, Number.MAX_SAFE_INTEGER)).toEqual([]);
        // The prepared record has no queue entry but is stored, and indexed.
        expect(await slave.lookMessageByOffset(prepared.wroteOffset)).toEqual(
          await store.lookMessageByOffset(prepared.wroteOffset),
        );
        for (const [topic, key] of [
          [a, 'big-one'],
          [a, 'other'],
          [a, 'UNIQ_A1'],
          [a, 'half'],
          [b, 'in-batch'],
        ] as const) {
          const onSlave = await slave.queryMessage(topic, key, 32, 0, Number.MAX_SAFE_INTEGER);
          expect(onSlave).toHaveLength(1);
          expect(onSlave).toEqual(await store.queryMessage(topic, key, 32, 0, Number.MAX_SAFE_INTEGER));
        }
        expect(slaveArrivals).toEqual(masterArrivals);
        const scheduled = slaveArrivals.find((arrival) => arrival.topic === schedule);
        expect(scheduled?.tagsCode).toBe((scheduled?.storeTimestamp ?? 0) + 5000);
        expect(slaveArrivals.find((arrival) => arrival.queueId === 1 && arrival.topic === a)?.tagsCode).toBe(
          javaStringHashCode('Big'),
        );
        expect(slave.stats()).toMatchObject({
          putMessages: store.stats().putMessages,
          putBytes: store.stats().putBytes,
          commitLogMaxOffset: store.getMaxPhyOffset(),
        });

        // It goes on from where it stands, as an HA client does after each batch.
        const more = await put(messageToStore({ topic: a, properties: { KEYS: 'later' } }));
        expect(replicate(store, slave)).toBe(1);
        expect(slave.getMaxPhyOffset()).toBe(store.getMaxPhyOffset());
        expect(await queueContents(slave, a, 0)).toEqual(await queueContents(store, a, 0));
        expect(slaveArrivals[slaveArrivals.length - 1]).toMatchObject({
          topic: a,
          queueOffset: more.queueOffset,
        });
        expect(await slave.queryMessage(a, 'later', 32, 0, Number.MAX_SAFE_INTEGER)).toHaveLength(1);
        expect(replicate(store, slave)).toBe(0);
      });

      it('refuses data that does not continue its log or is not whole valid records, and appends nothing', async () => {
        const topic = uniqueTopic('ha_refuse');
        for (const [i, properties] of [{}, {}, { KEYS: 'third' }].entries()) {
          await put(messageToStore({ topic, body: Buffer.from(`replicated body ${i}`), properties }));
        }
        const [r0, r1, r2] = splitRecords(store.getCommitLogData(0, 1024 * 1024) ?? Buffer.alloc(0));
        if (!r0 || !r1 || !r2) throw new Error('expected three records');
        const slave = await newSlave();
        const arrivals: MessageArrival[] = [];
        slave.onMessageArrival((arrival) => arrivals.push(arrival));

        // An empty store takes a segment start only.
        expect(refusal(() => slave.appendToCommitLog(100, r0)).message).toMatch(/offset 100 .*max offset 0/);
        slave.appendToCommitLog(0, r0);
        const max = r0.length;
        expect(slave.getMaxPhyOffset()).toBe(max);

        function expectRefused(startOffset: number, data: Uint8Array, reason: RegExp): void {
          const error = refusal(() => slave.appendToCommitLog(startOffset, data));
          expect(error.errorName).toBe('INVALID_PARAMETER');
          expect(error.message).toMatch(reason);
          expect(error.message).toMatch(/nothing was appended/);
          expect(slave.getMaxPhyOffset()).toBe(max);
        }
        expectRefused(max + 1, r1, new RegExp(`offset ${max + 1} refused.*max offset ${max}`));
        expectRefused(max - 1, r1, new RegExp(`offset ${max - 1} refused`));
        expectRefused(0, r0, /offset 0 refused/);

        expectRefused(max, withBodyByteFlipped(r1), new RegExp(`offset ${max}: crc-mismatch`));
        const badMagic = Buffer.from(r1);
        badMagic.writeInt32BE(0x12345678, 4);
        expectRefused(max, badMagic, new RegExp(`offset ${max}: bad magic code 0x12345678`));
        expectRefused(max, r2, new RegExp(`offset ${max}: PHYSICALOFFSET is ${max + r1.length}, not ${max}`));
        expectRefused(max, r1.subarray(0, r1.length - 1), /truncated/);
        expectRefused(max, r1.subarray(0, 5), /truncated/);
        // A blank that does not run to the segment end.
        const blank = Buffer.alloc(16);
        blank.writeInt32BE(16, 0);
        blank.writeInt32BE(-875286124, 4);
        expectRefused(max, blank, /a blank of 16 bytes/);
        // A good record before a bad one: none of it is taken.
        const badThird = withBodyByteFlipped(r2);
        expectRefused(
          max,
          Buffer.concat([r1, badThird]),
          new RegExp(`offset ${max + r1.length}: crc-mismatch`),
        );
        expect(await slave.lookMessageByOffset(max)).toBeUndefined();
        expect(slave.getMaxOffsetInQueue(topic, 0)).toBe(1);
        expect(await slave.queryMessage(topic, 'third', 32, 0, Number.MAX_SAFE_INTEGER)).toEqual([]);
        expect(arrivals.map((arrival) => arrival.queueOffset)).toEqual([0]);
        expect(slave.stats().putMessages).toBe(1);

        slave.appendToCommitLog(max, Buffer.concat([r1, r2]));
        expect(slave.getMaxPhyOffset()).toBe(store.getMaxPhyOffset());
        expect(arrivals.map((arrival) => arrival.queueOffset)).toEqual([0, 1, 2]);
        expect(await queueContents(slave, topic, 0)).toEqual(await queueContents(store, topic, 0));
      });

      it('neither serves nor takes data once shut down (DefaultMessageStore: "message store has shutdown")', async () => {
        await put(messageToStore({ topic: uniqueTopic('ha_shutdown') }));
        expect(store.getCommitLogData(0, 100)).toHaveLength(100);
        await store.shutdown();
        expect(store.getCommitLogData(0, 100)).toBeUndefined();
        const slave = await newSlave();
        await slave.shutdown();
        expect(refusal(() => slave.appendToCommitLog(0, Buffer.alloc(0))).errorName).toBe('CLIENT_STATE');
        expect(slave.getMaxPhyOffset()).toBe(0);
      });
    });

    describe('stats and lifecycle', () => {
      it('counts stored messages and bytes', async () => {
        const topic = uniqueTopic('stats');
        const one = await put(messageToStore({ topic }));
        const batch = appended(
          await store.putMessages([messageToStore({ topic }), messageToStore({ topic })]),
        );
        const stats = store.stats();
        expect(stats.putMessages).toBe(3);
        expect(stats.putBytes).toBe(one.wroteBytes + batch.wroteBytes);
        expect(stats.commitLogMinOffset).toBe(0);
        expect(stats.commitLogMaxOffset).toBe(store.getMaxPhyOffset());
      });

      it('refuses puts after shutdown with SERVICE_NOT_AVAILABLE', async () => {
        await store.shutdown();
        const result = await store.putMessage(messageToStore({ topic: uniqueTopic('after_shutdown') }));
        expect(result.status).toBe('SERVICE_NOT_AVAILABLE');
      });
    });

    const reopen = options.reopen;
    if (reopen) {
      describe('durability across shutdown and reopen', () => {
        it('keeps records, offsets, the index and the queues, and continues the sequences', async () => {
          const a = uniqueTopic('reopen_a');
          const b = uniqueTopic('reopen_b');
          const t0 = ctx.clock.now();
          await putMany(a, 3, 1000);
          const batch = appended(
            await store.putMessages([
              messageToStore({ topic: b, queueId: 2, properties: { KEYS: 'kb', UNIQ_KEY: 'UB' } }),
              messageToStore({ topic: b, queueId: 2 }),
            ]),
          );
          const pulledA = (await store.getMessage(a, 0, 0, PULL)).records;
          const pulledB = (await store.getMessage(b, 2, 0, PULL)).records;
          const maxPhyOffset = store.getMaxPhyOffset();

          await store.shutdown();
          store = await reopen(ctx);
          await store.start();

          expect(store.getMaxPhyOffset()).toBe(maxPhyOffset);
          expect(store.getMinPhyOffset()).toBe(0);
          expect(store.getQueueIds(a)).toEqual([0]);
          expect(store.getQueueIds(b)).toEqual([2]);
          const againA = await store.getMessage(a, 0, 0, PULL);
          expect(againA.records.map((r) => r.toString('hex'))).toEqual(pulledA.map((r) => r.toString('hex')));
          const againB = await store.getMessage(b, 2, 0, PULL);
          expect(againB.records.map((r) => r.toString('hex'))).toEqual(pulledB.map((r) => r.toString('hex')));
          expect(await store.getOffsetInQueueByTime(a, 0, t0 + 1500)).toBe(1);
          expect(await store.getEarliestMessageTime(a, 0)).toBe(t0 + 1000);
          const byKey = await store.queryMessage(b, 'kb', 32, 0, Number.MAX_SAFE_INTEGER);
          expect(byKey.map((r) => decodeRecord(r).commitLogOffset)).toEqual([batch.wroteOffset]);
          expect(await store.queryMessage(b, 'UB', 32, 0, Number.MAX_SAFE_INTEGER)).toHaveLength(1);
          const { commitLogOffset } = decodeOffsetMessageId(batch.msgIds[1] ?? '');
          expect(await store.lookMessageByOffset(commitLogOffset)).toEqual(pulledB[1]);

          const next = await put(messageToStore({ topic: a }));
          expect(next.wroteOffset).toBe(maxPhyOffset);
          expect(next.queueOffset).toBe(3);
          expect((await put(messageToStore({ topic: b, queueId: 2 }))).queueOffset).toBe(2);
        });
      });
    }
  });
}
