/**
 * The TypeScript Producer (@skyrocket/client) and the Apache RocketMQ 5.3.3 Java push consumer: what the TS producer
 * sends — tags, keys, user properties, flag, a zlib-compressed body, a batch, a delayed message and a committed
 * transaction — arrives intact at DefaultMQPushConsumer (PushConsumers.java), first through Skyrocket's NameServer and
 * broker, then through Apache's own NameServer and broker.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Broker } from '@skyrocket/broker';
import type { NameServer } from '@skyrocket/nameserver';
import { Admin, Producer, TransactionProducer, type Message, type SendResult } from '@skyrocket/client';
import { waitFor } from '../harness/wait-for';
import { startBroker } from '../harness/broker';
import { startNameServer } from '../harness/nameserver';
import { uniqueName } from '../harness/names';
import {
  ensureCompatBuild,
  freeBrokerPorts,
  freePort,
  killAllJavaProcesses,
  runJava,
  startApacheBroker,
  startApacheNameServer,
  waitForBroker,
  withDiagnostics,
  type JavaServerHandle,
  type RunJavaResult,
} from './harness/java';

/** A delivery as ClientKit.received prints it. */
interface Received {
  id: string | null;
  topic: string;
  tags: string | null;
  keys: string | null;
  flag: number;
  bodyB64: string;
  properties: Record<string, string>;
  msgId: string;
}

function received(run: RunJavaResult): Received[] {
  return run.lines.filter(
    (l): l is Received =>
      typeof l === 'object' && l !== null && (l as { event?: unknown }).event === 'message',
  );
}

const bigBody = Buffer.from('compressible payload line\n'.repeat(800)); // ~20 KiB, above the 4 KiB threshold

/** The messages the TS producer sends; `sr_id` is how PushConsumers names a delivery. */
function messages(topic: string): Message[] {
  return [
    {
      topic,
      body: 'plain body',
      tags: 'TagA',
      keys: ['key-1', 'key-2'],
      flag: 7,
      properties: { sr_id: 'plain', color: 'blue', 'unicode-é': 'ü ✓' },
    },
    { topic, body: bigBody, tags: 'TagBig', keys: 'big', properties: { sr_id: 'compressed' } },
    { topic, body: 'ordered', tags: 'TagO', properties: { sr_id: 'ordered' } },
    { topic, body: 'delayed', tags: 'TagD', delayTimeLevel: 1, properties: { sr_id: 'delayed' } },
  ];
}

async function sendAll(namesrvAddr: string, topic: string): Promise<SendResult> {
  const producer = new Producer({
    group: uniqueName('CompatTsProducer'),
    namesrvAddr,
    instanceName: uniqueName('p'),
  });
  const tx = new TransactionProducer({
    group: uniqueName('CompatTsTx'),
    namesrvAddr,
    instanceName: uniqueName('tx'),
    transactionListener: { executeLocalTransaction: () => 'COMMIT', checkLocalTransaction: () => 'COMMIT' },
  });
  await producer.start();
  await tx.start();
  try {
    const [plain, big, ordered, delayed] = messages(topic) as [Message, Message, Message, Message];
    const plainResult = await producer.send(plain);
    expect(plainResult.status).toBe('SEND_OK');
    expect((await producer.send(big)).status).toBe('SEND_OK');
    expect((await producer.send(ordered, { shardingKey: 'customer-9' })).status).toBe('SEND_OK');
    expect((await producer.send(delayed)).status).toBe('SEND_OK');
    const batch = await producer.sendBatch([
      { topic, body: 'batch 0', tags: 'TagBatch', properties: { sr_id: 'batch-0' } },
      { topic, body: 'batch 1', tags: 'TagBatch', keys: 'bk', properties: { sr_id: 'batch-1' } },
    ]);
    expect(batch.msgIds).toHaveLength(2);
    await producer.sendOneway({ topic, body: 'oneway', tags: 'TagOne', properties: { sr_id: 'oneway' } });
    const committed = await tx.sendMessageInTransaction({
      topic,
      body: 'transactional',
      tags: 'TagTx',
      properties: { sr_id: 'tx' },
    });
    expect(committed.localTransactionState).toBe('COMMIT');
    return plainResult;
  } finally {
    await tx.shutdown();
    await producer.shutdown();
  }
}

const EXPECTED_IDS = ['batch-0', 'batch-1', 'compressed', 'delayed', 'oneway', 'ordered', 'plain', 'tx'];

