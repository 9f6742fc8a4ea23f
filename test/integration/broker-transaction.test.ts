import * as fs from 'node:fs';
import type { Broker } from '@skyrocket/broker';
import type { NameServer } from '@skyrocket/nameserver';
import {
  createRequest,
  decodeOffsetMessageId,
  decodeRecord,
  decodeRecords,
  encodeHeader,
  encodeProperties,
  MessageSysFlag,
  RemotingClient,
  RequestCode,
  ResponseCode,
  type MessageRecord,
  type RemotingCommand,
} from '@skyrocket/remoting';
import { startBroker } from '../harness/broker';
import { startNameServer } from '../harness/nameserver';
import { uniqueName } from '../harness/names';
import { waitFor } from '../harness/wait-for';

const CHECK_INTERVAL = 200;
const TIMEOUT = 500;
const CHECK_MAX = 3;

const COMMIT = MessageSysFlag.TRANSACTION_COMMIT_TYPE;
const ROLLBACK = MessageSysFlag.TRANSACTION_ROLLBACK_TYPE;
const UNKNOWN = MessageSysFlag.TRANSACTION_NOT_TYPE;

interface Half {
  topic: string;
  group: string;
  uniqKey: string;
  msgId: string;
  queueOffset: number;
  commitLogOffset: number;
}

/**
 * Transaction messages over loopback, driven as the Java TransactionMQProducer drives them: a PREPARED send,
 * END_TRANSACTION oneway, and CHECK_TRANSACTION_STATE call-backs answered from the producer's connection.
 */
