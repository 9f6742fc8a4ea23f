/**
 * The client core the producer (and the consumers) stand on: the shared ClientInstance, heartbeats and
 * UNREGISTER_CLIENT seen from the broker, server → client requests, NameServer failover and address-server
 * discovery, against real Skyrocket servers (plus one small fake NameServer that calls the client back).
 */
import * as fs from 'node:fs';
import { createServer } from 'node:net';
import type { Broker } from '@skyrocket/broker';
import type { NameServer } from '@skyrocket/nameserver';
import {
  createRequest,
  createResponse,
  RemotingServer,
  RequestCode,
  ResponseCode,
  type RemotingCommand,
} from '@skyrocket/remoting';
import {
  Admin,
  ClientInstance,
  isClientError,
  parseClientConfig,
  Producer,
  type ConsumerData,
} from '@skyrocket/client';
import { startBroker } from '../harness/broker';
import { startNameServer } from '../harness/nameserver';
import { uniqueName } from '../harness/names';
import { waitFor } from '../harness/wait-for';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function consumerData(group: string, topic: string): ConsumerData {
  return {
    groupName: group,
    consumeType: 'CONSUME_PASSIVELY',
    messageModel: 'CLUSTERING',
    consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
    subscriptionDataSet: [
      { topic, subString: '*', tagsSet: [], codeSet: [], subVersion: Date.now(), expressionType: 'TAG' },
    ],
    unitMode: false,
  };
}

