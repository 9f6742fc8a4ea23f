import {
  createRequest,
  decodeOffsetMessageId,
  decodeRecord,
  encodeBatchMessages,
  encodeHeader,
  encodeProperties,
  MessageSysFlag,
  RequestCode,
  ResponseCode,
  type HeaderValue,
  type MessageRecord,
  type RemotingCommand,
} from '@skyrocket/remoting';
import { startTestBroker, type TestBroker } from '../testing/test-broker';
import { TRANS_HALF_TOPIC, TRANS_OP_HALF_TOPIC } from '../topic/topic-validator';

const TOPIC = 'PaymentTopic';
const GROUP = 'PaymentTxGroup';
const UNIQ_KEY = '0A0000080001000000000000000000AB';
const COMMIT = MessageSysFlag.TRANSACTION_COMMIT_TYPE;
const ROLLBACK = MessageSysFlag.TRANSACTION_ROLLBACK_TYPE;

let harness: TestBroker;

afterEach(async () => {
  await harness.close();
});

/** SEND_MESSAGE_V2 of a half message as TransactionMQProducer sends it; returns the reply. */
function sendHalf(properties: Record<string, string> = {}): Promise<RemotingCommand> {
  return harness.request(
    RequestCode.SEND_MESSAGE_V2,
    {
      a: GROUP,
      b: TOPIC,
      c: 'TBW102',
      d: 4,
      e: 2,
      f: MessageSysFlag.TRANSACTION_PREPARED_TYPE,
      g: harness.clock.now(),
      h: 0,
      i: encodeProperties({ TAGS: 'Paid', UNIQ_KEY, TRAN_MSG: 'true', PGROUP: GROUP, ...properties }),
    },
    'payment #1',
  );
}

function endHeader(reply: RemotingCommand, decision: number, overrides: Record<string, HeaderValue> = {}) {
  return {
    topic: TOPIC,
    producerGroup: GROUP,
    tranStateTableOffset: Number(reply.extFields.queueOffset),
    commitLogOffset: decodeOffsetMessageId(reply.extFields.msgId ?? '').commitLogOffset,
    commitOrRollback: decision,
    fromTransactionCheck: false,
    msgId: UNIQ_KEY,
    transactionId: UNIQ_KEY,
    ...overrides,
  };
}

async function records(topic: string, queueId: number): Promise<MessageRecord[]> {
  const result = await harness.store.getMessage(topic, queueId, 0, { maxMessages: 32 });
  return result.records.map((record) => decodeRecord(record));
}

describe('SEND_MESSAGE with TRAN_MSG (half messages)', () => {
  it('parks the message in RMQ_SYS_TRANS_HALF_TOPIC and answers with the half queue offset', async () => {
    harness = await startTestBroker();
    const reply = await sendHalf();
    expect(reply.code).toBe(ResponseCode.SUCCESS);
    expect(reply.extFields).toMatchObject({ queueId: '2', queueOffset: '0', transactionId: UNIQ_KEY });
    expect(await records(TOPIC, 2)).toEqual([]);
    const [half] = await records(TRANS_HALF_TOPIC, 0);
    expect(half?.commitLogOffset).toBe(decodeOffsetMessageId(reply.extFields.msgId ?? '').commitLogOffset);
    expect(Object.fromEntries(half?.properties ?? [])).toMatchObject({
      REAL_TOPIC: TOPIC,
      REAL_QID: '2',
      __transactionId__: UNIQ_KEY,
      PGROUP: GROUP,
    });
  });

  it('ignores DELAY on a half message, as the Java producer does', async () => {
    harness = await startTestBroker();
    expect((await sendHalf({ DELAY: '3' })).code).toBe(ResponseCode.SUCCESS);
    const [half] = await records(TRANS_HALF_TOPIC, 0);
    expect(half?.properties.has('DELAY')).toBe(false);
  });

  it('refuses half messages with NO_PERMISSION when rejectTransactionMessage is set', async () => {
    harness = await startTestBroker({ rejectTransactionMessage: true });
    expect(await sendHalf()).toMatchObject({
      code: ResponseCode.NO_PERMISSION,
      remark: 'the broker[broker-a] sending transaction message is forbidden',
    });
  });

  it('refuses a batch that carries transaction messages', async () => {
    harness = await startTestBroker();
    const reply = await harness.request(
      RequestCode.SEND_BATCH_MESSAGE,
      { a: GROUP, b: TOPIC, c: 'TBW102', d: 4, e: 0, f: 0, g: harness.clock.now(), h: 0, m: true },
      encodeBatchMessages([{ flag: 0, body: Buffer.from('x'), properties: { TRAN_MSG: 'true' } }]),
    );
    expect(reply.code).toBe(ResponseCode.MESSAGE_ILLEGAL);
    expect(await records(TRANS_HALF_TOPIC, 0)).toEqual([]);
  });
});

