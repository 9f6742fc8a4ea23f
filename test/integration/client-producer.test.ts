import * as fs from 'node:fs';
import { inflateSync } from 'node:zlib';
import type { Broker } from '@skyrocket/broker';
import type { NameServer } from '@skyrocket/nameserver';
import {
  createRequest,
  decodeRecords,
  encodeHeader,
  javaStringHashCode,
  MessageSysFlag,
  RemotingClient,
  RequestCode,
  ResponseCode,
  type MessageRecord,
} from '@skyrocket/remoting';
import {
  isClientError,
  Producer,
  TransactionProducer,
  type LocalTransactionState,
  type SendResult,
  type TransactionMessage,
} from '@skyrocket/client';
import { startBroker } from '../harness/broker';
import { startNameServer } from '../harness/nameserver';
import { uniqueName } from '../harness/names';
import { waitFor } from '../harness/wait-for';

/** Reads a queue back with raw PULL_MESSAGE requests (no consumer code involved). */
async function pullQueue(
  client: RemotingClient,
  brokerAddr: string,
  topic: string,
  queueId: number,
  fromOffset = 0,
): Promise<MessageRecord[]> {
  const response = await client.invoke(
    brokerAddr,
    createRequest(RequestCode.PULL_MESSAGE, {
      extFields: encodeHeader({
        consumerGroup: 'ClientProducerTestReader',
        topic,
        queueId,
        queueOffset: fromOffset,
        maxMsgNums: 64,
        sysFlag: 4,
        commitOffset: 0,
        suspendTimeoutMillis: 0,
        subscription: '*',
        subVersion: 0,
        expressionType: 'TAG',
      }),
    }),
    5000,
  );
  return response.code === ResponseCode.SUCCESS ? decodeRecords(response.body ?? Buffer.alloc(0)) : [];
}

async function pullAllQueues(client: RemotingClient, brokerAddr: string, topic: string, queues = 4) {
  const all: MessageRecord[] = [];
  for (let q = 0; q < queues; q++) {
    // Bounded: at most 100 pulls per queue.
    for (let offset = 0, round = 0; round < 100; round++) {
      const batch = await pullQueue(client, brokerAddr, topic, q, offset);
      if (batch.length === 0) break;
      all.push(...batch);
      offset = (batch[batch.length - 1] as MessageRecord).queueOffset + 1;
    }
  }
  return all;
}

async function expectClientError(promise: Promise<unknown>, name: string): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(isClientError(error)).toBe(true);
    expect((error as { errorName: string }).errorName).toBe(name);
    return error as Error;
  }
  throw new Error(`expected a ClientError ${name}`);
}