describe('@skyrocket/client core against Skyrocket servers', () => {
  let nameServer: NameServer;
  let namesrvAddr: string;
  let nameServerHttp: string;
  let broker: Broker;
  let storeDir: string;

  beforeAll(async () => {
    ({ nameServer, address: namesrvAddr, httpUrl: nameServerHttp } = await startNameServer());
    ({ broker, storeDir } = await startBroker(namesrvAddr));
  });

  afterAll(async () => {
    await broker.stop();
    await nameServer.stop();
    fs.rmSync(storeDir, { recursive: true, force: true });
  });

  it('shares one instance per clientId, registers producers by heartbeat and unregisters them on shutdown', async () => {
    const instanceName = uniqueName('shared');
    const [groupA, groupB] = [uniqueName('PGA'), uniqueName('PGB')];
    const a = new Producer({ group: groupA, namesrvAddr, instanceName });
    const b = new Producer({ group: groupB, namesrvAddr, instanceName });
    await a.start();
    await b.start();
    expect(a.clientInstance).toBe(b.clientInstance);
    const topic = uniqueName('T');
    await a.send({ topic, body: 'x' }); // the route makes the broker known; it is heartbeated at once
    await waitFor('both groups registered', () => {
      const groups = broker.context.producers.groups();
      return groups.includes(groupA) && groups.includes(groupB);
    });

    // The same group twice in one instance is refused, as in Java.
    const duplicate = new Producer({ group: groupA, namesrvAddr, instanceName });
    await expect(duplicate.start()).rejects.toMatchObject({ errorName: 'INVALID_ARGUMENT' });
    expect(duplicate.state).toBe('CREATED');

    await a.shutdown();
    await waitFor('group A unregistered', () => !broker.context.producers.groups().includes(groupA));
    expect(b.clientInstance.state).toBe('RUNNING');
    await b.shutdown();
    await waitFor('group B unregistered', () => !broker.context.producers.groups().includes(groupB));
  });

  it('heartbeats every heartbeatBrokerIntervalMillis', async () => {
    const group = uniqueName('PG');
    const producer = new Producer({
      group,
      namesrvAddr,
      instanceName: uniqueName('hb'),
      heartbeatBrokerIntervalMillis: 100,
    });
    await producer.start();
    try {
      await producer.send({ topic: uniqueName('T'), body: 'x' });
      const first = await waitFor(
        'registered',
        () => broker.context.producers.anyChannel(group)?.lastUpdateTimestamp,
      );
      // Renewed by the timer alone: nothing else is sent.
      await waitFor(
        'a later heartbeat',
        () => (broker.context.producers.anyChannel(group)?.lastUpdateTimestamp ?? 0) > first,
      );
    } finally {
      await producer.shutdown();
    }
  });

  it('dispatches broker → client requests to handlers and lists a group’s consumers', async () => {
    const topic = uniqueName('T');
    const group = uniqueName('CG');
    const first = await ClientInstance.acquire({ namesrvAddr, instanceName: uniqueName('c1') });
    const second = await ClientInstance.acquire({ namesrvAddr, instanceName: uniqueName('c2') });
    try {
      const producer = new Producer({ group: uniqueName('PG'), namesrvAddr, instanceName: uniqueName('p') });
      await producer.start();
      await producer.send({ topic, body: 'creates the topic' });
      await producer.shutdown();
      // The auto-created topic reaches the NameServer with the broker's next registration.
      await waitFor('the topic route', () => first.getTopicRoute(topic, { refresh: true }), {
        timeoutMs: 15_000,
      });
      await second.getTopicRoute(topic);

      const notified: string[] = [];
      first.onRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, (request) => {
        notified.push(request.extFields.consumerGroup ?? '');
        return undefined;
      });
      first.registerConsumer({ group, consumerData: () => consumerData(group, topic) });
      await waitFor(
        'the first consumer registered',
        async () => (await first.findConsumerIdList(topic, group)).length === 1,
      );
      second.registerConsumer({ group, consumerData: () => consumerData(group, topic) });
      const ids = await waitFor('both consumers registered', async () => {
        const list = await first.findConsumerIdList(topic, group);
        return list.length === 2 ? list : undefined;
      });
      expect(ids.sort()).toEqual([first.clientId, second.clientId].sort());
      await waitFor('NOTIFY_CONSUMER_IDS_CHANGED at the first consumer', () => notified.includes(group));

      await second.unregisterConsumer(group);
      await waitFor(
        'one consumer left',
        async () => (await first.findConsumerIdList(topic, group)).length === 1,
      );
    } finally {
      await first.release();
      await second.release();
    }
  });

  it('fails over to the next NameServer and follows an address server', async () => {
    const dead = `127.0.0.1:${await closedPort()}`;
    for (let i = 0; i < 3; i++) {
      const instance = await ClientInstance.acquire({
        namesrvAddr: `${dead};${namesrvAddr}`,
        instanceName: uniqueName('fo'),
      });
      try {
        const route = await instance.getTopicRoute('TBW102');
        expect(route.writeQueues.length).toBeGreaterThan(0);
      } finally {
        await instance.release();
      }
    }
    // Every NameServer dead: one clear error.
    const none = await ClientInstance.acquire({ namesrvAddr: dead, instanceName: uniqueName('none') });
    try {
      await expect(none.getTopicRoute('TBW102')).rejects.toMatchObject({
        errorName: 'NAMESERVER_UNAVAILABLE',
      });
    } finally {
      await none.release();
    }

    // The NameServer's own /rocketmq/nsaddr is the address server.
    const viaDomain = await ClientInstance.acquire({
      nameServerDomain: `${nameServerHttp}/rocketmq/nsaddr`,
      instanceName: uniqueName('dom'),
    });
    try {
      expect(viaDomain.nameServerAddresses.length).toBe(1);
      const route = await viaDomain.getTopicRoute('TBW102');
      expect(route.route.brokerDatas[0]?.brokerName).toBe('broker-a');
    } finally {
      await viaDomain.release();
    }
    await expect(
      ClientInstance.acquire({ nameServerDomain: `http://127.0.0.1:${await closedPort()}/rocketmq/nsaddr` }),
    ).rejects.toMatchObject({ errorName: 'NAMESERVER_UNAVAILABLE' });
  });

  it('refreshes routes in use every pollNameServerIntervalMillis', async () => {
    const admin = new Admin({ namesrvAddr, instanceName: uniqueName('adm') });
    await admin.start();
    const instance = await ClientInstance.acquire({
      namesrvAddr,
      instanceName: uniqueName('poll'),
      pollNameServerIntervalMillis: 100,
    });
    try {
      const topic = uniqueName('T');
      await admin.createTopic({ topic, readQueueNums: 2, writeQueueNums: 2 });
      await waitFor('the route', () => instance.getTopicRoute(topic).catch(() => undefined));
      const changed = new Promise<number>((resolve) =>
        instance.events.on('routeUpdated', (e) => {
          if (e.topic === topic && e.route.writeQueues.length === 6) resolve(e.route.writeQueues.length);
        }),
      );
      await admin.updateTopic({ topic, readQueueNums: 6, writeQueueNums: 6 });
      // No explicit refresh: the periodic one notices.
      expect(await changed).toBe(6);
      expect(instance.cachedTopicRoute(topic)?.writeQueues).toHaveLength(6);
    } finally {
      await instance.release();
      await admin.shutdown();
    }
  });

  it('emits routeUpdated, and gives TOPIC_NOT_EXIST for unknown topics', async () => {
    const instance = await ClientInstance.acquire({ namesrvAddr, instanceName: uniqueName('ev') });
    try {
      const updates: string[] = [];
      instance.events.on('routeUpdated', (e) => updates.push(e.topic));
      await instance.getTopicRoute('TBW102');
      expect(updates).toEqual(['TBW102']);
      await instance.getTopicRoute('TBW102', { refresh: true }); // unchanged: no event
      expect(updates).toEqual(['TBW102']);
      const error: unknown = await instance.getTopicRoute(uniqueName('Nope')).catch((e: unknown) => e);
      expect(isClientError(error, 'TOPIC_NOT_EXIST')).toBe(true);
      expect((error as { responseCode: number }).responseCode).toBe(ResponseCode.TOPIC_NOT_EXIST);
    } finally {
      await instance.release();
    }
  });
});

