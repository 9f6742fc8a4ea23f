import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '@skyrocket/common';
import { decodeRecord, encodeProperties, MessageConst, type MessageRecord } from '@skyrocket/remoting';
import { MemoryMessageStore, type MessageToStore, type PutMessageResult } from '@skyrocket/store';
import { FakeClock } from '../../../common/src/testing/fake-clock';
import { scheduledDestination } from '../message/delay-level';
import { SCHEDULE_TOPIC } from '../topic/topic-validator';
import {
  correctDeliverTimestamp,
  DELAY_OFFSET_FILE,
  messageTimeUp,
  ScheduleMessageService,
  type ScheduleMessageServiceOptions,
} from './schedule-message-service';

// Level 1 = 1 s, 2 = 5 s, 3 = 10 s: RocketMQ's first three levels.
const LEVELS = [1000, 5000, 10_000];
const STORE_HOST = { address: '127.0.0.1', port: 10911 };
const BORN_HOST = { address: '10.0.0.7', port: 52011 };

let clock: FakeClock;
let store: MemoryMessageStore;
let storeRoot: string;
const services: ScheduleMessageService[] = [];

beforeEach(async () => {
  clock = new FakeClock();
  store = new MemoryMessageStore({ storeHost: STORE_HOST, clock });
  await store.start();
  storeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-schedule-'));
});

afterEach(async () => {
  for (const service of services.splice(0)) await service.stop();
  await store.shutdown();
  fs.rmSync(storeRoot, { recursive: true, force: true });
});

function startService(options: Partial<ScheduleMessageServiceOptions> = {}): ScheduleMessageService {
  const service = new ScheduleMessageService({
    store,
    delayLevels: LEVELS,
    storeRoot,
    clock,
    logger: silentLogger(),
    ...options,
  });
  services.push(service);
  service.start();
  return service;
}

/** Lets the service's promise chains (store reads and puts) run to their next timer. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Moves the fake time forward in steps, settling after each, as a real event loop would. */
async function elapse(ms: number, step = 100): Promise<void> {
  await settle();
  for (let done = 0; done < ms; done += step) {
    clock.advance(Math.min(step, ms - done));
    await settle();
  }
}

/** Fires the timers due now (a 0 ms timer waits for the fake clock's next move). */
async function fireDueTimers(): Promise<void> {
  clock.advance(0);
  await settle();
}

/** Stores a message the way a send with DELAY=level does (the shared delay rewrite). */
async function putDelayed(
  level: number,
  body: string,
  destination = { topic: 'OrderTopic', queueId: 3 },
): Promise<PutMessageResult> {
  const properties = new Map([
    [MessageConst.PROPERTY_TAGS, 'TagA'],
    [MessageConst.PROPERTY_KEYS, `key-${body}`],
    [MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX, `UNIQ-${body}`],
    [MessageConst.PROPERTY_DELAY_TIME_LEVEL, String(level)],
    ['custom', 'value'],
  ]);
  const { topic, queueId } = scheduledDestination(properties, destination, 0, LEVELS.length);
  const message: MessageToStore = {
    topic,
    queueId,
    flag: 7,
    body: Buffer.from(body),
    properties: encodeProperties(properties),
    sysFlag: 0,
    bornTimestamp: clock.now() - 3,
    bornHost: BORN_HOST,
    reconsumeTimes: 2,
    preparedTransactionOffset: 0,
  };
  const result = await store.putMessage(message);
  expect(result.status).toBe('PUT_OK');
  return result;
}

async function delivered(topic = 'OrderTopic', queueId = 3): Promise<MessageRecord[]> {
  const result = await store.getMessage(topic, queueId, 0, { maxMessages: 1000, maxBytes: 1 << 24 });
  return result.records.map((record) => decodeRecord(record));
}

async function bodies(topic = 'OrderTopic', queueId = 3): Promise<string[]> {
  return (await delivered(topic, queueId)).map((m) => m.body.toString());
}

function persisted(): unknown {
  return JSON.parse(fs.readFileSync(path.join(storeRoot, DELAY_OFFSET_FILE), 'utf8'));
}