describe('@skyrocket/client Producer against a Skyrocket NameServer and broker', () => {
  let nameServer: NameServer;
  let broker: Broker;
  let brokerAddr: string;
  let namesrvAddr: string;
  let reader: RemotingClient;
  let producer: Producer;
  let storeDir: string;

  beforeAll(async () => {
    ({ nameServer, address: namesrvAddr } = await startNameServer());
    ({
      broker,
      address: brokerAddr,
      storeDir,
    } = await startBroker(namesrvAddr, {
      transactionCheckInterval: 200,
      transactionTimeOut: 300,
      transactionCheckMax: 5,
    }));
    reader = new RemotingClient();
    producer = new Producer({ group: uniqueName('PG'), namesrvAddr, instanceName: uniqueName('inst') });
    await producer.start();
  });

  afterAll(async () => {
    await producer.shutdown().catch(() => undefined);
    await reader.close();
    await broker.stop();
    await nameServer.stop();
    fs.rmSync(storeDir, { recursive: true, force: true });
  });

  it('sends a message that is stored with its tags, keys, properties and UNIQ_KEY', async () => {
    const topic = uniqueName('T');
    const result = await producer.send({
      topic,
      body: 'hello skyrocket',
      tags: 'TagA',
      keys: ['k1', 'k2'],
      properties: { color: 'blue', 'x-trace': '42' },
    });
    expect(result.status).toBe('SEND_OK');
    expect(result.msgId).toMatch(/^[0-9A-F]{32}$/);
    expect(result.offsetMsgId).toMatch(/^[0-9A-F]{32}$/);
    expect(result.messageQueue.topic).toBe(topic);
    expect(result.messageQueue.brokerName).toBe('broker-a');
    expect(result.regionId).toBe('DefaultRegion');
    const records = await pullQueue(reader, brokerAddr, topic, result.messageQueue.queueId);
    expect(records).toHaveLength(1);
    const record = records[0] as MessageRecord;
    expect(record.queueOffset).toBe(result.queueOffset);
    expect(record.body.toString()).toBe('hello skyrocket');
    expect(record.properties.get('TAGS')).toBe('TagA');
    expect(record.properties.get('KEYS')).toBe('k1 k2');
    expect(record.properties.get('color')).toBe('blue');
    expect(record.properties.get('x-trace')).toBe('42');
    expect(record.properties.get('UNIQ_KEY')).toBe(result.msgId);
  });

  it('sends oneway', async () => {
    const topic = uniqueName('T');
    await producer.send({ topic, body: 'creates the topic' });
    await producer.sendOneway({ topic, body: 'oneway body', tags: 'one' });
    const records = await waitFor('the oneway message', async () => {
      const all = await pullAllQueues(reader, brokerAddr, topic);
      return all.find((r) => r.body.toString() === 'oneway body');
    });
    expect(records.properties.get('TAGS')).toBe('one');
  });

  it('sends a batch into one queue with consecutive offsets', async () => {
    const topic = uniqueName('T');
    const result = await producer.sendBatch([
      { topic, body: 'b0', tags: 'x', keys: 'kb0' },
      { topic, body: 'b1', properties: { n: '1' } },
      { topic, body: 'b2' },
    ]);
    expect(result.status).toBe('SEND_OK');
    expect(result.msgIds).toHaveLength(3);
    expect(result.offsetMsgIds).toHaveLength(3);
    expect(result.msgId).toBe(result.msgIds.join(','));
    const records = await pullQueue(reader, brokerAddr, topic, result.messageQueue.queueId);
    expect(records.map((r) => r.body.toString())).toEqual(['b0', 'b1', 'b2']);
    expect(records.map((r) => r.queueOffset)).toEqual([
      result.queueOffset,
      result.queueOffset + 1,
      result.queueOffset + 2,
    ]);
    expect(records.map((r) => r.properties.get('UNIQ_KEY'))).toEqual(result.msgIds);
    expect(records[0]?.properties.get('KEYS')).toBe('kb0');
    expect(records[1]?.properties.get('n')).toBe('1');
  });

  it('sends ordered messages with one sharding key to one queue, the one Java would pick', async () => {
    const topic = uniqueName('T');
    await producer.send({ topic, body: 'creates the topic' });
    const key = 'order-12345';
    const results = [];
    for (let i = 0; i < 5; i++)
      results.push(await producer.send({ topic, body: `step ${i}` }, { shardingKey: key }));
    const queueIds = new Set(results.map((r) => r.messageQueue.queueId));
    expect(queueIds.size).toBe(1);
    const expected = Math.abs(javaStringHashCode(key) % 4);
    expect(results[0]?.messageQueue.queueId).toBe(expected);
    const records = await pullQueue(reader, brokerAddr, topic, expected);
    expect(records.filter((r) => r.body.toString().startsWith('step')).map((r) => r.body.toString())).toEqual(
      ['step 0', 'step 1', 'step 2', 'step 3', 'step 4'],
    );
    // A selector picks the queue itself.
    const viaSelector = await producer.send(
      { topic, body: 'selected' },
      { selector: (queues) => queues[queues.length - 1] ?? queues[0]! },
    );
    expect(viaSelector.messageQueue.queueId).toBe(3);
  });

  it('delays a message by its delay level', async () => {
    const topic = uniqueName('T');
    await producer.send({ topic, body: 'creates the topic' });
    const result = await producer.send({ topic, body: 'later', delayTimeLevel: 1 });
    const immediately = await pullQueue(reader, brokerAddr, topic, result.messageQueue.queueId);
    expect(immediately.find((r) => r.body.toString() === 'later')).toBeUndefined();
    const delivered = await waitFor(
      'the delayed message',
      async () => (await pullAllQueues(reader, brokerAddr, topic)).find((r) => r.body.toString() === 'later'),
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    // The broker clears DELAY when it delivers the message (ScheduleMessageService.messageTimeup).
    expect(delivered.storeTimestamp - delivered.bornTimestamp).toBeGreaterThanOrEqual(900);
  });

  it('compresses bodies above the threshold with zlib and the Java sysFlag bits', async () => {
    const topic = uniqueName('T');
    const body = Buffer.from('compressible text '.repeat(1000));
    const result = await producer.send({ topic, body });
    const [record] = await pullQueue(reader, brokerAddr, topic, result.messageQueue.queueId);
    expect(record).toBeDefined();
    expect(record!.sysFlag & MessageSysFlag.COMPRESSED_FLAG).toBe(MessageSysFlag.COMPRESSED_FLAG);
    expect(record!.sysFlag & MessageSysFlag.COMPRESSION_TYPE_COMPARATOR).toBe(
      MessageSysFlag.COMPRESSION_ZLIB_TYPE,
    );
    expect(record!.body.length).toBeLessThan(body.length / 4);
    expect(inflateSync(record!.body).equals(body)).toBe(true);
    // A small body is not compressed.
    const small = await producer.send({ topic, body: 'tiny' });
    const records = await pullQueue(reader, brokerAddr, topic, small.messageQueue.queueId);
    const tiny = records.find((r) => r.body.toString() === 'tiny');
    expect(tiny!.sysFlag & MessageSysFlag.COMPRESSED_FLAG).toBe(0);
  });

  it('refuses bad messages with clear errors', async () => {
    await expectClientError(producer.send({ topic: 'bad topic!', body: 'x' }), 'INVALID_ARGUMENT');
    await expectClientError(producer.send({ topic: uniqueName('T'), body: '' }), 'INVALID_ARGUMENT');
    const reserved = await expectClientError(
      producer.send({ topic: uniqueName('T'), body: 'x', properties: { UNIQ_KEY: 'mine' } }),
      'INVALID_ARGUMENT',
    );
    expect(reserved.message).toMatch(/UNIQ_KEY.*used by the system/);
    await expectClientError(
      producer.sendBatch([
        { topic: 'A1', body: 'x' },
        { topic: 'A2', body: 'y' },
      ]),
      'INVALID_ARGUMENT',
    );
  });

  it('keeps many sends in flight on one connection', async () => {
    const topic = uniqueName('T');
    await producer.send({ topic, body: 'creates the topic' });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => producer.send({ topic, body: `m${i}` })),
    );
    expect(results.every((r) => r.status === 'SEND_OK')).toBe(true);
    expect(new Set(results.map((r) => r.msgId)).size).toBe(200);
    const records = await pullAllQueues(reader, brokerAddr, topic);
    expect(records.filter((r) => r.body.toString().startsWith('m'))).toHaveLength(200);
  });

  it('gives clear lifecycle errors', async () => {
    const p = new Producer({ group: uniqueName('PG'), namesrvAddr, instanceName: uniqueName('inst') });
    await expectClientError(p.send({ topic: 'T', body: 'x' }), 'NOT_STARTED');
    await p.start();
    await expectClientError(p.start(), 'ALREADY_STARTED');
    await p.shutdown();
    await expectClientError(p.send({ topic: 'T', body: 'x' }), 'SHUT_DOWN');
    await expectClientError(p.shutdown(), 'SHUT_DOWN');
    await expectClientError(p.start(), 'SHUT_DOWN');
  });

  describe('transactions', () => {
    const checks: TransactionMessage[] = [];
    const checkAnswers = new Map<string, LocalTransactionState>();
    let tx: TransactionProducer<LocalTransactionState>;
    const topic = uniqueName('TX');

    beforeAll(async () => {
      tx = new TransactionProducer<LocalTransactionState>({
        group: uniqueName('TXG'),
        namesrvAddr,
        instanceName: uniqueName('txinst'),
        transactionListener: {
          executeLocalTransaction: (_message, decision) => decision,
          checkLocalTransaction: (message) => {
            checks.push(message);
            return checkAnswers.get(message.msgId) ?? 'UNKNOWN';
          },
        },
      });
      await tx.start();
      await producer.send({ topic, body: 'creates the topic' });
    });

    afterAll(async () => {
      await tx.shutdown();
    });

    const visible = async (body: string) =>
      (await pullAllQueues(reader, brokerAddr, topic)).some((r) => r.body.toString() === body);

    it('commits: the message becomes visible', async () => {
      const result = await tx.sendMessageInTransaction({ topic, body: 'tx-commit', tags: 'T1' }, 'COMMIT');
      expect(result.localTransactionState).toBe('COMMIT');
      expect(result.transactionId).toBe(result.msgId);
      await waitFor('the committed message', () => visible('tx-commit'));
    });

    it('rolls back: the message never becomes visible', async () => {
      await tx.sendMessageInTransaction({ topic, body: 'tx-rollback' }, 'ROLLBACK');
      // A committed marker sent after it proves the broker has processed both END_TRANSACTIONs in order.
      await tx.sendMessageInTransaction({ topic, body: 'tx-marker' }, 'COMMIT');
      await waitFor('the marker', () => visible('tx-marker'));
      expect(await visible('tx-rollback')).toBe(false);
    });

    it('answers check-backs for UNKNOWN transactions', async () => {
      const result = await tx.sendMessageInTransaction(
        { topic, body: 'tx-checked', keys: 'ck', properties: { p: 'v' } },
        'UNKNOWN',
      );
      checkAnswers.set(result.msgId, 'COMMIT');
      await waitFor('the check-back commit', () => visible('tx-checked'), {
        timeoutMs: 15_000,
        intervalMs: 100,
      });
      const check = checks.find((c) => c.msgId === result.msgId);
      expect(check).toBeDefined();
      expect(check!.topic).toBe(topic);
      expect(check!.body.toString()).toBe('tx-checked');
      expect(check!.keys).toEqual(['ck']);
      expect(check!.properties.p).toBe('v');
    });
  });
});