describe('END_TRANSACTION', () => {
  it('COMMIT stores the message in its real topic and queue, then writes the op record', async () => {
    harness = await startTestBroker();
    const reply = await sendHalf();
    const header = endHeader(reply, COMMIT);
    expect((await harness.request(RequestCode.END_TRANSACTION, header)).code).toBe(ResponseCode.SUCCESS);
    const [message] = await records(TOPIC, 2);
    expect(message?.body.toString()).toBe('payment #1');
    expect(message?.sysFlag).toBe(COMMIT);
    expect(message?.preparedTransactionOffset).toBe(header.commitLogOffset);
    expect(Object.fromEntries(message?.properties ?? [])).toMatchObject({
      TAGS: 'Paid',
      UNIQ_KEY,
      PGROUP: GROUP,
    });
    for (const gone of ['TRAN_MSG', 'REAL_TOPIC', 'REAL_QID'])
      expect(message?.properties.has(gone)).toBe(false);
    const [op] = await records(TRANS_OP_HALF_TOPIC, 0);
    expect(op?.body.toString()).toBe('0,');
    expect(op?.properties.get('TAGS')).toBe('d');
  });

  it('ROLLBACK writes only the op record; UNKNOWN changes nothing and gets no answer', async () => {
    harness = await startTestBroker();
    const reply = await sendHalf();
    const unknown = createRequest(RequestCode.END_TRANSACTION, {
      extFields: encodeHeader(endHeader(reply, MessageSysFlag.TRANSACTION_NOT_TYPE)),
    });
    expect(await harness.broker.remoting.dispatch(unknown, harness.connection)).toBeUndefined();
    expect(await records(TRANS_OP_HALF_TOPIC, 0)).toEqual([]);
    const rollback = await harness.request(RequestCode.END_TRANSACTION, endHeader(reply, ROLLBACK));
    expect(rollback.code).toBe(ResponseCode.SUCCESS);
    expect(await records(TOPIC, 2)).toEqual([]);
    expect((await records(TRANS_OP_HALF_TOPIC, 0)).map((op) => op.body.toString())).toEqual(['0,']);
  });

  it('answers SYSTEM_ERROR when the group or an offset does not match the half message', async () => {
    harness = await startTestBroker();
    const reply = await sendHalf();
    const end = (overrides: Record<string, HeaderValue>) =>
      harness.request(RequestCode.END_TRANSACTION, endHeader(reply, COMMIT, overrides));
    expect(await end({ producerGroup: 'Other' })).toMatchObject({
      code: ResponseCode.SYSTEM_ERROR,
      remark: 'The producer group wrong',
    });
    expect((await end({ tranStateTableOffset: 5 })).remark).toBe('The transaction state table offset wrong');
    expect((await end({ commitLogOffset: 1 })).remark).toBe('Find prepared transaction message failed');
    expect(await records(TOPIC, 2)).toEqual([]);
    expect(await records(TRANS_OP_HALF_TOPIC, 0)).toEqual([]);
  });

  it('refuses the producer past CHECK_IMMUNITY_TIME_IN_SECONDS with ILLEGAL_OPERATION, but not a check answer', async () => {
    harness = await startTestBroker();
    const reply = await sendHalf({ CHECK_IMMUNITY_TIME_IN_SECONDS: '10' });
    harness.clock.advance(10_001);
    expect((await harness.request(RequestCode.END_TRANSACTION, endHeader(reply, COMMIT))).code).toBe(
      ResponseCode.ILLEGAL_OPERATION,
    );
    const fromCheck = endHeader(reply, COMMIT, { fromTransactionCheck: true });
    expect((await harness.request(RequestCode.END_TRANSACTION, fromCheck)).code).toBe(ResponseCode.SUCCESS);
    expect(await records(TOPIC, 2)).toHaveLength(1);
  });

  it('answers SLAVE_NOT_AVAILABLE on a slave', async () => {
    harness = await startTestBroker({ brokerRole: 'SLAVE', brokerId: 1 });
    const header = {
      producerGroup: GROUP,
      tranStateTableOffset: 0,
      commitLogOffset: 0,
      commitOrRollback: COMMIT,
      msgId: UNIQ_KEY,
    };
    expect((await harness.request(RequestCode.END_TRANSACTION, header)).code).toBe(
      ResponseCode.SLAVE_NOT_AVAILABLE,
    );
  });

  it('answers SYSTEM_ERROR naming a missing header field', async () => {
    harness = await startTestBroker();
    const reply = await harness.request(RequestCode.END_TRANSACTION, { producerGroup: GROUP });
    expect(reply.code).toBe(ResponseCode.SYSTEM_ERROR);
    expect(reply.remark).toContain('tranStateTableOffset');
  });
});
