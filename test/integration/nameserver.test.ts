import { deflateSync, crc32 } from 'node:zlib';
import {
  createRequest,
  RemotingClient,
  RequestCode,
  ResponseCode,
  type RemotingCommand,
} from '@skyrocket/remoting';
import type { NameServer } from '@skyrocket/nameserver';
import { startNameServer } from '../harness/nameserver';
import { waitFor } from '../harness/wait-for';

/** A REGISTER_BROKER request as an Apache broker builds it (BrokerOuterAPI.registerBrokerAll). */
function registerRequest(options: {
  brokerName?: string;
  brokerAddr?: string;
  brokerId?: number;
  topics?: string[];
  counter?: number;
  heartbeatTimeoutMillis?: number;
  crc?: 'right' | 'wrong' | 'none';
}): RemotingCommand {
  const topics = options.topics ?? ['TopicA', 'TBW102'];
  const body = Buffer.from(
    JSON.stringify({
      topicConfigSerializeWrapper: {
        topicConfigTable: Object.fromEntries(
          topics.map((t) => [
            t,
            {
              topicName: t,
              readQueueNums: 4,
              writeQueueNums: 4,
              perm: 6,
              topicFilterType: 'SINGLE_TAG',
              topicSysFlag: 0,
              order: false,
              attributes: {},
            },
          ]),
        ),
        dataVersion: { stateVersion: 0, timestamp: 1700000000000, counter: options.counter ?? 1 },
      },
      filterServerList: [],
    }),
  );
  const realCrc = crc32(body) & 0x7fffffff;
  const extFields: Record<string, string> = {
    brokerName: options.brokerName ?? 'broker-a',
    brokerAddr: options.brokerAddr ?? '127.0.0.1:10911',
    clusterName: 'DefaultCluster',
    haServerAddr: (options.brokerAddr ?? '127.0.0.1:10911').replace(/:\d+$/, ':10912'),
    brokerId: String(options.brokerId ?? 0),
    compressed: 'false',
  };
  if (options.crc !== 'none') extFields.bodyCrc32 = String(options.crc === 'wrong' ? realCrc ^ 1 : realCrc);
  if (options.heartbeatTimeoutMillis)
    extFields.heartbeatTimeoutMillis = String(options.heartbeatTimeoutMillis);
  return createRequest(RequestCode.REGISTER_BROKER, { extFields, body, version: 479 });
}

function json(response: RemotingCommand): unknown {
  return JSON.parse(response.body?.toString('utf8') ?? 'null');
}

