/**
 * Skyrocket's broker with the Apache RocketMQ 5.3.3 TransactionMQProducer, against Skyrocket's NameServer only:
 * local COMMIT and ROLLBACK, and UNKNOW resolved by the broker's check-back (COMMIT or ROLLBACK).
 */
import * as fs from 'node:fs';
import type { Broker } from '@skyrocket/broker';
import type { NameServer } from '@skyrocket/nameserver';
import { decodeRecords } from '@skyrocket/remoting';
import { startBroker } from '../harness/broker';
import { startNameServer } from '../harness/nameserver';
import { uniqueName } from '../harness/names';
import { waitFor } from '../harness/wait-for';
import { ensureCompatBuild, killAllJavaProcesses, pushConsume, runJava } from './harness/java';

/** Short check settings so that a check-back comes within seconds (RocketMQ defaults: 30 s and 6 s). */
const CHECK_INTERVAL = 500;
const TIMEOUT = 1000;

interface SendEvent {
  event: 'send';
  body: string;
  status: string;
  localTransactionState: string;
  msgId: string;
  transactionId: string;
  queueId: number;
  queueOffset: number;
}

interface CheckEvent {
  event: 'check';
  body: string;
  times: number;
  answer: string;
  topic: string;
  queueId: number;
  queueOffset: number;
  transactionId: string;
  uniqKey: string;
  producerGroup: string;
  checkTimes: string;
}

function events<T>(lines: unknown[], event: string): T[] {
  return lines.filter(
    (line): line is T =>
      typeof line === 'object' && line !== null && (line as { event?: unknown }).event === event,
  );
}

describe('Skyrocket broker with the Apache RocketMQ TransactionMQProducer', () => {
  let nameServer: NameServer;
  let namesrvAddr: string;
  let broker: Broker;
  let storeDir: string;

  beforeAll(async () => {
    await ensureCompatBuild();
    ({ nameServer, address: namesrvAddr } = await startNameServer());
    ({ broker, storeDir } = await startBroker(namesrvAddr, {
      transactionCheckInterval: CHECK_INTERVAL,
      transactionTimeOut: TIMEOUT,
    }));
  }, 600_000);

  afterAll(async () => {
    await killAllJavaProcesses();
    await broker?.stop();
    await nameServer?.stop();
    if (storeDir) fs.rmSync(storeDir, { recursive: true, force: true });
  }, 60_000);

  test('commit is delivered, rollback never; UNKNOW is settled by the check-back', async () => {
    const topic = uniqueName('JavaTxTopic');
    const group = uniqueName('JavaTxGroup');
    const run = await runJava(
      'TransactionProduce',
      [
        namesrvAddr,
        topic,
        group,
        'tx-commit=COMMIT',
        'tx-rollback=ROLLBACK',
        'tx-check-commit=UNKNOW/COMMIT',
        'tx-check-rollback=UNKNOW/ROLLBACK',
      ],
      { timeoutMs: 150_000 },
    );
    if (run.code !== 0) throw new Error(`TransactionProduce failed:\n${run.stdout}\n${run.stderr}`);

    const sends = events<SendEvent>(run.lines, 'send');
    expect(sends.map((s) => [s.body, s.status, s.localTransactionState])).toEqual([
      ['tx-commit', 'SEND_OK', 'COMMIT_MESSAGE'],
      ['tx-rollback', 'SEND_OK', 'ROLLBACK_MESSAGE'],
      ['tx-check-commit', 'SEND_OK', 'UNKNOW'],
      ['tx-check-rollback', 'SEND_OK', 'UNKNOW'],
    ]);
    // Only the UNKNOW ones are asked about, once each, with their real topic, PGROUP and transaction id.
    const checks = events<CheckEvent>(run.lines, 'check');
    expect(checks.map((c) => [c.body, c.answer]).sort()).toEqual([
      ['tx-check-commit', 'COMMIT_MESSAGE'],
      ['tx-check-rollback', 'ROLLBACK_MESSAGE'],
    ]);
    for (const check of checks) {
      const send = sends.find((s) => s.body === check.body);
      expect(check).toMatchObject({
        topic,
        queueId: send?.queueId,
        transactionId: send?.transactionId,
        uniqKey: send?.msgId,
        producerGroup: group,
        checkTimes: '1',
      });
    }

    const consumed = await pushConsume(namesrvAddr, topic, uniqueName('JavaTxConsumer'), 2, 60);
    if (consumed.run.code !== 0) {
      throw new Error(`PushConsume failed:\n${consumed.run.stdout}\n${consumed.run.stderr}`);
    }
    expect(consumed.bodies).toEqual(['tx-check-commit', 'tx-commit']);

    // Once the check service has scanned past the copies it asked about, nothing can commit any more: the topic
    // holds exactly the two committed messages, each once.
    const lastAsked = Math.max(...checks.map((c) => c.queueOffset));
    await waitFor(
      'the check service to scan past the answered transactions',
      () => broker.context.offsets.query('CID_RMQ_SYS_TRANS', 'RMQ_SYS_TRANS_HALF_TOPIC', 0) > lastAsked,
      { timeoutMs: 15_000 },
    );
    const stored: string[] = [];
    for (const queueId of broker.context.store.getQueueIds(topic)) {
      const result = await broker.context.store.getMessage(topic, queueId, 0, { maxMessages: 32 });
      for (const buffer of result.records) {
        for (const record of decodeRecords(buffer)) stored.push(record.body.toString());
      }
    }
    expect(stored.sort()).toEqual(['tx-check-commit', 'tx-commit']);
  }, 240_000);
});
