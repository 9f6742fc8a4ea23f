/**
 * End to end on a real control plane (DESIGN.md §7): kube-controller-manager makes the Pods of the operator's
 * StatefulSets and the test pod runner (harness/pod-runner.ts) runs each as a real NameServer or broker process
 * from the container image (built without Docker by `npm run image:build`, on the image's Node.js), with its own
 * loopback IP and cluster DNS. So: CRs → StatefulSets → Pods → brokers that find every NameServer
 * through the headless Service's DNS name and register with each → a Topic and a ConsumerGroup created on every
 * master through the real admin API → messages produced and consumed by the TypeScript client → scale-up, whose new
 * group gets the cluster's topics → scale-down, whose drained broker stops and leaves the NameServers → a third
 * NameServer that the running brokers find and register with → SYNC replication between pods and a slave-first
 * rolling update.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Producer, PushConsumer } from '@skyrocket/client';
import { silentLogger } from '@skyrocket/common';
import { runOperator, type Operator } from '../../operator/src';
import type { KubeClient } from '../../operator/src/runtime/kube-client';
import { Resources } from '../../operator/src/runtime/resources';
import type { KubeObject } from '../../operator/src/runtime/types';
import { uniqueName } from '../harness/names';
import { waitFor } from '../harness/wait-for';
import { startControlPlane, type ControlPlane } from './harness/control-plane';
import { PodRunner } from './harness/pod-runner';
import { resolveBuiltImage, type BuiltImage } from '../../scripts/image/image';
import { resolveImageNodeRuntime, type NodeRuntime } from '../../scripts/image/node-runtime';
import { produce, pushConsume } from '../compat/harness/java';
import { clientFor, condition, createNamespace, installCrds, type ConditionView } from './operator-fixtures';

jest.setTimeout(240_000);

const NS = 'e2e';
type Cr = KubeObject & { status?: { conditions?: ConditionView[] } & Record<string, unknown> };

describe('end to end: operator, real brokers and NameServers, client traffic', () => {
  let cp: ControlPlane;
  let client: KubeClient;
  let operator: Operator;
  let runner: PodRunner;
  let workDir: string;
  let node: NodeRuntime;
  let image: BuiltImage;
  const closers: Array<() => Promise<unknown>> = [];

  /** Creates a Skyrocket custom resource in the test namespace. */
  const createCr = (
    type: (typeof Resources)[keyof typeof Resources],
    name: string,
    spec: Record<string, unknown>,
  ) =>
    client.create(type, {
      apiVersion: 'skyrocket.dev/v1alpha1',
      kind: type.kind,
      metadata: { name, namespace: NS },
      spec,
    } as KubeObject);
  /** A started producer on the cluster's NameServers, shut down after the suite. */
  const startProducer = async () => {
    const producer = new Producer({
      group: uniqueName('PG'),
      namesrvAddr: namesrvAddr(),
      instanceName: uniqueName('p'),
    });
    await producer.start();
    closers.push(() => producer.shutdown());
    return producer;
  };
  /** A push consumer of `group` reading `topic` from the first offset; the bodies it has received so far. */
  const startConsumer = async (group: string, topic: string) => {
    const received = new Set<string>();
    const consumer = new PushConsumer({
      group,
      namesrvAddr: namesrvAddr(),
      instanceName: uniqueName('c'),
      consumeFromWhere: 'FIRST_OFFSET',
      rebalanceIntervalMillis: 1000,
    });
    consumer.onMessage((message) => {
      received.add(message.body.toString());
    });
    consumer.subscribe(topic);
    await consumer.start();
    closers.push(() => consumer.shutdown());
    return received;
  };
  const get = (type: typeof Resources.BrokerCluster, name: string) => client.find<Cr>(type, NS, name);
  const readyCr = (type: typeof Resources.BrokerCluster, name: string, what: string, timeoutMs = 120_000) =>
    waitFor(
      what,
      async () => {
        const cr = await get(type, name);
        const current = cr?.status?.['observedGeneration'] === cr?.metadata.generation;
        return current && condition(cr, 'Ready')?.status === 'True' ? cr : undefined;
      },
      { timeoutMs, intervalMs: 250 },
    ).catch((error: unknown) => {
      const logs = ['ns-0', 'ns-1', 'mq-g0-0', 'mq-g1-0', 'mq-g2-0']
        .map((pod) => `--- ${pod} ---\n${runner.logOf(pod)}`)
        .join('\n');
      throw new Error(`${String(error)}\n${logs}`);
    });
  const namesrvAddr = () => ['ns-0', 'ns-1'].map((pod) => `${runner.ipOf(pod) ?? ''}:9876`).join(';');
  const clusterInfo = async (pod: string) =>
    (await (await fetch(`http://${runner.ipOf(pod) ?? ''}:8080/api/clusters`)).json()) as {
      brokerAddrTable: Record<string, { brokerAddrs: Record<string, string> }>;
    };

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-e2e-'));
    cp = await startControlPlane({ controllerManager: true });
    client = clientFor(cp.kubeconfigPath);
    await installCrds(client);
    await createNamespace(client, NS);
    node = resolveImageNodeRuntime();
    image = resolveBuiltImage(node);
    runner = new PodRunner(client, NS, workDir, { image: { image, node } });
    runner.start();
    operator = await runOperator(
      { leaderElection: false, httpHost: '127.0.0.1', httpPort: 0, logLevel: 'silent' },
      {
        connection: client.connection,
        logger: silentLogger(),
        pollIntervalMs: 500,
        // The operator runs outside the cluster: it reaches each broker pod's admin API at the runner's pod IP.
        brokerAdminUrl: ({ pod, port }) => `http://${runner.ipOf(pod) ?? 'pod-not-running.invalid'}:${port}`,
      },
    );
  }, 300_000);

  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await operator?.stop();
    await runner?.stop();
    client?.close();
    await cp?.stop();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('runs a NameServerCluster and a BrokerCluster whose brokers register with every NameServer', async () => {
    await createCr(Resources.NameServerCluster, 'ns', { replicas: 2 });
    await createCr(Resources.BrokerCluster, 'mq', {
      nameServerRef: { name: 'ns' },
      groups: 2,
      replicasPerGroup: 1,
      // A broker that starts before both NameServers are in DNS finds the second at its next round (30 s by
      // default); a shorter period keeps the test short.
      env: [{ name: 'SKYROCKET_BROKER_REGISTER_NAME_SERVER_PERIOD_MILLIS', value: '3000' }],
    });
    await readyCr(Resources.NameServerCluster, 'ns', 'NameServerCluster Ready');
    const cluster = await readyCr(Resources.BrokerCluster, 'mq', 'BrokerCluster Ready');
    expect(cluster.status).toMatchObject({ groups: 2, groupsReady: 2 });
    // Each NameServer (they never talk to each other) learns both broker groups, at the brokers' pod IPs. A ready
    // broker is registered with at least one; one that resolved the headless name before both NameServers were
    // ready registers with the other at its next round.
    for (const pod of ['ns-0', 'ns-1'])
      await waitFor(
        `both groups registered with ${pod}`,
        async () => {
          const info = await clusterInfo(pod);
          return (
            info.brokerAddrTable['mq-g0']?.brokerAddrs['0'] === `${runner.ipOf('mq-g0-0') ?? ''}:10911` &&
            info.brokerAddrTable['mq-g1']?.brokerAddrs['0'] === `${runner.ipOf('mq-g1-0') ?? ''}:10911`
          );
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
    // The pods run the image's files on the image's Node.js.
    for (const pod of ['ns-0', 'mq-g0-0']) {
      const pid = runner.pidOf(pod) ?? 0;
      expect(fs.readlinkSync(`/proc/${pid}/exe`)).toBe(fs.realpathSync(node.node));
      expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[1]).toBe(
        path.join(image.root, 'app', 'cli', 'dist', 'main.js'),
      );
    }
  });

  it('creates a Topic and a ConsumerGroup on every master, and carries messages through them', async () => {
    await createCr(Resources.Topic, 'orders', {
      clusterRef: { name: 'mq' },
      topicName: 'Orders',
      readQueueNums: 4,
      writeQueueNums: 4,
    });
    await createCr(Resources.ConsumerGroup, 'billing', {
      clusterRef: { name: 'mq' },
      groupName: 'Billing',
      retryMaxTimes: 3,
    });
    const topic = await readyCr(Resources.Topic, 'orders', 'Topic Ready');
    expect(topic.status).toMatchObject({ groups: 2, groupsApplied: 2 });
    await readyCr(Resources.ConsumerGroup, 'billing', 'ConsumerGroup Ready');
    const groups = (await (
      await fetch(`http://${runner.ipOf('mq-g1-0') ?? ''}:8081/api/groups`)
    ).json()) as Array<{ groupName: string; retryMaxTimes?: number }>;
    expect(groups.find((g) => g.groupName === 'Billing')?.retryMaxTimes).toBe(3);

    const producer = await startProducer();
    const brokers = new Set<string>();
    for (let i = 0; i < 16; i++) {
      const result = await producer.send({ topic: 'Orders', body: `order-${i}` });
      expect(result.status).toBe('SEND_OK');
      brokers.add(result.messageQueue.brokerName);
    }
    // The route spreads sends over both groups' queues.
    expect([...brokers].sort()).toEqual(['mq-g0', 'mq-g1']);

    const received = await startConsumer('Billing', 'Orders');
    await waitFor('all 16 orders consumed', () => received.size === 16, { timeoutMs: 60_000 });
    expect([...received].sort()).toEqual(Array.from({ length: 16 }, (_, i) => `order-${i}`).sort());
  });

  it('serves Apache RocketMQ’s Java client unchanged: DefaultMQProducer and DefaultMQPushConsumer', async () => {
    const sent = await produce(namesrvAddr(), 'Orders', 12);
    if (sent.run.code !== 0) throw new Error(`Produce failed:\n${sent.run.stdout}\n${sent.run.stderr}`);
    expect(sent.summary).toMatchObject({ count: 12, ok: 12, notOk: 0 });
    expect(new Set(sent.sends.map((s) => s.brokerName))).toEqual(new Set(['mq-g0', 'mq-g1']));
    // A new group from the first offset: the 16 messages of the TypeScript producer and these 12.
    const got = await pushConsume(namesrvAddr(), 'Orders', uniqueName('JavaReaders'), 28, 60);
    if (got.run.code !== 0) throw new Error(`PushConsume failed:\n${got.run.stdout}\n${got.run.stderr}`);
    expect(got.bodies).toHaveLength(28);
    expect(got.bodies).toEqual(expect.arrayContaining(['order-0', 'order-15', 'msg-0', 'msg-11']));
  });

  it('scales to three groups: the new broker registers and gets the Topic', async () => {
    await client.mergePatch(Resources.BrokerCluster, NS, 'mq', { spec: { groups: 3 } });
    await waitFor(
      'three ready groups',
      async () => (await get(Resources.BrokerCluster, 'mq'))?.status?.['groupsReady'] === 3,
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    await waitFor(
      'Topic on three groups',
      async () => (await get(Resources.Topic, 'orders'))?.status?.['groupsApplied'] === 3,
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const topics = (await (
      await fetch(`http://${runner.ipOf('mq-g2-0') ?? ''}:8081/api/topics`)
    ).json()) as Array<{ topicName: string; writeQueueNums: number }>;
    expect(topics.find((t) => t.topicName === 'Orders')?.writeQueueNums).toBe(4);
    for (const pod of ['ns-0', 'ns-1'])
      await waitFor(
        `mq-g2 registered with ${pod}`,
        async () => (await clusterInfo(pod)).brokerAddrTable['mq-g2'] !== undefined,
        { timeoutMs: 30_000 },
      );
  });

  it('scales back to two groups: the drained broker stops and leaves every NameServer', async () => {
    await client.mergePatch(Resources.BrokerCluster, NS, 'mq', { spec: { groups: 2 } });
    const scaledDown = await readyCr(Resources.BrokerCluster, 'mq', 'BrokerCluster Ready with two groups');
    expect(scaledDown.status).toMatchObject({ groups: 2, groupsReady: 2 });
    const events = (
      await client.list<KubeObject & { reason: string; regarding?: { name: string } }>(Resources.Event, NS)
    ).items;
    expect(events.filter((e) => e.regarding?.name === 'mq').map((e) => e.reason)).toEqual(
      expect.arrayContaining(['DrainStarted', 'GroupRemoved']),
    );
    await waitFor(
      'mq-g2 StatefulSet deleted',
      async () => (await client.find(Resources.StatefulSet, NS, 'mq-g2')) === undefined,
      {
        timeoutMs: 60_000,
      },
    );
    await waitFor('mq-g2-0 process stopped', () => runner.ipOf('mq-g2-0') === undefined, {
      timeoutMs: 60_000,
    });
    // The broker unregisters as it shuts down.
    for (const pod of ['ns-0', 'ns-1'])
      await waitFor(
        `mq-g2 gone from ${pod}`,
        async () => (await clusterInfo(pod)).brokerAddrTable['mq-g2'] === undefined,
        {
          timeoutMs: 30_000,
        },
      );
  });

  it('scales the NameServers to three: brokers register with the new one without restarting', async () => {
    const startsBefore = runner.starts.length;
    await client.mergePatch(Resources.NameServerCluster, NS, 'ns', { spec: { replicas: 3 } });
    await waitFor('ns-2 running', () => runner.ipOf('ns-2'), { timeoutMs: 60_000, intervalMs: 250 });
    // The brokers re-resolve the headless Service's name before each registration round.
    await waitFor(
      'both groups registered with ns-2',
      async () => {
        const info = await clusterInfo('ns-2').catch(() => undefined);
        return info?.brokerAddrTable['mq-g0'] !== undefined && info.brokerAddrTable['mq-g1'] !== undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(runner.starts.slice(startsBefore).map((s) => s.pod)).toEqual(['ns-2']);
  });

  it('replicates within a SYNC group across pods, and rolls it slave first under load without losing a message', async () => {
    await createCr(Resources.BrokerCluster, 'ha', {
      nameServerRef: { name: 'ns' },
      groups: 1,
      replicasPerGroup: 2,
      replicationMode: 'SYNC',
      brokerConfig: { registerNameServerPeriodMillis: '3000' },
    });
    await readyCr(Resources.BrokerCluster, 'ha', 'BrokerCluster ha Ready');
    await createCr(Resources.Topic, 'ledger', {
      clusterRef: { name: 'ha' },
      topicName: 'Ledger',
      readQueueNums: 2,
      writeQueueNums: 2,
    });
    await readyCr(Resources.Topic, 'ledger', 'Topic ledger Ready');

    const producer = await startProducer();
    // SYNC_MASTER answers SEND_OK only once the slave pod has the bytes (SLAVE_NOT_AVAILABLE while none is in
    // sync), so wait for the master to report its slave, then expect every send to succeed at once.
    const slaveConnected = async () => {
      const metrics = await (await fetch(`http://${runner.ipOf('ha-g0-0') ?? ''}:8081/metrics`)).text();
      return /^skyrocket_broker_ha_slaves(\{[^}]*\})? 1$/m.test(metrics);
    };
    const send = async (body: string) => {
      await waitFor('the master to see its slave', slaveConnected, { timeoutMs: 60_000, intervalMs: 250 });
      const result = await producer.send({ topic: 'Ledger', body });
      expect(result.status).toBe('SEND_OK');
    };
    for (let i = 0; i < 5; i++) await send(`before-${i}`);
    const statsOf = async (pod: string) =>
      (await (await fetch(`http://${runner.ipOf(pod) ?? ''}:8081/api/topics/Ledger/stats`)).json()) as {
        messages: number;
      };
    await waitFor('the slave holds the 5 messages', async () => (await statsOf('ha-g0-1')).messages === 5, {
      timeoutMs: 30_000,
    });

    // Roll under load: a producer keeps sending until the roll is over. An answer is an acknowledgement, whatever
    // its status (SLAVE_NOT_AVAILABLE while the slave restarts still means stored on the master); a send that
    // throws (the master restarting) is not.
    const acked = new Set<string>();
    let sending = true;
    let attempts = 0;
    const load = (async () => {
      while (sending && attempts < 5000) {
        const body = `load-${attempts++}`;
        try {
          await producer.send({ topic: 'Ledger', body });
          acked.add(body);
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    })();
    const startsBefore = runner.starts.length;
    await client.mergePatch(Resources.BrokerCluster, NS, 'ha', {
      spec: { brokerConfig: { registerNameServerPeriodMillis: '3000', maxReconsumeTimes: '20' } },
    });
    await waitFor(
      'both pods restarted and the cluster Ready again',
      async () => {
        const restarted = new Set(runner.starts.slice(startsBefore).map((s) => s.pod));
        const cr = await get(Resources.BrokerCluster, 'ha');
        return (
          restarted.has('ha-g0-0') &&
          restarted.has('ha-g0-1') &&
          cr?.status?.['observedGeneration'] === cr?.metadata.generation &&
          condition(cr, 'Ready')?.status === 'True'
        );
      },
      { timeoutMs: 180_000, intervalMs: 250 },
    );
    sending = false;
    await load;
    // Slave first, then the master; one restart each.
    expect(runner.starts.slice(startsBefore).map((s) => s.pod)).toEqual(['ha-g0-1', 'ha-g0-0']);
    expect(acked.size).toBeGreaterThan(0);
    await send('after-roll');
    // The slave ends with exactly what the master has.
    await waitFor(
      'the slave holding everything the master has',
      async () => (await statsOf('ha-g0-1')).messages === (await statsOf('ha-g0-0')).messages,
      { timeoutMs: 30_000 },
    );

    // No acknowledged message was lost across the restarts: a new group reads every one from the start.
    const received = await startConsumer(uniqueName('Auditors'), 'Ledger');
    const expected = [...acked, 'after-roll', ...Array.from({ length: 5 }, (_, i) => `before-${i}`)];
    await waitFor('every acknowledged message consumed', () => expected.every((b) => received.has(b)), {
      timeoutMs: 60_000,
    });
  });
});
