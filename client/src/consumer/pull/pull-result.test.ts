import { deflateSync } from 'node:zlib';
import {
  createResponse,
  createRequest,
  encodeHeader,
  encodeRecord,
  javaStringHashCode,
  MessageSysFlag,
  ResponseCode,
  type MessageRecordInit,
} from '@skyrocket/remoting';

import { isClientError } from '../../errors';
import { messageQueue } from '../message-queue';
import { restoreRetryTopic, userProperties } from './message-ext';
import { decodePullResponse } from './pull-result';
import { buildSubscriptionData, matchesSubscription } from './subscription';

const queue = messageQueue('T', 'broker-a', 3);

function record(overrides: Partial<MessageRecordInit> & { queueOffset: number }): Buffer {
  return encodeRecord({
    queueId: 3,
    flag: 7,
    commitLogOffset: 1000 + overrides.queueOffset,
    sysFlag: 0,
    bornTimestamp: 1_700_000_000_000,
    bornHost: { address: '10.0.0.1', port: 5555 },
    storeTimestamp: 1_700_000_000_100,
    storeHost: { address: '127.0.0.1', port: 10911 },
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    body: Buffer.from(`body-${overrides.queueOffset}`),
    topic: 'T',
    properties: { TAGS: 'TagA', KEYS: 'k1 k2', UNIQ_KEY: `UNIQ${overrides.queueOffset}`, color: 'red' },
    ...overrides,
  });
}

function pullResponse(code: number, body?: Buffer) {
  return createResponse(createRequest(11), code, {
    extFields: encodeHeader({ suggestWhichBrokerId: 0, nextBeginOffset: 12, minOffset: 0, maxOffset: 20 }),
    body,
  });
}

describe('decodePullResponse', () => {
  it('maps response codes to pull statuses', () => {
    expect(decodePullResponse(pullResponse(ResponseCode.PULL_NOT_FOUND), queue, undefined).status).toBe(
      'NO_NEW_MSG',
    );
    expect(
      decodePullResponse(pullResponse(ResponseCode.PULL_RETRY_IMMEDIATELY), queue, undefined).status,
    ).toBe('NO_MATCHED_MSG');
    const moved = decodePullResponse(pullResponse(ResponseCode.PULL_OFFSET_MOVED), queue, undefined);
    expect(moved).toMatchObject({
      status: 'OFFSET_ILLEGAL',
      nextBeginOffset: 12,
      maxOffset: 20,
      messages: [],
    });
  });

  it('throws a ClientError naming the queue for error codes', () => {
    const response = createResponse(createRequest(11), ResponseCode.SUBSCRIPTION_NOT_EXIST, {
      remark: 'no sub',
    });
    let thrown: unknown;
    try {
      decodePullResponse(response, queue, undefined, '127.0.0.1:10911');
    } catch (error) {
      thrown = error;
    }
    expect(isClientError(thrown, 'BROKER_ERROR')).toBe(true);
    expect((thrown as Error).message).toContain('T@broker-a#3');
    expect((thrown as Error).message).toContain('no sub');
  });

  it('decodes every record of a FOUND body into MessageExt', () => {
    const body = Buffer.concat([record({ queueOffset: 10 }), record({ queueOffset: 11, reconsumeTimes: 2 })]);
    const result = decodePullResponse(pullResponse(ResponseCode.SUCCESS, body), queue, undefined);
    expect(result.status).toBe('FOUND');
    expect(result.foundCount).toBe(2);
    const [first, second] = result.messages;
    expect(first).toMatchObject({
      topic: 'T',
      tags: 'TagA',
      keys: ['k1', 'k2'],
      msgId: 'UNIQ10',
      brokerName: 'broker-a',
      queueId: 3,
      queueOffset: 10,
      commitLogOffset: 1010,
      bornTimestamp: 1_700_000_000_000,
      storeTimestamp: 1_700_000_000_100,
      bornHost: '10.0.0.1:5555',
      storeHost: '127.0.0.1:10911',
      reconsumeTimes: 0,
      flag: 7,
      bodyCompressed: false,
    });
    expect(first?.body.toString()).toBe('body-10');
    // offsetMsgId: 127.0.0.1, port 10911, commit-log offset 1010.
    expect(first?.offsetMsgId).toBe('7F00000100002A9F00000000000003F2');
    expect(first?.properties.MAX_OFFSET).toBe('20');
    expect(second?.reconsumeTimes).toBe(2);
    expect(userProperties(first!)).toEqual({ color: 'red' });
  });

  it('uses the offset msgId when the message has no UNIQ_KEY', () => {
    const body = record({ queueOffset: 1, properties: { TAGS: 'x' } });
    const [message] = decodePullResponse(pullResponse(ResponseCode.SUCCESS, body), queue, undefined).messages;
    expect(message?.msgId).toBe(message?.offsetMsgId);
    expect(message?.keys).toEqual([]);
  });

  it('inflates zlib-compressed bodies and clears the flag', () => {
    const original = Buffer.alloc(5000, 'compressible ');
    const body = record({
      queueOffset: 1,
      body: deflateSync(original),
      sysFlag: MessageSysFlag.COMPRESSED_FLAG | MessageSysFlag.COMPRESSION_ZLIB_TYPE,
    });
    const [message] = decodePullResponse(pullResponse(ResponseCode.SUCCESS, body), queue, undefined).messages;
    expect(message?.body.equals(original)).toBe(true);
    expect(message?.bodyCompressed).toBe(false);
    expect((message?.sysFlag ?? 0) & MessageSysFlag.COMPRESSED_FLAG).toBe(0);
  });

  it('hands over an LZ4 body as stored, marked compressed', () => {
    const body = record({
      queueOffset: 1,
      body: Buffer.from('lz4-bytes'),
      sysFlag: MessageSysFlag.COMPRESSED_FLAG | MessageSysFlag.COMPRESSION_LZ4_TYPE,
    });
    const [message] = decodePullResponse(pullResponse(ResponseCode.SUCCESS, body), queue, undefined).messages;
    expect(message?.bodyCompressed).toBe(true);
    expect(message?.body.toString()).toBe('lz4-bytes');
  });

  it('re-checks exact tags after the broker hash filter', () => {
    // "Aa" and "BB" have the same Java hash code, so a broker filtering by hash lets both through.
    expect(javaStringHashCode('Aa')).toBe(javaStringHashCode('BB'));
    const body = Buffer.concat([
      record({ queueOffset: 1, properties: { TAGS: 'Aa' } }),
      record({ queueOffset: 2, properties: { TAGS: 'BB' } }),
      record({ queueOffset: 3, properties: {} }),
    ]);
    const subscription = buildSubscriptionData('T', 'Aa || Other', 1);
    const result = decodePullResponse(pullResponse(ResponseCode.SUCCESS, body), queue, subscription);
    expect(result.foundCount).toBe(3);
    expect(result.messages.map((m) => m.queueOffset)).toEqual([1]);
  });

  it('refuses a corrupt body with INVALID_RESPONSE', () => {
    const body = record({ queueOffset: 1 }).subarray(0, 50);
    expect(() => decodePullResponse(pullResponse(ResponseCode.SUCCESS, body), queue, undefined)).toThrow(
      expect.objectContaining({ errorName: 'INVALID_RESPONSE' }),
    );
  });

  it('refuses a response without its header fields', () => {
    const response = createResponse(createRequest(11), ResponseCode.PULL_NOT_FOUND, { extFields: {} });
    expect(() => decodePullResponse(response, queue, undefined)).toThrow(
      expect.objectContaining({ errorName: 'INVALID_RESPONSE' }),
    );
  });
});

