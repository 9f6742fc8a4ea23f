import { silentLogger } from '@skyrocket/common';
import {
  decodeRecord,
  encodeProperties,
  MessageConst,
  MessageSysFlag,
  type MessageRecord,
} from '@skyrocket/remoting';
import { MemoryMessageStore } from '@skyrocket/store';
import { FakeClock } from '../../../common/src/testing/fake-clock';
import { TRANS_HALF_TOPIC, TRANS_OP_HALF_TOPIC } from '../topic/topic-validator';
import { toCommittedMessage, toHalfMessage, TRANSACTION_CONSUMER_GROUP } from './half-message';
import {
  needDiscard,
  TransactionalMessageService,
  type CheckProgressStore,
  type TransactionCheckListener,
} from './transactional-message-service';

const STORE_HOST = { address: '127.0.0.1', port: 10911 };
const TIMEOUT = 6000;
const CHECK_MAX = 15;

class MapProgress implements CheckProgressStore {
  readonly table = new Map<string, number>();
  query(group: string, topic: string, queueId: number): number {
    return this.table.get(`${topic}@${group}:${queueId}`) ?? -1;
  }
  commit(group: string, topic: string, queueId: number, offset: number): void {
    this.table.set(`${topic}@${group}:${queueId}`, offset);
  }
}

class RecordingListener implements TransactionCheckListener {
  readonly checks: Array<{ half: MessageRecord; offsetMsgId: string }> = [];
  readonly discards: MessageRecord[] = [];
  resolveHalfMessage(half: MessageRecord, offsetMsgId: string): void {
    this.checks.push({ half, offsetMsgId });
  }
  resolveDiscardMessage(half: MessageRecord): Promise<void> {
    this.discards.push(half);
    return Promise.resolve();
  }
  bodies(): string[] {
    return this.checks.map((c) => c.half.body.toString());
  }
}

