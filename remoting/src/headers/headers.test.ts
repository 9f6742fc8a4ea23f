// Every request family's schema against headers as Java writes them (strings) and as ali-ons writes them (raw JSON
// values), plus the fields whose Java defaults or leniency matter.
import { z } from 'zod';

import {
  BrokerHeartbeatRequestHeader,
  GetBrokerMemberGroupRequestHeader,
  QueryDataVersionResponseHeader,
  RegisterBrokerRequestHeader,
  RegisterBrokerResponseHeader,
  UnregisterBrokerRequestHeader,
} from './broker-registration';
import {
  EmptyHeader,
  GetConsumerListByGroupRequestHeader,
  HeartbeatRequestHeader,
  LockBatchMqRequestHeader,
  NotifyConsumerIdsChangedRequestHeader,
  UnregisterClientRequestHeader,
} from './client-management';
import {
  AddWritePermOfBrokerRequestHeader,
  AddWritePermOfBrokerResponseHeader,
  WipeWritePermOfBrokerRequestHeader,
  WipeWritePermOfBrokerResponseHeader,
} from './broker-permission';
import { decodeHeader, encodeHeader } from './codec';
import {
  QueryConsumerOffsetRequestHeader,
  QueryConsumerOffsetResponseHeader,
  UpdateConsumerOffsetRequestHeader,
} from './consumer-offset';
import { ConsumerSendMsgBackRequestHeader } from './consumer-send-msg-back';
import {
  DeleteKVConfigRequestHeader,
  GetKVConfigRequestHeader,
  GetKVConfigResponseHeader,
  GetKVListByNamespaceRequestHeader,
  PutKVConfigRequestHeader,
} from './kv-config';
import { PullMessageRequestHeader, PullMessageResponseHeader } from './pull-message';
import {
  QueryMessageRequestHeader,
  QueryMessageResponseHeader,
  ViewMessageRequestHeader,
} from './query-message';
import {
  GetEarliestMsgStoretimeRequestHeader,
  GetEarliestMsgStoretimeResponseHeader,
  GetMaxOffsetRequestHeader,
  GetMaxOffsetResponseHeader,
  GetMinOffsetRequestHeader,
  GetMinOffsetResponseHeader,
  SearchOffsetRequestHeader,
  SearchOffsetResponseHeader,
} from './queue-offset';
import {
  DeleteTopicFromNamesrvRequestHeader,
  GetRouteInfoRequestHeader,
  GetTopicsByClusterRequestHeader,
  RegisterTopicRequestHeader,
} from './route';
import { CreateTopicRequestHeader, DeleteTopicRequestHeader } from './topic-admin';
import { CheckTransactionStateRequestHeader, EndTransactionRequestHeader } from './transaction';

type Case = [name: string, schema: z.ZodType<object>, decoded: Record<string, string | number | boolean>];