describe('Skyrocket NameServer over loopback', () => {
  let nameServer: NameServer;
  let address: string;
  let httpUrl: string;
  let client: RemotingClient;
  const extraClients: RemotingClient[] = [];

  const route = (topic: string) =>
    client.invoke(address, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic } }), 3000);

  beforeEach(async () => {
    ({ nameServer, address, httpUrl } = await startNameServer({ scanNotActiveBrokerIntervalMillis: 100 }));
    client = new RemotingClient();
  });
  afterEach(async () => {
    await Promise.all([client.close(), ...extraClients.splice(0).map((c) => c.close())]);
    await nameServer.stop();
  });

  it('registers a broker (checking bodyCrc32) and serves its routes as standard JSON', async () => {
    const response = await client.invoke(address, registerRequest({}), 3000);
    expect(response.code).toBe(ResponseCode.SUCCESS);
    const routeResponse = await route('TopicA');
    expect(routeResponse.code).toBe(0);
    expect(routeResponse.body?.toString()).toContain('"brokerAddrs":{"0":"127.0.0.1:10911"}');
    expect(json(routeResponse)).toMatchObject({
      queueDatas: [{ brokerName: 'broker-a', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }],
      brokerDatas: [{ cluster: 'DefaultCluster', brokerName: 'broker-a' }],
    });
    const unknown = await route('NoSuchTopic');
    expect(unknown.code).toBe(ResponseCode.TOPIC_NOT_EXIST);
    expect(unknown.remark).toContain('No topic route info in name server for the topic: NoSuchTopic');
  });

  it('refuses a body whose crc32 does not match', async () => {
    const response = await client.invoke(address, registerRequest({ crc: 'wrong' }), 3000);
    expect(response).toMatchObject({ code: ResponseCode.SYSTEM_ERROR, remark: 'crc32 not match' });
    expect((await route('TopicA')).code).toBe(ResponseCode.TOPIC_NOT_EXIST);
  });

  it('accepts the compressed RegisterBrokerBody form', async () => {
    const parts: Buffer[] = [];
    const chunk = (text: string) => {
      const bytes = Buffer.from(text);
      const length = Buffer.alloc(4);
      length.writeInt32BE(bytes.length);
      parts.push(length, bytes);
    };
    const int = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeInt32BE(n);
      parts.push(b);
    };
    chunk(JSON.stringify({ stateVersion: 0, timestamp: 1, counter: 7 }));
    int(2);
    chunk('Compressed1 8 8 6 SINGLE_TAG {"+delete.policy":"DELETE"}');
    chunk('Compressed2 2 2 4 MULTI_TAG ');
    chunk('[]');
    int(0);
    const body = deflateSync(Buffer.concat(parts));
    const request = createRequest(RequestCode.REGISTER_BROKER, {
      extFields: {
        brokerName: 'broker-z',
        brokerAddr: '127.0.0.1:20911',
        clusterName: 'C',
        haServerAddr: '127.0.0.1:20912',
        brokerId: '0',
        compressed: 'true',
        bodyCrc32: String(crc32(body) & 0x7fffffff),
      },
      body,
    });
    expect((await client.invoke(address, request, 3000)).code).toBe(0);
    expect(json(await route('Compressed1'))).toMatchObject({ queueDatas: [{ writeQueueNums: 8, perm: 6 }] });
    expect(json(await route('Compressed2'))).toMatchObject({ queueDatas: [{ writeQueueNums: 2, perm: 4 }] });
  });

  it('answers bad requests with an error naming the problem, and keeps serving', async () => {
    const missing = await client.invoke(
      address,
      createRequest(RequestCode.REGISTER_BROKER, { extFields: { brokerName: 'b' } }),
      3000,
    );
    expect(missing.code).toBe(ResponseCode.SYSTEM_ERROR);
    expect(missing.remark).toMatch(/brokerAddr|clusterName|brokerId/);
    const badBody = registerRequest({ crc: 'none' });
    badBody.body = Buffer.from('{"topicConfigSerializeWrapper": 5}');
    const bad = await client.invoke(address, badBody, 3000);
    expect(bad.code).toBe(ResponseCode.SYSTEM_ERROR);
    expect(bad.remark).toContain('REGISTER_BROKER body');
    const badId = await client.invoke(
      address,
      createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: {} }),
      3000,
    );
    expect(badId.remark).toContain('topic');
    expect((await client.invoke(address, registerRequest({}), 3000)).code).toBe(0);
  });

  it('tells a slave where its master is and lists it by brokerId', async () => {
    await client.invoke(address, registerRequest({}), 3000);
    const slave = await client.invoke(
      address,
      registerRequest({ brokerId: 1, brokerAddr: '127.0.0.2:10911', topics: [] }),
      3000,
    );
    expect(slave.extFields).toEqual({ masterAddr: '127.0.0.1:10911', haServerAddr: '127.0.0.1:10912' });
    expect(json(await route('TopicA'))).toMatchObject({
      brokerDatas: [{ brokerAddrs: { '0': '127.0.0.1:10911', '1': '127.0.0.2:10911' } }],
    });
  });

  it('drops a broker that stops heartbeating within its heartbeatTimeoutMillis', async () => {
    await client.invoke(address, registerRequest({ heartbeatTimeoutMillis: 300 }), 3000);
    expect((await route('TopicA')).code).toBe(0);
    await waitFor(
      'the broker to expire',
      async () => (await route('TopicA')).code === ResponseCode.TOPIC_NOT_EXIST,
      {
        timeoutMs: 5000,
      },
    );
  });

  it('drops a broker when its connection closes', async () => {
    const brokerSide = new RemotingClient();
    extraClients.push(brokerSide);
    await brokerSide.invoke(address, registerRequest({}), 3000);
    expect((await route('TopicA')).code).toBe(0);
    (await brokerSide.connection(address)).close();
    await waitFor(
      'removal on close',
      async () => (await route('TopicA')).code === ResponseCode.TOPIC_NOT_EXIST,
    );
  });

  it('unregisters, answers data-version queries, lists topics and cluster info', async () => {
    await client.invoke(address, registerRequest({}), 3000);
    const same = await client.invoke(
      address,
      createRequest(RequestCode.QUERY_DATA_VERSION, {
        extFields: {
          brokerName: 'broker-a',
          brokerAddr: '127.0.0.1:10911',
          clusterName: 'DefaultCluster',
          brokerId: '0',
        },
        body: Buffer.from(JSON.stringify({ stateVersion: 0, timestamp: 1700000000000, counter: 1 })),
      }),
      3000,
    );
    expect(same.extFields.changed).toBe('false');
    const changed = await client.invoke(
      address,
      createRequest(RequestCode.QUERY_DATA_VERSION, {
        extFields: {
          brokerName: 'broker-a',
          brokerAddr: '127.0.0.1:10911',
          clusterName: 'DefaultCluster',
          brokerId: '0',
        },
        body: Buffer.from(JSON.stringify({ stateVersion: 0, timestamp: 1700000000000, counter: 2 })),
      }),
      3000,
    );
    expect(changed.extFields.changed).toBe('true');
    expect(
      json(await client.invoke(address, createRequest(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER), 3000)),
    ).toEqual({
      topicList: ['TBW102', 'TopicA'],
      brokerAddr: null,
    });
    expect(
      json(await client.invoke(address, createRequest(RequestCode.GET_BROKER_CLUSTER_INFO), 3000)),
    ).toEqual({
      brokerAddrTable: {
        'broker-a': {
          cluster: 'DefaultCluster',
          brokerName: 'broker-a',
          brokerAddrs: { '0': '127.0.0.1:10911' },
          zoneName: null,
          enableActingMaster: false,
        },
      },
      clusterAddrTable: { DefaultCluster: ['broker-a'] },
    });
    await client.invoke(
      address,
      createRequest(RequestCode.UNREGISTER_BROKER, {
        extFields: {
          brokerName: 'broker-a',
          brokerAddr: '127.0.0.1:10911',
          clusterName: 'DefaultCluster',
          brokerId: '0',
        },
      }),
      3000,
    );
    expect((await route('TopicA')).code).toBe(ResponseCode.TOPIC_NOT_EXIST);
  });

  it('registers and deletes single topics', async () => {
    await client.invoke(address, registerRequest({}), 3000);
    const register = await client.invoke(
      address,
      createRequest(RequestCode.REGISTER_TOPIC_IN_NAMESRV, {
        extFields: { topic: 'Single' },
        body: Buffer.from(
          JSON.stringify({
            queueDatas: [
              { brokerName: 'broker-a', readQueueNums: 2, writeQueueNums: 2, perm: 6, topicSysFlag: 0 },
            ],
          }),
        ),
      }),
      3000,
    );
    expect(register.code).toBe(0);
    expect(json(await route('Single'))).toMatchObject({ queueDatas: [{ readQueueNums: 2 }] });
    await client.invoke(
      address,
      createRequest(RequestCode.DELETE_TOPIC_IN_NAMESRV, { extFields: { topic: 'Single' } }),
      3000,
    );
    expect((await route('Single')).code).toBe(ResponseCode.TOPIC_NOT_EXIST);
  });

  it('keeps KV config in memory and returns ORDER_TOPIC_CONFIG to registering brokers', async () => {
    const kv = (code: number, extFields: Record<string, string>) =>
      client.invoke(address, createRequest(code, { extFields }), 3000);
    expect((await kv(RequestCode.GET_KV_CONFIG, { namespace: 'ns', key: 'k' })).code).toBe(
      ResponseCode.QUERY_NOT_FOUND,
    );
    await kv(RequestCode.PUT_KV_CONFIG, { namespace: 'ns', key: 'k', value: 'v' });
    expect((await kv(RequestCode.GET_KV_CONFIG, { namespace: 'ns', key: 'k' })).extFields.value).toBe('v');
    expect(json(await kv(RequestCode.GET_KVLIST_BY_NAMESPACE, { namespace: 'ns' }))).toEqual({
      table: { k: 'v' },
    });
    await kv(RequestCode.DELETE_KV_CONFIG, { namespace: 'ns', key: 'k' });
    expect((await kv(RequestCode.GET_KV_CONFIG, { namespace: 'ns', key: 'k' })).code).toBe(
      ResponseCode.QUERY_NOT_FOUND,
    );
    await kv(RequestCode.PUT_KV_CONFIG, {
      namespace: 'ORDER_TOPIC_CONFIG',
      key: 'OrderTopic',
      value: 'broker-a:4',
    });
    expect(json(await client.invoke(address, registerRequest({}), 3000))).toEqual({
      table: { OrderTopic: 'broker-a:4' },
    });
  });

  it('wipes and restores a broker write permission, and the (cached) route follows', async () => {
    await client.invoke(address, registerRequest({}), 3000);
    expect(json(await route('TopicA'))).toMatchObject({ queueDatas: [{ perm: 6 }] });
    const wipe = await client.invoke(
      address,
      createRequest(RequestCode.WIPE_WRITE_PERM_OF_BROKER, { extFields: { brokerName: 'broker-a' } }),
      3000,
    );
    expect(wipe.extFields.wipeTopicCount).toBe('2');
    expect(json(await route('TopicA'))).toMatchObject({ queueDatas: [{ perm: 4 }] });
  });

  it('serves health, readiness, metrics, the nsaddr list and a JSON view over HTTP', async () => {
    await client.invoke(address, registerRequest({}), 3000);
    expect((await fetch(`${httpUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${httpUrl}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${httpUrl}/metrics`)).text();
    expect(metrics).toContain(
      'skyrocket_nameserver_brokers{cluster="DefaultCluster",role="master",component="nameserver"} 1',
    );
    expect(metrics).toContain('skyrocket_nameserver_topics{component="nameserver"} 2');
    expect(metrics).toMatch(
      /skyrocket_remoting_requests_total\{server="nameserver",request="REGISTER_BROKER",result="0"/,
    );
    expect(metrics).toContain('skyrocket_nameserver_broker_registration_age_seconds');
    expect(await (await fetch(`${httpUrl}/rocketmq/nsaddr`)).text()).toBe(nameServer.advertisedAddress());
    const brokers = (await (await fetch(`${httpUrl}/api/brokers`)).json()) as Array<Record<string, unknown>>;
    expect(brokers[0]).toMatchObject({
      brokerName: 'broker-a',
      role: 'master',
      brokerAddr: '127.0.0.1:10911',
    });
    expect(await (await fetch(`${httpUrl}/api/topics/TopicA/route`)).json()).toMatchObject({
      queueDatas: [{}],
    });
    expect((await fetch(`${httpUrl}/api/topics/Nope/route`)).status).toBe(404);
  });

  it('returns the configured NameServer list from /rocketmq/nsaddr', async () => {
    const other = await startNameServer({ nameServerAddresses: '10.0.0.1:9876;10.0.0.2:9876' });
    const dns = await startNameServer({ nameServerAddresses: 'dns:localhost:9876' });
    try {
      expect(await (await fetch(`${other.httpUrl}/rocketmq/nsaddr`)).text()).toBe(
        '10.0.0.1:9876;10.0.0.2:9876',
      );
      expect(await (await fetch(`${dns.httpUrl}/rocketmq/nsaddr`)).text()).toContain('127.0.0.1:9876');
    } finally {
      await Promise.all([other.nameServer.stop(), dns.nameServer.stop()]);
    }
  });
});
