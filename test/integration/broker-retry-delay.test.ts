/**
 * Retry, DLQ and delayed delivery of an in-process Skyrocket broker, driven over real sockets with RemotingClient:
 * CONSUMER_SEND_MSG_BACK → SCHEDULE_TOPIC_XXXX → %RETRY%group → ... → %DLQ%group, SEND with DELAY, and delivery
 * progress that survives a restart.
 */
import * as fs from 'node:fs';
import {
  createRequest,
  decodeOffsetMessageId,
  decodeRecords,
  encodeHeader,
  encodeProperties,
  RemotingClient,
  RequestCode,
  ResponseCode,
  type HeaderValue,
  type MessageRecord,
  type RemotingCommand,
} from '@skyrocket/remoting';
import type { Broker } from '@skyrocket/broker';
import type { NameServer } from '@skyrocket/nameserver';
import { startBroker } from '../harness/broker';
import { uniqueName } from '../harness/names';
import { startNameServer } from '../harness/nameserver';
import { waitFor } from '../harness/wait-for';

/** Short levels: 1 s everywhere except level 2 = 2 s. */
const DELAY_LEVELS = ['1s', '2s', ...Array.from({ length: 16 }, () => '1s')].join(' ');
const TIMEOUT_MS = 5000;
/** Pull answers for a queue with nothing (yet) at the offset (PROTOCOL.md §2.5). */
const NOTHING_TO_PULL = new Set<number>([
  ResponseCode.PULL_NOT_FOUND,
  ResponseCode.PULL_RETRY_IMMEDIATELY,
  ResponseCode.PULL_OFFSET_MOVED,
  ResponseCode.TOPIC_NOT_EXIST,
]);