describe('TransactionalMessageService', () => {
  let clock: FakeClock;
  let store: MemoryMessageStore;
  let progress: MapProgress;
  let listener: RecordingListener;
  let service: TransactionalMessageService;
  let uniq = 0;

  const newService = (limits: { maxHalfMessagesPerCheck?: number; maxOpMessagesPerCheck?: number } = {}) =>
    new TransactionalMessageService({
      store,
      progress,
      clock,
      logger: silentLogger(),
      storeHost: STORE_HOST,
      fileReservedTimeHours: 72,
      ...limits,
    });

  /** A half message as the send processor stores it; returns the stored record. */
  const prepare = async (body: string, extra: Record<string, string> = {}): Promise<MessageRecord> => {
    const result = await store.putMessage(
      toHalfMessage({
        topic: 'OrderTopic',
        queueId: 2,
        flag: 0,
        body: Buffer.from(body),
        properties: encodeProperties({
          TAGS: 'TagA',
          UNIQ_KEY: `UNIQ${String(uniq++).padStart(28, '0')}`,
          TRAN_MSG: 'true',
          PGROUP: 'TxGroup',
          ...extra,
        }),
        sysFlag: MessageSysFlag.TRANSACTION_PREPARED_TYPE,
        bornTimestamp: clock.now(),
        bornHost: { address: '10.0.0.9', port: 40000 },
        reconsumeTimes: 0,
        preparedTransactionOffset: 0,
      }),
    );
    if (!result.append) throw new Error(`put failed: ${result.status}`);
    return (await service.lookupHalfMessage(result.append.wroteOffset)) as MessageRecord;
  };

  /** What END_TRANSACTION does after its checks: commit → real message + op record; rollback → op record. */
  const end = async (half: MessageRecord, decision: 'commit' | 'rollback') => {
    if (decision === 'commit') {
      const committed = toCommittedMessage(half);
      if (!committed) throw new Error('no real destination');
      expect((await store.putMessage(committed)).status).toBe('PUT_OK');
    }
    expect(await service.deletePrepareMessage(half)).toBe(true);
  };

  const check = () => service.check(TIMEOUT, CHECK_MAX, listener);

  beforeEach(async () => {
    clock = new FakeClock();
    store = new MemoryMessageStore({ storeHost: STORE_HOST, clock });
    await store.start();
    progress = new MapProgress();
    listener = new RecordingListener();
    service = newService();
  });

  it('parks a half message in the half topic where only its commit-log offset finds it', async () => {
    const half = await prepare('parked');
    expect(half).toMatchObject({ topic: TRANS_HALF_TOPIC, queueId: 0, queueOffset: 0 });
    expect(half.sysFlag & MessageSysFlag.TRANSACTION_ROLLBACK_TYPE).toBe(0);
    expect(half.properties.get('REAL_TOPIC')).toBe('OrderTopic');
    expect(half.properties.get('REAL_QID')).toBe('2');
    expect(half.properties.get('__transactionId__')).toBe(half.properties.get('UNIQ_KEY'));
    expect(store.getMaxOffsetInQueue('OrderTopic', 2)).toBe(0);
  });

  it('does not check a half message before transactionTimeOut, and checks it once after', async () => {
    const half = await prepare('late');
    clock.advance(TIMEOUT);
    expect(await check()).toMatchObject({ checked: 0, halfOffset: 0 });
    clock.advance(1);
    const summary = await check();
    expect(summary).toMatchObject({ checked: 1, halfOffset: 1 });
    const [sent] = listener.checks;
    // The producer answers about the copy put back at the end of the half queue.
    expect(sent?.half).toMatchObject({ topic: TRANS_HALF_TOPIC, queueOffset: 1 });
    expect(sent?.half.commitLogOffset).toBeGreaterThan(half.commitLogOffset);
    expect(sent?.half.properties.get('TRANSACTION_CHECK_TIMES')).toBe('1');
    expect(sent?.offsetMsgId).toMatch(/^[0-9A-F]{32}$/);
    const copy = await service.lookupHalfMessage(sent?.half.commitLogOffset ?? -1);
    expect(copy?.properties.get('TRANSACTION_CHECK_TIMES')).toBe('1');
    expect(copy?.body.toString()).toBe('late');
    expect(progress.query(TRANSACTION_CONSUMER_GROUP, TRANS_HALF_TOPIC, 0)).toBe(1);
    // The copy was stored by this scan: it waits for the next one.
    expect(await check()).toMatchObject({ checked: 0, halfOffset: 1 });
  });

  it('never checks committed or rolled-back half messages, and moves both progress offsets past them', async () => {
    const committed = await prepare('committed');
    const rolledBack = await prepare('rolled back');
    const open = await prepare('open');
    await end(committed, 'commit');
    await end(rolledBack, 'rollback');
    expect(store.getMaxOffsetInQueue(TRANS_OP_HALF_TOPIC, 0)).toBe(2);
    clock.advance(TIMEOUT + 1);
    const summary = await check();
    expect(summary).toMatchObject({ resolved: 2, checked: 1, halfOffset: 3, opOffset: 2 });
    expect(listener.bodies()).toEqual(['open']);
    expect(open.queueOffset).toBe(2);
    expect(progress.query(TRANSACTION_CONSUMER_GROUP, TRANS_OP_HALF_TOPIC, 0)).toBe(2);
  });

  it('resolves a checked message through the op record for its copy', async () => {
    await prepare('answered on check');
    clock.advance(TIMEOUT + 1);
    await check();
    const copy = listener.checks[0]?.half as MessageRecord;
    await end(copy, 'commit');
    clock.advance(60_000);
    expect(await check()).toMatchObject({ resolved: 1, checked: 0, halfOffset: 2, opOffset: 1 });
    expect(listener.checks).toHaveLength(1);
  });

  it('checks an unanswered message every scan until transactionCheckMax, then discards it', async () => {
    await prepare('never answered');
    for (let scan = 0; scan < CHECK_MAX + 3; scan++) {
      clock.advance(30_000);
      await check();
    }
    expect(listener.checks).toHaveLength(CHECK_MAX);
    expect(listener.checks.map((c) => c.half.properties.get('TRANSACTION_CHECK_TIMES'))).toEqual(
      Array.from({ length: CHECK_MAX }, (_, i) => String(i + 1)),
    );
    expect(listener.discards).toHaveLength(1);
    expect(listener.discards[0]?.body.toString()).toBe('never answered');
  });

  it('stops at the first message that is not due: later ones were born later', async () => {
    await prepare('old');
    clock.advance(TIMEOUT);
    await prepare('young');
    clock.advance(1);
    expect(await check()).toMatchObject({ checked: 1, halfOffset: 1 });
    expect(listener.bodies()).toEqual(['old']);
  });

  it('bounds the half messages one scan examines and goes on from there on the next', async () => {
    service = newService({ maxHalfMessagesPerCheck: 3 });
    for (let i = 0; i < 8; i++) await prepare(`m${i}`);
    clock.advance(TIMEOUT + 1);
    expect(await check()).toMatchObject({ examined: 3, checked: 3, halfOffset: 3 });
    clock.advance(1);
    expect(await check()).toMatchObject({ examined: 3, checked: 3, halfOffset: 6 });
    clock.advance(1);
    // m6, m7, then the copy of m0 put back by the first scan: due again, as RocketMQ re-checks every scan.
    expect(await check()).toMatchObject({ examined: 3, checked: 3, halfOffset: 9 });
    expect(listener.bodies()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm0']);
  });

  it('works through an op backlog larger than one scan may read without checking resolved messages', async () => {
    service = newService({ maxOpMessagesPerCheck: 5 });
    const halves: MessageRecord[] = [];
    for (let i = 0; i < 12; i++) halves.push(await prepare(`m${i}`));
    await prepare('open');
    // Resolved in reverse order: the op record of m0 is the last one.
    for (const half of [...halves].reverse()) await end(half, 'rollback');
    clock.advance(TIMEOUT + 1);
    const summaries = [];
    for (let scan = 0; scan < 4; scan++) summaries.push(await check());
    expect(listener.bodies()).toEqual(['open']);
    expect(summaries.at(-1)).toMatchObject({ halfOffset: 13, opOffset: 12 });
    // Each scan read at most 5 op records: the first could not resolve m0 and had to stop.
    expect(summaries[0]).toMatchObject({ checked: 0, halfOffset: 0 });
  });

  it('recomputes what the op records resolve after a restart, from the persisted progress', async () => {
    await prepare('a');
    clock.advance(TIMEOUT + 1);
    await prepare('b');
    const c = await prepare('c');
    await end(c, 'commit');
    // a is due, b is not: the scan stops at b, so the op record of c is read but not yet done.
    expect(await check()).toMatchObject({ checked: 1, halfOffset: 1, opOffset: 0 });
    // A new service (a restarted broker) with the persisted progress reads the op queue again.
    service = newService();
    clock.advance(TIMEOUT + 1);
    expect(await check()).toMatchObject({ resolved: 1, checked: 2, halfOffset: 4, opOffset: 1 });
    expect(listener.bodies()).toEqual(['a', 'b', 'a']);
  });

  it('honours CHECK_IMMUNITY_TIME_IN_SECONDS: put back unchecked until then, checked after', async () => {
    await prepare('immune', { CHECK_IMMUNITY_TIME_IN_SECONDS: '20' });
    clock.advance(TIMEOUT + 1);
    expect(await check()).toMatchObject({ renewed: 1, checked: 0, halfOffset: 1 });
    const renewed = decodeRecord(
      (await store.getMessage(TRANS_HALF_TOPIC, 0, 1, { maxMessages: 1 })).records[0] as Buffer,
    );
    expect(renewed.properties.get('TRAN_PREPARED_QUEUE_OFFSET')).toBe('0');
    clock.advance(15_000);
    expect(await check()).toMatchObject({ checked: 1, halfOffset: 2 });
    expect(listener.bodies()).toEqual(['immune']);
  });

  it('keeps the commit-log layout and properties a producer needs in a committed message', async () => {
    const half = await prepare('to commit');
    const committed = toCommittedMessage(half);
    expect(committed).toMatchObject({ topic: 'OrderTopic', queueId: 2, preparedTransactionOffset: 0 });
    expect((committed?.sysFlag ?? 0) & MessageSysFlag.TRANSACTION_ROLLBACK_TYPE).toBe(
      MessageSysFlag.TRANSACTION_COMMIT_TYPE,
    );
    const properties = new Map(
      (committed?.properties ?? '')
        .split('\u0002')
        .filter(Boolean)
        .map((pair) => pair.split('\u0001') as [string, string]),
    );
    expect(properties.has(MessageConst.PROPERTY_REAL_TOPIC)).toBe(false);
    expect(properties.has(MessageConst.PROPERTY_REAL_QUEUE_ID)).toBe(false);
    expect(properties.has(MessageConst.PROPERTY_TRANSACTION_PREPARED)).toBe(false);
    expect(properties.get('PGROUP')).toBe('TxGroup');
    expect(properties.get('TAGS')).toBe('TagA');
  });

  it('counts checks in TRANSACTION_CHECK_TIMES (needDiscard)', () => {
    const record = { properties: new Map<string, string>() } as MessageRecord;
    expect(needDiscard(record, 2)).toBe(false);
    expect(record.properties.get('TRANSACTION_CHECK_TIMES')).toBe('1');
    expect(needDiscard(record, 2)).toBe(false);
    expect(needDiscard(record, 2)).toBe(true);
    record.properties.set('TRANSACTION_CHECK_TIMES', 'garbage');
    expect(needDiscard(record, 2)).toBe(false);
    expect(record.properties.get('TRANSACTION_CHECK_TIMES')).toBe('0');
  });
});
