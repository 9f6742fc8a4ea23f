/**
 * A broker process killed with SIGKILL while Apache RocketMQ's Java producer sends to it loses no acknowledged
 * message, in either flush mode: the store's promise (ASYNC_FLUSH acknowledges once the bytes are handed to the OS,
 * SYNC_FLUSH once they are fdatasync'd; both survive a process crash) checked through the real path, the built
 * `skyrocket broker` process, its recovery and the Java client on both sides.
 *
 * Each round sends numbered messages ("msg-0", "msg-1", ...) one at a time with DefaultMQProducer to a topic of its
 * own, kills the broker once it has stored a number of them that changes from round to round, restarts it on the same
 * store and ports, and reads the topic with DefaultMQPushConsumer. What the broker holds after recovery must be
 * exactly msg-0 .. msg-(n-1): every acknowledged message, at most the one send in flight at the kill besides, and
 * nothing torn, duplicated or out of place. The rounds share one store, so each restart recovers the earlier rounds'
 * crashes too, and the first round's topic is read again at the end.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NameServer } from '@skyrocket/nameserver';
import { Admin } from '@skyrocket/client';
import { createRequest, encodeHeader, RemotingClient, RequestCode, ResponseCode } from '@skyrocket/remoting';
import { startNameServer } from '../harness/nameserver';
import { uniqueName } from '../harness/names';
import type { ServerProcess } from '../harness/server-process';
import { waitFor } from '../harness/wait-for';
import { numbered, startBrokerCli, storedCount } from './harness/broker-cli';
import {
  ensureCompatBuild,
  freeBrokerPorts,
  killAllJavaProcesses,
  produce,
  pushConsume,
} from './harness/java';

jest.setTimeout(300_000);

const BROKER_NAME = 'broker-crash';
/** Stored messages before the kill in each round (different moments of the store's life, not one lucky spot). */
const KILL_AFTER = [300, 1100, 650];
const FLUSH = ['ASYNC_FLUSH', 'SYNC_FLUSH', 'ASYNC_FLUSH'] as const;

