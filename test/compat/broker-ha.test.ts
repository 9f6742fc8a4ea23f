/**
 * Master/slave replication with Apache RocketMQ 5.3.3 brokers on the other end of the HA stream (PROTOCOL.md §4.5)
 * and of the metadata sync (§2.9), both ways, with Skyrocket's NameServer in the middle:
 *
 * - an Apache slave replicates a Skyrocket master, and the Java push consumer reads every message from that slave
 *   once the Skyrocket master is gone;
 * - a Skyrocket slave replicates an Apache master, and the Java push consumer reads every message from the
 *   Skyrocket slave once the Apache master is killed.
 *
 * Both slaves must start after the topic exists: a slave copies the topic table at its first metadata sync.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Broker } from '@skyrocket/broker';
import type { NameServer } from '@skyrocket/nameserver';
import { createRequest, RemotingClient, RequestCode, ResponseCode } from '@skyrocket/remoting';
import { startBroker } from '../harness/broker';
import { startNameServer } from '../harness/nameserver';
import { uniqueName } from '../harness/names';
import { waitFor } from '../harness/wait-for';
import {
  ensureCompatBuild,
  freeBrokerPorts,
  killAllJavaProcesses,
  produce,
  pushConsume,
  startApacheBroker,
  withDiagnostics,
  type JavaServerHandle,
} from './harness/java';

const CLUSTER = 'HaCompatCluster';
/** The Apache harness uses 64 MiB commit-log segments; master and slave must agree. */
const SEGMENT = 64 * 1024 * 1024;
const COUNT = 40;

