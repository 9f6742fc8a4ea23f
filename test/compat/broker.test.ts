/**
 * Skyrocket's broker with the Apache RocketMQ 5.3.3 Java client, against Skyrocket's NameServer only.
 */
import * as fs from 'node:fs';
import type { Broker, BrokerConfig, BrokerDeps } from '@skyrocket/broker';
import type { NameServer } from '@skyrocket/nameserver';
import { startBroker } from '../harness/broker';
import { startNameServer } from '../harness/nameserver';
import { uniqueName } from '../harness/names';
import { ensureCompatBuild, killAllJavaProcesses, produce, pushConsume } from './harness/java';

/**
 * A NameServer and an in-process broker for the tests of the enclosing describe block, started before them and
 * stopped after them (Java processes included); the fields are set once beforeAll has run.
 */
function useBroker(overrides: Partial<BrokerConfig> = {}, deps: BrokerDeps = {}) {
  let nameServer: NameServer | undefined;
  let broker: Broker | undefined;
  let storeDir: string | undefined;
  const env = {
    namesrvAddr: '',
    get broker(): Broker {
      if (!broker) throw new Error('useBroker: the broker starts in beforeAll');
      return broker;
    },
  };
  beforeAll(async () => {
    await ensureCompatBuild();
    const started = await startNameServer();
    nameServer = started.nameServer;
    env.namesrvAddr = started.address;
    ({ broker, storeDir } = await startBroker(started.address, overrides, deps));
  }, 600_000);
  afterAll(async () => {
    await killAllJavaProcesses();
    await broker?.stop();
    await nameServer?.stop();
    if (storeDir) fs.rmSync(storeDir, { recursive: true, force: true });
  }, 60_000);
  return env;
}

describe('Skyrocket broker with the Apache RocketMQ Java client', () => {
  const env = useBroker();

  test('DefaultMQProducer sends and DefaultMQPushConsumer receives every message intact', async () => {
    const topic = uniqueName('JavaSendTopic');
    const sent = await produce(env.namesrvAddr, topic, 20);
    if (sent.run.code !== 0) throw new Error(`Produce failed:\n${sent.run.stdout}\n${sent.run.stderr}`);
    expect(sent.summary).toMatchObject({ count: 20, ok: 20, notOk: 0 });
    const got = await pushConsume(env.namesrvAddr, topic, uniqueName('JavaGroup'), 20, 60);
    if (got.run.code !== 0) throw new Error(`PushConsume failed:\n${got.run.stdout}\n${got.run.stderr}`);
    expect(got.bodies).toEqual(Array.from({ length: 20 }, (_, i) => `msg-${i}`).sort());
  }, 180_000);
});

/**
 * SYNC_FLUSH on a disk slower than syncFlushTimeout: the broker answers FLUSH_DISK_TIMEOUT with the whole send
 * result (the Java client reads msgId, queueId and queueOffset from that response too), and the message stays
 * stored and is consumed (the store issue's durability rule, seen by the Java client).
 */
describe('a SYNC_FLUSH broker whose fdatasync outlasts syncFlushTimeout, with the Java client', () => {
  /** Milliseconds each fdatasync is held back: a slow disk, injected through the commit log's test hook. */
  const disk = { syncDelayMs: 0 };
  const env = useBroker(
    { brokerName: 'broker-slow-disk', flushDiskType: 'SYNC_FLUSH', syncFlushTimeout: 200 },
    {
      commitLogTestHooks: {
        beforeSync: () =>
          disk.syncDelayMs > 0 ? new Promise((resolve) => setTimeout(resolve, disk.syncDelayMs)) : undefined,
      },
    },
  );

  test('sends get FLUSH_DISK_TIMEOUT, and every message is stored and consumed', async () => {
    const topic = uniqueName('SlowDiskTopic');
    disk.syncDelayMs = 600;
    const slow = await produce(env.namesrvAddr, topic, 4);
    expect(slow.run.code).toBe(1); // Produce exits 1 when a send is not SEND_OK
    expect(slow.summary).toMatchObject({ count: 4, ok: 0, notOk: 4 });
    expect(slow.sends.map((s) => s.status)).toEqual(Array(4).fill('FLUSH_DISK_TIMEOUT'));
    for (const send of slow.sends) {
      expect(send.offsetMsgId).toMatch(/^[0-9A-F]{32}$/);
      expect(send.queueOffset).toBeGreaterThanOrEqual(0);
    }

    disk.syncDelayMs = 0;
    const fast = await produce(env.namesrvAddr, topic, 2);
    expect(fast.summary).toMatchObject({ count: 2, ok: 2, notOk: 0 });
    // All six are stored: the four answered FLUSH_DISK_TIMEOUT as well (msg-0 and msg-1 were sent twice).
    const store = env.broker.context.store;
    const stored = store.getQueueIds(topic).reduce((n, q) => n + store.getMaxOffsetInQueue(topic, q), 0);
    expect(stored).toBe(6);
    const got = await pushConsume(env.namesrvAddr, topic, uniqueName('SlowDiskGroup'), 4, 60);
    expect(got.done).toBe(true);
    expect(got.bodies).toEqual(['msg-0', 'msg-1', 'msg-2', 'msg-3']);
  }, 180_000);
});
