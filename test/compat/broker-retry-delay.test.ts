/**
 * Retry, DLQ and delay levels of Skyrocket's broker with the Apache RocketMQ 5.3.3 Java client, against Skyrocket's
 * NameServer only (RetryConsume.java, DelayProduceConsume.java).
 */
import * as fs from 'node:fs';
import type { Broker } from '@skyrocket/broker';
import type { NameServer } from '@skyrocket/nameserver';
import { startBroker } from '../harness/broker';
import { uniqueName } from '../harness/names';
import { startNameServer } from '../harness/nameserver';
import { ensureCompatBuild, killAllJavaProcesses, runJava, type RunJavaResult } from './harness/java';

/**
 * Retries use levels 3 and 4 (3 + reconsumeTimes); 1 s each keeps the test short. Level 2 keeps RocketMQ's 5 s for
 * the delay check.
 */
const DELAY_LEVELS = ['1s', '5s', ...Array.from({ length: 16 }, () => '1s')].join(' ');

interface Delivery {
  event: 'message' | 'dlq';
  receiveMillis: number;
  topic: string;
  body: string;
  msgId: string;
  tags: string | null;
  keys: string | null;
  reconsumeTimes: number;
  bornTimestamp: number;
  storeTimestamp: number;
  properties: Record<string, string>;
}

interface SendLine {
  event: 'send';
  body?: string;
  status: string;
  msgId: string;
  offsetMsgId: string;
  sendMillis: number;
  sentMillis?: number;
}

function events<T>(run: RunJavaResult, event: string): T[] {
  return run.lines.filter((l) => (l as { event?: string }).event === event) as T[];
}

function describeRun(program: string, run: RunJavaResult): string {
  return `${program} exited ${String(run.code)}${run.timedOut ? ' (timeout)' : ''}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr.slice(-10_000)}`;
}

