/**
 * Bad input against the broker over real sockets, with a raw RemotingClient: malformed headers, missing required
 * fields, wrong types, unknown topics, bodies and properties over the limits, illegal topic names, sends to system
 * topics, queue ids out of range, broken bodies and frames. Each gets the response code Apache RocketMQ 5.3.3
 * answers with and a remark naming what was wrong, is counted in /metrics (skyrocket_broker_send_total /
 * skyrocket_broker_pull_total by result "refused_<code>", or skyrocket_remoting_requests_total by request and
 * result), and neither the offending connection, nor other clients, nor the stored messages are affected.
 */
import * as fs from 'node:fs';
import { connect } from 'node:net';
import type { Broker } from '@skyrocket/broker';
import type { NameServer } from '@skyrocket/nameserver';
import {
  createRequest,
  decodeRecords,
  encodeBatchMessages,
  encodeHeader,
  encodeProperties,
  PullSysFlag,
  RemotingClient,
  RequestCode,
  ResponseCode,
  type RemotingCommand,
} from '@skyrocket/remoting';
import { startBroker } from '../harness/broker';
import { startNameServer } from '../harness/nameserver';
import { uniqueName } from '../harness/names';
import { waitFor } from '../harness/wait-for';

const MAX_MESSAGE_SIZE = 64 * 1024;
const QUEUES = 4;

