import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '@skyrocket/common';
import {
  createOffsetMessageId,
  createRequest,
  decodeRecord,
  encodeHeader,
  encodeProperties,
  MQVersion,
  RequestCode,
  ResponseCode,
  type Connection,
  type HeaderValue,
  type MessageRecord,
  type RemotingCommand,
} from '@skyrocket/remoting';
import { MemoryMessageStore } from '@skyrocket/store';
import { buildBroker, type Broker } from '../app';
import { BrokerConfigSchema, type BrokerConfig } from '../config';
import { subscriptionGroup } from '../subscription/subscription-group-manager';
import { Perm } from '../topic/topic-config-manager';
import { SCHEDULE_TOPIC } from '../topic/topic-validator';
import type { BrokerContext } from './processor';

const STORE_HOST = { address: '127.0.0.1', port: 10911 };
const BORN_HOST = { address: '10.0.0.7', port: 52011 };
const GROUP = 'OrderConsumers';
const TOPIC = 'OrderTopic';

let storeRoot: string;
let store: MemoryMessageStore;
let broker: Broker;
let context: BrokerContext;
/** The processor reads nothing from the connection; dispatch logs its peer address. */
const connection = { remoteAddress: '10.0.0.8:51234' } as unknown as Connection;

async function setUp(overrides: Partial<BrokerConfig> = {}): Promise<void> {
  storeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-sendback-'));
  store = new MemoryMessageStore({ storeHost: STORE_HOST });
  await store.start();
  const config = BrokerConfigSchema.parse({
    storePathRootDir: storeRoot,
    brokerIP1: '127.0.0.1',
    ...overrides,
  });
  broker = buildBroker(config, { store, logger: silentLogger() });
  context = broker.context;
}

afterEach(async () => {
  await store.shutdown();
  fs.rmSync(storeRoot, { recursive: true, force: true });
});

/** Stores a message as a send would have, and returns its commit-log offset. */
async function stored(reconsumeTimes = 0, extra: Record<string, string> = {}): Promise<number> {
  const result = await store.putMessage({
    topic: TOPIC,
    queueId: 2,
    flag: 7,
    body: Buffer.from('order #1'),
    properties: encodeProperties({
      TAGS: 'TagA',
      KEYS: 'order-1',
      UNIQ_KEY: 'C0A8000100002A9F0000000000000001',
      CLUSTER: 'DefaultCluster',
      ...extra,
    }),
    sysFlag: 0,
    bornTimestamp: 1_700_000_000_000,
    bornHost: BORN_HOST,
    reconsumeTimes,
    preparedTransactionOffset: 0,
  });
  if (!result.append) throw new Error(result.status);
  return result.append.wroteOffset;
}

function sendBack(
  header: Record<string, HeaderValue>,
  version: number = MQVersion.V5_3_3,
): Promise<RemotingCommand | undefined> {
  const request = createRequest(RequestCode.CONSUMER_SEND_MSG_BACK, {
    version,
    extFields: encodeHeader({ group: GROUP, delayLevel: 0, originTopic: TOPIC, ...header }),
  });
  // Through the broker's dispatch table, as a request from a socket would go.
  return broker.remoting.dispatch(request, connection);
}

async function only(topic: string, queueId: number): Promise<MessageRecord> {
  const result = await store.getMessage(topic, queueId, 0, { maxMessages: 10 });
  expect(result.records).toHaveLength(1);
  return decodeRecord(result.records[0] as Buffer);
}