// Decoded values; the Java form of each is String(value).
const CASES: Case[] = [
  [
    'RegisterBrokerRequestHeader',
    RegisterBrokerRequestHeader,
    {
      brokerName: 'broker-a',
      brokerAddr: '10.0.0.1:10911',
      clusterName: 'DefaultCluster',
      haServerAddr: '10.0.0.1:10912',
      brokerId: 0,
      heartbeatTimeoutMillis: 120000,
      enableActingMaster: false,
      compressed: false,
      bodyCrc32: 123456,
    },
  ],
  ['RegisterBrokerResponseHeader', RegisterBrokerResponseHeader, { haServerAddr: 'h:1', masterAddr: 'm:2' }],
  [
    'UnregisterBrokerRequestHeader',
    UnregisterBrokerRequestHeader,
    { brokerName: 'b', brokerAddr: 'a:1', clusterName: 'c', brokerId: 1 },
  ],
  ['QueryDataVersionResponseHeader', QueryDataVersionResponseHeader, { changed: true }],
  [
    'GetBrokerMemberGroupRequestHeader',
    GetBrokerMemberGroupRequestHeader,
    { clusterName: 'c', brokerName: 'b' },
  ],
  ['WipeWritePermOfBrokerRequestHeader', WipeWritePermOfBrokerRequestHeader, { brokerName: 'b' }],
  ['WipeWritePermOfBrokerResponseHeader', WipeWritePermOfBrokerResponseHeader, { wipeTopicCount: 3 }],
  ['AddWritePermOfBrokerRequestHeader', AddWritePermOfBrokerRequestHeader, { brokerName: 'b' }],
  ['AddWritePermOfBrokerResponseHeader', AddWritePermOfBrokerResponseHeader, { addTopicCount: 3 }],
  [
    'BrokerHeartbeatRequestHeader',
    BrokerHeartbeatRequestHeader,
    { clusterName: 'c', brokerAddr: 'a:1', brokerName: 'b', brokerId: 0, epoch: 2, maxOffset: 1000 },
  ],
  ['GetRouteInfoRequestHeader', GetRouteInfoRequestHeader, { topic: 'T', acceptStandardJsonOnly: true }],
  ['RegisterTopicRequestHeader', RegisterTopicRequestHeader, { topic: 'T' }],
  [
    'DeleteTopicFromNamesrvRequestHeader',
    DeleteTopicFromNamesrvRequestHeader,
    { topic: 'T', clusterName: 'c' },
  ],
  ['GetTopicsByClusterRequestHeader', GetTopicsByClusterRequestHeader, { cluster: 'c' }],
  [
    'PutKVConfigRequestHeader',
    PutKVConfigRequestHeader,
    { namespace: 'ORDER_TOPIC_CONFIG', key: 'T', value: 'b:4' },
  ],
  ['GetKVConfigRequestHeader', GetKVConfigRequestHeader, { namespace: 'N', key: 'K' }],
  ['GetKVConfigResponseHeader', GetKVConfigResponseHeader, { value: 'V' }],
  ['DeleteKVConfigRequestHeader', DeleteKVConfigRequestHeader, { namespace: 'N', key: 'K' }],
  ['GetKVListByNamespaceRequestHeader', GetKVListByNamespaceRequestHeader, { namespace: 'N' }],
  [
    'PullMessageRequestHeader',
    PullMessageRequestHeader,
    {
      consumerGroup: 'CG',
      topic: 'TopicTest',
      queueId: 1,
      queueOffset: 100,
      maxMsgNums: 32,
      sysFlag: 3,
      commitOffset: 99,
      suspendTimeoutMillis: 15000,
      subscription: 'TagA || TagB',
      subVersion: 1700000000000,
      expressionType: 'TAG',
    },
  ],
  [
    'PullMessageResponseHeader',
    PullMessageResponseHeader,
    { suggestWhichBrokerId: 0, nextBeginOffset: 101, minOffset: 0, maxOffset: 101 },
  ],
  [
    'QueryConsumerOffsetRequestHeader',
    QueryConsumerOffsetRequestHeader,
    { consumerGroup: 'CG', topic: 'T', queueId: 0, setZeroIfNotFound: false },
  ],
  ['QueryConsumerOffsetResponseHeader', QueryConsumerOffsetResponseHeader, { offset: -1 }],
  [
    'UpdateConsumerOffsetRequestHeader',
    UpdateConsumerOffsetRequestHeader,
    { consumerGroup: 'CG', topic: 'T', queueId: 0, commitOffset: 12 },
  ],
  ['GetMaxOffsetRequestHeader', GetMaxOffsetRequestHeader, { topic: 'T', queueId: 0, committed: false }],
  ['GetMaxOffsetResponseHeader', GetMaxOffsetResponseHeader, { offset: 7 }],
  ['GetMinOffsetRequestHeader', GetMinOffsetRequestHeader, { topic: 'T', queueId: 0 }],
  ['GetMinOffsetResponseHeader', GetMinOffsetResponseHeader, { offset: 0 }],
  [
    'SearchOffsetRequestHeader',
    SearchOffsetRequestHeader,
    { topic: 'T', queueId: 0, timestamp: 1700000000000, boundaryType: 'upper' },
  ],
  ['SearchOffsetResponseHeader', SearchOffsetResponseHeader, { offset: 3 }],
  ['GetEarliestMsgStoretimeRequestHeader', GetEarliestMsgStoretimeRequestHeader, { topic: 'T', queueId: 0 }],
  [
    'GetEarliestMsgStoretimeResponseHeader',
    GetEarliestMsgStoretimeResponseHeader,
    { timestamp: 1700000000000 },
  ],
  ['ViewMessageRequestHeader', ViewMessageRequestHeader, { offset: 123456789, topic: 'T' }],
  [
    'QueryMessageRequestHeader',
    QueryMessageRequestHeader,
    { topic: 'T', key: 'k1', maxNum: 32, beginTimestamp: 0, endTimestamp: 1700000000000 },
  ],
  [
    'QueryMessageResponseHeader',
    QueryMessageResponseHeader,
    { indexLastUpdateTimestamp: 1700000000000, indexLastUpdatePhyoffset: 4096 },
  ],
  [
    'UnregisterClientRequestHeader',
    UnregisterClientRequestHeader,
    { clientID: '10.0.0.5@123', producerGroup: 'PG', consumerGroup: 'CG' },
  ],
  ['GetConsumerListByGroupRequestHeader', GetConsumerListByGroupRequestHeader, { consumerGroup: 'CG' }],
  ['NotifyConsumerIdsChangedRequestHeader', NotifyConsumerIdsChangedRequestHeader, { consumerGroup: 'CG' }],
  [
    'ConsumerSendMsgBackRequestHeader',
    ConsumerSendMsgBackRequestHeader,
    {
      offset: 2048,
      group: 'CG',
      delayLevel: 0,
      originMsgId: 'U',
      originTopic: 'T',
      unitMode: false,
      maxReconsumeTimes: 16,
    },
  ],
  [
    'EndTransactionRequestHeader',
    EndTransactionRequestHeader,
    {
      topic: 'T',
      producerGroup: 'PG',
      tranStateTableOffset: 5,
      commitLogOffset: 2048,
      commitOrRollback: 8,
      fromTransactionCheck: true,
      msgId: 'U',
      transactionId: 'U',
    },
  ],
  [
    'CheckTransactionStateRequestHeader',
    CheckTransactionStateRequestHeader,
    {
      topic: 'T',
      tranStateTableOffset: 5,
      commitLogOffset: 2048,
      msgId: 'U',
      transactionId: 'U',
      offsetMsgId: 'O',
    },
  ],
  [
    'CreateTopicRequestHeader',
    CreateTopicRequestHeader,
    {
      topic: 'T',
      defaultTopic: 'TBW102',
      readQueueNums: 8,
      writeQueueNums: 8,
      perm: 6,
      topicFilterType: 'SINGLE_TAG',
      topicSysFlag: 0,
      order: false,
      attributes: '+message.type=NORMAL',
      force: false,
    },
  ],
  ['DeleteTopicRequestHeader', DeleteTopicRequestHeader, { topic: 'T' }],
];

