import { RequestCode } from '../protocol/request-code';
import { decodeHeader, encodeHeader, HeaderDecodeError } from './codec';
import {
  createSendMessageRequestHeaderV1,
  createSendMessageRequestHeaderV2,
  parseSendMessageRequestHeader,
  SendMessageRequestHeader,
  SendMessageRequestHeaderV2,
  SendMessageResponseHeader,
} from './send-message';

// extFields as Java 5.3.3 puts them on the wire (RemotingCommand.makeCustomHeaderToNet of a SendMessageRequestHeader
// and of SendMessageRequestHeaderV2.createSendMessageRequestHeaderV2 of it), recorded with the message fixtures.
const JAVA_V1 = {
  batch: 'false',
  bname: 'broker-a',
  bornTimestamp: '1700000000000',
  defaultTopic: 'TBW102',
  defaultTopicQueueNums: '4',
  flag: '0',
  maxReconsumeTimes: '16',
  producerGroup: 'PG',
  properties: 'TAGS\u0001TagA\u0002WAIT\u0001true\u0002',
  queueId: '2',
  reconsumeTimes: '0',
  sysFlag: '0',
  topic: 'TopicTest',
  unitMode: 'false',
};
const JAVA_V2 = {
  a: 'PG',
  b: 'TopicTest',
  c: 'TBW102',
  d: '4',
  e: '2',
  f: '0',
  g: '1700000000000',
  h: '0',
  i: 'TAGS\u0001TagA\u0002WAIT\u0001true\u0002',
  j: '0',
  k: 'false',
  l: '16',
  m: 'false',
  n: 'broker-a',
};
// What ali-ons 3.12 sends for SEND_MESSAGE_V2 (lib/mq_client_api.js): keys a..l with raw JSON values.
const ALI_ONS_V2 = {
  a: 'PG',
  b: 'TopicTest',
  c: 'TBW102',
  d: 4,
  e: 2,
  f: 0,
  g: 1700000000000,
  h: 0,
  i: 'TAGS\u0001TagA\u0002WAIT\u0001true\u0002',
  j: 0,
  k: false,
  l: 16,
};

describe('send message headers', () => {
  it('decodes the Java V1 and V2 headers to the same values', () => {
    const v1 = decodeHeader(SendMessageRequestHeader, JAVA_V1);
    const v2 = decodeHeader(SendMessageRequestHeaderV2, JAVA_V2);
    expect(v1).toEqual({
      producerGroup: 'PG',
      topic: 'TopicTest',
      defaultTopic: 'TBW102',
      defaultTopicQueueNums: 4,
      queueId: 2,
      sysFlag: 0,
      bornTimestamp: 1700000000000,
      flag: 0,
      properties: 'TAGS\u0001TagA\u0002WAIT\u0001true\u0002',
      reconsumeTimes: 0,
      unitMode: false,
      batch: false,
      maxReconsumeTimes: 16,
      bname: 'broker-a',
    });
    expect(createSendMessageRequestHeaderV1(v2)).toStrictEqual(v1);
    expect(createSendMessageRequestHeaderV2(v1)).toStrictEqual(v2);
  });

  it('encodes back to exactly the extFields Java sends', () => {
    expect(encodeHeader(decodeHeader(SendMessageRequestHeader, JAVA_V1))).toEqual(JAVA_V1);
    expect(
      encodeHeader(createSendMessageRequestHeaderV2(decodeHeader(SendMessageRequestHeader, JAVA_V1))),
    ).toEqual(JAVA_V2);
  });

  it('decodes the ali-ons V2 header with raw numbers and booleans', () => {
    const v1 = parseSendMessageRequestHeader(RequestCode.SEND_MESSAGE_V2, ALI_ONS_V2);
    expect(v1).toStrictEqual({
      producerGroup: 'PG',
      topic: 'TopicTest',
      defaultTopic: 'TBW102',
      defaultTopicQueueNums: 4,
      queueId: 2,
      sysFlag: 0,
      bornTimestamp: 1700000000000,
      flag: 0,
      properties: 'TAGS\u0001TagA\u0002WAIT\u0001true\u0002',
      reconsumeTimes: 0,
      unitMode: false,
      maxReconsumeTimes: 16,
    });
  });

  it('parses the header by request code', () => {
    const v1 = decodeHeader(SendMessageRequestHeader, JAVA_V1);
    expect(parseSendMessageRequestHeader(RequestCode.SEND_MESSAGE, JAVA_V1)).toEqual(v1);
    expect(parseSendMessageRequestHeader(RequestCode.SEND_MESSAGE_V2, JAVA_V2)).toEqual(v1);
    expect(
      parseSendMessageRequestHeader(RequestCode.SEND_BATCH_MESSAGE, { ...JAVA_V2, m: 'true' }).batch,
    ).toBe(true);
    expect(() => parseSendMessageRequestHeader(RequestCode.PULL_MESSAGE, JAVA_V2)).toThrow(HeaderDecodeError);
  });

  it('names the V2 key at fault', () => {
    const { b: _b, ...withoutTopic } = JAVA_V2;
    expect(() => parseSendMessageRequestHeader(RequestCode.SEND_MESSAGE_V2, withoutTopic)).toThrow(
      'missing required header field "b"',
    );
    expect(() => parseSendMessageRequestHeader(RequestCode.SEND_MESSAGE_V2, { ...JAVA_V2, e: 'x' })).toThrow(
      'header field "e": expected an int32, got "x"',
    );
  });

  it('decodes and encodes the response header', () => {
    const extFields = {
      msgId: 'C0A8010A00002A9F00000000075BCD15',
      queueId: '2',
      queueOffset: '41',
      transactionId: 'U',
    };
    const header = decodeHeader(SendMessageResponseHeader, extFields);
    expect(header).toEqual({
      msgId: 'C0A8010A00002A9F00000000075BCD15',
      queueId: 2,
      queueOffset: 41,
      transactionId: 'U',
    });
    expect(encodeHeader(header)).toEqual(extFields);
  });
});
