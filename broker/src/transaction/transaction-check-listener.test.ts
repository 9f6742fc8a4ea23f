import { silentLogger } from '@skyrocket/common';
import {
  decodeRecord,
  encodeProperties,
  encodeRecord,
  MessageSysFlag,
  RequestCode,
  type Connection,
  type MessageRecord,
  type RemotingCommand,
} from '@skyrocket/remoting';
import { MemoryMessageStore } from '@skyrocket/store';
import type { ClientChannel } from '../client/client-managers';
import { TRANS_HALF_TOPIC } from '../topic/topic-validator';
import { isTransactionPrepared, TRANS_CHECK_MAX_TIME_TOPIC } from './half-message';
import { BrokerTransactionCheckListener, checkTransactionStateRequest } from './transaction-check-listener';

const UNIQ_KEY = '7F0000010F2C18B4AAC2000000000001';

/** A half message as stored: half topic, real destination in properties, checked once. */
function halfRecord(): MessageRecord {
  return decodeRecord(
    encodeRecord({
      queueId: 0,
      flag: 3,
      queueOffset: 7,
      commitLogOffset: 4096,
      sysFlag: 0,
      bornTimestamp: 1_700_000_000_000,
      bornHost: { address: '10.0.0.9', port: 40000 },
      storeTimestamp: 1_700_000_000_005,
      storeHost: { address: '127.0.0.1', port: 10911 },
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
      body: Buffer.from('order #1'),
      topic: TRANS_HALF_TOPIC,
      properties: encodeProperties({
        TAGS: 'TagA',
        UNIQ_KEY,
        TRAN_MSG: 'true',
        PGROUP: 'TxGroup',
        REAL_TOPIC: 'OrderTopic',
        REAL_QID: '3',
        __transactionId__: UNIQ_KEY,
        TRANSACTION_CHECK_TIMES: '1',
      }),
    }),
  );
}

describe('CHECK_TRANSACTION_STATE', () => {
  it('carries the offsets of the half message and its ids in the header (AbstractTransactionalMessageCheckListener)', () => {
    const request = checkTransactionStateRequest(
      halfRecord(),
      '7F00000100002A9F0000000000001000',
      'broker-a',
    );
    expect(request.code).toBe(RequestCode.CHECK_TRANSACTION_STATE);
    expect(request.extFields).toEqual({
      topic: TRANS_HALF_TOPIC,
      tranStateTableOffset: '7',
      commitLogOffset: '4096',
      msgId: UNIQ_KEY,
      transactionId: UNIQ_KEY,
      offsetMsgId: '7F00000100002A9F0000000000001000',
      bname: 'broker-a',
    });
  });

  it('sends the half message as a record with its real topic and queue restored and every property kept', () => {
    const body = decodeRecord(checkTransactionStateRequest(halfRecord(), 'ID', 'broker-a').body as Buffer);
    expect(body).toMatchObject({
      topic: 'OrderTopic',
      queueId: 3,
      flag: 3,
      queueOffset: 7,
      commitLogOffset: 4096,
      bornTimestamp: 1_700_000_000_000,
      storeTimestamp: 1_700_000_000_005,
    });
    expect(body.body.toString()).toBe('order #1');
    expect(Object.fromEntries(body.properties)).toMatchObject({
      PGROUP: 'TxGroup',
      UNIQ_KEY,
      TRAN_MSG: 'true',
      TRANSACTION_CHECK_TIMES: '1',
    });
  });

  it('goes oneway to a live producer of the PGROUP, and nowhere when there is none', () => {
    const sent: RemotingCommand[] = [];
    const connection = { invokeOneway: (request: RemotingCommand) => sent.push(request) };
    const channels = new Map<string, ClientChannel>([
      [
        'TxGroup',
        {
          clientId: 'c1',
          connection: connection as unknown as Connection,
          language: 'JAVA',
          version: 479,
          lastUpdateTimestamp: 0,
        },
      ],
    ]);
    const listener = new BrokerTransactionCheckListener({
      store: new MemoryMessageStore({ storeHost: { address: '127.0.0.1', port: 1 } }),
      producers: { anyChannel: (group) => channels.get(group) },
      topics: { getOrCreateSystemTopic: () => undefined },
      brokerName: 'broker-a',
      logger: silentLogger(),
    });
    listener.resolveHalfMessage(halfRecord(), 'ID');
    expect(sent.map((r) => r.code)).toEqual([RequestCode.CHECK_TRANSACTION_STATE]);
    channels.clear();
    listener.resolveHalfMessage(halfRecord(), 'ID');
    expect(sent).toHaveLength(1);
  });

  it(`discards a half message checked too often into ${TRANS_CHECK_MAX_TIME_TOPIC}`, async () => {
    const store = new MemoryMessageStore({ storeHost: { address: '127.0.0.1', port: 1 } });
    await store.start();
    const created: string[] = [];
    const listener = new BrokerTransactionCheckListener({
      store,
      producers: { anyChannel: () => undefined },
      topics: {
        getOrCreateSystemTopic: (topic) => created.push(topic),
      },
      brokerName: 'broker-a',
      logger: silentLogger(),
    });
    await listener.resolveDiscardMessage(halfRecord());
    expect(created).toEqual([TRANS_CHECK_MAX_TIME_TOPIC]);
    const parked = await store.getMessage(TRANS_CHECK_MAX_TIME_TOPIC, 0, 0, { maxMessages: 1 });
    const record = decodeRecord(parked.records[0] as Buffer);
    expect(record.body.toString()).toBe('order #1');
    expect(record.properties.get('REAL_TOPIC')).toBe('OrderTopic');
  });
});

describe('isTransactionPrepared (SendMessageProcessor)', () => {
  it('takes TRAN_MSG=true or the PREPARED sysFlag, except a retried message with a delay level', () => {
    expect(isTransactionPrepared(new Map([['TRAN_MSG', 'true']]), 0, 0)).toBe(true);
    expect(isTransactionPrepared(new Map([['TRAN_MSG', 'TRUE']]), 0, 0)).toBe(true);
    expect(isTransactionPrepared(new Map(), MessageSysFlag.TRANSACTION_PREPARED_TYPE, 0)).toBe(true);
    expect(isTransactionPrepared(new Map([['TRAN_MSG', 'false']]), 0, 0)).toBe(false);
    expect(isTransactionPrepared(new Map(), MessageSysFlag.TRANSACTION_COMMIT_TYPE, 0)).toBe(false);
    expect(
      isTransactionPrepared(
        new Map([
          ['TRAN_MSG', 'true'],
          ['DELAY', '3'],
        ]),
        0,
        1,
      ),
    ).toBe(false);
  });
});