describe('Skyrocket broker retry, DLQ and delay levels with the Apache RocketMQ Java client', () => {
  let nameServer: NameServer;
  let namesrvAddr: string;
  let broker: Broker;
  let storeDir: string;

  beforeAll(async () => {
    await ensureCompatBuild();
    ({ nameServer, address: namesrvAddr } = await startNameServer());
    ({ broker, storeDir } = await startBroker(namesrvAddr, { messageDelayLevel: DELAY_LEVELS }));
  }, 600_000);

  afterAll(async () => {
    await killAllJavaProcesses();
    await broker?.stop();
    await nameServer?.stop();
    if (storeDir) fs.rmSync(storeDir, { recursive: true, force: true });
  }, 60_000);

  test('RECONSUME_LATER redelivers with reconsumeTimes + 1; after maxReconsumeTimes the message is in %DLQ%group', async () => {
    const topic = uniqueName('JavaRetryTopic');
    const group = uniqueName('JavaRetryGroup');
    const maxReconsumeTimes = 2;
    const run = await runJava('RetryConsume', [namesrvAddr, topic, group, String(maxReconsumeTimes), '90'], {
      timeoutMs: 150_000,
    });
    if (run.code !== 0) throw new Error(describeRun('RetryConsume', run));
    const [sent] = events<SendLine>(run, 'send');
    const deliveries = events<Delivery>(run, 'message');
    const [dead, ...moreDead] = events<Delivery>(run, 'dlq');
    console.log(
      'RetryConsume: sent at %d; deliveries (reconsumeTimes @ ms after send): %s; DLQ after %d ms',
      sent?.sendMillis,
      deliveries.map((d) => `${d.reconsumeTimes}@${d.receiveMillis - (sent?.sendMillis ?? 0)}`).join(', '),
      (dead?.receiveMillis ?? 0) - (sent?.sendMillis ?? 0),
    );
    expect(sent?.status).toBe('SEND_OK');

    // One delivery per reconsume time, 0..max, each the same message with its properties intact.
    expect(deliveries.map((d) => d.reconsumeTimes)).toEqual([0, 1, 2]);
    for (const delivery of deliveries) {
      expect(delivery).toMatchObject({
        topic,
        body: 'retry-me',
        msgId: sent?.msgId,
        tags: 'TagR',
        keys: 'retry-key',
      });
      expect(delivery.properties.origin).toBe('compat');
    }
    // Retries come back through the retry topic after their level's delay (levels 3 and 4: 1 s).
    for (let i = 1; i < deliveries.length; i++) {
      const previous = deliveries[i - 1] as Delivery;
      const retry = deliveries[i] as Delivery;
      expect(retry.receiveMillis - previous.receiveMillis).toBeGreaterThanOrEqual(1000);
      expect(retry.properties).toMatchObject({
        RETRY_TOPIC: topic,
        ORIGIN_MESSAGE_ID: sent?.offsetMsgId,
        REAL_TOPIC: `%RETRY%${group}`,
      });
    }

    expect(moreDead).toEqual([]);
    expect(dead).toMatchObject({
      topic: `%DLQ%${group}`,
      body: 'retry-me',
      msgId: sent?.msgId,
      tags: 'TagR',
      keys: 'retry-key',
      reconsumeTimes: maxReconsumeTimes + 1,
    });
    expect(dead?.properties).toMatchObject({
      origin: 'compat',
      RETRY_TOPIC: topic,
      ORIGIN_MESSAGE_ID: sent?.offsetMsgId,
    });
    expect(broker.context.topics.get(`%DLQ%${group}`)).toMatchObject({ readQueueNums: 1, perm: 6 });
    expect(broker.context.store.getMaxOffsetInQueue(`%DLQ%${group}`, 0)).toBe(1);
  }, 180_000);

  test('a message with delay level 2 arrives no sooner than 5 s after it was sent', async () => {
    const topic = uniqueName('JavaDelayTopic');
    const run = await runJava(
      'DelayProduceConsume',
      [namesrvAddr, topic, uniqueName('JavaDelayGroup'), '2', '60'],
      {
        timeoutMs: 120_000,
      },
    );
    if (run.code !== 0) throw new Error(describeRun('DelayProduceConsume', run));
    const sends = events<SendLine>(run, 'send');
    const received = events<Delivery>(run, 'message');
    const sentDelayed = sends.find((s) => s.body === 'delayed');
    const sentNow = sends.find((s) => s.body === 'now');
    const delayed = received.filter((m) => m.body === 'delayed');
    const now = received.find((m) => m.body === 'now');
    expect(sentDelayed?.status).toBe('SEND_OK');
    expect(delayed).toHaveLength(1);
    const [message] = delayed as [Delivery];
    console.log(
      'DelayProduceConsume: delayed sent at %d (returned %d), received at %d: %d ms later; ' +
        'born %d, stored %d (%d ms); undelayed message received %d ms after its send',
      sentDelayed?.sendMillis,
      sentDelayed?.sentMillis,
      message.receiveMillis,
      message.receiveMillis - (sentDelayed?.sendMillis ?? 0),
      message.bornTimestamp,
      message.storeTimestamp,
      message.storeTimestamp - message.bornTimestamp,
      (now?.receiveMillis ?? 0) - (sentNow?.sendMillis ?? 0),
    );
    expect(message.receiveMillis - (sentDelayed?.sendMillis ?? 0)).toBeGreaterThanOrEqual(5000);
    // The copy in the topic was stored by the schedule service at the delivery time.
    expect(message.storeTimestamp - message.bornTimestamp).toBeGreaterThanOrEqual(5000);
    expect(message).toMatchObject({ msgId: sentDelayed?.msgId, tags: 'TagDelayed', reconsumeTimes: 0 });
    expect(message.properties.DELAY).toBeUndefined();
    // The consumer was up well before: the message without delay arrived first.
    expect(now).toBeDefined();
    expect(now?.receiveMillis ?? Infinity).toBeLessThan(message.receiveMillis);
  }, 150_000);
});
