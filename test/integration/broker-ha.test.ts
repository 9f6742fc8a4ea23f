/**
 * Master/slave replication between two Skyrocket brokers over loopback (DESIGN.md §6, PROTOCOL.md §2.9 and §4.5):
 * the slave finds its master through the NameServer, copies the commit log over the HA port, copies the metadata
 * (SlaveSynchronize), serves pulls and refuses sends; a SYNC_MASTER answers a send once the slave has the bytes,
 * and SLAVE_NOT_AVAILABLE when no slave is there.
 */
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
} from '@skyrocket/remoting';
import { startBroker } from '../harness/broker';
import { startNameServer } from '../harness/nameserver';
import { uniqueName } from '../harness/names';
import { waitFor } from '../harness/wait-for';

describe('Skyrocket master and slave', () => {
  let nameServer: NameServer;
  let namesrvAddr: string;
  let master: { broker: Broker; address: string; storeDir: string; httpUrl: string };
  let slave: { broker: Broker; address: string; storeDir: string; httpUrl: string } | undefined;
  let client: RemotingClient;
  const brokerName = uniqueName('ha-group');
  const topic = uniqueName('HaTopic');

  const send = (brokerAddr: string, body: string, queueId = 0) =>
    client.invoke(
      brokerAddr,
      createRequest(RequestCode.SEND_MESSAGE_V2, {
        extFields: encodeHeader({
          a: 'HaProducer',
          b: topic,
          c: 'TBW102',
          d: 2,
          e: queueId,
          f: 0,
          g: Date.now(),
          h: 0,
          i: `TAGS\u0001TagA\u0002KEYS\u0001${body}\u0002`,
        }),
        body: Buffer.from(body),
      }),
      10_000,
    );
  const pull = (brokerAddr: string, queueId: number) =>
    client.invoke(
      brokerAddr,
      createRequest(RequestCode.PULL_MESSAGE, {
        extFields: encodeHeader({
          consumerGroup: 'HaReaders',
          topic,
          queueId,
          queueOffset: 0,
          maxMsgNums: 100,
          sysFlag: 4, // SUBSCRIPTION only: no suspend, no offset commit
          commitOffset: 0,
          suspendTimeoutMillis: 0,
          subscription: '*',
          subVersion: 0,
          expressionType: 'TAG',
        }),
      }),
      10_000,
    );
  const startSlave = () =>
    startBroker(namesrvAddr, {
      brokerName,
      brokerId: 1,
      brokerRole: 'SLAVE',
      haListenPort: 0,
      registerNameServerPeriodMillis: 1000,
      haSendHeartbeatInterval: 500,
    });

  beforeAll(async () => {
    ({ nameServer, address: namesrvAddr } = await startNameServer());
    client = new RemotingClient();
    master = await startBroker(namesrvAddr, {
      brokerName,
      brokerRole: 'SYNC_MASTER',
      haListenPort: 0,
      registerNameServerPeriodMillis: 1000,
      haSendHeartbeatInterval: 500,
      slaveTimeout: 3000,
    });
    // The topic exists before the slave starts: the slave's first metadata sync brings it.
    const created = await client.invoke(
      master.address,
      createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, {
        extFields: encodeHeader({
          topic,
          defaultTopic: 'TBW102',
          readQueueNums: 2,
          writeQueueNums: 2,
          perm: 6,
          topicFilterType: 'SINGLE_TAG',
          topicSysFlag: 0,
          order: false,
        }),
      }),
      5000,
    );
    expect(created.code).toBe(ResponseCode.SUCCESS);
  });

  afterAll(async () => {
    await client?.close();
    for (const b of [slave, master]) {
      await b?.broker.stop().catch(() => undefined);
      if (b) fs.rmSync(b.storeDir, { recursive: true, force: true });
    }
    await nameServer?.stop();
  });

  it('answers SLAVE_NOT_AVAILABLE from a SYNC_MASTER that has no slave, with the message stored', async () => {
    const response = await send(master.address, 'before the slave');
    expect(response.code).toBe(ResponseCode.SLAVE_NOT_AVAILABLE);
    expect(response.extFields.msgId).toMatch(/^[0-9A-F]{32}$/);
    expect(master.broker.context.store.getMaxOffsetInQueue(topic, Number(response.extFields.queueId))).toBe(
      1,
    );
  });

  it('lets a slave find its master through the NameServer and copy the commit log', async () => {
    slave = await startSlave();
    const route = await waitFor('both brokers in the route', () => {
      const addrs = nameServer.routes
        .getTopicRoute(topic)
        ?.brokerDatas.find((b) => b.brokerName === brokerName)?.brokerAddrs;
      return addrs && Object.keys(addrs).length === 2 ? addrs : undefined;
    });
    expect(route).toEqual({ 0: master.address, 1: slave.address });
    const slaveStore = slave.broker.context.store;
    const masterStore = master.broker.context.store;
    await waitFor(
      'the slave to catch up',
      () => slaveStore.getMaxPhyOffset() === masterStore.getMaxPhyOffset(),
    );
    expect(slaveStore.getMaxPhyOffset()).toBeGreaterThan(0);
  });

  it('answers a SYNC_MASTER send once the slave holds it, and the slave serves the same records', async () => {
    await waitFor('the master to count its slave', () => master.broker.ha.server?.slaveCount === 1);
    for (let i = 0; i < 20; i++) {
      const response = await send(master.address, `message ${i}`, i % 2);
      expect([response.code, response.remark]).toEqual([ResponseCode.SUCCESS, undefined]);
      // SYNC_MASTER: the slave acknowledged this message before the answer.
      expect(master.broker.ha.server?.slaveAckOffset).toBeGreaterThanOrEqual(
        master.broker.context.store.getMaxPhyOffset(),
      );
    }
    const slaveAddr = slave?.address ?? '';
    await waitFor('the topic on the slave (metadata sync)', () => slave?.broker.context.topics.get(topic));
    for (const queueId of [0, 1]) {
      const fromMaster = await pull(master.address, queueId);
      const fromSlave = await pull(slaveAddr, queueId);
      expect(fromSlave.code).toBe(ResponseCode.SUCCESS);
      expect(fromSlave.body).toEqual(fromMaster.body);
    }
    // The admin API shows it (what the operator checks before replacing a master).
    const masterView = (await (await fetch(`${master.httpUrl}/api/broker`)).json()) as { ha: unknown };
    expect(masterView.ha).toEqual({
      role: 'master',
      maxOffset: master.broker.context.store.getMaxPhyOffset(),
      slaves: [
        {
          address: expect.any(String),
          ackOffset: master.broker.context.store.getMaxPhyOffset(),
          lagBytes: 0,
        },
      ],
    });
    const slaveView = (await (await fetch(`${slave?.httpUrl ?? ''}/api/broker`)).json()) as { ha: unknown };
    expect(slaveView.ha).toEqual({ role: 'slave', masterAddress: expect.any(String), connected: true });
  });

  it('refuses sends on the slave', async () => {
    const response = await send(slave?.address ?? '', 'to the slave');
    expect(response.code).not.toBe(ResponseCode.SUCCESS);
    expect(response.remark).toContain('slave');
  });

  it('has every message on the slave; once the slave leaves, the SYNC_MASTER answers SLAVE_NOT_AVAILABLE again', async () => {
    const slaveAddr = slave?.address ?? '';
    const all = await Promise.all([0, 1].map((queueId) => pull(slaveAddr, queueId)));
    const bodies = all
      .flatMap((r) => decodeRecords(r.body ?? Buffer.alloc(0)))
      .map((r) => r.body.toString())
      .sort();
    expect(bodies).toEqual(
      ['before the slave', ...Array.from({ length: 20 }, (_, i) => `message ${i}`)].sort(),
    );

    await slave?.broker.stop();
    await waitFor('the master to lose its slave', () => master.broker.ha.server?.slaveCount === 0);
    expect((await send(master.address, 'alone again')).code).toBe(ResponseCode.SLAVE_NOT_AVAILABLE);
  });
});