describe('a broker killed with SIGKILL under the Java producer', () => {
  let workDir: string;
  let nameServer: NameServer;
  let namesrvAddr: string;
  let ports: { listenPort: number; haPort: number };
  let admin: Admin;
  let broker: ServerProcess | undefined;

  beforeAll(async () => {
    await ensureCompatBuild();
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-broker-crash-'));
    const started = await startNameServer();
    nameServer = started.nameServer;
    namesrvAddr = started.address;
    ports = await freeBrokerPorts();
    admin = new Admin({ namesrvAddr, clientIP: '127.0.0.1' });
    await admin.start();
  });

  afterAll(async () => {
    await broker?.stop('SIGKILL');
    await admin?.shutdown();
    await killAllJavaProcesses();
    await nameServer?.stop();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  async function startBrokerProcess(flushDiskType: string): Promise<ServerProcess> {
    broker = await startBrokerCli(admin, BROKER_NAME, 0, [
      ...['--listen-port', String(ports.listenPort), '--ha-listen-port', String(ports.haPort)],
      ...['--namesrv-addr', namesrvAddr, '--store-path-root-dir', path.join(workDir, 'store')],
      ...['--flush-disk-type', flushDiskType],
    ]);
    return broker;
  }

  /** Reads the whole topic with a new Java push consumer and checks it holds exactly msg-0 .. msg-(stored-1). */
  async function expectIntact(topic: string, stored: number): Promise<void> {
    const consumed = await pushConsume(namesrvAddr, topic, uniqueName('CrashGroup'), stored, 90);
    expect(consumed.done).toBe(true);
    expect(consumed.bodies).toEqual(numbered(stored));
  }

  it('loses no acknowledged message and stores nothing torn, round after round', async () => {
    try {
      const topics: string[] = [];
      for (let round = 0; round < KILL_AFTER.length; round++) {
        const flush = FLUSH[round] as string;
        const killAfter = KILL_AFTER[round] as number;
        let running = await startBrokerProcess(flush);
        const topic = uniqueName(`Crash${round}`);
        topics.push(topic);
        await admin.createTopic({ topic, readQueueNums: 4, writeQueueNums: 4 });

        // The producer sends until the broker dies under it (its first failed send ends the program).
        const producing = produce(namesrvAddr, topic, 1_000_000, { timeoutMs: 120_000 });
        await waitFor(
          `${killAfter} messages to be stored`,
          async () => (await storedCount(admin, topic)) >= killAfter,
          {
            timeoutMs: 90_000,
            intervalMs: 10,
          },
        );
        running.child.kill('SIGKILL');
        const produced = await producing;
        expect(produced.run.code).not.toBe(0); // it was cut off, not finished
        const acked = produced.sends.filter((s) => s.status === 'SEND_OK').map((s) => s.body);
        expect(acked).toEqual(Array.from({ length: acked.length }, (_, i) => `msg-${i}`));
        expect(acked.length).toBeGreaterThanOrEqual(killAfter - 1);

        running = await startBrokerProcess(flush);
        const stored = await storedCount(admin, topic);
        // Every acknowledged message, and at most the one in flight when the broker died.
        expect(stored === acked.length || stored === acked.length + 1).toBe(true);
        await expectIntact(topic, stored);
        expect(await running.stop('SIGTERM')).toBe(0);
      }
      // The first round's messages went through every later crash and recovery.
      await startBrokerProcess('ASYNC_FLUSH');
      const first = topics[0] as string;
      await expectIntact(first, await storedCount(admin, first));
    } catch (error) {
      throw new Error(`${String(error)}\n\nbroker stderr:\n${broker?.stderr().slice(-10_000) ?? ''}`);
    }
  });
});

/**
 * A SYNC_MASTER acknowledges a send once its slave holds the message (DESIGN.md §6), so killing the master must
 * leave every acknowledged message on the slave, where the Java consumer then reads it (the NameServer drops the
 * master when its connection closes, and the client pulls from the slave). On loopback an ASYNC_MASTER's slave keeps
 * up as well, so what this test adds is the crash: the slave's copy and its serving survive the master dying
 * mid-stream. That a SYNC_MASTER answers only after its slave acknowledged is checked per message in
 * test/integration/broker-ha.test.ts.
 */
describe('a SYNC_MASTER killed with SIGKILL under the Java producer', () => {
  const BROKER = 'broker-sync-crash';
  let workDir: string;
  let nameServer: NameServer;
  let namesrvAddr: string;
  let admin: Admin;
  const brokers: ServerProcess[] = [];
  const client = new RemotingClient();

  beforeAll(async () => {
    await ensureCompatBuild();
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-sync-crash-'));
    const started = await startNameServer();
    nameServer = started.nameServer;
    namesrvAddr = started.address;
    admin = new Admin({ namesrvAddr, clientIP: '127.0.0.1' });
    await admin.start();
  });

  afterAll(async () => {
    await Promise.all(brokers.map((b) => b.stop('SIGKILL')));
    await client.close();
    await admin?.shutdown();
    await killAllJavaProcesses();
    await nameServer?.stop();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  /** The messages `address` holds in the topic's queues (GET_MAX_OFFSET on each). */
  async function heldBy(address: string, topic: string, queues: number): Promise<number> {
    let total = 0;
    for (let queueId = 0; queueId < queues; queueId++) {
      const response = await client.invoke(
        address,
        createRequest(RequestCode.GET_MAX_OFFSET, { extFields: encodeHeader({ topic, queueId }) }),
        5000,
      );
      expect(response.code).toBe(ResponseCode.SUCCESS);
      total += Number(response.extFields.offset);
    }
    return total;
  }

  it('leaves every acknowledged message on the slave, where the Java consumer reads it', async () => {
    const masterPorts = await freeBrokerPorts();
    const slavePorts = await freeBrokerPorts();
    const start = (id: number, ports: { listenPort: number; haPort: number }, role: string) =>
      startBrokerCli(admin, BROKER, id, [
        ...['--listen-port', String(ports.listenPort), '--ha-listen-port', String(ports.haPort)],
        ...['--namesrv-addr', namesrvAddr, '--broker-role', role],
        ...['--store-path-root-dir', path.join(workDir, `broker-${id}`)],
      ]);
    const master = await start(0, masterPorts, 'SYNC_MASTER');
    brokers.push(master);
    try {
      const topic = uniqueName('SyncCrash');
      await admin.createTopic({ topic, readQueueNums: 4, writeQueueNums: 4 });
      // The slave copies the topic table from its master when it starts.
      const slave = await start(1, slavePorts, 'SLAVE');
      brokers.push(slave);
      const slaveAddr = `127.0.0.1:${slavePorts.listenPort}`;
      await waitFor('the slave to hold the topic', async () => {
        try {
          return (await heldBy(slaveAddr, topic, 4)) === 0;
        } catch {
          return false;
        }
      });

      const producing = produce(namesrvAddr, topic, 1_000_000, { timeoutMs: 120_000 });
      await waitFor('800 messages on the slave', async () => (await heldBy(slaveAddr, topic, 4)) >= 800, {
        timeoutMs: 90_000,
        intervalMs: 10,
      });
      master.child.kill('SIGKILL');
      const produced = await producing;
      expect(produced.run.code).not.toBe(0);
      const acked = produced.sends.filter((s) => s.status === 'SEND_OK');
      expect(acked.length).toBeGreaterThanOrEqual(700);

      // The slave holds a prefix of what the master stored: msg-0 .. msg-(held-1), with every acknowledged message
      // in it and nothing beyond the send in flight when the master died.
      const held = await heldBy(slaveAddr, topic, 4);
      const lastAcked = Math.max(...acked.map((s) => s.index));
      expect(held).toBeGreaterThan(lastAcked);
      expect(held).toBeLessThanOrEqual(produced.sends.length + 1);
      await waitFor('the NameServer to drop the dead master', async () => {
        const route = await admin.topicRoute(topic);
        return route.route.brokerDatas.every((b) => b.brokerAddrs.get(0) === undefined);
      });
      const consumed = await pushConsume(namesrvAddr, topic, uniqueName('SyncCrashGroup'), held, 90);
      expect(consumed.done).toBe(true);
      expect(consumed.bodies).toEqual(numbered(held));
      expect(new Set(consumed.messages.map((m) => m.brokerName))).toEqual(new Set([BROKER]));
    } catch (error) {
      const logs = brokers.map((b, i) => `broker ${i} stderr:\n${b.stderr().slice(-5_000)}`).join('\n');
      throw new Error(`${String(error)}\n\n${logs}`);
    }
  });
});