describe('HA with Apache RocketMQ brokers', () => {
  let workDir: string;
  const nameServers: NameServer[] = [];
  let client: RemotingClient;
  const javaHandles: JavaServerHandle[] = [];
  const skyrocket: Array<{ broker: Broker; storeDir: string }> = [];
  const step = <T>(fn: () => Promise<T>): Promise<T> => withDiagnostics(javaHandles, fn);

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-compat-ha-'));
    await ensureCompatBuild();
    client = new RemotingClient();
  }, 900_000);

  afterAll(async () => {
    await client?.close();
    await Promise.allSettled(javaHandles.map((h) => h.kill()));
    await killAllJavaProcesses();
    for (const s of skyrocket) {
      await s.broker.stop().catch(() => undefined);
      fs.rmSync(s.storeDir, { recursive: true, force: true });
    }
    for (const ns of nameServers) await ns.stop();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  }, 120_000);

  /** Each test has its own NameServer: a broker left from another test must not show in its routes. */
  async function freshNameServer(): Promise<{ nameServer: NameServer; namesrvAddr: string }> {
    const started = await startNameServer();
    nameServers.push(started.nameServer);
    return { nameServer: started.nameServer, namesrvAddr: started.address };
  }

  /** Waits until the topic's route lists the group's slave (brokerId 1) and nothing else: its master is gone. */
  async function slaveAloneInRoute(nameServer: NameServer, topic: string, brokerName: string): Promise<void> {
    await waitFor('the route to show the slave alone', () => {
      const addrs = nameServer.routes
        .getTopicRoute(topic)
        ?.brokerDatas.find((b) => b.brokerName === brokerName)?.brokerAddrs;
      return addrs && Object.keys(addrs).join() === '1';
    });
  }

  /** Topics a broker holds, asked over remoting (GET_ALL_TOPIC_CONFIG), as a slave's metadata sync asks. */
  async function topicsOf(brokerAddr: string): Promise<string[]> {
    const response = await client.invoke(brokerAddr, createRequest(RequestCode.GET_ALL_TOPIC_CONFIG), 5000);
    if (response.code !== ResponseCode.SUCCESS || !response.body) return [];
    const wrapper = JSON.parse(response.body.toString('utf8')) as {
      topicConfigTable?: Record<string, unknown>;
    };
    return Object.keys(wrapper.topicConfigTable ?? {});
  }

  test('an Apache slave replicates a Skyrocket master and serves the Java consumer after the master left', async () => {
    const brokerName = uniqueName('sky-master');
    const topic = uniqueName('HaSkyTopic');
    const { nameServer, namesrvAddr } = await freshNameServer();
    // A fixed port whose port - 2 is free: the Apache slave syncs metadata over the master's VIP channel.
    const ports = await freeBrokerPorts();
    const master = await startBroker(namesrvAddr, {
      brokerClusterName: CLUSTER,
      brokerName,
      brokerRole: 'ASYNC_MASTER',
      listenPort: ports.listenPort,
      haListenPort: ports.haPort,
      mappedFileSizeCommitLog: SEGMENT,
      registerNameServerPeriodMillis: 1000,
    });
    skyrocket.push(master);
    await step(async () => {
      const sent = await produce(namesrvAddr, topic, COUNT);
      if (sent.run.code !== 0) throw new Error(`Produce failed:\n${sent.run.stdout}\n${sent.run.stderr}`);
      expect(sent.summary).toMatchObject({ count: COUNT, ok: COUNT, notOk: 0 });

      const { listenPort, haPort } = await freeBrokerPorts();
      const slave = await startApacheBroker({
        namesrvAddr,
        brokerName,
        clusterName: CLUSTER,
        brokerId: 1,
        listenPort,
        haPort,
        workDir: path.join(workDir, 'apache-slave'),
        // A RocketMQ 5 slave rejects every pull unless slaveReadEnable is set (PullMessageProcessor.rejectRequest).
        extraConfig: { slaveReadEnable: 'true' },
      });
      javaHandles.push(slave);
      const masterStore = master.broker.context.store;
      const ha = master.broker.ha.server;
      await waitFor(
        'the Apache slave to acknowledge the whole commit log',
        () => (ha && ha.slaveCount === 1 ? ha.slaveAckOffset === masterStore.getMaxPhyOffset() : false),
        { timeoutMs: 60_000 },
      );
      await waitFor(
        'the Apache slave to copy the topic table',
        async () => (await topicsOf(slave.addr)).includes(topic),
        {
          timeoutMs: 60_000,
          intervalMs: 500,
        },
      );

      await master.broker.stop();
      await slaveAloneInRoute(nameServer, topic, brokerName);
      const got = await pushConsume(namesrvAddr, topic, uniqueName('HaSkyReaders'), COUNT, 90);
      if (got.run.code !== 0) throw new Error(`PushConsume failed:\n${got.run.stdout}\n${got.run.stderr}`);
      expect(got.bodies).toEqual(Array.from({ length: COUNT }, (_, i) => `msg-${i}`).sort());
      expect(new Set(got.messages.map((m) => m.brokerName))).toEqual(new Set([brokerName]));
      await slave.kill();
    });
  }, 400_000);

  test('a Skyrocket slave replicates an Apache master and serves the Java consumer after the master died', async () => {
    const brokerName = uniqueName('apache-master');
    const topic = uniqueName('HaApacheTopic');
    const { nameServer, namesrvAddr } = await freshNameServer();
    await step(async () => {
      const { listenPort, haPort } = await freeBrokerPorts();
      const master = await startApacheBroker({
        namesrvAddr,
        brokerName,
        clusterName: CLUSTER,
        listenPort,
        haPort,
        workDir: path.join(workDir, 'apache-master'),
      });
      javaHandles.push(master);
      // "boot success" comes before the first registration: the producer's new topic is created through the
      // master's TBW102 route, so wait for it (a CI run sent first and got "No route info").
      await waitFor(
        'the Apache master to register TBW102',
        () => nameServer.routes.getTopicRoute('TBW102')?.brokerDatas.some((b) => b.brokerName === brokerName),
        { timeoutMs: 60_000 },
      );
      const sent = await produce(namesrvAddr, topic, COUNT);
      if (sent.run.code !== 0) throw new Error(`Produce failed:\n${sent.run.stdout}\n${sent.run.stderr}`);
      expect(sent.summary).toMatchObject({ count: COUNT, ok: COUNT, notOk: 0 });

      const slave = await startBroker(namesrvAddr, {
        brokerClusterName: CLUSTER,
        brokerName,
        brokerId: 1,
        brokerRole: 'SLAVE',
        haListenPort: 0,
        mappedFileSizeCommitLog: SEGMENT,
        registerNameServerPeriodMillis: 1000,
        haSendHeartbeatInterval: 1000,
      });
      skyrocket.push(slave);
      const store = slave.broker.context.store;
      await waitFor(
        'the Skyrocket slave to copy the topic table',
        () => slave.broker.context.topics.get(topic),
        {
          timeoutMs: 60_000,
        },
      );
      const queues = slave.broker.context.topics.get(topic)?.readQueueNums ?? 0;
      await waitFor(
        `the Skyrocket slave to hold all ${COUNT} messages`,
        () => {
          let stored = 0;
          for (let q = 0; q < queues; q++) stored += store.getMaxOffsetInQueue(topic, q);
          return stored === COUNT;
        },
        { timeoutMs: 60_000 },
      );
      expect(slave.broker.ha.client?.connected).toBe(true);

      await master.kill();
      await slaveAloneInRoute(nameServer, topic, brokerName);
      const got = await pushConsume(namesrvAddr, topic, uniqueName('HaApacheReaders'), COUNT, 90);
      if (got.run.code !== 0) throw new Error(`PushConsume failed:\n${got.run.stdout}\n${got.run.stderr}`);
      expect(got.bodies).toEqual(Array.from({ length: COUNT }, (_, i) => `msg-${i}`).sort());
    });
  }, 400_000);
});
