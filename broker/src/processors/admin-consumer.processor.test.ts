import { RequestCode, ResponseCode } from '@skyrocket/remoting';
import { topicConfig } from '../topic/topic-config-manager';
import { startTestBroker, type TestBroker } from '../testing/test-broker';

/** Reads fastjson's object-keyed ConsumeStats body back into rows (tests only; the format is in admin/fastjson.ts). */
function consumeStatsRows(body: string): Array<Record<string, unknown>> {
  const rows: Array<Record<string, unknown>> = [];
  for (const match of body.matchAll(/(\{"brokerName"[^}]*\}):(\{[^}]*\})/g)) {
    rows.push({ ...(JSON.parse(match[1] ?? '') as object), ...(JSON.parse(match[2] ?? '') as object) });
  }
  return rows;
}

describe('consumer admin processors', () => {
  let t: TestBroker;
  beforeEach(async () => {
    t = await startTestBroker({ brokerName: 'broker-c' });
    t.broker.context.topics.upsert(topicConfig('Orders', 2));
    t.broker.context.topics.upsert(topicConfig('Other', 1));
  });
  afterEach(() => t.close());

  const subscribe = (group: string, topics: string[]) =>
    t.broker.context.consumers.register(
      group,
      { clientId: '10.0.0.8@4242', connection: t.connection, language: 'JAVA', version: 479 },
      'CONSUME_PASSIVELY',
      'CLUSTERING',
      'CONSUME_FROM_FIRST_OFFSET',
      topics.map((topic) => ({
        topic,
        subString: '*',
        tagsSet: [],
        codeSet: [],
        subVersion: 1,
        expressionType: 'TAG',
      })),
    );

  describe('GET_CONSUME_STATS (208)', () => {
    it('answers per read queue: broker offset, consumer offset, pull offset, last consumed store time', async () => {
      await t.put('Orders', 0);
      const consumedAt = t.clock.now();
      t.clock.advance(500);
      await t.put('Orders', 0);
      await t.put('Orders', 1);
      t.broker.context.offsets.commit('G', 'Orders', 0, 1);
      const response = await t.request(RequestCode.GET_CONSUME_STATS, {
        consumerGroup: 'G',
        topic: 'Orders',
      });
      expect(response.code).toBe(ResponseCode.SUCCESS);
      const body = response.body?.toString() ?? '';
      expect(body).toMatch(
        /^\{"consumeTps":0,"offsetTable":\{\{"brokerName":"broker-c","queueId":0,"topic":"Orders"\}:/,
      );
      expect(consumeStatsRows(body)).toEqual([
        {
          brokerName: 'broker-c',
          queueId: 0,
          topic: 'Orders',
          brokerOffset: 2,
          consumerOffset: 1,
          pullOffset: 1,
          lastTimestamp: consumedAt,
        },
        {
          brokerName: 'broker-c',
          queueId: 1,
          topic: 'Orders',
          brokerOffset: 1,
          consumerOffset: 0,
          pullOffset: 0,
          lastTimestamp: 0,
        },
      ]);
    });

    it('without a topic, covers the topics the group has offsets in that its consumers subscribe to', async () => {
      t.broker.context.offsets.commit('G', 'Orders', 0, 0);
      t.broker.context.offsets.commit('G', 'Other', 0, 0);
      const all = await t.request(RequestCode.GET_CONSUME_STATS, { consumerGroup: 'G' });
      expect(new Set(consumeStatsRows(all.body?.toString() ?? '').map((r) => r.topic))).toEqual(
        new Set(['Orders', 'Other']),
      );
      subscribe('G', ['Other']);
      const subscribed = await t.request(RequestCode.GET_CONSUME_STATS, { consumerGroup: 'G' });
      expect(consumeStatsRows(subscribed.body?.toString() ?? '').map((r) => r.topic)).toEqual(['Other']);
      const listed = await t.request(RequestCode.GET_CONSUME_STATS, {
        consumerGroup: 'G',
        topicList: 'Orders;Nope;',
      });
      expect(consumeStatsRows(listed.body?.toString() ?? '').map((r) => r.topic)).toEqual([
        'Orders',
        'Orders',
      ]);
    });

    it('answers an empty table for an unknown group and refuses a missing or illegal group', async () => {
      const empty = await t.request(RequestCode.GET_CONSUME_STATS, { consumerGroup: 'Nobody' });
      expect(empty.body?.toString()).toBe('{"consumeTps":0,"offsetTable":{}}');
      const missing = await t.request(RequestCode.GET_CONSUME_STATS, { topic: 'Orders' });
      expect([missing.code, missing.remark]).toEqual([
        ResponseCode.SYSTEM_ERROR,
        'missing required header field "consumerGroup"',
      ]);
      const illegal = await t.request(RequestCode.GET_CONSUME_STATS, { consumerGroup: 'a b' });
      expect(illegal.code).toBe(ResponseCode.INVALID_PARAMETER);
      expect(illegal.remark).toContain('illegal characters');
    });
  });

  describe('GET_ALL_CONSUMER_OFFSET (43)', () => {
    it('answers ConsumerOffsetSerializeWrapper', async () => {
      t.broker.context.offsets.commit('G', 'Orders', 1, 7);
      const response = await t.request(RequestCode.GET_ALL_CONSUMER_OFFSET);
      expect(JSON.parse(response.body?.toString() ?? '')).toEqual({
        offsetTable: { 'Orders@G': { '1': 7 } },
        dataVersion: { stateVersion: 0, timestamp: t.clock.now(), counter: 0 },
      });
    });
  });

  describe('GET_CONSUMER_CONNECTION_LIST (203)', () => {
    it('answers ConsumerConnection for a live group and CONSUMER_NOT_ONLINE otherwise', async () => {
      subscribe('Live', ['Orders']);
      const response = await t.request(RequestCode.GET_CONSUMER_CONNECTION_LIST, { consumerGroup: 'Live' });
      expect(response.code).toBe(ResponseCode.SUCCESS);
      expect(JSON.parse(response.body?.toString() ?? '')).toEqual({
        connectionSet: [
          { clientId: '10.0.0.8@4242', clientAddr: '10.0.0.8:51234', language: 'JAVA', version: 479 },
        ],
        subscriptionTable: {
          Orders: {
            topic: 'Orders',
            subString: '*',
            tagsSet: [],
            codeSet: [],
            subVersion: 1,
            expressionType: 'TAG',
          },
        },
        consumeType: 'CONSUME_PASSIVELY',
        messageModel: 'CLUSTERING',
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      });
      const offline = await t.request(RequestCode.GET_CONSUMER_CONNECTION_LIST, { consumerGroup: 'Gone' });
      expect([offline.code, offline.remark]).toEqual([
        ResponseCode.CONSUMER_NOT_ONLINE,
        'the consumer group[Gone] not online',
      ]);
    });
  });
});