describe('subscriptions', () => {
  it('reads * and empty as everything', () => {
    expect(buildSubscriptionData('T', '*', 5)).toEqual({
      topic: 'T',
      subString: '*',
      tagsSet: [],
      codeSet: [],
      subVersion: 5,
      expressionType: 'TAG',
    });
    expect(buildSubscriptionData('T', '  ', 5).subString).toBe('*');
    expect(matchesSubscription(buildSubscriptionData('T', '*', 1), undefined)).toBe(true);
  });

  it('splits || into trimmed tags with Java hash codes', () => {
    const sub = buildSubscriptionData('T', ' TagA || TagB||TagA ', 1);
    expect(sub.tagsSet).toEqual(['TagA', 'TagB']);
    expect(sub.codeSet).toEqual([javaStringHashCode('TagA'), javaStringHashCode('TagB')]);
    expect(matchesSubscription(sub, 'TagB')).toBe(true);
    expect(matchesSubscription(sub, 'TagC')).toBe(false);
    expect(matchesSubscription(sub, undefined)).toBe(false);
  });

  it('refuses an expression without a tag', () => {
    expect(() => buildSubscriptionData('T', '||', 1)).toThrow(RangeError);
  });
});

describe('restoreRetryTopic', () => {
  it('reports a retried message under its original topic', () => {
    const body = record({ queueOffset: 1, topic: '%RETRY%G', properties: { RETRY_TOPIC: 'T' } });
    const [message] = decodePullResponse(pullResponse(ResponseCode.SUCCESS, body), queue, undefined).messages;
    expect(restoreRetryTopic(message!, 'G').topic).toBe('T');
    expect(restoreRetryTopic(message!, 'Other').topic).toBe('%RETRY%G');
  });
});