function javaForm(decoded: Record<string, string | number | boolean>): Record<string, string> {
  return Object.fromEntries(Object.entries(decoded).map(([k, v]) => [k, String(v)]));
}

describe.each(CASES)('%s', (_name, schema, decoded) => {
  it('decodes the Java string form', () => {
    expect(decodeHeader(schema, javaForm(decoded))).toEqual(decoded);
  });

  it('decodes raw JSON numbers and booleans (ali-ons)', () => {
    expect(decodeHeader(schema, decoded)).toEqual(decoded);
  });

  it('encodes back to the Java string form', () => {
    expect(encodeHeader(decodeHeader(schema, decoded) as Record<string, string | number | boolean>)).toEqual(
      javaForm(decoded),
    );
  });

  it('ignores base fields and unknown fields', () => {
    const extra = {
      ns: 'n',
      nsd: 'true',
      bname: 'b',
      oway: 'false',
      lo: 'true',
      AccessKey: 'ak',
      OnsChannel: 'ALIYUN',
    };
    expect(decodeHeader(schema, { ...javaForm(decoded), ...extra })).toEqual(decoded);
  });
});

describe('header details', () => {
  it('matches the extFields Java 5.3.3 writes for REGISTER_BROKER and PULL_MESSAGE', () => {
    // RemotingCommand.makeCustomHeaderToNet output recorded with the message fixtures.
    const registerBroker = {
      bodyCrc32: '123456',
      brokerAddr: '10.0.0.1:10911',
      brokerId: '0',
      brokerName: 'broker-a',
      clusterName: 'DefaultCluster',
      compressed: 'false',
      haServerAddr: '10.0.0.1:10912',
    };
    expect(encodeHeader(decodeHeader(RegisterBrokerRequestHeader, registerBroker))).toEqual(registerBroker);
    const pull = {
      commitOffset: '99',
      consumerGroup: 'CG',
      expressionType: 'TAG',
      maxMsgNums: '32',
      queueId: '1',
      queueOffset: '100',
      subVersion: '1700000000000',
      subscription: 'TagA || TagB',
      suspendTimeoutMillis: '15000',
      sysFlag: '3',
      topic: 'TopicTest',
    };
    expect(encodeHeader(decodeHeader(PullMessageRequestHeader, pull))).toEqual(pull);
  });

  it('accepts a REGISTER_BROKER without haServerAddr, as the Java NameServer does', () => {
    const header = decodeHeader(RegisterBrokerRequestHeader, {
      brokerName: 'b',
      brokerAddr: 'a:1',
      clusterName: 'c',
      brokerId: '0',
    });
    expect(header.haServerAddr).toBeUndefined();
  });

  it('applies the Java field initializers when a field is absent', () => {
    expect(
      decodeHeader(RegisterBrokerRequestHeader, {
        brokerName: 'b',
        brokerAddr: 'a:1',
        clusterName: 'c',
        haServerAddr: 'a:2',
        brokerId: '0',
      }),
    ).toMatchObject({ compressed: false, bodyCrc32: 0 });
    expect(decodeHeader(GetMaxOffsetRequestHeader, { topic: 'T', queueId: '0' }).committed).toBe(true);
    expect(
      decodeHeader(EndTransactionRequestHeader, {
        producerGroup: 'PG',
        tranStateTableOffset: '1',
        commitLogOffset: '2',
        commitOrRollback: '12',
        msgId: 'U',
      }).fromTransactionCheck,
    ).toBe(false);
    expect(
      decodeHeader(ConsumerSendMsgBackRequestHeader, { offset: '1', group: 'G', delayLevel: '3' }).unitMode,
    ).toBe(false);
  });

  it('accepts Long.MAX_VALUE as the end of a QUERY_MESSAGE range (mqadmin queryMsgByKey)', () => {
    const header = decodeHeader(QueryMessageRequestHeader, {
      topic: 'T',
      key: 'k',
      maxNum: '32',
      beginTimestamp: '0',
      endTimestamp: '9223372036854775807',
    });
    expect(header.endTimestamp).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('reads boundaryType like BoundaryType.getType', () => {
    const base = { topic: 'T', queueId: '0', timestamp: '1' };
    expect(decodeHeader(SearchOffsetRequestHeader, { ...base, boundaryType: 'UPPER' }).boundaryType).toBe(
      'upper',
    );
    expect(decodeHeader(SearchOffsetRequestHeader, { ...base, boundaryType: 'other' }).boundaryType).toBe(
      'lower',
    );
    expect(decodeHeader(SearchOffsetRequestHeader, base).boundaryType).toBeUndefined();
  });

  it('rejects an unknown topicFilterType by name', () => {
    expect(() =>
      decodeHeader(CreateTopicRequestHeader, {
        topic: 'T',
        defaultTopic: 'TBW102',
        readQueueNums: '8',
        writeQueueNums: '8',
        perm: '6',
        topicFilterType: 'ALL',
      }),
    ).toThrow('header field "topicFilterType": expected one of "SINGLE_TAG", "MULTI_TAG", got "ALL"');
  });

  it('rejects a broker id beyond the safe range with the field name', () => {
    expect(() =>
      decodeHeader(UnregisterBrokerRequestHeader, {
        brokerName: 'b',
        brokerAddr: 'a:1',
        clusterName: 'c',
        brokerId: '9223372036854775807',
      }),
    ).toThrow(/^header field "brokerId": expected an int64 within the JavaScript safe-integer range/);
  });

  it('decodes headers without fields of their own', () => {
    expect(decodeHeader(HeartbeatRequestHeader, { ns: 'n', oway: 'true' })).toEqual({});
    expect(decodeHeader(LockBatchMqRequestHeader, undefined)).toEqual({});
    expect(EmptyHeader).toBe(HeartbeatRequestHeader);
  });
});
