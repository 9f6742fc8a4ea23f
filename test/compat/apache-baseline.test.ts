/**
 * Baseline of the compatibility harness, with Apache components only: Apache NameServer + Apache broker, the
 * Apache Java producer, push consumer and admin. If this fails, the harness (or the machine) is broken, not
 * Skyrocket.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

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

const CLUSTER = 'CompatCluster';
const BROKER = 'broker-compat-a';
const TOPIC = 'CompatBaselineTopic';

describe('compat harness baseline: Apache NameServer + Apache broker', () => {
  let workDir: string;
  let namesrv: JavaServerHandle | undefined;
  let broker: JavaServerHandle | undefined;
  let failed = false;
  const handles = (): JavaServerHandle[] =>
    [namesrv, broker].filter((h): h is JavaServerHandle => h !== undefined);
  const started = (h: JavaServerHandle | undefined, what: string): JavaServerHandle => {
    if (h === undefined) throw new Error(`${what} did not start (see beforeAll)`);
    return h;
  };
  const ns = (): JavaServerHandle => started(namesrv, 'the Apache NameServer');
  const br = (): JavaServerHandle => started(broker, 'the Apache broker');
  const step = <T>(fn: () => Promise<T>): Promise<T> =>
    withDiagnostics(handles(), fn).catch((err: unknown) => {
      failed = true;
      throw err;
    });

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-compat-baseline-'));
    // The first run downloads RocketMQ from Maven Central: allow for it here rather than in a test.
    await ensureCompatBuild();
    const nsPort = await freePort();
    namesrv = await step(() =>
      startApacheNameServer({ port: nsPort, workDir: path.join(workDir, 'namesrv') }),
    );
    const { listenPort, haPort } = await freeBrokerPorts();
    broker = await step(() =>
      startApacheBroker({
        namesrvAddr: ns().addr,
        brokerName: BROKER,
        clusterName: CLUSTER,
        listenPort,
        haPort,
        workDir: path.join(workDir, 'broker-a'),
      }),
    );
  }, 900_000);

  afterAll(async () => {
    // The data is thrown away: SIGKILL is enough (an orderly broker shutdown takes ~12 s).
    await Promise.allSettled(handles().map((h) => h.kill()));
    await killAllJavaProcesses();
    if (failed) {
      console.log(`compat baseline failed; logs kept in ${workDir}`);
    } else if (workDir) {
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  }, 120_000);

  test('the broker appears in the NameServer cluster info seen by DefaultMQAdminExt', async () => {
    await step(async () => {
      const dump = await waitForBroker(ns().addr, BROKER, { timeoutMs: 60_000 });
      expect(dump.clusterInfo.clusterAddrTable[CLUSTER]).toEqual([BROKER]);
      expect(dump.clusterInfo.brokerAddrTable[BROKER]).toEqual({
        brokerAddrs: { '0': br().addr },
        brokerName: BROKER,
        cluster: CLUSTER,
        enableActingMaster: false,
        zoneName: null,
      });
    });
  }, 180_000);

  test('an unknown topic has no route (TOPIC_NOT_EXIST)', async () => {
    await step(async () => {
      const dump = await adminDump(ns().addr, 'NoSuchTopicForCompat');
      expect(dump.topicRoute).toBeNull();
      expect(dump.topicRouteError?.code).toBe(17);
    });
  }, 180_000);

  test('Produce 20 then PushConsume 20 through the Apache NameServer', async () => {
    await step(async () => {
      const sent = await produce(ns().addr, TOPIC, 20);
      if (sent.run.code !== 0) throw new Error(`Produce failed:\n${sent.run.stdout}\n${sent.run.stderr}`);
      expect(sent.sends).toHaveLength(20);
      expect(sent.sends.every((s) => s.status === 'SEND_OK' && s.brokerName === BROKER)).toBe(true);
      expect(sent.summary).toMatchObject({ count: 20, ok: 20, notOk: 0 });

      // The auto-created topic now has a route on the NameServer.
      const dump = await adminDump(ns().addr, TOPIC);
      expect(dump.topicRouteError).toBeNull();
      expect(dump.topicRoute?.queueDatas.map((q) => q.brokerName)).toEqual([BROKER]);
      expect(dump.topicRoute?.brokerDatas[0]?.brokerAddrs['0']).toBe(br().addr);

      const got = await pushConsume(ns().addr, TOPIC, 'CompatBaselineGroup', 20, 90);
      if (got.run.code !== 0) throw new Error(`PushConsume failed:\n${got.run.stdout}\n${got.run.stderr}`);
      expect(got.done).toBe(true);
      expect(got.bodies).toEqual(Array.from({ length: 20 }, (_, i) => `msg-${i}`).sort());
    });
  }, 180_000);
});
