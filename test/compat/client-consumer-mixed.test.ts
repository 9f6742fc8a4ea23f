/**
 * Mixed consumer groups: the Apache RocketMQ 5.3.3 Java client and @skyrocket/client's PushConsumer in one group,
 * against Skyrocket's NameServer and broker (in-process).
 *
 * - The allocation strategies give the same answer as the Java classes (AllocateTable runs them) for many shapes
 *   of queue and client lists, including client ids whose Java String order differs from numeric order.
 * - A Java DefaultMQPushConsumer (MixedGroupConsume) and a TS PushConsumer share a topic of 8 queues: each
 *   computes the same split, together they own every queue once, and every message is consumed exactly once;
 *   when the Java consumer leaves, the TS consumer takes every queue and continues where Java stopped.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Broker } from '@skyrocket/broker';
import type { NameServer } from '@skyrocket/nameserver';
import {
  allocateMessageQueueAveragely,
  allocateMessageQueueAveragelyByCircle,
  allocateQueues,
  messageQueue,
  PushConsumer,
  type AllocateMessageQueueStrategy,
} from '@skyrocket/client';

import { TestCluster } from '../../client/src/consumer/testing/cluster';
import { startBroker } from '../harness/broker';
import { startNameServer } from '../harness/nameserver';
import { uniqueName } from '../harness/names';
import { waitFor } from '../harness/wait-for';
import { ensureCompatBuild, killAllJavaProcesses, runJava, type RunJavaResult } from './harness/java';

jest.setTimeout(240_000);

interface AllocationLine {
  event: 'allocation';
  case: number;
  strategy: string;
  clientId: string;
  queues: string;
}

interface JavaStatus {
  clientId: string;
  queues: number[];
  bodies: string[];
}

describe('mixed Java/TypeScript consumer groups', () => {
  let nameServer: NameServer;
  let broker: Broker;
  let cluster: TestCluster;
  let workDir: string;

  beforeAll(async () => {
    await ensureCompatBuild();
    const ns = await startNameServer();
    nameServer = ns.nameServer;
    const b = await startBroker(ns.address, {
      brokerName: uniqueName('broker'),
      registerNameServerPeriodMillis: 1000,
    });
    broker = b.broker;
    cluster = new TestCluster(ns.address, b.address);
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-mixed-'));
  });

  afterAll(async () => {
    await killAllJavaProcesses();
    await cluster.close();
    await broker.stop();
    await nameServer.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('allocates queues exactly as the Java client does', async () => {
    const cases = [
      { topic: 'T', brokers: [['broker-a', 8]], clients: ['10.0.0.1@1', '10.0.0.2@1', '10.0.0.3@1'] },
      {
        topic: 'T',
        brokers: [
          ['broker-b', 4],
          ['broker-a', 4],
        ],
        clients: ['127.0.0.1@9', '127.0.0.1@10'],
      },
      { topic: 'T', brokers: [['b', 3]], clients: ['c1', 'c2', 'c3', 'c4', 'c5'] },
      {
        topic: 'T',
        brokers: [
          ['broker-a', 16],
          ['broker-b', 3],
        ],
        clients: ['B@x', 'a@x', 'Z@y', '_@z'],
      },
      { topic: 'T', brokers: [['x', 1]], clients: ['only'] },
      {
        topic: 'T',
        brokers: [['broker-a', 10]],
        clients: ['10.1.1.1@4242', '9.1.1.1@17', '10.1.1.1@4242a', '172.16.0.1@1'],
      },
    ] as const;
    const args = cases.map(
      (c) => `${c.topic}|${c.brokers.map(([b, n]) => `${b}:${n}`).join(',')}|${c.clients.join(',')}`,
    );
    const run = await runJava('AllocateTable', args, { workDir });
    expect(run.code).toBe(0);
    const lines = run.lines.filter((l): l is AllocationLine => (l as AllocationLine).event === 'allocation');
    const strategies: Record<string, AllocateMessageQueueStrategy> = {
      AVG: allocateMessageQueueAveragely,
      AVG_BY_CIRCLE: allocateMessageQueueAveragelyByCircle,
    };
    expect(lines).toHaveLength(cases.reduce((n, c) => n + c.clients.length * 2, 0));
    for (const line of lines) {
      const c = cases[line.case]!;
      const queues = c.brokers.flatMap(([b, n]) =>
        Array.from({ length: n }, (_, i) => messageQueue(c.topic, b, i)),
      );
      const strategy = strategies[line.strategy]!;
      const ours = allocateQueues(strategy, 'G', line.clientId, queues, c.clients).map(
        (q) => `${q.brokerName}#${q.queueId}`,
      );
      expect({
        case: line.case,
        strategy: line.strategy,
        clientId: line.clientId,
        queues: ours.join(' '),
      }).toEqual({
        case: line.case,
        strategy: line.strategy,
        clientId: line.clientId,
        queues: line.queues,
      });
    }
  });

  it('shares 8 queues between a Java and a TS push consumer with no double delivery', async () => {
    const topic = uniqueName('T');
    const group = uniqueName('G');
    await cluster.createTopic(topic, 8);
    const statusFile = path.join(workDir, `${group}.status.json`);
    const stopFile = path.join(workDir, `${group}.stop`);
    const readStatus = (): JavaStatus | undefined => {
      try {
        return JSON.parse(fs.readFileSync(statusFile, 'utf8')) as JavaStatus;
      } catch {
        return undefined;
      }
    };
    let javaRun: RunJavaResult | undefined;
    const java = runJava(
      'MixedGroupConsume',
      [cluster.namesrvAddr, topic, group, statusFile, stopFile, '150'],
      {
        workDir,
        timeoutMs: 200_000,
      },
    ).then((r) => (javaRun = r));

    const tsBodies: string[] = [];
    const ts = new PushConsumer({
      group,
      namesrvAddr: cluster.namesrvAddr,
      instanceName: uniqueName('ts'),
      consumeFromWhere: 'FIRST_OFFSET',
      rebalanceIntervalMillis: 2000,
    });
    ts.subscribe(topic, '*').onMessage((m) => {
      tsBodies.push(m.body.toString());
    });
    try {
      await ts.start();
      const settled = await waitFor(
        'the Java and the TS consumer to split the 8 queues',
        () => {
          const status = readStatus();
          if (status === undefined || javaRun !== undefined) return undefined;
          const tsQueues = ts.assignment(topic).map((q) => q.queueId);
          const all = [...status.queues, ...tsQueues].sort((a, b) => a - b);
          return all.length === 8 &&
            new Set(all).size === 8 &&
            status.queues.length > 0 &&
            tsQueues.length > 0
            ? { status, tsQueues }
            : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 200 },
      );
      // Both sides computed the same split of the same sorted lists.
      const clientIds = [settled.status.clientId, ts.clientId!];
      const queues = Array.from({ length: 8 }, (_, i) => messageQueue(topic, '', i));
      const expected = (id: string) =>
        allocateQueues(allocateMessageQueueAveragely, group, id, queues, clientIds).map((q) => q.queueId);
      expect(settled.status.queues).toEqual(expected(settled.status.clientId));
      expect(settled.tsQueues).toEqual(expected(ts.clientId!));

      const sent = await cluster.sendMany(topic, 8, 160, 'mixed');
      await waitFor(
        'every message consumed',
        () => (readStatus()?.bodies.length ?? 0) + tsBodies.length >= 160,
        { timeoutMs: 60_000, intervalMs: 200 },
      );
      // Late duplicates would show within a moment; wait until deliveries have been quiet for a second.
      let last = -1;
      let quietSince = Date.now();
      await waitFor(
        'deliveries to settle',
        () => {
          const total = (readStatus()?.bodies.length ?? 0) + tsBodies.length;
          if (total !== last) {
            last = total;
            quietSince = Date.now();
          }
          return Date.now() - quietSince >= 1500;
        },
        { timeoutMs: 20_000, intervalMs: 100 },
      );
      const javaBodies = readStatus()?.bodies ?? [];
      expect(javaBodies.length).toBeGreaterThan(0);
      expect(tsBodies.length).toBeGreaterThan(0);
      expect([...javaBodies, ...tsBodies].sort()).toEqual([...sent].sort());

      // The Java consumer leaves (shutdown commits its offsets and unregisters): the TS consumer takes every queue
      // and continues exactly where Java stopped.
      fs.writeFileSync(stopFile, 'stop');
      await java;
      expect(javaRun?.code).toBe(0);
      await waitFor('the TS consumer to own all 8 queues', () => ts.assignment(topic).length === 8, {
        timeoutMs: 30_000,
        intervalMs: 200,
      });
      const tsBefore = tsBodies.length;
      const more = await cluster.sendMany(topic, 8, 40, 'after');
      await waitFor('the TS consumer to get the rest', () => tsBodies.length >= tsBefore + 40, {
        timeoutMs: 30_000,
        intervalMs: 100,
      });
      const finalJava = readStatus()?.bodies ?? [];
      expect([...finalJava, ...tsBodies].sort()).toEqual([...sent, ...more].sort());
    } finally {
      fs.writeFileSync(stopFile, 'stop');
      await java;
      if (ts.state === 'RUNNING') await ts.shutdown();
    }
    expect(javaRun?.code).toBe(0);
  });
});