describe('ScheduleMessageService', () => {
  test('delivers a message no sooner than its level delay, to REAL_TOPIC / REAL_QID, intact', async () => {
    const sentAt = clock.now();
    await putDelayed(2, 'm0');
    expect(store.getMaxOffsetInQueue(SCHEDULE_TOPIC, 1)).toBe(1);
    startService();

    await elapse(4999, 1);
    expect(await bodies()).toEqual([]);
    await elapse(1, 1);
    const [message] = await delivered();
    expect(message).toBeDefined();
    if (!message) return;
    expect(message.storeTimestamp - sentAt).toBeGreaterThanOrEqual(5000);
    expect(message).toMatchObject({
      topic: 'OrderTopic',
      queueId: 3,
      flag: 7,
      sysFlag: 0,
      bornTimestamp: sentAt - 3,
      bornHost: BORN_HOST,
      reconsumeTimes: 2,
    });
    expect(message.body.toString()).toBe('m0');
    expect(Object.fromEntries(message.properties)).toEqual({
      TAGS: 'TagA',
      KEYS: 'key-m0',
      UNIQ_KEY: 'UNIQ-m0',
      custom: 'value',
      // Kept, as RocketMQ keeps them; DELAY is cleared.
      REAL_TOPIC: 'OrderTopic',
      REAL_QID: '3',
    });
  });

  test('delivers in order within a level and by due time across levels', async () => {
    await putDelayed(3, 'slow'); // due at +10 s
    await elapse(1000);
    await putDelayed(1, 'a'); // due at +2 s
    await putDelayed(1, 'b');
    await elapse(500);
    await putDelayed(1, 'c'); // due at +2.5 s
    await putDelayed(2, 'middle'); // due at +6.5 s
    startService();

    await elapse(500);
    expect(await bodies()).toEqual(['a', 'b']);
    await elapse(500);
    expect(await bodies()).toEqual(['a', 'b', 'c']);
    await elapse(4000);
    expect(await bodies()).toEqual(['a', 'b', 'c', 'middle']);
    await elapse(3500);
    expect(await bodies()).toEqual(['a', 'b', 'c', 'middle', 'slow']);
    await elapse(20_000);
    expect(await bodies()).toHaveLength(5);
  });

  test('sees messages stored while it runs before they fall due', async () => {
    startService();
    await elapse(3000);
    const storedAt = clock.now();
    await putDelayed(1, 'late');
    await elapse(999, 1);
    expect(await bodies()).toEqual([]);
    await elapse(1, 1);
    const [message] = await delivered();
    expect(message?.storeTimestamp).toBe(storedAt + 1000);
  });

  test('re-puts at most maxMessagesPerTurn per turn and goes on at once while more are due', async () => {
    for (let i = 0; i < 25; i++) await putDelayed(1, `m${i}`);
    startService({ maxMessagesPerTurn: 10 });
    await elapse(1000);
    // The turn at +1 s re-put 10 and set a 0 ms timer for the next one; the fake clock fires it on its next move.
    expect(await bodies()).toHaveLength(10);
    await fireDueTimers();
    expect(await bodies()).toHaveLength(20);
    await fireDueTimers();
    expect(await bodies()).toEqual(Array.from({ length: 25 }, (_, i) => `m${i}`));
  });

  test('persists progress atomically and resumes from it after a restart, without redelivery', async () => {
    await putDelayed(2, 'm0');
    await putDelayed(2, 'm1');
    await elapse(2000);
    await putDelayed(2, 'm2');
    const first = startService();
    await elapse(3000);
    expect(await bodies()).toEqual(['m0', 'm1']);
    await first.stop();
    expect(persisted()).toMatchObject({ offsetTable: { '2': 2 } });
    expect(fs.existsSync(path.join(storeRoot, `${DELAY_OFFSET_FILE}.tmp`))).toBe(false);

    await putDelayed(2, 'm3');
    const second = startService();
    expect(second.wrapper().offsetTable).toEqual({ '2': 2 });
    await elapse(2000);
    expect(await bodies()).toEqual(['m0', 'm1', 'm2']);
    await elapse(5000);
    expect(await bodies()).toEqual(['m0', 'm1', 'm2', 'm3']);
    await second.stop();
    expect(persisted()).toMatchObject({ offsetTable: { '2': 4 } });
  });

  test('writes changed progress every persistIntervalMs while running', async () => {
    await putDelayed(1, 'm0');
    const service = startService({ persistIntervalMs: 500 });
    await elapse(1000);
    expect(await bodies()).toEqual(['m0']);
    await elapse(500);
    expect(persisted()).toMatchObject({ offsetTable: { '1': 1 } });
    expect(service.wrapper().offsetTable).toEqual({ '1': 1 });
    expect(service.wrapper().dataVersion.counter).toBeGreaterThan(0);
  });

  test('a crash before the progress was written delivers again (at-least-once), never loses', async () => {
    await putDelayed(1, 'm0');
    const first = startService({ persistIntervalMs: 60_000 });
    await elapse(1000);
    expect(await bodies()).toEqual(['m0']);
    // Simulate the crash: the file still holds the state before the delivery.
    await first.stop();
    fs.writeFileSync(path.join(storeRoot, DELAY_OFFSET_FILE), JSON.stringify({ offsetTable: { '1': 0 } }));
    startService();
    await elapse(100);
    expect(await bodies()).toEqual(['m0', 'm0']);
  });

  test('corrects progress beyond the end of the schedule queue (a store that lost its tail)', async () => {
    fs.mkdirSync(path.join(storeRoot, 'config'), { recursive: true });
    fs.writeFileSync(path.join(storeRoot, DELAY_OFFSET_FILE), JSON.stringify({ offsetTable: { '1': 5 } }));
    await putDelayed(1, 'm0');
    await putDelayed(1, 'm1');
    const service = startService();
    await elapse(100);
    expect(service.wrapper().offsetTable['1']).toBe(2);
    await putDelayed(1, 'm2');
    await elapse(1000);
    expect(await bodies()).toEqual(['m2']);
  });

  test('retries a put the store refused for now, and delivers the message once', async () => {
    const put = jest.spyOn(store, 'putMessage');
    await putDelayed(1, 'm0');
    put.mockResolvedValueOnce({ status: 'SERVICE_NOT_AVAILABLE', remark: 'store is shutting down' });
    startService({ retryDelayMs: 300 });
    await elapse(1000);
    expect(await bodies()).toEqual([]);
    await elapse(300);
    expect(await bodies()).toEqual(['m0']);
    await elapse(5000);
    expect(await bodies()).toEqual(['m0']);
  });

  test('stop waits for the turn under way and nothing is put afterwards', async () => {
    for (let i = 0; i < 5; i++) await putDelayed(1, `m${i}`);
    const service = startService({ maxMessagesPerTurn: 2 });
    await elapse(1000);
    await service.stop();
    const count = (await bodies()).length;
    await elapse(5000);
    expect(await bodies()).toHaveLength(count);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('messageTimeUp', () => {
  const record = (properties: Record<string, string>): MessageRecord => ({
    totalSize: 0,
    magicCode: 0,
    bodyCRC: 0,
    queueId: 1,
    flag: 9,
    queueOffset: 4,
    commitLogOffset: 1234,
    sysFlag: 0,
    bornTimestamp: 111,
    bornHost: BORN_HOST,
    storeTimestamp: 222,
    storeHost: STORE_HOST,
    reconsumeTimes: 1,
    preparedTransactionOffset: 0,
    body: Buffer.from('x'),
    topic: SCHEDULE_TOPIC,
    properties: new Map(Object.entries(properties)),
  });

  test('clears DELAY and the timer properties', () => {
    const message = messageTimeUp(
      record({ DELAY: '2', TIMER_DELIVER_MS: '5', TIMER_DELAY_SEC: '1', REAL_TOPIC: 'T', REAL_QID: '2' }),
    );
    expect(message).toMatchObject({ topic: 'T', queueId: 2, flag: 9, reconsumeTimes: 1, bornTimestamp: 111 });
    expect(message).not.toHaveProperty('tagsCode');
    if ('properties' in message)
      expect(message.properties).toBe(encodeProperties({ REAL_TOPIC: 'T', REAL_QID: '2' }));
  });

  test('refuses records without a usable real destination or with the half topic', () => {
    expect(messageTimeUp(record({ REAL_QID: '0' }))).toHaveProperty('refusal');
    expect(messageTimeUp(record({ REAL_TOPIC: 'T', REAL_QID: 'x' }))).toHaveProperty('refusal');
    expect(messageTimeUp(record({ REAL_TOPIC: 'RMQ_SYS_TRANS_HALF_TOPIC', REAL_QID: '0' }))).toHaveProperty(
      'refusal',
    );
  });
});

test('correctDeliverTimestamp delivers at once when the clock went back by more than a delay', () => {
  expect(correctDeliverTimestamp(6000, 1000, 5000)).toBe(6000);
  expect(correctDeliverTimestamp(6001, 1000, 5000)).toBe(1000);
});

describe('ScheduleMessageService.replaceAll (a slave keeping its master progress)', () => {
  const masterVersion = { stateVersion: 0, timestamp: 1_700_000_000_123, counter: 42 };

  function slaveService(): ScheduleMessageService {
    // Not started: a slave does not deliver delayed messages.
    return new ScheduleMessageService({
      store,
      delayLevels: LEVELS,
      storeRoot,
      clock,
      logger: silentLogger(),
    });
  }

  test('serves and persists the given progress with the given data version, and a start resumes from it', () => {
    const service = slaveService();
    expect(
      service.replaceAll(
        new Map([
          [3, 9],
          [1, 4],
        ]),
        masterVersion,
      ),
    ).toBe(true);

    const expected = { offsetTable: { '1': 4, '3': 9 }, dataVersion: masterVersion };
    expect(service.wrapper()).toEqual(expected);
    expect(persisted()).toEqual(expected);
    expect(startService().wrapper()).toEqual(expected);
  });

  test('returns false and writes nothing when the progress is the same', () => {
    const service = slaveService();
    service.replaceAll(new Map([[1, 4]]), masterVersion);
    fs.rmSync(path.join(storeRoot, DELAY_OFFSET_FILE));

    expect(service.replaceAll(new Map([[1, 4]]), { ...masterVersion, counter: 43 })).toBe(false);

    expect(fs.existsSync(path.join(storeRoot, DELAY_OFFSET_FILE))).toBe(false);
    expect(service.wrapper().dataVersion).toEqual(masterVersion);
  });

  test('is refused by a running service, whose progress is its own', () => {
    const service = startService();
    expect(() => service.replaceAll(new Map([[1, 4]]))).toThrow(/running schedule service/);
    expect(service.wrapper().offsetTable).toEqual({});
  });
});