describe('retry, DLQ and delay over real sockets', () => {
  let nameServer: NameServer;
  let namesrvAddr: string;
  const brokers: Broker[] = [];
  const storeDirs: string[] = [];
  const client = new RemotingClient();

  const start = async (storePathRootDir?: string) => {
    const started = await startBroker(namesrvAddr, {
      messageDelayLevel: DELAY_LEVELS,
      ...(storePathRootDir ? { storePathRootDir } : {}),
    });
    brokers.push(started.broker);
    if (!storeDirs.includes(started.storeDir)) storeDirs.push(started.storeDir);
    return started;
  };

  beforeAll(async () => {
    ({ nameServer, address: namesrvAddr } = await startNameServer());
  });

  afterAll(async () => {
    await client.close();
    for (const broker of brokers) await broker.stop().catch(() => undefined);
    await nameServer?.stop();
    for (const dir of storeDirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  const invoke = (address: string, code: number, header: Record<string, HeaderValue>) =>
    client.invoke(address, createRequest(code, { extFields: encodeHeader(header) }), TIMEOUT_MS);

  /** SEND_MESSAGE_V2 to queue 0. */
  const send = (address: string, topic: string, body: string, properties: Record<string, string>) =>
    client.invoke(
      address,
      createRequest(RequestCode.SEND_MESSAGE_V2, {
        extFields: encodeHeader({
          a: 'RetryTestProducers',
          b: topic,
          c: 'TBW102',
          d: 4,
          e: 0,
          f: 0,
          g: Date.now(),
          h: 0,
          i: encodeProperties(properties),
        }),
        body: Buffer.from(body),
      }),
      TIMEOUT_MS,
    );

  /** LITE_PULL_MESSAGE without suspension: the records of queue 0 from `offset`, or [] when there are none. */
  const pull = async (address: string, topic: string, offset: number): Promise<MessageRecord[]> => {
    const response = await invoke(address, RequestCode.LITE_PULL_MESSAGE, {
      consumerGroup: 'RetryTestReaders',
      topic,
      queueId: 0,
      queueOffset: offset,
      maxMsgNums: 32,
      sysFlag: 0,
      commitOffset: 0,
      suspendTimeoutMillis: 0,
      subscription: '*',
      subVersion: 0,
      expressionType: 'TAG',
    });
    if (response.code === ResponseCode.SUCCESS) return decodeRecords(response.body ?? Buffer.alloc(0));
    if (NOTHING_TO_PULL.has(response.code)) return [];
    throw new Error(`pull ${topic}@${offset}: ${response.code} ${response.remark ?? ''}`);
  };

  const sendBack = (
    address: string,
    offset: number,
    group: string,
    topic: string,
  ): Promise<RemotingCommand> =>
    invoke(address, RequestCode.CONSUMER_SEND_MSG_BACK, {
      offset,
      group,
      delayLevel: 0,
      originTopic: topic,
      unitMode: false,
      maxReconsumeTimes: 2,
    });

  test('send-back goes to %RETRY%group after the level delay, then to %DLQ%group after max reconsume times', async () => {
    const { address } = await start();
    const topic = uniqueName('RetryTopic');
    const group = uniqueName('RetryGroup');
    const sent = await send(address, topic, 'payload', { TAGS: 'TagA', KEYS: 'k1 k2', custom: 'v' });
    expect(sent.code).toBe(ResponseCode.SUCCESS);
    const offsetMsgId = sent.extFields.msgId ?? '';
    const uniqKey = sent.extFields.transactionId;
    let offset = decodeOffsetMessageId(offsetMsgId).commitLogOffset;

    // maxReconsumeTimes 2: reconsume times 0 and 1 are retried (levels 3 and 4), 2 goes to the DLQ.
    for (let attempt = 0; attempt < 2; attempt++) {
      const sentBackAt = Date.now();
      expect(await sendBack(address, offset, group, topic)).toMatchObject({ code: ResponseCode.SUCCESS });
      const retried = await waitFor(
        `retry #${attempt + 1} in %RETRY%${group}`,
        async () => (await pull(address, `%RETRY%${group}`, attempt))[0],
      );
      expect(retried.storeTimestamp - sentBackAt).toBeGreaterThanOrEqual(1000);
      expect(retried.reconsumeTimes).toBe(attempt + 1);
      expect(retried.body.toString()).toBe('payload');
      expect(Object.fromEntries(retried.properties)).toMatchObject({
        TAGS: 'TagA',
        KEYS: 'k1 k2',
        custom: 'v',
        UNIQ_KEY: uniqKey,
        RETRY_TOPIC: topic,
        ORIGIN_MESSAGE_ID: offsetMsgId,
        REAL_TOPIC: `%RETRY%${group}`,
      });
      expect(retried.properties.has('DELAY')).toBe(false);
      offset = retried.commitLogOffset;
    }

    expect(await sendBack(address, offset, group, topic)).toMatchObject({ code: ResponseCode.SUCCESS });
    const [dead, ...more] = await pull(address, `%DLQ%${group}`, 0);
    expect(more).toEqual([]);
    expect(dead?.reconsumeTimes).toBe(3);
    expect(dead?.body.toString()).toBe('payload');
    expect(dead && Object.fromEntries(dead.properties)).toMatchObject({
      UNIQ_KEY: uniqKey,
      RETRY_TOPIC: topic,
      ORIGIN_MESSAGE_ID: offsetMsgId,
      DELAY: '0',
    });
    const retryMax = await invoke(address, RequestCode.GET_MAX_OFFSET, {
      topic: `%RETRY%${group}`,
      queueId: 0,
    });
    expect(retryMax.extFields.offset).toBe('2');

    // Levels 3 and 4 each delivered one message.
    const delayOffsets = await invoke(address, RequestCode.GET_ALL_DELAY_OFFSET, {});
    expect(delayOffsets.code).toBe(ResponseCode.SUCCESS);
    expect(JSON.parse(delayOffsets.body?.toString() ?? '{}')).toMatchObject({
      offsetTable: { '3': 1, '4': 1 },
      dataVersion: expect.objectContaining({ counter: expect.any(Number) }) as unknown,
    });
  }, 30_000);

  test('a message sent with DELAY reaches its topic no sooner than its level delay', async () => {
    const { address } = await start();
    const topic = uniqueName('DelayTopic');
    const sentAt = Date.now();
    const sent = await send(address, topic, 'later', { DELAY: '2', TAGS: 'TagB' });
    expect(sent.code).toBe(ResponseCode.SUCCESS);
    expect(await pull(address, topic, 0)).toEqual([]);
    const [delivered] = await waitFor('the delayed message', async () => {
      const records = await pull(address, topic, 0);
      return records.length > 0 ? records : undefined;
    });
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(2000);
    expect(delivered?.storeTimestamp ?? 0).toBeGreaterThanOrEqual(sentAt + 2000);
    expect(delivered?.body.toString()).toBe('later');
    expect(delivered?.properties.get('TAGS')).toBe('TagB');
    expect(delivered?.properties.has('DELAY')).toBe(false);
  }, 30_000);

  test('delivery progress survives a restart: what was delivered is not delivered again, the rest arrives', async () => {
    const first = await start();
    const topic = uniqueName('RestartTopic');
    expect((await send(first.address, topic, 'before', { DELAY: '1' })).code).toBe(ResponseCode.SUCCESS);
    await waitFor('the first delayed message', () => pull(first.address, topic, 0).then((m) => m.length));
    const sentAt = Date.now();
    expect((await send(first.address, topic, 'across', { DELAY: '2' })).code).toBe(ResponseCode.SUCCESS);
    await first.broker.stop();
    const saved = JSON.parse(fs.readFileSync(`${first.storeDir}/config/delayOffset.json`, 'utf8')) as {
      offsetTable: Record<string, number>;
    };
    expect(saved.offsetTable['1']).toBe(1);

    const second = await start(first.storeDir);
    const delivered = await waitFor('the message scheduled before the restart', async () => {
      const records = await pull(second.address, topic, 0);
      return records.length >= 2 ? records : undefined;
    });
    expect(delivered.map((m) => m.body.toString())).toEqual(['before', 'across']);
    expect(delivered[1]?.storeTimestamp ?? 0).toBeGreaterThanOrEqual(sentAt + 2000);
  }, 30_000);
});