describe('broker: bad input', () => {
  let nameServer: NameServer;
  let broker: Broker;
  let brokerAddr: string;
  let httpUrl: string;
  let storeDir: string;
  /** A well-behaved client that keeps sending and pulling between the bad requests. */
  let good: RemotingClient;
  /** The client that sends the bad requests (its connection must survive them). */
  let bad: RemotingClient;
  const topic = uniqueName('BadInputTopic');
  const group = uniqueName('BadInputGroup');
  /** Every body the good client stored, by queue, in order. */
  const stored = new Map<number, string[]>();

  beforeAll(async () => {
    let namesrvAddr: string;
    ({ nameServer, address: namesrvAddr } = await startNameServer());
    ({
      broker,
      address: brokerAddr,
      httpUrl,
      storeDir,
    } = await startBroker(namesrvAddr, {
      maxMessageSize: MAX_MESSAGE_SIZE,
    }));
    broker.context.topics.upsert({
      topicName: topic,
      readQueueNums: QUEUES,
      writeQueueNums: QUEUES,
      perm: 6,
      topicFilterType: 'SINGLE_TAG',
      topicSysFlag: 0,
      order: false,
      attributes: {},
    });
    good = new RemotingClient();
    bad = new RemotingClient();
    for (let i = 0; i < 8; i++) await sendGood(i % QUEUES);
  });

  afterAll(async () => {
    await good?.close();
    await bad?.close();
    await broker?.stop();
    await nameServer?.stop();
    if (storeDir) fs.rmSync(storeDir, { recursive: true, force: true });
  });

  /** SEND_MESSAGE_V2 header fields a..i with overrides; `undefined` removes a field. */
  function sendHeader(overrides: Record<string, string | undefined> = {}): Record<string, string> {
    const fields: Record<string, string | undefined> = {
      a: 'BadInputProducer',
      b: topic,
      c: 'TBW102',
      d: '4',
      e: '0',
      f: '0',
      g: String(Date.now()),
      h: '0',
      i: encodeProperties({ TAGS: 'TagA', WAIT: 'true' }),
      ...overrides,
    };
    return Object.fromEntries(
      Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined),
    );
  }

  async function sendGood(queueId: number): Promise<void> {
    const body = `good-${queueId}-${stored.get(queueId)?.length ?? 0}-${uniqueName('b')}`;
    const response = await good.invoke(
      brokerAddr,
      createRequest(RequestCode.SEND_MESSAGE_V2, {
        extFields: sendHeader({ e: String(queueId) }),
        body: Buffer.from(body),
      }),
      5000,
    );
    expect({ code: response.code, remark: response.remark }).toEqual({
      code: ResponseCode.SUCCESS,
      remark: undefined,
    });
    expect(Number(response.extFields.queueOffset)).toBe(stored.get(queueId)?.length ?? 0);
    stored.set(queueId, [...(stored.get(queueId) ?? []), body]);
  }

  function pullHeader(overrides: Record<string, string | undefined> = {}): Record<string, string> {
    const fields: Record<string, string | undefined> = {
      consumerGroup: group,
      topic,
      queueId: '0',
      queueOffset: '0',
      maxMsgNums: '32',
      sysFlag: String(PullSysFlag.FLAG_SUBSCRIPTION),
      commitOffset: '0',
      suspendTimeoutMillis: '0',
      subscription: '*',
      subVersion: '0',
      expressionType: 'TAG',
      ...overrides,
    };
    return Object.fromEntries(
      Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined),
    );
  }

  async function metricsText(): Promise<string> {
    const response = await fetch(`${httpUrl}/metrics`);
    return response.text();
  }

  /** The value of one series in Prometheus text; 0 when absent. */
  function metricValue(text: string, name: string, labels: Record<string, string>): number {
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`)) continue;
      const match = /^[^{]+\{([^}]*)\} (\S+)$/.exec(line);
      if (!match) continue;
      const found = Object.fromEntries(
        [...(match[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
      );
      if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[2]);
    }
    return 0;
  }

  type Metric = { name: string; labels: Record<string, string> };
  const sendRefused = (code: number, topicLabel: string = topic): Metric => ({
    name: 'skyrocket_broker_send_total',
    labels: { topic: topicLabel, result: `refused_${code}` },
  });
  const pullRefused = (code: number, topicLabel: string = topic): Metric => ({
    name: 'skyrocket_broker_pull_total',
    labels: { topic: topicLabel, result: `refused_${code}` },
  });
  const requests = (request: string, code: number): Metric => ({
    name: 'skyrocket_remoting_requests_total',
    labels: { server: 'broker', request, result: String(code) },
  });

  interface Case {
    name: string;
    request: () => RemotingCommand;
    code: number;
    remark: RegExp;
    metric: Metric;
  }

  const longTopic = 'T'.repeat(128);
  const unknownTopic = uniqueName('NoSuchTopic');
  const cases: Case[] = [
    {
      name: 'SEND_MESSAGE_V2 without its topic (b)',
      request: () =>
        createRequest(RequestCode.SEND_MESSAGE_V2, {
          extFields: sendHeader({ b: undefined }),
          body: Buffer.from('x'),
        }),
      code: ResponseCode.SYSTEM_ERROR,
      remark: /missing required header field "b"/,
      metric: sendRefused(ResponseCode.SYSTEM_ERROR, ''),
    },
    {
      name: 'SEND_MESSAGE (V1) without producerGroup',
      request: () =>
        createRequest(RequestCode.SEND_MESSAGE, {
          extFields: {
            topic,
            defaultTopic: 'TBW102',
            defaultTopicQueueNums: '4',
            queueId: '0',
            sysFlag: '0',
            bornTimestamp: String(Date.now()),
            flag: '0',
          },
          body: Buffer.from('x'),
        }),
      code: ResponseCode.SYSTEM_ERROR,
      remark: /missing required header field "producerGroup"/,
      metric: sendRefused(ResponseCode.SYSTEM_ERROR, ''),
    },
    {
      name: 'SEND_MESSAGE_V2 with a queueId that is not a number',
      request: () =>
        createRequest(RequestCode.SEND_MESSAGE_V2, {
          extFields: sendHeader({ e: 'abc' }),
          body: Buffer.from('x'),
        }),
      code: ResponseCode.SYSTEM_ERROR,
      remark: /header field "e".*"abc"/,
      metric: sendRefused(ResponseCode.SYSTEM_ERROR, ''),
    },
    {
      name: 'SEND_MESSAGE_V2 with a bornTimestamp that is not a number',
      request: () =>
        createRequest(RequestCode.SEND_MESSAGE_V2, {
          extFields: sendHeader({ g: 'yesterday' }),
          body: Buffer.from('x'),
        }),
      code: ResponseCode.SYSTEM_ERROR,
      remark: /header field "g".*"yesterday"/,
      metric: sendRefused(ResponseCode.SYSTEM_ERROR, ''),
    },
    {
      name: 'a topic name with illegal characters',
      request: () =>
        createRequest(RequestCode.SEND_MESSAGE_V2, {
          extFields: sendHeader({ b: 'bad topic!' }),
          body: Buffer.from('x'),
        }),
      code: ResponseCode.INVALID_PARAMETER,
      remark: /topic\[bad topic!\] contains illegal characters/,
      metric: sendRefused(ResponseCode.INVALID_PARAMETER, 'bad topic!'),
    },
    {
      name: 'a topic name longer than 127 characters',
      request: () =>
        createRequest(RequestCode.SEND_MESSAGE_V2, {
          extFields: sendHeader({ b: longTopic }),
          body: Buffer.from('x'),
        }),
      code: ResponseCode.INVALID_PARAMETER,
      remark: /longer than topic max length/,
      metric: sendRefused(ResponseCode.INVALID_PARAMETER, longTopic),
    },
    {
      name: 'a send to the system topic SCHEDULE_TOPIC_XXXX',
      request: () =>
        createRequest(RequestCode.SEND_MESSAGE_V2, {
          extFields: sendHeader({ b: 'SCHEDULE_TOPIC_XXXX' }),
          body: Buffer.from('x'),
        }),
      code: ResponseCode.NO_PERMISSION,
      remark: /Sending message to topic\[SCHEDULE_TOPIC_XXXX\] is forbidden/,
      metric: sendRefused(ResponseCode.NO_PERMISSION, 'SCHEDULE_TOPIC_XXXX'),
    },
    {
      name: 'a send to the system topic RMQ_SYS_TRANS_HALF_TOPIC',
      request: () =>
        createRequest(RequestCode.SEND_MESSAGE_V2, {
          extFields: sendHeader({ b: 'RMQ_SYS_TRANS_HALF_TOPIC' }),
          body: Buffer.from('x'),
        }),
      code: ResponseCode.NO_PERMISSION,
      remark: /Sending message to topic\[RMQ_SYS_TRANS_HALF_TOPIC\] is forbidden/,
      metric: sendRefused(ResponseCode.NO_PERMISSION, 'RMQ_SYS_TRANS_HALF_TOPIC'),
    },
    {
      name: 'a send to a queueId beyond the topic’s queues',
      request: () =>
        createRequest(RequestCode.SEND_MESSAGE_V2, {
          extFields: sendHeader({ e: '99' }),
          body: Buffer.from('x'),
        }),
      code: ResponseCode.INVALID_PARAMETER,
      remark: /queueId\[99\] is illegal/,
      metric: sendRefused(ResponseCode.INVALID_PARAMETER),
    },
    {
      name: 'a body over maxMessageSize',
      request: () =>
        createRequest(RequestCode.SEND_MESSAGE_V2, {
          extFields: sendHeader(),
          body: Buffer.alloc(MAX_MESSAGE_SIZE + 1, 0x61),
        }),
      code: ResponseCode.MESSAGE_ILLEGAL,
      remark: new RegExp(`body size over max value, MAX: ${MAX_MESSAGE_SIZE}`),
      metric: sendRefused(ResponseCode.MESSAGE_ILLEGAL),
    },
    {
      name: 'properties over 32 KiB',
      request: () =>
        createRequest(RequestCode.SEND_MESSAGE_V2, {
          extFields: sendHeader({ i: encodeProperties({ TAGS: 'TagA', big: 'p'.repeat(40_000) }) }),
          body: Buffer.from('x'),
        }),
      code: ResponseCode.MESSAGE_ILLEGAL,
      remark: /propert/i,
      metric: { name: 'skyrocket_broker_send_total', labels: { topic, result: 'PROPERTIES_SIZE_EXCEEDED' } },
    },
    {
      name: 'a SEND_BATCH_MESSAGE whose body is not a batch',
      request: () =>
        createRequest(RequestCode.SEND_BATCH_MESSAGE, {
          extFields: sendHeader({ m: 'true' }),
          body: Buffer.from([0, 0, 0, 200, 1, 2, 3]),
        }),
      code: ResponseCode.MESSAGE_ILLEGAL,
      remark: /batch body is malformed/,
      metric: sendRefused(ResponseCode.MESSAGE_ILLEGAL),
    },
    {
      name: 'a pull from an unknown topic',
      request: () =>
        createRequest(RequestCode.PULL_MESSAGE, { extFields: pullHeader({ topic: unknownTopic }) }),
      code: ResponseCode.TOPIC_NOT_EXIST,
      remark: new RegExp(`topic\\[${unknownTopic}\\] not exist`),
      metric: pullRefused(ResponseCode.TOPIC_NOT_EXIST, unknownTopic),
    },
    {
      name: 'a pull for a group with an illegal name',
      request: () =>
        createRequest(RequestCode.PULL_MESSAGE, { extFields: pullHeader({ consumerGroup: 'bad group!' }) }),
      code: ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
      remark: /subscription group \[bad group!\] does not exist/,
      metric: pullRefused(ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST),
    },
    {
      name: 'a pull without queueOffset',
      request: () =>
        createRequest(RequestCode.PULL_MESSAGE, { extFields: pullHeader({ queueOffset: undefined }) }),
      code: ResponseCode.SYSTEM_ERROR,
      remark: /missing required header field "queueOffset"/,
      metric: requests('PULL_MESSAGE', ResponseCode.SYSTEM_ERROR),
    },
    {
      name: 'a pull with a maxMsgNums that is not a number',
      request: () =>
        createRequest(RequestCode.LITE_PULL_MESSAGE, { extFields: pullHeader({ maxMsgNums: '3x' }) }),
      code: ResponseCode.SYSTEM_ERROR,
      remark: /header field "maxMsgNums"/,
      metric: requests('LITE_PULL_MESSAGE', ResponseCode.SYSTEM_ERROR),
    },
    {
      name: 'a pull from a queueId beyond the topic’s queues',
      request: () => createRequest(RequestCode.PULL_MESSAGE, { extFields: pullHeader({ queueId: '7' }) }),
      code: ResponseCode.INVALID_PARAMETER,
      remark: /queueId\[7\] is illegal/,
      metric: pullRefused(ResponseCode.INVALID_PARAMETER),
    },
    {
      name: 'a pull that relies on a heartbeat subscription the group never sent',
      request: () =>
        createRequest(RequestCode.PULL_MESSAGE, {
          extFields: pullHeader({ sysFlag: String(PullSysFlag.FLAG_SUSPEND), subscription: undefined }),
        }),
      code: ResponseCode.SUBSCRIPTION_NOT_EXIST,
      remark: /the consumer's group info not exist/,
      metric: pullRefused(ResponseCode.SUBSCRIPTION_NOT_EXIST),
    },
    {
      name: 'a pull filtering by SQL92, which the broker does not support',
      request: () =>
        createRequest(RequestCode.PULL_MESSAGE, {
          extFields: pullHeader({ subscription: 'a > 1', expressionType: 'SQL92' }),
        }),
      code: ResponseCode.SYSTEM_ERROR,
      remark: /does not support consumer to filter message by SQL92/,
      metric: pullRefused(ResponseCode.SYSTEM_ERROR),
    },
    {
      name: 'a HEART_BEAT whose body is not JSON',
      request: () => createRequest(RequestCode.HEART_BEAT, { body: Buffer.from('{"clientID": ') }),
      code: ResponseCode.SYSTEM_ERROR,
      remark: /not valid JSON/,
      metric: requests('HEART_BEAT', ResponseCode.SYSTEM_ERROR),
    },
    {
      name: 'a HEART_BEAT without clientID',
      request: () =>
        createRequest(RequestCode.HEART_BEAT, {
          body: Buffer.from(JSON.stringify({ consumerDataSet: [{ groupName: group }] })),
        }),
      code: ResponseCode.SYSTEM_ERROR,
      remark: /clientID/,
      metric: requests('HEART_BEAT', ResponseCode.SYSTEM_ERROR),
    },
    {
      name: 'a LOCK_BATCH_MQ whose body has the wrong types',
      request: () =>
        createRequest(RequestCode.LOCK_BATCH_MQ, {
          body: Buffer.from(
            JSON.stringify({ consumerGroup: group, clientId: 'c', mqSet: [{ topic, queueId: 'x' }] }),
          ),
        }),
      code: ResponseCode.SYSTEM_ERROR,
      remark: /lock request body/,
      metric: requests('LOCK_BATCH_MQ', ResponseCode.SYSTEM_ERROR),
    },
    {
      name: 'an UPDATE_CONSUMER_OFFSET for an unknown topic',
      request: () =>
        createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
          extFields: encodeHeader({ consumerGroup: group, topic: unknownTopic, queueId: 0, commitOffset: 5 }),
        }),
      code: ResponseCode.TOPIC_NOT_EXIST,
      remark: new RegExp(`Topic ${unknownTopic} not exist`),
      metric: requests('UPDATE_CONSUMER_OFFSET', ResponseCode.TOPIC_NOT_EXIST),
    },
    {
      name: 'an UPDATE_CONSUMER_OFFSET for a group with an illegal name',
      request: () =>
        createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
          extFields: encodeHeader({ consumerGroup: 'bad group!', topic, queueId: 0, commitOffset: 5 }),
        }),
      code: ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
      remark: /Group bad group! not exist/,
      metric: requests('UPDATE_CONSUMER_OFFSET', ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST),
    },
    {
      name: 'an UPDATE_CONSUMER_OFFSET whose commitOffset is not a number',
      request: () =>
        createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
          extFields: { consumerGroup: group, topic, queueId: '0', commitOffset: 'five' },
        }),
      code: ResponseCode.SYSTEM_ERROR,
      remark: /header field "commitOffset"/,
      metric: requests('UPDATE_CONSUMER_OFFSET', ResponseCode.SYSTEM_ERROR),
    },
    {
      name: 'a QUERY_CONSUMER_OFFSET without queueId',
      request: () =>
        createRequest(RequestCode.QUERY_CONSUMER_OFFSET, { extFields: { consumerGroup: group, topic } }),
      code: ResponseCode.SYSTEM_ERROR,
      remark: /missing required header field "queueId"/,
      metric: requests('QUERY_CONSUMER_OFFSET', ResponseCode.SYSTEM_ERROR),
    },
    {
      name: 'a GET_MAX_OFFSET whose queueId is not a number',
      request: () => createRequest(RequestCode.GET_MAX_OFFSET, { extFields: { topic, queueId: 'first' } }),
      code: ResponseCode.SYSTEM_ERROR,
      remark: /header field "queueId"/,
      metric: requests('GET_MAX_OFFSET', ResponseCode.SYSTEM_ERROR),
    },
    {
      name: 'a GET_CONSUMER_LIST_BY_GROUP for a group without consumers',
      request: () =>
        createRequest(RequestCode.GET_CONSUMER_LIST_BY_GROUP, {
          extFields: { consumerGroup: 'NoSuchGroup_y' },
        }),
      code: ResponseCode.SYSTEM_ERROR,
      remark: /no consumer for this group, NoSuchGroup_y/,
      metric: requests('GET_CONSUMER_LIST_BY_GROUP', ResponseCode.SYSTEM_ERROR),
    },
    {
      name: 'a request code the broker does not know',
      request: () => createRequest(9999),
      code: ResponseCode.REQUEST_CODE_NOT_SUPPORTED,
      remark: /request type 9999 not supported/,
      metric: requests('UNKNOWN_9999', ResponseCode.REQUEST_CODE_NOT_SUPPORTED),
    },
  ];

  test.each(cases)('$name is refused with its code and remark, and counted', async (c) => {
    const before = metricValue(await metricsText(), c.metric.name, c.metric.labels);
    const response = await bad.invoke(brokerAddr, c.request(), 10_000);
    expect({ code: response.code, remark: response.remark }).toEqual({
      code: c.code,
      remark: expect.stringMatching(c.remark) as unknown,
    });
    const after = metricValue(await metricsText(), c.metric.name, c.metric.labels);
    expect(after - before).toBe(1);
    // The broker keeps serving: the good client's next send lands right after what it stored before.
    await sendGood(cases.indexOf(c) % QUEUES);
  });

  test('a HEART_BEAT naming a group with an illegal name is answered but registers nothing', async () => {
    const response = await bad.invoke(
      brokerAddr,
      createRequest(RequestCode.HEART_BEAT, {
        body: Buffer.from(
          JSON.stringify({
            clientID: '127.0.0.1@bad',
            consumerDataSet: [{ groupName: 'bad group!', subscriptionDataSet: [{ topic, subString: '*' }] }],
          }),
        ),
      }),
      5000,
    );
    expect(response.code).toBe(ResponseCode.SUCCESS);
    expect(broker.context.groups.get('bad group!')).toBeUndefined();
    expect(broker.context.consumers.get('bad group!')).toBeUndefined();
    expect(broker.context.topics.get('%RETRY%bad group!')).toBeUndefined();
  });

  test('a pull with a negative offset is answered OFFSET_MOVED to the queue minimum, not an error', async () => {
    const response = await bad.invoke(
      brokerAddr,
      createRequest(RequestCode.PULL_MESSAGE, { extFields: pullHeader({ queueOffset: '-5' }) }),
      10_000,
    );
    expect(response.code).toBe(ResponseCode.PULL_OFFSET_MOVED);
    expect(response.extFields.nextBeginOffset).toBe('0');
  });

  test.each([
    ['a header that is not JSON', '{{{{{'],
    ['a header whose extFields is not an object', '{"code":310,"flag":0,"opaque":1,"extFields":"oops"}'],
    ['a header without a request code', '{"flag":0,"opaque":2,"language":"JAVA","version":1}'],
    [
      'a header whose extFields hold an object',
      '{"code":11,"flag":0,"opaque":3,"extFields":{"topic":{"a":1}}}',
    ],
  ])('a frame with %s closes only its own connection, and is counted', async (_what, header) => {
    const malformed = () =>
      metricsText().then((text) =>
        metricValue(text, 'skyrocket_remoting_malformed_frames_total', {
          server: 'broker',
          reason: 'malformed',
        }),
      );
    const before = await malformed();
    const [host, port] = brokerAddr.split(':');
    const socket = connect({ host, port: Number(port) });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const headerBytes = Buffer.from(header);
    const prefix = Buffer.alloc(8);
    prefix.writeInt32BE(4 + headerBytes.length, 0);
    prefix.writeInt32BE(headerBytes.length, 4);
    socket.write(Buffer.concat([prefix, headerBytes]));
    await closed;
    await waitFor('the malformed frame to be counted', async () => (await malformed()) === before + 1);
    await sendGood(1);
  });

  test('after all that, every stored message is intact and the bad client can still work', async () => {
    // Refused sends stored nothing: each queue holds exactly what the good client sent, in order.
    for (let queueId = 0; queueId < QUEUES; queueId++) {
      const bodies = stored.get(queueId) ?? [];
      const response = await bad.invoke(
        brokerAddr,
        createRequest(RequestCode.PULL_MESSAGE, { extFields: pullHeader({ queueId: String(queueId) }) }),
        10_000,
      );
      expect(response.code).toBe(ResponseCode.SUCCESS);
      const records = decodeRecords(response.body ?? Buffer.alloc(0), { verifyBodyCRC: true });
      expect(records.map((r) => r.body.toString())).toEqual(bodies);
      expect(records.map((r) => r.queueOffset)).toEqual(bodies.map((_, i) => i));
      expect(response.extFields.maxOffset).toBe(String(bodies.length));
    }
    // Nothing was created or recorded for the refused requests.
    expect(broker.context.topics.get('bad topic!')).toBeUndefined();
    expect(broker.context.topics.get(unknownTopic)).toBeUndefined();
    expect(broker.context.topics.get('T'.repeat(128))).toBeUndefined();
    expect(broker.context.offsets.query(group, unknownTopic, 0)).toBe(-1);
    expect(broker.context.offsets.query('bad group!', topic, 0)).toBe(-1);
    expect(broker.context.groups.get('bad group!')).toBeUndefined();
    expect(broker.context.consumers.get('bad group!')).toBeUndefined();
    expect(broker.context.store.getMaxOffsetInQueue('SCHEDULE_TOPIC_XXXX', 0)).toBe(0);

    // The connection that sent every bad request is still usable for good ones.
    const batch = encodeBatchMessages([
      { body: Buffer.from('batch-0'), flag: 0, properties: { TAGS: 'TagA' } },
      { body: Buffer.from('batch-1'), flag: 0, properties: { TAGS: 'TagB' } },
    ]);
    const response = await bad.invoke(
      brokerAddr,
      createRequest(RequestCode.SEND_BATCH_MESSAGE, {
        extFields: sendHeader({ e: '2', m: 'true' }),
        body: batch,
      }),
      5000,
    );
    expect(response.code).toBe(ResponseCode.SUCCESS);
    expect(response.extFields.queueOffset).toBe(String(stored.get(2)?.length));
  });
});