describe('Skyrocket broker transactions over loopback', () => {
  let nameServer: NameServer;
  let broker: Broker;
  let brokerAddr: string;
  let storeDir: string;
  let namesrvAddr: string;
  let client: RemotingClient;
  /** CHECK_TRANSACTION_STATE requests received, by transactionId. */
  const checks = new Map<string, RemotingCommand[]>();
  /** How the "producer" answers a check, by transactionId; no entry: it does not answer. */
  const answers = new Map<string, number>();
  let uniq = 0;

  const endTransaction = (
    half: Pick<Half, 'group' | 'uniqKey' | 'topic'>,
    offsets: { tranStateTableOffset: number; commitLogOffset: number },
    decision: number,
    fromTransactionCheck = false,
  ) =>
    createRequest(RequestCode.END_TRANSACTION, {
      extFields: encodeHeader({
        topic: half.topic,
        producerGroup: half.group,
        tranStateTableOffset: offsets.tranStateTableOffset,
        commitLogOffset: offsets.commitLogOffset,
        commitOrRollback: decision,
        fromTransactionCheck,
        msgId: half.uniqKey,
        transactionId: half.uniqKey,
      }),
    });

  /** Registers the producer group on the client's connection (HEART_BEAT): checks come to it. */
  const registerProducer = async (group: string) => {
    const heartbeat = await client.invoke(
      brokerAddr,
      createRequest(RequestCode.HEART_BEAT, {
        body: Buffer.from(
          JSON.stringify({
            clientID: 'tx-client@1',
            producerDataSet: [{ groupName: group }],
            consumerDataSet: [],
          }),
        ),
      }),
      5000,
    );
    expect(heartbeat.code).toBe(ResponseCode.SUCCESS);
  };

  /** Sends a half message as the producer of `group`. */
  const sendHalf = async (topic: string, group: string, body: string): Promise<Half> => {
    await registerProducer(group);
    const uniqKey = `7F000001000000000000${String(uniq++).padStart(12, '0')}`;
    const response = await client.invoke(
      brokerAddr,
      createRequest(RequestCode.SEND_MESSAGE_V2, {
        extFields: encodeHeader({
          a: group,
          b: topic,
          c: 'TBW102',
          d: 4,
          e: 1,
          f: MessageSysFlag.TRANSACTION_PREPARED_TYPE,
          g: Date.now(),
          h: 0,
          i: encodeProperties({
            TAGS: 'TagTx',
            KEYS: body,
            UNIQ_KEY: uniqKey,
            TRAN_MSG: 'true',
            PGROUP: group,
          }),
        }),
        body: Buffer.from(body),
      }),
      5000,
    );
    expect(response.code).toBe(ResponseCode.SUCCESS);
    const msgId = response.extFields.msgId ?? '';
    expect(response.extFields.transactionId).toBe(uniqKey);
    // The reply names the real queue; queueOffset is the half queue's (the producer echoes it as tranStateTableOffset).
    expect(response.extFields.queueId).toBe('1');
    return {
      topic,
      group,
      uniqKey,
      msgId,
      queueOffset: Number(response.extFields.queueOffset),
      commitLogOffset: decodeOffsetMessageId(msgId).commitLogOffset,
    };
  };

  const end = (half: Half, decision: number) =>
    client.invokeOneway(
      brokerAddr,
      endTransaction(
        half,
        { tranStateTableOffset: half.queueOffset, commitLogOffset: half.commitLogOffset },
        decision,
      ),
    );

  const pullAll = async (topic: string, queueId = 1): Promise<MessageRecord[]> => {
    const response = await client.invoke(
      brokerAddr,
      createRequest(RequestCode.PULL_MESSAGE, {
        extFields: encodeHeader({
          consumerGroup: 'TxReader',
          topic,
          queueId,
          queueOffset: 0,
          maxMsgNums: 32,
          sysFlag: 4,
          commitOffset: 0,
          suspendTimeoutMillis: 0,
          subscription: '*',
          subVersion: 0,
          expressionType: 'TAG',
        }),
      }),
      10_000,
    );
    return response.code === ResponseCode.SUCCESS ? decodeRecords(response.body ?? Buffer.alloc(0)) : [];
  };

  /** The check service has scanned past a half-queue offset. */
  const scannedPast = (queueOffset: number) =>
    broker.context.offsets.query('CID_RMQ_SYS_TRANS', 'RMQ_SYS_TRANS_HALF_TOPIC', 0) > queueOffset;

  beforeAll(async () => {
    ({ nameServer, address: namesrvAddr } = await startNameServer());
    ({
      broker,
      address: brokerAddr,
      storeDir,
    } = await startBroker(namesrvAddr, {
      transactionCheckInterval: CHECK_INTERVAL,
      transactionTimeOut: TIMEOUT,
      transactionCheckMax: CHECK_MAX,
    }));
    client = new RemotingClient({
      requestHandler: (request, connection) => {
        if (request.code !== RequestCode.CHECK_TRANSACTION_STATE) return undefined;
        const transactionId = request.extFields.transactionId ?? '';
        checks.set(transactionId, [...(checks.get(transactionId) ?? []), request]);
        const decision = answers.get(transactionId);
        if (decision !== undefined) {
          const message = decodeRecord(request.body ?? Buffer.alloc(0));
          connection.invokeOneway(
            endTransaction(
              {
                topic: request.extFields.topic ?? '',
                group: message.properties.get('PGROUP') ?? '',
                uniqKey: message.properties.get('UNIQ_KEY') ?? '',
              },
              {
                tranStateTableOffset: Number(request.extFields.tranStateTableOffset),
                commitLogOffset: Number(request.extFields.commitLogOffset),
              },
              decision,
              true,
            ),
          );
        }
        return undefined;
      },
    });
  });

  afterAll(async () => {
    await client?.close();
    await broker?.stop();
    await nameServer?.stop();
    if (storeDir) fs.rmSync(storeDir, { recursive: true, force: true });
  });

  it('keeps a half message from consumers, and delivers it intact on COMMIT', async () => {
    const topic = uniqueName('TxCommit');
    const half = await sendHalf(topic, uniqueName('TxGroup'), 'committed');
    expect(await pullAll(topic)).toEqual([]);
    await end(half, COMMIT);
    const [message] = await waitFor('the committed message', async () => {
      const records = await pullAll(topic);
      return records.length > 0 ? records : undefined;
    });
    expect(message?.body.toString()).toBe('committed');
    expect((message?.sysFlag ?? 0) & MessageSysFlag.TRANSACTION_ROLLBACK_TYPE).toBe(COMMIT);
    expect(message?.preparedTransactionOffset).toBe(half.commitLogOffset);
    expect(message?.properties.get('UNIQ_KEY')).toBe(half.uniqKey);
    expect(message?.properties.get('KEYS')).toBe('committed');
    expect(message?.properties.has('TRAN_MSG')).toBe(false);
    expect(message?.properties.has('REAL_TOPIC')).toBe(false);
    // Resolved: the check service passes it without asking.
    await waitFor('the check scan', () => scannedPast(half.queueOffset), { timeoutMs: 5000 });
    expect(checks.get(half.uniqKey)).toBeUndefined();
  });

  it('never delivers a message rolled back, nor asks about it', async () => {
    const topic = uniqueName('TxRollback');
    const half = await sendHalf(topic, uniqueName('TxGroup'), 'rolled back');
    await end(half, ROLLBACK);
    await waitFor('the check scan', () => scannedPast(half.queueOffset), { timeoutMs: 5000 });
    expect(checks.get(half.uniqKey)).toBeUndefined();
    expect(await pullAll(topic)).toEqual([]);
  });

  it('asks the producer about an UNKNOWN transaction and delivers it when the check answers COMMIT', async () => {
    const topic = uniqueName('TxCheckCommit');
    const group = uniqueName('TxGroup');
    const half = await sendHalf(topic, group, 'checked then committed');
    answers.set(half.uniqKey, COMMIT);
    const started = Date.now();
    await end(half, UNKNOWN);
    const records = await waitFor(
      'the message committed from the check',
      async () => {
        const found = await pullAll(topic);
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT - 100);
    expect(records.map((r) => r.body.toString())).toEqual(['checked then committed']);
    const [check] = checks.get(half.uniqKey) ?? [];
    expect(check?.extFields).toMatchObject({
      topic: 'RMQ_SYS_TRANS_HALF_TOPIC',
      msgId: half.uniqKey,
      transactionId: half.uniqKey,
    });
    // The check names the copy put back into the half queue, not the first one.
    expect(Number(check?.extFields.tranStateTableOffset)).toBeGreaterThan(half.queueOffset);
    expect(check?.extFields.offsetMsgId).toMatch(/^[0-9A-F]{32}$/);
    const body = decodeRecord(check?.body ?? Buffer.alloc(0));
    expect(body).toMatchObject({ topic, queueId: 1 });
    expect(body.body.toString()).toBe('checked then committed');
    expect(Object.fromEntries(body.properties)).toMatchObject({
      PGROUP: group,
      TRAN_MSG: 'true',
      TRANSACTION_CHECK_TIMES: '1',
    });
    // Resolved by the check's answer: asked once only.
    await waitFor('the next scans', () => scannedPast(Number(check?.extFields.tranStateTableOffset)), {
      timeoutMs: 5000,
    });
    expect(checks.get(half.uniqKey)).toHaveLength(1);
  });

  it('does not deliver a message whose check answers ROLLBACK', async () => {
    const topic = uniqueName('TxCheckRollback');
    const half = await sendHalf(topic, uniqueName('TxGroup'), 'checked then rolled back');
    answers.set(half.uniqKey, ROLLBACK);
    const [check] = await waitFor('the check', () => checks.get(half.uniqKey), { timeoutMs: 10_000 });
    await waitFor('the next scans', () => scannedPast(Number(check?.extFields.tranStateTableOffset)), {
      timeoutMs: 5000,
    });
    expect(checks.get(half.uniqKey)).toHaveLength(1);
    expect(await pullAll(topic)).toEqual([]);
  });

  it(`gives up after ${CHECK_MAX} unanswered checks and parks the message in TRANS_CHECK_MAX_TIME_TOPIC`, async () => {
    const topic = uniqueName('TxUnanswered');
    const half = await sendHalf(topic, uniqueName('TxGroup'), 'never answered');
    const parked = await waitFor(
      'the discarded message',
      async () =>
        (await pullAll('TRANS_CHECK_MAX_TIME_TOPIC', 0)).find(
          (r) => r.properties.get('UNIQ_KEY') === half.uniqKey,
        ),
      { timeoutMs: 15_000 },
    );
    expect(parked.body.toString()).toBe('never answered');
    expect(checks.get(half.uniqKey)).toHaveLength(CHECK_MAX);
    expect(await pullAll(topic)).toEqual([]);
  });

  it('refuses an END_TRANSACTION that does not match the half message', async () => {
    const topic = uniqueName('TxMismatch');
    const half = await sendHalf(topic, uniqueName('TxGroup'), 'mismatch');
    const offsets = { tranStateTableOffset: half.queueOffset, commitLogOffset: half.commitLogOffset };
    const wrongGroup = await client.invoke(
      brokerAddr,
      endTransaction({ ...half, group: 'SomeOtherGroup' }, offsets, COMMIT),
      5000,
    );
    expect(wrongGroup).toMatchObject({ code: ResponseCode.SYSTEM_ERROR, remark: 'The producer group wrong' });
    const wrongOffset = await client.invoke(
      brokerAddr,
      endTransaction(half, { ...offsets, tranStateTableOffset: half.queueOffset + 1000 }, COMMIT),
      5000,
    );
    expect(wrongOffset.remark).toBe('The transaction state table offset wrong');
    const nowhere = await client.invoke(
      brokerAddr,
      endTransaction(half, { ...offsets, commitLogOffset: half.commitLogOffset + 1 }, COMMIT),
      5000,
    );
    expect(nowhere).toMatchObject({
      code: ResponseCode.SYSTEM_ERROR,
      remark: 'Find prepared transaction message failed',
    });
    const rolledBack = await client.invoke(brokerAddr, endTransaction(half, offsets, ROLLBACK), 5000);
    expect(rolledBack.code).toBe(ResponseCode.SUCCESS);
    expect(await pullAll(topic)).toEqual([]);
  });

  it('keeps its check progress across a restart and goes on checking what is still open', async () => {
    const committed = await sendHalf(
      uniqueName('TxBeforeRestart'),
      uniqueName('TxGroup'),
      'committed before',
    );
    await end(committed, COMMIT);
    const topic = uniqueName('TxAcrossRestart');
    const group = uniqueName('TxGroup');
    const open = await sendHalf(topic, group, 'open across a restart');
    await waitFor('a first check', () => checks.get(open.uniqKey), { timeoutMs: 10_000 });
    await broker.stop();
    const before = broker.context.offsets.query('CID_RMQ_SYS_TRANS', 'RMQ_SYS_TRANS_HALF_TOPIC', 0);
    expect(before).toBeGreaterThan(Math.max(committed.queueOffset, open.queueOffset));

    // Same store, new process: a higher check limit, so that the open one is not given up on meanwhile.
    ({ broker, address: brokerAddr } = await startBroker(namesrvAddr, {
      storePathRootDir: storeDir,
      transactionCheckInterval: CHECK_INTERVAL,
      transactionTimeOut: TIMEOUT,
      transactionCheckMax: 15,
    }));
    expect(broker.context.offsets.query('CID_RMQ_SYS_TRANS', 'RMQ_SYS_TRANS_HALF_TOPIC', 0)).toBe(before);
    const checksBefore = checks.get(open.uniqKey)?.length ?? 0;
    answers.set(open.uniqKey, COMMIT);
    await registerProducer(group);
    const records = await waitFor(
      'the message committed after the restart',
      async () => {
        const found = await pullAll(topic);
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(records.map((r) => r.body.toString())).toEqual(['open across a restart']);
    const asked = checks.get(open.uniqKey) ?? [];
    expect(asked.length).toBe(checksBefore + 1);
    // The copy it was asked about carries the count of every check, before the restart too.
    const last = decodeRecord(asked.at(-1)?.body ?? Buffer.alloc(0));
    expect(last.properties.get('TRANSACTION_CHECK_TIMES')).toBe(String(checksBefore + 1));
    expect(checks.get(committed.uniqKey)).toBeUndefined();
    expect((await pullAll(committed.topic)).map((r) => r.body.toString())).toEqual(['committed before']);
  });
});