describe('@skyrocket/client Producer with two brokers and no auto-created topics', () => {
  let nameServer: NameServer;
  let namesrvAddr: string;
  const brokers: Array<{
    broker: Broker;
    address: string;
    httpUrl: string;
    storeDir: string;
    running: boolean;
  }> = [];
  let admin: RemotingClient;

  const createTopic = async (topic: string) => {
    for (const { address } of brokers) {
      const response = await admin.invoke(
        address,
        createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, {
          extFields: encodeHeader({
            topic,
            defaultTopic: 'TBW102',
            readQueueNums: 2,
            writeQueueNums: 2,
            perm: 6,
            topicFilterType: 'SINGLE_TAG',
          }),
        }),
        5000,
      );
      expect(response.code).toBe(ResponseCode.SUCCESS);
    }
  };

  beforeAll(async () => {
    ({ nameServer, address: namesrvAddr } = await startNameServer());
    for (const brokerName of ['broker-x', 'broker-y']) {
      const started = await startBroker(namesrvAddr, { brokerName, autoCreateTopicEnable: false });
      brokers.push({ ...started, running: true });
    }
    admin = new RemotingClient();
  });

  afterAll(async () => {
    await admin.close();
    for (const b of brokers) {
      if (b.running) await b.broker.stop();
      fs.rmSync(b.storeDir, { recursive: true, force: true });
    }
    await nameServer.stop();
  });

  it('asks the NameServer again when its cached route has no writable queue, instead of failing until refresh', async () => {
    const topic = uniqueName('RO');
    await createTopic(topic);
    // Both brokers: PUT /api/broker/permission re-registers with the NameServer before it answers.
    const setPermission = async (permission: 'read-only' | 'read-write') => {
      for (const { httpUrl } of brokers) {
        const response = await fetch(`${httpUrl}/api/broker/permission`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ permission }),
        });
        expect(response.status).toBe(200);
      }
    };
    const producer = new Producer({ group: uniqueName('PG'), namesrvAddr, instanceName: uniqueName('inst') });
    await producer.start();
    try {
      // The broker goes read-only (as while it drains, or while its master restarts): the route the producer caches
      // now has no writable queue, and sends fail.
      await setPermission('read-only');
      await expectClientError(producer.send({ topic, body: 'refused' }), 'NO_WRITABLE_QUEUE');
      await setPermission('read-write');
      // The very next send finds the writable route (the periodic refresh is 30 s away).
      const result = await producer.send({ topic, body: 'accepted' });
      expect(result.status).toBe('SEND_OK');
    } finally {
      await producer.shutdown();
    }
  });

  it('fails with TOPIC_NOT_EXIST for a topic nobody created', async () => {
    const producer = new Producer({ group: uniqueName('PG'), namesrvAddr, instanceName: uniqueName('inst') });
    await producer.start();
    try {
      const error = await expectClientError(
        producer.send({ topic: uniqueName('Nope'), body: 'x' }),
        'TOPIC_NOT_EXIST',
      );
      expect(error.message).toMatch(/does not exist/);
    } finally {
      await producer.shutdown();
    }
  });

  it('steps around a stopped broker', async () => {
    const topic = uniqueName('F');
    await createTopic(topic);
    const producer = new Producer({
      group: uniqueName('PG'),
      namesrvAddr,
      instanceName: uniqueName('inst'),
      sendMsgTimeoutMillis: 5000,
    });
    const unavailable: string[] = [];
    producer.events.on('brokerUnavailable', (e) => unavailable.push(e.brokerName ?? e.address));
    await producer.start();
    try {
      await waitFor('both brokers in the route', async () => {
        const route = await producer.clientInstance.getTopicRoute(topic, { refresh: true });
        return route.writeQueues.length === 4;
      });
      const before = await Promise.all(
        Array.from({ length: 20 }, (_, i) => producer.send({ topic, body: `a${i}` })),
      );
      expect(new Set(before.map((r) => r.messageQueue.brokerName))).toEqual(
        new Set(['broker-x', 'broker-y']),
      );

      // Stop broker-y without telling the producer's cached route.
      const y = brokers[1]!;
      await y.broker.stop();
      y.running = false;

      // Send until a send has run into broker-y (bounded: its queues come up within a few round-robin turns, and
      // a latency penalty it may carry from before lasts at most a few seconds).
      const after: SendResult[] = [];
      const deadline = Date.now() + 10_000;
      while (
        (!unavailable.includes('broker-y') || after.length < 20) &&
        Date.now() < deadline &&
        after.length < 5000
      ) {
        after.push(await producer.send({ topic, body: `b${after.length}` }));
      }
      expect(after.every((r) => r.status === 'SEND_OK' && r.messageQueue.brokerName === 'broker-x')).toBe(
        true,
      );
      expect(unavailable).toContain('broker-y');
    } finally {
      await producer.shutdown();
    }
  });
});
