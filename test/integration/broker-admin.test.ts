import * as fs from 'node:fs';
import type { Broker } from '@skyrocket/broker';
import type { NameServer } from '@skyrocket/nameserver';
import {
  createRequest,
  decodeOffsetMessageId,
  decodeRecords,
  encodeHeader,
  RemotingClient,
  RequestCode,
  ResponseCode,
  type HeaderValue,
} from '@skyrocket/remoting';
import { startBroker } from '../harness/broker';
import { startNameServer } from '../harness/nameserver';
import { uniqueName } from '../harness/names';
import { waitFor } from '../harness/wait-for';

/**
 * The broker's admin and lookup requests and its HTTP admin API, over real sockets against an in-process
 * NameServer and broker: what mqadmin / DefaultMQAdminExt and the operator do.
 */
describe('Skyrocket broker admin over loopback', () => {
  let nameServer: NameServer;
  let broker: Broker;
  let brokerAddr: string;
  let httpUrl: string;
  let storeDir: string;
  let client: RemotingClient;

  const invoke = (code: number, header: Record<string, HeaderValue> = {}, body?: string) =>
    client.invoke(
      brokerAddr,
      createRequest(code, {
        extFields: encodeHeader(header),
        body: body === undefined ? undefined : Buffer.from(body),
      }),
      5000,
    );
  const send = (topic: string, body: string, properties: string) =>
    invoke(
      RequestCode.SEND_MESSAGE_V2,
      { a: 'PG', b: topic, c: 'TBW102', d: 4, e: 0, f: 0, g: Date.now(), h: 0, i: properties },
      body,
    );
  const http = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${httpUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
  const routePerm = (topic: string) => nameServer.routes.getTopicRoute(topic)?.queueDatas[0]?.perm;

  beforeAll(async () => {
    let namesrvAddr: string;
    ({ nameServer, address: namesrvAddr } = await startNameServer());
    ({ broker, address: brokerAddr, httpUrl, storeDir } = await startBroker(namesrvAddr));
    client = new RemotingClient();
  });

  afterAll(async () => {
    await client?.close();
    await broker?.stop();
    await nameServer?.stop();
    if (storeDir) fs.rmSync(storeDir, { recursive: true, force: true });
  });

  it('creates a topic with UPDATE_AND_CREATE_TOPIC and registers it with the NameServer at once', async () => {
    const topic = uniqueName('AdminCreated');
    const response = await invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, {
      topic,
      defaultTopic: 'TBW102',
      readQueueNums: 3,
      writeQueueNums: 3,
      perm: 6,
      topicFilterType: 'SINGLE_TAG',
      topicSysFlag: 0,
      order: false,
    });
    expect(response.code).toBe(ResponseCode.SUCCESS);
    // Registration is debounced by 50 ms, far below the 5 s re-registration period of the harness.
    const route = await waitFor('the route', () => nameServer.routes.getTopicRoute(topic), {
      timeoutMs: 2000,
    });
    expect(route.queueDatas[0]).toMatchObject({ readQueueNums: 3, writeQueueNums: 3, perm: 6 });

    const all = await invoke(RequestCode.GET_ALL_TOPIC_CONFIG);
    const table = (JSON.parse(all.body?.toString() ?? '{}') as { topicConfigTable: Record<string, unknown> })
      .topicConfigTable;
    expect(table[topic]).toMatchObject({ readQueueNums: 3 });

    const refused = await invoke(RequestCode.UPDATE_AND_CREATE_TOPIC, {
      topic: 'SCHEDULE_TOPIC_XXXX',
      defaultTopic: 'TBW102',
      readQueueNums: 1,
      writeQueueNums: 1,
      perm: 6,
      topicFilterType: 'SINGLE_TAG',
    });
    expect([refused.code, refused.remark]).toEqual([
      ResponseCode.INVALID_PARAMETER,
      'The topic[SCHEDULE_TOPIC_XXXX] is conflict with system topic.',
    ]);
  });

  it('finds sent messages by key (QUERY_MESSAGE) and by offset msgId (VIEW_MESSAGE_BY_ID)', async () => {
    const topic = uniqueName('Lookup');
    const sent = await send(topic, 'order #42', 'KEYS\u0001order-42\u0002TAGS\u0001TagA\u0002');
    expect(sent.code).toBe(ResponseCode.SUCCESS);
    await send(topic, 'order #43', 'KEYS\u0001order-43\u0002');

    const query = await invoke(RequestCode.QUERY_MESSAGE, {
      topic,
      key: 'order-42',
      maxNum: 32,
      beginTimestamp: 0,
      endTimestamp: '9223372036854775807',
    });
    expect(query.code).toBe(ResponseCode.SUCCESS);
    expect(decodeRecords(query.body ?? Buffer.alloc(0)).map((r) => r.body.toString())).toEqual(['order #42']);
    expect(Number(query.extFields.indexLastUpdatePhyoffset)).toBeGreaterThan(0);

    const byUniqKey = await invoke(RequestCode.QUERY_MESSAGE, {
      topic,
      key: sent.extFields.transactionId,
      maxNum: 1,
      beginTimestamp: 0,
      endTimestamp: Date.now() + 60_000,
      _UNIQUE_KEY_QUERY: 'true',
    });
    expect(decodeRecords(byUniqKey.body ?? Buffer.alloc(0)).map((r) => r.body.toString())).toEqual([
      'order #42',
    ]);

    const notFound = await invoke(RequestCode.QUERY_MESSAGE, {
      topic,
      key: 'order-0',
      maxNum: 32,
      beginTimestamp: 0,
      endTimestamp: Date.now() + 60_000,
    });
    expect(notFound.code).toBe(ResponseCode.QUERY_NOT_FOUND);

    const { commitLogOffset: offset } = decodeOffsetMessageId(sent.extFields.msgId ?? '');
    const view = await invoke(RequestCode.VIEW_MESSAGE_BY_ID, { offset, topic });
    expect(view.code).toBe(ResponseCode.SUCCESS);
    const [record] = decodeRecords(view.body ?? Buffer.alloc(0));
    expect(record).toMatchObject({ topic, commitLogOffset: offset });
    expect(record?.body.toString()).toBe('order #42');
    expect(record?.properties.get('KEYS')).toBe('order-42');
  });

  it('reports topic stats and consumer progress alike over remoting and HTTP', async () => {
    const topic = uniqueName('Progress');
    const group = uniqueName('ProgressGroup');
    for (let i = 0; i < 5; i++) await send(topic, `m${i}`, 'TAGS\u0001T\u0002');
    const commit = await invoke(RequestCode.UPDATE_CONSUMER_OFFSET, {
      consumerGroup: group,
      topic,
      queueId: 0,
      commitOffset: 2,
    });
    expect(commit.code).toBe(ResponseCode.SUCCESS);

    const stats = await invoke(RequestCode.GET_TOPIC_STATS_INFO, { topic });
    expect(stats.body?.toString()).toContain(
      `{"brokerName":"broker-a","queueId":0,"topic":"${topic}"}:{"lastUpdateTimestamp":`,
    );
    expect(stats.body?.toString()).toContain('"maxOffset":5,"minOffset":0}');
    const httpStats = await http('GET', `/api/topics/${topic}/stats`);
    expect(httpStats.status).toBe(200);
    expect(httpStats.json).toMatchObject({ topic, messages: 5 });
    expect((httpStats.json.queues as unknown[])[0]).toMatchObject({ queueId: 0, minOffset: 0, maxOffset: 5 });

    const consume = await invoke(RequestCode.GET_CONSUME_STATS, { consumerGroup: group, topic });
    expect(consume.body?.toString()).toContain(
      `{"brokerName":"broker-a","queueId":0,"topic":"${topic}"}:{"brokerOffset":5,"consumerOffset":2,`,
    );
    const lag = await http('GET', `/api/groups/${group}/lag`);
    expect(lag.status).toBe(200);
    expect(lag.json.totalLag).toBe(3 + 0 + 0 + 0);
    expect((lag.json.queues as Array<Record<string, unknown>>).find((q) => q.queueId === 0)).toMatchObject({
      topic,
      brokerOffset: 5,
      consumerOffset: 2,
      lag: 3,
    });
    expect((await http('GET', '/api/groups/NoSuchGroup_zz/lag')).status).toBe(404);
    expect(await http('GET', '/api/groups/bad%20group/lag')).toMatchObject({ status: 400 });

    const runtime = await invoke(RequestCode.GET_BROKER_RUNTIME_INFO);
    const kv = JSON.parse(runtime.body?.toString() ?? '{}') as { table: Record<string, string> };
    expect(Number(kv.table.msgPutTotalTodayNow)).toBeGreaterThanOrEqual(5);
    expect(kv.table.brokerVersionDesc).toBe('V5_3_3');
  });

  it('creates, updates, inspects and deletes topics over HTTP, with 400s that name the problem', async () => {
    const topic = uniqueName('HttpTopic');
    const created = await http('POST', '/api/topics', { topic, readQueueNums: 2, writeQueueNums: 2 });
    expect(created).toMatchObject({
      status: 201,
      json: { topicName: topic, perm: 6, permission: 'read-write' },
    });
    await waitFor('the route', () => nameServer.routes.getTopicRoute(topic), { timeoutMs: 2000 });

    const updated = await http('PUT', `/api/topics/${topic}`, {
      perm: 'read-only',
      attributes: { 'message.type': 'FIFO' },
    });
    expect(updated).toMatchObject({
      status: 200,
      json: { readQueueNums: 2, perm: 4, permission: 'read-only', attributes: { 'message.type': 'FIFO' } },
    });
    await waitFor('the read-only route', () => routePerm(topic) === 4, { timeoutMs: 2000 });

    const bad: Array<[string, string, unknown, string]> = [
      [
        'POST',
        '/api/topics',
        { readQueueNums: 2 },
        'topic: Invalid input: expected string, received undefined',
      ],
      ['POST', '/api/topics', { topic, readQueueNums: -1 }, 'readQueueNums: Too small'],
      ['POST', '/api/topics', { topic, queues: 4 }, 'body: Unrecognized key: "queues"'],
      ['POST', '/api/topics', { topic, perm: 'everything' }, 'perm: '],
      ['POST', '/api/topics', { topic: 'no spaces allowed' }, 'illegal characters'],
      ['POST', '/api/topics', { topic: 'TBW102' }, 'The topic[TBW102] is conflict with system topic.'],
      ['PUT', `/api/topics/${topic}`, { attributes: { colour: 'red' } }, 'unsupported key: colour'],
      ['PUT', `/api/topics/${topic}`, { topic: 'Other' }, 'topic: the body names Other'],
      [
        'PUT',
        '/api/broker/permission',
        { permission: 'none' },
        'permission must be "read-only" or "read-write"',
      ],
      [
        'DELETE',
        '/api/topics/SELF_TEST_TOPIC',
        undefined,
        'The topic[SELF_TEST_TOPIC] is conflict with system topic.',
      ],
    ];
    for (const [method, path, body, message] of bad) {
      const response = await http(method, path, body);
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 400 });
      expect(String(response.json.message)).toContain(message);
    }

    expect(await http('DELETE', `/api/topics/${topic}`)).toMatchObject({
      status: 200,
      json: { deleted: topic },
    });
    expect(broker.context.topics.get(topic)).toBeUndefined();
    expect((await http('DELETE', `/api/topics/${topic}`)).status).toBe(404);
    expect((await http('GET', `/api/topics/${topic}/stats`)).status).toBe(404);
  });

  it('creates, updates and deletes subscription groups over HTTP, as the remoting admin requests do', async () => {
    const group = uniqueName('HttpGroup');
    const allGroups = async () => {
      const response = await invoke(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG);
      return JSON.parse(response.body?.toString() ?? '{}') as {
        subscriptionGroupTable: Record<string, Record<string, unknown>>;
        dataVersion: { counter: number };
      };
    };
    const versionBefore = (await allGroups()).dataVersion.counter;

    const created = await http('PUT', `/api/groups/${group}`, { consumeEnable: false, retryMaxTimes: 3 });
    // Fields left out of a new group take SubscriptionGroupConfig's defaults (retryMaxTimes: maxReconsumeTimes).
    const expected = {
      groupName: group,
      consumeEnable: false,
      consumeFromMinEnable: true,
      consumeBroadcastEnable: true,
      consumeMessageOrderly: false,
      retryQueueNums: 1,
      retryMaxTimes: 3,
      brokerId: 0,
      whichBrokerWhenConsumeSlowly: 1,
      notifyConsumerIdsChangedEnable: true,
      consumers: [],
    };
    expect(created).toMatchObject({ status: 201, json: expected });
    const listed = (await http('GET', '/api/groups')).json as unknown as Array<Record<string, unknown>>;
    expect(listed.find((g) => g.groupName === group)).toEqual(created.json);

    // The remoting side sees it, persisted in subscriptionGroup.json with a new data version.
    const remoting = await allGroups();
    expect(remoting.subscriptionGroupTable[group]).toMatchObject({ consumeEnable: false, retryMaxTimes: 3 });
    expect(remoting.dataVersion.counter).toBeGreaterThan(versionBefore);
    const file = JSON.parse(
      fs.readFileSync(`${storeDir}/config/subscriptionGroup.json`, 'utf8'),
    ) as typeof remoting;
    expect(file.subscriptionGroupTable[group]).toMatchObject({ consumeEnable: false, retryMaxTimes: 3 });

    const updated = await http('PUT', `/api/groups/${group}`, {
      consumeMessageOrderly: true,
      retryQueueNums: 2,
    });
    expect(updated).toMatchObject({
      status: 200,
      json: { ...expected, consumeMessageOrderly: true, retryQueueNums: 2 },
    });
    expect(broker.context.groups.get(group)).toMatchObject({
      consumeEnable: false,
      consumeMessageOrderly: true,
    });
    expect((await allGroups()).dataVersion.counter).toBeGreaterThan(remoting.dataVersion.counter);

    // A group made by UPDATE_AND_CREATE_SUBSCRIPTIONGROUP is updated over HTTP, keeping what remoting set.
    const remoteGroup = uniqueName('RemotingGroup');
    const remoteCreated = await invoke(
      RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
      {},
      JSON.stringify({ groupName: remoteGroup, consumeBroadcastEnable: false }),
    );
    expect(remoteCreated.code).toBe(ResponseCode.SUCCESS);
    expect(await http('PUT', `/api/groups/${remoteGroup}`, { brokerId: 1 })).toMatchObject({
      status: 200,
      json: { groupName: remoteGroup, consumeBroadcastEnable: false, brokerId: 1 },
    });

    const illegal = await invoke(
      RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
      {},
      JSON.stringify({ groupName: 'bad group' }),
    );
    expect([illegal.code, illegal.remark]).toEqual([
      ResponseCode.INVALID_PARAMETER,
      'the specified group[bad group] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$',
    ]);
    const bad: Array<[string, string, unknown, string]> = [
      ['PUT', `/api/groups/${group}`, { consumeEnabled: true }, 'body: Unrecognized key: "consumeEnabled"'],
      ['PUT', `/api/groups/${group}`, { groupName: group }, 'body: Unrecognized key: "groupName"'],
      [
        'PUT',
        `/api/groups/${group}`,
        { consumeEnable: 'yes' },
        'consumeEnable: Invalid input: expected boolean',
      ],
      ['PUT', `/api/groups/${group}`, { retryQueueNums: 1.5 }, 'retryQueueNums: Invalid input: expected int'],
      ['PUT', `/api/groups/${group}`, { retryMaxTimes: -2 }, 'retryMaxTimes: Too small'],
      ['PUT', '/api/groups/bad%20group', {}, String(illegal.remark)],
      ['DELETE', '/api/groups/bad%20group', undefined, String(illegal.remark)],
      ['DELETE', `/api/groups/${group}?cleanOffset=yes`, undefined, 'cleanOffset: '],
    ];
    for (const [method, path, body, message] of bad) {
      const response = await http(method, path, body);
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 400 });
      expect(String(response.json.message)).toContain(message);
    }
    expect(broker.context.groups.get(group)).toMatchObject({ consumeEnable: false, retryQueueNums: 2 });
    expect(broker.context.groups.get('bad group')).toBeUndefined();

    // DELETE follows DELETE_SUBSCRIPTIONGROUP: the config goes, the offsets only with cleanOffset.
    for (const name of [group, remoteGroup]) {
      const commit = await invoke(RequestCode.UPDATE_CONSUMER_OFFSET, {
        consumerGroup: name,
        topic: 'TBW102',
        queueId: 0,
        commitOffset: 7,
      });
      expect(commit.code).toBe(ResponseCode.SUCCESS);
    }
    expect(await http('DELETE', `/api/groups/${group}`)).toEqual({ status: 200, json: { deleted: group } });
    expect(broker.context.groups.get(group)).toBeUndefined();
    expect(broker.context.offsets.query(group, 'TBW102', 0)).toBe(7);
    expect((await allGroups()).subscriptionGroupTable[group]).toBeUndefined();
    expect(await http('DELETE', `/api/groups/${group}`)).toMatchObject({
      status: 404,
      json: { message: `no group ${group}` },
    });
    expect(await http('DELETE', `/api/groups/${remoteGroup}?cleanOffset=true`)).toMatchObject({
      status: 200,
    });
    expect(broker.context.offsets.query(remoteGroup, 'TBW102', 0)).toBe(-1);
  });

  it('makes NameServer routes read-only while the broker is read-only, and refuses sends', async () => {
    const topic = uniqueName('Drain');
    expect((await send(topic, 'before', '')).code).toBe(ResponseCode.SUCCESS);
    await waitFor('the route', () => routePerm(topic) === 6, { timeoutMs: 2000 });

    const readOnly = await http('PUT', '/api/broker/permission', { permission: 'read-only' });
    expect(readOnly).toMatchObject({ status: 200, json: { permission: 'read-only' } });
    // The registration is done when the answer comes back: the route already lacks PERM_WRITE.
    expect(routePerm(topic)).toBe(4);
    expect(nameServer.routes.getTopicRoute('TBW102')?.queueDatas[0]?.perm).toBe(4);
    expect((await send(topic, 'during', '')).code).toBe(ResponseCode.NO_PERMISSION);
    expect((await http('GET', '/api/broker')).json.permission).toBe('read-only');

    await http('PUT', '/api/broker/permission', { permission: 'read-write' });
    expect(routePerm(topic)).toBe(6);
    expect((await send(topic, 'after', '')).code).toBe(ResponseCode.SUCCESS);
  });

  it('deletes a topic with DELETE_TOPIC_IN_BROKER, offsets and queues included', async () => {
    const topic = uniqueName('Deleted');
    await send(topic, 'gone soon', '');
    await invoke(RequestCode.UPDATE_CONSUMER_OFFSET, {
      consumerGroup: 'G',
      topic,
      queueId: 0,
      commitOffset: 1,
    });
    const response = await invoke(RequestCode.DELETE_TOPIC_IN_BROKER, { topic });
    expect(response.code).toBe(ResponseCode.SUCCESS);
    expect(broker.context.topics.get(topic)).toBeUndefined();
    expect(broker.context.offsets.query('G', topic, 0)).toBe(-1);
    const max = await invoke(RequestCode.GET_MAX_OFFSET, { topic, queueId: 0 });
    expect(max.extFields.offset).toBe('0');
  });
});