async function consumeAndCheck(namesrvAddr: string, topic: string): Promise<string> {
  const group = uniqueName('CompatJavaConsumer');
  const run = await runJava(
    'PushConsumers',
    [namesrvAddr, topic, group, '1', 'CLUSTERING', '*', String(EXPECTED_IDS.length), '120'],
    { timeoutMs: 200_000 },
  );
  if (run.code !== 0)
    throw new Error(
      `PushConsumers exited ${String(run.code)}\n${run.stdout.slice(-8000)}\n${run.stderr.slice(-4000)}`,
    );
  const got = new Map(received(run).map((m) => [m.id ?? m.msgId, m]));
  expect([...got.keys()].sort()).toEqual(EXPECTED_IDS);

  const plain = got.get('plain') as Received;
  expect(Buffer.from(plain.bodyB64, 'base64').toString()).toBe('plain body');
  expect(plain.tags).toBe('TagA');
  expect(plain.keys).toBe('key-1 key-2');
  expect(plain.flag).toBe(7);
  expect(plain.properties.color).toBe('blue');
  expect(plain.properties['unicode-é']).toBe('ü ✓');
  expect(plain.msgId).toMatch(/^[0-9A-F]{32}$/);

  // The Java consumer inflated the zlib body the TS producer compressed.
  const compressed = got.get('compressed') as Received;
  expect(Buffer.from(compressed.bodyB64, 'base64').equals(bigBody)).toBe(true);
  expect(compressed.tags).toBe('TagBig');
  expect(compressed.keys).toBe('big');

  expect(got.get('batch-1')?.keys).toBe('bk');
  expect(got.get('tx')?.tags).toBe('TagTx');
  expect(Buffer.from((got.get('delayed') as Received).bodyB64, 'base64').toString()).toBe('delayed');
  return group;
}