describe('@skyrocket/client core with a NameServer that calls the client back', () => {
  let server: RemotingServer;
  const replies: RemotingCommand[] = [];

  beforeAll(async () => {
    server = new RemotingServer({ name: 'fake-nameserver', host: '127.0.0.1' });
    // Answers every route request with TOPIC_NOT_EXIST, after asking the client two questions of its own.
    server.registerProcessor(RequestCode.GET_ROUTEINFO_BY_TOPIC, async (request, connection) => {
      replies.push(await connection.invoke(createRequest(RequestCode.GET_CONSUMER_RUNNING_INFO), 3000));
      replies.push(await connection.invoke(createRequest(9999), 3000));
      return createResponse(request, ResponseCode.TOPIC_NOT_EXIST, { remark: 'no route' });
    });
    await server.listen();
  });

  afterAll(async () => {
    await server.close();
  });

  it('answers handled codes through onRequest and unknown codes with REQUEST_CODE_NOT_SUPPORTED', async () => {
    const config = parseClientConfig({
      namesrvAddr: `127.0.0.1:${server.address().port}`,
      instanceName: uniqueName('fk'),
    });
    const instance = await ClientInstance.acquire(config);
    try {
      instance.onRequest(RequestCode.GET_CONSUMER_RUNNING_INFO, () => undefined); // not mine
      instance.onRequest(RequestCode.GET_CONSUMER_RUNNING_INFO, (request) =>
        createResponse(request, ResponseCode.SUCCESS, { body: Buffer.from('{"ok":true}') }),
      );
      await expect(instance.getTopicRoute('Anything')).rejects.toMatchObject({
        errorName: 'TOPIC_NOT_EXIST',
      });
      expect(replies.map((r) => r.code)).toEqual([
        ResponseCode.SUCCESS,
        ResponseCode.REQUEST_CODE_NOT_SUPPORTED,
      ]);
      expect(replies[0]?.body?.toString()).toBe('{"ok":true}');
    } finally {
      await instance.release();
    }
    await expect(instance.getTopicRoute('Anything')).rejects.toMatchObject({ errorName: 'SHUT_DOWN' });
  });
});

