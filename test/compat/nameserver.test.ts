/**
 * Skyrocket's NameServer with real Apache RocketMQ 5.3.3 peers it did not write:
 * - an Apache broker registers with it, stays registered across its 10 s re-registrations, and is dropped when it
 *   dies (connection close) or goes silent (heartbeat timeout, with a short brokerNotActiveTimeoutMillis);
 * - the Apache Java producer and push consumer send and receive through that broker using only Skyrocket's
 *   NameServer for routes;
 * - DefaultMQAdminExt gets the same cluster info and topic routes from Skyrocket's NameServer as from Apache's for
 *   the same broker (the broker registers with both).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NameServer } from '@skyrocket/nameserver';
import { startNameServer } from '../harness/nameserver';
import { waitFor } from '../harness/wait-for';
import {
  adminDump,
  ensureCompatBuild,
  freeBrokerPorts,
  freePort,
  killAllJavaProcesses,
  produce,
  pushConsume,
  startApacheBroker,
  startApacheNameServer,
  waitForBroker,
  withDiagnostics,
  type JavaServerHandle,
} from './harness/java';

const CLUSTER = 'SkyCompatCluster';
const BROKER = 'broker-sky-a';
const SILENT_BROKER = 'broker-sky-silent';
const TOPIC = 'SkyCompatTopic';

describe('Skyrocket NameServer with Apache RocketMQ brokers, Java client and admin', () => {
  let workDir: string;
  let skyrocket: { nameServer: NameServer; address: string } | undefined;
  let apacheNs: JavaServerHandle | undefined;
  let broker: JavaServerHandle | undefined;
  let silentBroker: JavaServerHandle | undefined;
  let failed = false;
  const handles = () =>
    [apacheNs, broker, silentBroker].filter((h): h is JavaServerHandle => h !== undefined);
  const sky = () => {
    if (!skyrocket) throw new Error('Skyrocket NameServer did not start');
    return skyrocket;
  };
  const step = <T>(fn: () => Promise<T>): Promise<T> =>
    withDiagnostics(handles(), fn).catch((error: unknown) => {
      failed = true;
      throw error;
    });
  const liveInfo = (brokerName: string) =>
    sky()
      .nameServer.routes.liveBrokers()
      .find((b) => b.brokerName === brokerName);

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-compat-ns-'));
    await ensureCompatBuild();
    skyrocket = await startNameServer({ scanNotActiveBrokerIntervalMillis: 500 });
    apacheNs = await step(async () =>
      startApacheNameServer({ port: await freePort(), workDir: path.join(workDir, 'apache-ns') }),
    );
    const { listenPort, haPort } = await freeBrokerPorts();
    broker = await step(() =>
      startApacheBroker({
        // Registered with both NameServers, so the admin can compare their answers about the same broker.
        namesrvAddr: `${sky().address};${apacheNs?.addr ?? ''}`,
        brokerName: BROKER,
        clusterName: CLUSTER,
        listenPort,
        haPort,
        workDir: path.join(workDir, 'broker-a'),
        extraConfig: { registerNameServerPeriod: '10000' },
      }),
    );
  }, 900_000);

  afterAll(async () => {
    await Promise.allSettled(handles().map((h) => h.kill()));
    await killAllJavaProcesses();
    await skyrocket?.nameServer.stop();
    if (failed) console.log(`compat NameServer test failed; logs kept in ${workDir}`);
    else if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  }, 120_000);

  test('an Apache broker registers and stays registered across its heartbeats', async () => {
    await step(async () => {
      const dump = await waitForBroker(sky().address, BROKER, { timeoutMs: 60_000 });
      expect(dump.clusterInfo.clusterAddrTable[CLUSTER]).toEqual([BROKER]);
      expect(dump.clusterInfo.brokerAddrTable[BROKER]?.brokerAddrs).toEqual({ '0': broker?.addr });
      const first = liveInfo(BROKER)?.lastUpdateTimestamp ?? 0;
      expect(first).toBeGreaterThan(0);
      // Two re-registrations (every 10 s): the broker is refreshed, never dropped in between.
      let refreshes = 0;
      let last = first;
      await waitFor(
        'two re-registrations',
        () => {
          const info = liveInfo(BROKER);
          if (!info) throw new Error('broker was dropped between heartbeats');
          if (info.lastUpdateTimestamp > last) {
            refreshes++;
            last = info.lastUpdateTimestamp;
          }
          return refreshes >= 2;
        },
        { timeoutMs: 45_000, intervalMs: 200 },
      );
    });
  }, 120_000);

  test('the Java producer and push consumer work through the Apache broker with only Skyrocket for routes', async () => {
    await step(async () => {
      const sent = await produce(sky().address, TOPIC, 20);
      if (sent.run.code !== 0) throw new Error(`Produce failed:\n${sent.run.stdout}\n${sent.run.stderr}`);
      expect(sent.summary).toMatchObject({ count: 20, ok: 20, notOk: 0 });
      expect(sent.sends.every((s) => s.status === 'SEND_OK' && s.brokerName === BROKER)).toBe(true);
      const got = await pushConsume(sky().address, TOPIC, 'SkyCompatGroup', 20, 90);
      if (got.run.code !== 0) throw new Error(`PushConsume failed:\n${got.run.stdout}\n${got.run.stderr}`);
      expect(got.bodies).toEqual(Array.from({ length: 20 }, (_, i) => `msg-${i}`).sort());
    });
  }, 240_000);

  test('DefaultMQAdminExt gets the same cluster info and routes from Skyrocket as from Apache', async () => {
    await step(async () => {
      const apacheAddr = apacheNs?.addr ?? '';
      // The producer's auto-created topic reaches each NameServer with the broker's next registration.
      await waitFor(
        'the topic on both NameServers',
        async () => {
          const [s, a] = await Promise.all([adminDump(sky().address, TOPIC), adminDump(apacheAddr, TOPIC)]);
          if (s.topicRoute === null || a.topicRoute === null) {
            throw new Error(
              `route missing: skyrocket ${JSON.stringify(s.topicRouteError)}, apache ${JSON.stringify(a.topicRouteError)}; ` +
                `apache cluster ${JSON.stringify(a.clusterInfo)}`,
            );
          }
          return true;
        },
        { timeoutMs: 60_000, intervalMs: 1000 },
      );
      for (const topic of [TOPIC, 'TBW102', 'NoSuchTopicAnywhere']) {
        const [fromSkyrocket, fromApache] = await Promise.all([
          adminDump(sky().address, topic),
          adminDump(apacheAddr, topic),
        ]);
        // The dump records which NameServer it asked; everything else must match.
        expect({ ...fromSkyrocket, namesrvAddr: undefined }).toEqual({
          ...fromApache,
          namesrvAddr: undefined,
        });
      }
    });
  }, 180_000);

  test('a silent broker is dropped after its heartbeatTimeoutMillis', async () => {
    await step(async () => {
      const { listenPort, haPort } = await freeBrokerPorts();
      silentBroker = await startApacheBroker({
        namesrvAddr: sky().address,
        brokerName: SILENT_BROKER,
        clusterName: CLUSTER,
        listenPort,
        haPort,
        workDir: path.join(workDir, 'broker-silent'),
        // The only way an Apache broker sends heartbeatTimeoutMillis (see harness/java.ts).
        extraConfig: { enableSlaveActingMaster: 'true', brokerNotActiveTimeoutMillis: '3000' },
      });
      await waitForBroker(sky().address, SILENT_BROKER, { timeoutMs: 60_000 });
      expect(liveInfo(SILENT_BROKER)?.heartbeatTimeoutMillis).toBe(3000);
      // Stays registered while it pings every second...
      const registeredAt = Date.now();
      await waitFor(
        '5 s of pings',
        () => {
          if (!liveInfo(SILENT_BROKER)) throw new Error('dropped while still heartbeating');
          return Date.now() - registeredAt > 5000;
        },
        { timeoutMs: 10_000, intervalMs: 200 },
      );
      // ...and is dropped once frozen: its sockets stay open, so only the timeout can catch it.
      silentBroker.signal('SIGSTOP');
      const frozenAt = Date.now();
      await waitFor('the silent broker to expire', () => liveInfo(SILENT_BROKER) === undefined, {
        timeoutMs: 15_000,
      });
      expect(Date.now() - frozenAt).toBeGreaterThanOrEqual(2000);
      const dump = await adminDump(sky().address);
      expect(dump.clusterInfo.brokerAddrTable[SILENT_BROKER]).toBeUndefined();
      await silentBroker.kill();
      silentBroker = undefined;
    });
  }, 180_000);

  test('a killed broker is dropped at once', async () => {
    await step(async () => {
      expect(liveInfo(BROKER)).toBeDefined();
      await broker?.kill();
      broker = undefined;
      await waitFor('the killed broker to be dropped', () => liveInfo(BROKER) === undefined, {
        timeoutMs: 10_000,
      });
      const dump = await adminDump(sky().address, TOPIC);
      expect(dump.clusterInfo.brokerAddrTable[BROKER]).toBeUndefined();
      expect(dump.topicRouteError?.code).toBe(17);
    });
  }, 120_000);
});
