/**
 * Skyrocket's broker with the Apache RocketMQ 5.3.3 Java client, against Skyrocket's NameServer only.
 */
import * as fs from 'node:fs';
import type { Broker } from '@skyrocket/broker';
import type { NameServer } from '@skyrocket/nameserver';
import { startBroker } from '../harness/broker';
import { startNameServer } from '../harness/nameserver';
import { uniqueName } from '../harness/names';
import { ensureCompatBuild, killAllJavaProcesses, produce, pushConsume } from './harness/java';

describe('Skyrocket broker with the Apache RocketMQ Java client', () => {
  let nameServer: NameServer;
  let namesrvAddr: string;
  let broker: Broker;
  let storeDir: string;

  beforeAll(async () => {
    await ensureCompatBuild();
    ({ nameServer, address: namesrvAddr } = await startNameServer());
    ({ broker, storeDir } = await startBroker(namesrvAddr));
  }, 600_000);

  afterAll(async () => {
    await killAllJavaProcesses();
    await broker?.stop();
    await nameServer?.stop();
    if (storeDir) fs.rmSync(storeDir, { recursive: true, force: true });
  }, 60_000);

  test('DefaultMQProducer sends and DefaultMQPushConsumer receives every message intact', async () => {
    const topic = uniqueName('JavaSendTopic');
    const sent = await produce(namesrvAddr, topic, 20);
    if (sent.run.code !== 0) throw new Error(`Produce failed:\n${sent.run.stdout}\n${sent.run.stderr}`);
    expect(sent.summary).toMatchObject({ count: 20, ok: 20, notOk: 0 });
    const got = await pushConsume(namesrvAddr, topic, uniqueName('JavaGroup'), 20, 60);
    if (got.run.code !== 0) throw new Error(`PushConsume failed:\n${got.run.stdout}\n${got.run.stderr}`);
    expect(got.bodies).toEqual(Array.from({ length: 20 }, (_, i) => `msg-${i}`).sort());
  }, 180_000);
});
