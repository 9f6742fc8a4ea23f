import { RequestCode, ResponseCode } from '@skyrocket/remoting';
import { startTestBroker, type TestBroker } from '../testing/test-broker';

const createTopicHeader = (topic: string, fields: Record<string, string | number | boolean> = {}) => ({
  topic,
  defaultTopic: 'TBW102',
  readQueueNums: 4,
  writeQueueNums: 4,
  perm: 6,
  topicFilterType: 'SINGLE_TAG',
  topicSysFlag: 0,
  order: false,
  ...fields,
});

describe('topic admin processors', () => {
  let t: TestBroker;
  let changes: number;

  beforeEach(async () => {
    t = await startTestBroker({ brokerClusterName: 'ClusterX', brokerName: 'broker-x' });
    changes = 0;
    t.broker.context.topics.onChange(() => changes++);
  });
  afterEach(() => t.close());

  describe('UPDATE_AND_CREATE_TOPIC (17)', () => {
    it('creates a topic with every header field, then replaces it on update', async () => {
      const created = await t.request(
        RequestCode.UPDATE_AND_CREATE_TOPIC,
        createTopicHeader('AdminTopic', {
          topicFilterType: 'MULTI_TAG',
          order: true,
          attributes: '+message.type=FIFO',
        }),
      );
      expect(created.code).toBe(ResponseCode.SUCCESS);
      expect(t.broker.context.topics.get('AdminTopic')).toEqual({
        topicName: 'AdminTopic',
        readQueueNums: 4,
        writeQueueNums: 4,
        perm: 6,
        topicFilterType: 'MULTI_TAG',
        topicSysFlag: 0,
        order: true,
        attributes: { 'message.type': 'FIFO' },
      });
      const updated = await t.request(
        RequestCode.UPDATE_AND_CREATE_TOPIC,
        createTopicHeader('AdminTopic', { readQueueNums: 8, writeQueueNums: 8, perm: 4 }),
      );
      expect(updated.code).toBe(ResponseCode.SUCCESS);
      // Attributes not named in the modification are kept (AttributeUtil.alterCurrentAttributes).
      expect(t.broker.context.topics.get('AdminTopic')).toMatchObject({
        readQueueNums: 8,
        perm: 4,
        attributes: { 'message.type': 'FIFO' },
      });
      expect(changes).toBe(2);
    });

    it('answers SUCCESS without a new version (no re-registration) when nothing changed', async () => {
      await t.request(RequestCode.UPDATE_AND_CREATE_TOPIC, createTopicHeader('Same'));
      const version = t.broker.context.topics.dataVersion;
      const again = await t.request(RequestCode.UPDATE_AND_CREATE_TOPIC, createTopicHeader('Same'));
      expect(again.code).toBe(ResponseCode.SUCCESS);
      expect(t.broker.context.topics.dataVersion).toEqual(version);
      expect(changes).toBe(1);
    });

    it.each([
      [
        'an illegal name',
        createTopicHeader('bad topic'),
        ResponseCode.INVALID_PARAMETER,
        'illegal characters',
      ],
      [
        'a name too long',
        createTopicHeader('T'.repeat(128)),
        ResponseCode.INVALID_PARAMETER,
        'max length 127',
      ],
      ['TBW102', createTopicHeader('TBW102'), ResponseCode.INVALID_PARAMETER, 'conflict with system topic'],
      ['an rmq_sys_ topic', createTopicHeader('rmq_sys_x'), ResponseCode.INVALID_PARAMETER, 'system topic'],
      [
        'the cluster-name topic',
        createTopicHeader('ClusterX'),
        ResponseCode.INVALID_PARAMETER,
        'system topic',
      ],
      [
        'the broker-name topic',
        createTopicHeader('broker-x'),
        ResponseCode.INVALID_PARAMETER,
        'system topic',
      ],
      [
        'negative queues',
        createTopicHeader('T1', { readQueueNums: -1 }),
        ResponseCode.INVALID_PARAMETER,
        'readQueueNums',
      ],
      [
        'too many queues',
        createTopicHeader('T1', { writeQueueNums: 70000 }),
        ResponseCode.INVALID_PARAMETER,
        'writeQueueNums',
      ],
      ['perm beyond PermName', createTopicHeader('T1', { perm: 16 }), ResponseCode.INVALID_PARAMETER, 'perm'],
      [
        'a negative topicSysFlag',
        createTopicHeader('T1', { topicSysFlag: -2 }),
        ResponseCode.INVALID_PARAMETER,
        'topicSysFlag',
      ],
      [
        'an unknown attribute',
        createTopicHeader('T1', { attributes: '+colour=red' }),
        ResponseCode.SYSTEM_ERROR,
        'unsupported key: colour',
      ],
      [
        'a bad attribute value',
        createTopicHeader('T1', { attributes: '+queue.type=Big' }),
        ResponseCode.SYSTEM_ERROR,
        'not in set',
      ],
      [
        'a deletion on create',
        createTopicHeader('T1', { attributes: '-message.type' }),
        ResponseCode.SYSTEM_ERROR,
        'only add',
      ],
      [
        'MIXED message type',
        createTopicHeader('T1', { attributes: '+message.type=MIXED' }),
        ResponseCode.INVALID_PARAMETER,
        'MIXED',
      ],
      [
        'a bad topicFilterType',
        createTopicHeader('T1', { topicFilterType: 'ONE_TAG' }),
        ResponseCode.SYSTEM_ERROR,
        'topicFilterType',
      ],
      ['a non-numeric perm', createTopicHeader('T1', { perm: 'rw' }), ResponseCode.SYSTEM_ERROR, '"perm"'],
    ])('refuses %s', async (_what, header, code, remark) => {
      const response = await t.request(RequestCode.UPDATE_AND_CREATE_TOPIC, header);
      expect(response.code).toBe(code);
      expect(response.remark).toContain(remark);
      expect(changes).toBe(0);
    });

    it('names a missing header field', async () => {
      const { topic: _topic, ...withoutTopic } = createTopicHeader('x');
      const response = await t.request(RequestCode.UPDATE_AND_CREATE_TOPIC, withoutTopic);
      expect(response.code).toBe(ResponseCode.SYSTEM_ERROR);
      expect(response.remark).toBe('missing required header field "topic"');
    });
  });

  describe('DELETE_TOPIC_IN_BROKER (215)', () => {
    it('deletes the config, the offsets and the consume queues of the topic', async () => {
      await t.request(RequestCode.UPDATE_AND_CREATE_TOPIC, createTopicHeader('Doomed'));
      await t.put('Doomed', 0);
      t.broker.context.offsets.commit('G1', 'Doomed', 0, 1);
      t.broker.context.offsets.commit('G1', 'Kept', 0, 5);
      const response = await t.request(RequestCode.DELETE_TOPIC_IN_BROKER, { topic: 'Doomed' });
      expect(response.code).toBe(ResponseCode.SUCCESS);
      expect(t.broker.context.topics.get('Doomed')).toBeUndefined();
      expect(t.broker.context.offsets.query('G1', 'Doomed', 0)).toBe(-1);
      expect(t.broker.context.offsets.query('G1', 'Kept', 0)).toBe(5);
      expect(t.store.getMaxOffsetInQueue('Doomed', 0)).toBe(0);
    });

    it('answers SUCCESS for an unknown topic and refuses blank and system topics', async () => {
      expect((await t.request(RequestCode.DELETE_TOPIC_IN_BROKER, { topic: 'Never' })).code).toBe(
        ResponseCode.SUCCESS,
      );
      const blank = await t.request(RequestCode.DELETE_TOPIC_IN_BROKER, { topic: ' ' });
      expect([blank.code, blank.remark]).toEqual([
        ResponseCode.INVALID_PARAMETER,
        'The specified topic is blank.',
      ]);
      const system = await t.request(RequestCode.DELETE_TOPIC_IN_BROKER, { topic: 'SCHEDULE_TOPIC_XXXX' });
      expect(system.code).toBe(ResponseCode.INVALID_PARAMETER);
      expect(t.broker.context.topics.get('SCHEDULE_TOPIC_XXXX')).toBeDefined();
      const missing = await t.request(RequestCode.DELETE_TOPIC_IN_BROKER, {});
      expect([missing.code, missing.remark]).toEqual([
        ResponseCode.SYSTEM_ERROR,
        'missing required header field "topic"',
      ]);
    });
  });

  describe('GET_ALL_TOPIC_CONFIG (21) and GET_TOPIC_CONFIG (351)', () => {
    it('answers TopicConfigAndMappingSerializeWrapper with the total in the header', async () => {
      await t.request(RequestCode.UPDATE_AND_CREATE_TOPIC, createTopicHeader('Listed'));
      const response = await t.request(RequestCode.GET_ALL_TOPIC_CONFIG);
      expect(response.code).toBe(ResponseCode.SUCCESS);
      const body = JSON.parse(response.body?.toString() ?? '') as Record<string, unknown>;
      const table = body.topicConfigTable as Record<string, { topicName: string }>;
      expect(table.Listed).toMatchObject({ topicName: 'Listed', readQueueNums: 4, perm: 6 });
      expect(table.TBW102).toBeDefined();
      expect(body.dataVersion).toEqual(t.broker.context.topics.dataVersion);
      expect(body).toMatchObject({ topicQueueMappingDetailMap: {}, mappingDataVersion: { counter: 0 } });
      expect(response.extFields.totalTopicNum).toBe(String(Object.keys(table).length));
    });

    it('answers one TopicConfig, or TOPIC_NOT_EXIST', async () => {
      await t.request(RequestCode.UPDATE_AND_CREATE_TOPIC, createTopicHeader('One'));
      const found = await t.request(RequestCode.GET_TOPIC_CONFIG, { topic: 'One', lo: true });
      expect(JSON.parse(found.body?.toString() ?? '')).toMatchObject({ topicName: 'One', writeQueueNums: 4 });
      const missing = await t.request(RequestCode.GET_TOPIC_CONFIG, { topic: 'Nope' });
      expect([missing.code, missing.remark]).toEqual([
        ResponseCode.TOPIC_NOT_EXIST,
        'No topic in this broker. topic: Nope',
      ]);
    });
  });
});