describe('TS Producer → Java push consumer', () => {
  beforeAll(async () => {
    await ensureCompatBuild();
  }, 900_000);

  afterAll(async () => {
    await killAllJavaProcesses();
  }, 60_000);

  describe('through Skyrocket', () => {
    let nameServer: NameServer;
    let broker: Broker;
    let storeDir: string;
    let namesrvAddr: string;

    beforeAll(async () => {
      ({ nameServer, address: namesrvAddr } = await startNameServer());
      ({ broker, storeDir } = await startBroker(namesrvAddr, {
        transactionCheckInterval: 500,
        transactionTimeOut: 1000,
      }));
    });

    afterAll(async () => {
      await broker?.stop();
      await nameServer?.stop();
      if (storeDir) fs.rmSync(storeDir, { recursive: true, force: true });
    });

    it('delivers every message intact', async () => {
      const topic = uniqueName('TsToJava');
      await sendAll(namesrvAddr, topic);
      await consumeAndCheck(namesrvAddr, topic);
    }, 300_000);
  });

  describe('through Apache RocketMQ 5.3.3', () => {
    let workDir: string;
    let namesrv: JavaServerHandle | undefined;
    let broker: JavaServerHandle | undefined;
    const handles = (): JavaServerHandle[] =>
      [namesrv, broker].filter((h): h is JavaServerHandle => h !== undefined);

    beforeAll(async () => {
      workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-compat-client-'));
      const nsPort = await freePort();
      namesrv = await withDiagnostics(handles(), () =>
        startApacheNameServer({ port: nsPort, workDir: path.join(workDir, 'namesrv') }),
      );
      const { listenPort, haPort } = await freeBrokerPorts();
      broker = await withDiagnostics(handles(), () =>
        startApacheBroker({
          namesrvAddr: (namesrv as JavaServerHandle).addr,
          brokerName: 'broker-apache',
          clusterName: 'ApacheCluster',
          listenPort,
          haPort,
          workDir: path.join(workDir, 'broker'),
          // Check half messages left UNKNOWN after 1 s, every second (defaults: 6 s and 30 s).
          extraConfig: { transactionTimeOut: '1000', transactionCheckInterval: '1000' },
        }),
      );
      // "boot success" follows the broker's first registration attempt, which a loaded machine can time out; the
      // next one comes 10 s later. The tests read the cluster from the NameServer, so wait until it is there.
      await withDiagnostics(handles(), () =>
        waitForBroker((namesrv as JavaServerHandle).addr, 'broker-apache', { timeoutMs: 60_000 }),
      );
    }, 900_000);

    afterAll(async () => {
      await Promise.allSettled(handles().map((h) => h.kill()));
      if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
    }, 120_000);

    it('delivers every message intact, and Admin reads the Apache cluster', async () => {
      const namesrvAddr = (namesrv as JavaServerHandle).addr;
      const topic = uniqueName('TsToJava');
      const admin = new Admin({ namesrvAddr, instanceName: uniqueName('admin') });
      await admin.start();
      try {
        const clusters = await admin.listClusters();
        expect(clusters.clusters.map((c) => c.clusterName)).toContain('ApacheCluster');
        await admin.createTopic({ topic, readQueueNums: 4, writeQueueNums: 4, clusterName: 'ApacheCluster' });
        const { plain, group } = await withDiagnostics(handles(), async () => {
          const sent = await sendAll(namesrvAddr, topic);
          return { plain: sent, group: await consumeAndCheck(namesrvAddr, topic) };
        });
        const stats = await admin.topicStats(topic);
        expect(stats).toHaveLength(4);
        expect(stats.reduce((sum, s) => sum + s.maxOffset - s.minOffset, 0)).toBe(EXPECTED_IDS.length);

        // Apache's ConsumeStats body (MessageQueue object keys): the Java consumer committed everything on shutdown.
        const progress = await admin.consumeProgress(group, topic);
        expect(progress.queues).toHaveLength(4);
        expect(progress.totalLag).toBe(0);
        expect(progress.queues.reduce((sum, q) => sum + q.consumerOffset, 0)).toBe(EXPECTED_IDS.length);

        // Apache's index: by key, by offset msgId, by UNIQ_KEY.
        const byKey = await waitFor('the key in the index', async () => {
          const found = await admin.queryMessageByKey(topic, 'key-2');
          return found.length > 0 ? found : undefined;
        });
        expect(byKey.map((m) => m.body.toString())).toEqual(['plain body']);
        expect((await admin.queryMessageById(plain.offsetMsgId)).properties.color).toBe('blue');
        expect((await admin.queryMessageById(plain.msgId, { topic })).body.toString()).toBe('plain body');

        // Offset reset with no consumer online (Apache answers INVOKE_BROKER_TO_RESET_OFFSET with CONSUMER_NOT_ONLINE,
        // so the per-queue path runs): everything is to be consumed again.
        const reset = await admin.resetOffsetByTimestamp(group, topic, 0);
        expect(reset).toHaveLength(4);
        expect((await admin.consumeProgress(group, topic)).totalLag).toBe(EXPECTED_IDS.length);
      } finally {
        await admin.shutdown();
      }
    }, 400_000);

    it("answers the Apache broker's transaction check-back", async () => {
      const namesrvAddr = (namesrv as JavaServerHandle).addr;
      const topic = uniqueName('TsTxCheck');
      const checked: string[] = [];
      const admin = new Admin({ namesrvAddr, instanceName: uniqueName('admin') });
      const tx = new TransactionProducer({
        group: uniqueName('CompatTsTxCheck'),
        namesrvAddr,
        instanceName: uniqueName('txc'),
        transactionListener: {
          executeLocalTransaction: () => 'UNKNOWN',
          checkLocalTransaction: (message) => {
            checked.push(`${message.topic}:${message.body.toString()}:${message.properties.p ?? ''}`);
            return message.body.toString() === 'commit me' ? 'COMMIT' : 'ROLLBACK';
          },
        },
      });
      await admin.start();
      await tx.start();
      try {
        await admin.createTopic({ topic, readQueueNums: 1, writeQueueNums: 1, clusterName: 'ApacheCluster' });
        await withDiagnostics(handles(), async () => {
          await tx.sendMessageInTransaction({
            topic,
            body: 'commit me',
            keys: 'tx-key',
            properties: { p: 'v' },
          });
          await tx.sendMessageInTransaction({ topic, body: 'roll me back', keys: 'tx-key' });
          await waitFor('both check-backs', () => checked.length >= 2, {
            timeoutMs: 60_000,
            intervalMs: 200,
          });
          const committed = await waitFor(
            'the committed message in the topic',
            async () => {
              const found = await admin.queryMessageByKey(topic, 'tx-key');
              return found.length > 0 ? found : undefined;
            },
            { timeoutMs: 30_000, intervalMs: 200 },
          );
          expect(committed.map((m) => m.body.toString())).toEqual(['commit me']);
        });
        expect(checked).toContain(`${topic}:commit me:v`);
        expect(checked).toContain(`${topic}:roll me back:`);
        const stats = await admin.topicStats(topic);
        expect(stats.reduce((sum, q) => sum + q.maxOffset - q.minOffset, 0)).toBe(1);
      } finally {
        await tx.shutdown();
        await admin.shutdown();
      }
    }, 200_000);
  });
});