describe('@skyrocket/client Producer with a broker that stops answering', () => {
  let nameServer: NameServer;
  let broker: Broker;
  let brokerAddr: string;
  let storeDir: string;
  let fakeNameServer: RemotingServer;
  let silentBroker: RemotingServer;
  let unanswered = 0;

  beforeAll(async () => {
    let realNamesrvAddr: string;
    ({ nameServer, address: realNamesrvAddr } = await startNameServer());
    ({ broker, address: brokerAddr, storeDir } = await startBroker(realNamesrvAddr));
    silentBroker = new RemotingServer({ name: 'silent-broker', host: '127.0.0.1' });
    // Takes sends and never answers them (a hung broker whose socket stays open).
    silentBroker.registerProcessor(RequestCode.SEND_MESSAGE_V2, () => {
      unanswered++;
      return undefined;
    });
    silentBroker.registerProcessor(RequestCode.HEART_BEAT, (request) =>
      createResponse(request, ResponseCode.SUCCESS),
    );
    silentBroker.registerProcessor(RequestCode.UNREGISTER_CLIENT, (request) =>
      createResponse(request, ResponseCode.SUCCESS),
    );
    const silentAddr = `127.0.0.1:${(await silentBroker.listen()).port}`;
    // A NameServer that routes every topic to the real broker (broker-a) and the silent one (broker-z).
    fakeNameServer = new RemotingServer({ name: 'fake-nameserver', host: '127.0.0.1' });
    fakeNameServer.registerProcessor(RequestCode.GET_ROUTEINFO_BY_TOPIC, (request) =>
      createResponse(request, ResponseCode.SUCCESS, {
        body: Buffer.from(
          JSON.stringify({
            brokerDatas: [
              { cluster: 'C', brokerName: 'broker-a', brokerAddrs: { '0': brokerAddr } },
              { cluster: 'C', brokerName: 'broker-z', brokerAddrs: { '0': silentAddr } },
            ],
            queueDatas: [
              { brokerName: 'broker-a', readQueueNums: 2, writeQueueNums: 2, perm: 6, topicSysFlag: 0 },
              { brokerName: 'broker-z', readQueueNums: 2, writeQueueNums: 2, perm: 6, topicSysFlag: 0 },
            ],
          }),
        ),
      }),
    );
    await fakeNameServer.listen();
  });

  afterAll(async () => {
    await fakeNameServer.close();
    await silentBroker.close();
    await broker.stop();
    await nameServer.stop();
    fs.rmSync(storeDir, { recursive: true, force: true });
  });

  it('times an attempt out after sendMsgMaxTimeoutPerRequestMillis and retries on another broker', async () => {
    const producer = new Producer({
      group: uniqueName('PG'),
      namesrvAddr: `127.0.0.1:${fakeNameServer.address().port}`,
      instanceName: uniqueName('hung'),
      sendMsgTimeoutMillis: 5000,
      sendMsgMaxTimeoutPerRequestMillis: 400,
    });
    const retries: Array<{ brokerName: string; errorName: string }> = [];
    producer.events.on('sendRetry', (e) =>
      retries.push({ brokerName: e.brokerName, errorName: e.error.errorName }),
    );
    await producer.start();
    try {
      const topic = uniqueName('T');
      const results = [];
      // Bounded: until one send has met the silent broker (round-robin reaches it within a few sends).
      for (let i = 0; i < 40 && retries.length === 0; i++)
        results.push(await producer.send({ topic, body: `m${i}` }));
      expect(retries[0]).toEqual({ brokerName: 'broker-z', errorName: 'REQUEST_TIMEOUT' });
      expect(unanswered).toBeGreaterThan(0);
      expect(results.every((r) => r.status === 'SEND_OK' && r.messageQueue.brokerName === 'broker-a')).toBe(
        true,
      );
      // broker-z is now avoided: the next sends go straight to broker-a without retries.
      const retriesBefore = retries.length;
      for (let i = 0; i < 10; i++) await producer.send({ topic, body: `n${i}` });
      expect(retries.length).toBe(retriesBefore);
    } finally {
      await producer.shutdown();
    }
  });
});

