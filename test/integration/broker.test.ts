import * as fs from 'node:fs';
import type { Broker } from '@skyrocket/broker';
import type { NameServer } from '@skyrocket/nameserver';
import {
  createRequest,
  decodeRecords,
  encodeHeader,
  RemotingClient,
  RequestCode,
  ResponseCode,
  type RemotingCommand,
} from '@skyrocket/remoting';
import { startBroker } from '../harness/broker';
import { startNameServer } from '../harness/nameserver';
import { uniqueName } from '../harness/names';
import { waitFor } from '../harness/wait-for';

/** The broker core over real sockets, driven by raw remoting requests as a RocketMQ client sends them. */
describe('Skyrocket broker over loopback', () => {
  let nameServer: NameServer;
  let namesrvAddr: string;
  let broker: Broker;
  let brokerAddr: string;
  let httpUrl: string;
  let storeDir: string;
  let client: RemotingClient;

  const send = (topic: string, body: string, properties = 'TAGS\u0001TagA\u0002') =>
    client.invoke(
      brokerAddr,
      createRequest(RequestCode.SEND_MESSAGE_V2, {
        extFields: encodeHeader({
          a: 'PG',
          b: topic,
          c: 'TBW102',
          d: 4,
          e: 0,
          f: 0,
          g: Date.now(),
          h: 0,
          i: properties,
        }),
        body: Buffer.from(body),
      }),
      5000,
    );
  const pull = (topic: string, group: string, offset: number, suspendMs: number, subscription = '*') =>
    client.invoke(
      brokerAddr,
      createRequest(RequestCode.PULL_MESSAGE, {
        extFields: encodeHeader({
          consumerGroup: group,
          topic,
          queueId: 0,
          queueOffset: offset,
          maxMsgNums: 32,
          // SUSPEND | SUBSCRIPTION | COMMIT_OFFSET
          sysFlag: 2 | 4 | 1,
          commitOffset: offset,
          suspendTimeoutMillis: suspendMs,
          subscription,
          subVersion: 0,
          expressionType: 'TAG',
        }),
      }),
      suspendMs + 10_000,
    );

  beforeAll(async () => {
    ({ nameServer, address: namesrvAddr } = await startNameServer());
    ({
      broker,
      address: brokerAddr,
      httpUrl,
      storeDir,
    } = await startBroker(namesrvAddr, {
      registerNameServerPeriodMillis: 1000,
    }));
    client = new RemotingClient();
  });

  afterAll(async () => {
    await client?.close();
    await broker?.stop();
    await nameServer?.stop();
    if (storeDir) fs.rmSync(storeDir, { recursive: true, force: true });
  });

  it('registers with the NameServer, re-registers every period, and shows it in /readyz and /metrics', async () => {
    expect(nameServer.routes.liveBrokers().map((b) => b.brokerAddr)).toEqual([brokerAddr]);
    const first = nameServer.routes.liveBrokers()[0]?.lastUpdateTimestamp ?? 0;
    await waitFor(
      'a re-registration',
      () => (nameServer.routes.liveBrokers()[0]?.lastUpdateTimestamp ?? 0) > first,
      {
        timeoutMs: 5000,
      },
    );
    const ready = (await (await fetch(`${httpUrl}/readyz`)).json()) as {
      ready: boolean;
      checks: { nameServers: Array<{ address: string; lastError?: string }> };
    };
    expect(ready.ready).toBe(true);
    expect(ready.checks.nameServers).toEqual([expect.objectContaining({ address: namesrvAddr })]);
    expect(await (await fetch(`${httpUrl}/metrics`)).text()).toContain(
      `skyrocket_broker_nameserver_registered{nameserver="${namesrvAddr}",component="broker"} 1`,
    );
  });

  it('auto-creates a topic on first send and registers it with the NameServer at once', async () => {
    const topic = uniqueName('AutoTopic');
    const response = await send(topic, 'hello');
    expect(response.code).toBe(ResponseCode.SUCCESS);
    expect(response.extFields).toMatchObject({ queueId: '0', queueOffset: '0' });
    expect(response.extFields.msgId).toMatch(/^[0-9A-F]{32}$/);
    expect(response.extFields.transactionId).toMatch(/^[0-9A-F]{32}$/);
    await waitFor('the route', () => nameServer.routes.getTopicRoute(topic), { timeoutMs: 3000 });
    expect(nameServer.routes.getTopicRoute(topic)?.queueDatas[0]).toMatchObject({
      writeQueueNums: 4,
      perm: 6,
    });
  });

  it('answers a held pull as soon as a matching message arrives (long polling)', async () => {
    const topic = uniqueName('LongPoll');
    await send(topic, 'first');
    const group = uniqueName('LongPollGroup');
    const started = Date.now();
    const held = pull(topic, group, 1, 20_000, 'TagA');
    // A message with another tag must not wake it; the TagA one must.
    await send(topic, 'other tag', 'TAGS\u0001TagB\u0002');
    await send(topic, 'wake up', 'TAGS\u0001TagA\u0002');
    const response: RemotingCommand = await held;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(response.code).toBe(ResponseCode.SUCCESS);
    const bodies = decodeRecords(response.body ?? Buffer.alloc(0)).map((r) => r.body.toString());
    expect(bodies).toContain('wake up');
    expect(bodies).not.toContain('other tag');
  });

  it('answers PULL_NOT_FOUND when the suspend time ends without data', async () => {
    const topic = uniqueName('Quiet');
    await send(topic, 'only');
    const started = Date.now();
    const response = await pull(topic, uniqueName('QuietGroup'), 1, 500);
    expect(response.code).toBe(ResponseCode.PULL_NOT_FOUND);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(response.extFields).toMatchObject({ nextBeginOffset: '1', minOffset: '0', maxOffset: '1' });
  });

  it('keeps committed consumer offsets across a restart', async () => {
    const topic = uniqueName('Offsets');
    const group = uniqueName('OffsetGroup');
    for (let i = 0; i < 3; i++) await send(topic, `m${i}`);
    await client.invoke(
      brokerAddr,
      createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
        extFields: encodeHeader({ consumerGroup: group, topic, queueId: 0, commitOffset: 2 }),
      }),
      3000,
    );
    await broker.stop();
    await client.close();
    ({
      broker,
      address: brokerAddr,
      httpUrl,
    } = await startBroker(namesrvAddr, {
      storePathRootDir: storeDir,
      registerNameServerPeriodMillis: 1000,
    }));
    client = new RemotingClient();
    const query = await client.invoke(
      brokerAddr,
      createRequest(RequestCode.QUERY_CONSUMER_OFFSET, {
        extFields: encodeHeader({ consumerGroup: group, topic, queueId: 0 }),
      }),
      3000,
    );
    expect(query).toMatchObject({ code: ResponseCode.SUCCESS, extFields: { offset: '2' } });
    const max = await client.invoke(
      brokerAddr,
      createRequest(RequestCode.GET_MAX_OFFSET, { extFields: encodeHeader({ topic, queueId: 0 }) }),
      3000,
    );
    expect(max.extFields.offset).toBe('3');
  });

  it('exports consumer lag per group, topic and queue', async () => {
    const topic = uniqueName('Lag');
    const group = uniqueName('LagGroup');
    for (let i = 0; i < 5; i++) await send(topic, `m${i}`);
    await client.invoke(
      brokerAddr,
      createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
        extFields: encodeHeader({ consumerGroup: group, topic, queueId: 0, commitOffset: 2 }),
      }),
      3000,
    );
    const metrics = await (await fetch(`${httpUrl}/metrics`)).text();
    expect(metrics).toContain(
      `skyrocket_broker_consumer_lag{group="${group}",topic="${topic}",queue_id="0",component="broker"} 3`,
    );
    expect(metrics).toContain('skyrocket_broker_store_bytes');
    expect(metrics).toMatch(/skyrocket_broker_store_flush_seconds\{component="broker"\} [0-9.e-]+/);
    expect(metrics).toMatch(/skyrocket_broker_store_flushes\{component="broker"\} [0-9]/);
    expect(metrics).toContain('skyrocket_broker_store_write_errors{component="broker"} 0');
    expect(metrics).toContain('skyrocket_broker_store_flush_errors{component="broker"} 0');
    expect(metrics).toContain('skyrocket_broker_long_polling_held');
  });

  it('unregisters from the NameServer on shutdown', async () => {
    const other = await startBroker(namesrvAddr, { brokerName: 'broker-leaving' });
    await waitFor('registration', () => nameServer.routes.getBrokerData('broker-leaving'));
    await other.broker.stop();
    expect(nameServer.routes.getBrokerData('broker-leaving')).toBeUndefined();
    fs.rmSync(other.storeDir, { recursive: true, force: true });
  });

  it('follows a "dns:" NameServer name, registering with every address it resolves to', async () => {
    const port = namesrvAddr.split(':')[1];
    const viaDns = await startBroker(`dns:localhost:${port}`, { brokerName: 'broker-dns' });
    try {
      await waitFor('registration through DNS', () => nameServer.routes.getBrokerData('broker-dns'));
      const registrations = viaDns.broker.registrar.registrations();
      expect(registrations.find((r) => r.address === namesrvAddr)?.lastSuccessTimestamp).toBeDefined();
    } finally {
      await viaDns.broker.stop();
      fs.rmSync(viaDns.storeDir, { recursive: true, force: true });
    }
  });
});