describe('CONSUMER_SEND_MSG_BACK', () => {
  test('schedules the message for %RETRY%group at level 3 + reconsumeTimes, with the retry bookkeeping', async () => {
    await setUp();
    const offset = await stored();
    const response = await sendBack({ offset, originMsgId: 'C0A8000100002A9F0000000000000001' });
    expect(response).toMatchObject({ code: ResponseCode.SUCCESS });

    const retry = context.topics.get(`%RETRY%${GROUP}`);
    expect(retry).toMatchObject({ readQueueNums: 1, writeQueueNums: 1, perm: Perm.READ | Perm.WRITE });
    expect(store.getMaxOffsetInQueue(`%RETRY%${GROUP}`, 0)).toBe(0);
    const message = await only(SCHEDULE_TOPIC, 2);
    expect(message).toMatchObject({
      queueId: 2,
      flag: 7,
      sysFlag: 0,
      bornTimestamp: 1_700_000_000_000,
      bornHost: BORN_HOST,
      reconsumeTimes: 1,
    });
    expect(message.body.toString()).toBe('order #1');
    expect(Object.fromEntries(message.properties)).toEqual({
      TAGS: 'TagA',
      KEYS: 'order-1',
      UNIQ_KEY: 'C0A8000100002A9F0000000000000001',
      CLUSTER: 'DefaultCluster',
      RETRY_TOPIC: TOPIC,
      ORIGIN_MESSAGE_ID: createOffsetMessageId(STORE_HOST, offset),
      WAIT: 'false',
      DELAY: '3',
      REAL_TOPIC: `%RETRY%${GROUP}`,
      REAL_QID: '0',
    });
  });

  test('a retried copy keeps RETRY_TOPIC and ORIGIN_MESSAGE_ID and goes one level further', async () => {
    await setUp();
    const offset = await stored(4, { RETRY_TOPIC: TOPIC, ORIGIN_MESSAGE_ID: 'FIRST' });
    expect(await sendBack({ offset })).toMatchObject({ code: ResponseCode.SUCCESS });
    const message = await only(SCHEDULE_TOPIC, 6);
    expect(message.reconsumeTimes).toBe(5);
    expect(message.properties.get('RETRY_TOPIC')).toBe(TOPIC);
    expect(message.properties.get('ORIGIN_MESSAGE_ID')).toBe('FIRST');
    expect(message.properties.get('DELAY')).toBe('7');
  });

  test('uses the delay level the consumer asks for, capped at the highest level', async () => {
    await setUp();
    expect(await sendBack({ offset: await stored(), delayLevel: 5 })).toMatchObject({ code: 0 });
    expect((await only(SCHEDULE_TOPIC, 4)).properties.get('DELAY')).toBe('5');
    // 3 + 16 = 19 is past the 18 levels.
    expect(await sendBack({ offset: await stored(16), maxReconsumeTimes: 17 })).toMatchObject({ code: 0 });
    expect((await only(SCHEDULE_TOPIC, 17)).properties.get('DELAY')).toBe('18');
  });

  test('at max reconsume times (from the header) the message goes to %DLQ%group at once', async () => {
    await setUp();
    const offset = await stored(2);
    expect(await sendBack({ offset, maxReconsumeTimes: 2 })).toMatchObject({ code: ResponseCode.SUCCESS });
    expect(context.topics.get(`%DLQ%${GROUP}`)).toMatchObject({
      readQueueNums: 1,
      writeQueueNums: 1,
      perm: Perm.READ | Perm.WRITE,
    });
    const message = await only(`%DLQ%${GROUP}`, 0);
    expect(message.reconsumeTimes).toBe(3);
    expect(message.properties.get('DELAY')).toBe('0');
    expect(message.properties.get('RETRY_TOPIC')).toBe(TOPIC);
    expect(message.properties.has('REAL_TOPIC')).toBe(false);
    expect(store.getQueueIds(SCHEDULE_TOPIC)).toEqual([]);
  });

  test('below V3_4_9 the header max is ignored and the group retryMaxTimes applies', async () => {
    await setUp({ maxReconsumeTimes: 3 });
    expect(
      await sendBack({ offset: await stored(2), maxReconsumeTimes: 2 }, MQVersion.V3_4_9 - 1),
    ).toMatchObject({ code: 0 });
    expect(await only(SCHEDULE_TOPIC, 4)).toMatchObject({ reconsumeTimes: 3 });
    expect(await sendBack({ offset: await stored(3) }, MQVersion.V3_4_9 - 1)).toMatchObject({ code: 0 });
    expect(await only(`%DLQ%${GROUP}`, 0)).toMatchObject({ reconsumeTimes: 4 });
  });

  test('a negative delay level sends the message to the DLQ at once', async () => {
    await setUp();
    expect(await sendBack({ offset: await stored(), delayLevel: -1 })).toMatchObject({ code: 0 });
    expect(await only(`%DLQ%${GROUP}`, 0)).toMatchObject({ reconsumeTimes: 1 });
  });

  test('refusals: unknown offset, unknown group, read-only broker, malformed header', async () => {
    await setUp({ autoCreateSubscriptionGroup: false });
    context.groups.upsert(subscriptionGroup(GROUP, 16));
    expect(await sendBack({ offset: 123_456 })).toMatchObject({
      code: ResponseCode.SYSTEM_ERROR,
      remark: 'look message by offset failed, 123456',
    });
    expect(await sendBack({ offset: await stored(), group: 'NoSuchGroup' })).toMatchObject({
      code: ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
    });
    context.permission.value = Perm.READ;
    expect(await sendBack({ offset: await stored() })).toMatchObject({ code: ResponseCode.NO_PERMISSION });
    context.permission.value = Perm.READ | Perm.WRITE;
    expect(await sendBack({ offset: 'abc' })).toMatchObject({
      code: ResponseCode.SYSTEM_ERROR,
      remark: expect.stringContaining('"offset"') as unknown,
    });
    expect(store.getQueueIds(SCHEDULE_TOPIC)).toEqual([]);
  });

  test('a slave refuses with SYSTEM_BUSY (the client then sends to the retry topic through a master)', async () => {
    await setUp({ brokerRole: 'SLAVE', brokerId: 1 });
    expect(await sendBack({ offset: await stored() })).toMatchObject({ code: ResponseCode.SYSTEM_BUSY });
  });

  test('a group without retry queues drops the message', async () => {
    await setUp();
    context.groups.upsert({ ...subscriptionGroup(GROUP, 16), retryQueueNums: 0 });
    expect(await sendBack({ offset: await stored() })).toMatchObject({ code: ResponseCode.SUCCESS });
    expect(store.getQueueIds(SCHEDULE_TOPIC)).toEqual([]);
  });
});