describe('@skyrocket/client Producer and the broker answers that still mean "stored"', () => {
  let fakeNameServer: RemotingServer;
  let fakeBroker: RemotingServer;
  /** Response codes the fake broker gives, in order. */
  const answers: number[] = [];
  let sends = 0;

  beforeAll(async () => {
    fakeBroker = new RemotingServer({ name: 'fake-broker', host: '127.0.0.1' });
    fakeBroker.registerProcessor(RequestCode.SEND_MESSAGE_V2, (request) => {
      sends++;
      return createResponse(request, answers.shift() ?? ResponseCode.SUCCESS, {
        extFields: {
          msgId: '7F00000100002A9F0000000000000000',
          queueId: request.extFields.e ?? '0',
          queueOffset: String(sends),
          MSG_REGION: 'DefaultRegion',
          TRACE_ON: 'true',
        },
        remark: 'as told',
      });
    });
    fakeBroker.registerProcessor(RequestCode.HEART_BEAT, (request) =>
      createResponse(request, ResponseCode.SUCCESS),
    );
    fakeBroker.registerProcessor(RequestCode.UNREGISTER_CLIENT, (request) =>
      createResponse(request, ResponseCode.SUCCESS),
    );
    const brokerAddr = `127.0.0.1:${(await fakeBroker.listen()).port}`;
    fakeNameServer = new RemotingServer({ name: 'fake-nameserver', host: '127.0.0.1' });
    fakeNameServer.registerProcessor(RequestCode.GET_ROUTEINFO_BY_TOPIC, (request) =>
      createResponse(request, ResponseCode.SUCCESS, {
        body: Buffer.from(
          JSON.stringify({
            brokerDatas: [{ cluster: 'C', brokerName: 'broker-f', brokerAddrs: { '0': brokerAddr } }],
            queueDatas: [
              { brokerName: 'broker-f', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 },
            ],
          }),
        ),
      }),
    );
    await fakeNameServer.listen();
  });

  afterAll(async () => {
    await fakeNameServer.close();
    await fakeBroker.close();
  });

  it('maps FLUSH_DISK_TIMEOUT, FLUSH_SLAVE_TIMEOUT and SLAVE_NOT_AVAILABLE to send statuses without retrying', async () => {
    const producer = new Producer({
      group: uniqueName('PG'),
      namesrvAddr: `127.0.0.1:${fakeNameServer.address().port}`,
      instanceName: uniqueName('st'),
    });
    await producer.start();
    try {
      const statuses = [];
      for (const code of [
        ResponseCode.FLUSH_DISK_TIMEOUT,
        ResponseCode.FLUSH_SLAVE_TIMEOUT,
        ResponseCode.SLAVE_NOT_AVAILABLE,
        ResponseCode.SUCCESS,
      ]) {
        answers.push(code);
        statuses.push((await producer.send({ topic: 'AnyTopic', body: 'x' })).status);
      }
      expect(statuses).toEqual([
        'FLUSH_DISK_TIMEOUT',
        'FLUSH_SLAVE_TIMEOUT',
        'SLAVE_NOT_AVAILABLE',
        'SEND_OK',
      ]);
      expect(sends).toBe(4);

      // A non-retriable broker error is thrown at once with the broker's code and remark.
      answers.push(ResponseCode.MESSAGE_ILLEGAL);
      const error: unknown = await producer.send({ topic: 'AnyTopic', body: 'x' }).catch((e: unknown) => e);
      expect(error).toMatchObject({
        errorName: 'BROKER_ERROR',
        responseCode: 13,
        remark: 'as told',
        retriable: false,
      });
      expect(sends).toBe(5);

      // SYSTEM_BUSY is retried (same broker here: it is the only one) and then succeeds.
      answers.push(ResponseCode.SYSTEM_BUSY);
      expect((await producer.send({ topic: 'AnyTopic', body: 'x' })).status).toBe('SEND_OK');
      expect(sends).toBe(7);
    } finally {
      await producer.shutdown();
    }
  });
});
