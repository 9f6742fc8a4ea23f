import { RequestCode, ResponseCode } from '@skyrocket/remoting';
import { topicConfig } from '../topic/topic-config-manager';
import { startTestBroker, type TestBroker } from '../testing/test-broker';

describe('GET_TOPIC_STATS_INFO (202)', () => {
  let t: TestBroker;
  beforeEach(async () => {
    t = await startTestBroker({ brokerName: 'broker-s' });
  });
  afterEach(() => t.close());

  it('answers min/max offset and the newest store time of every queue, keyed by MessageQueue as fastjson does', async () => {
    t.broker.context.topics.upsert({ ...topicConfig('Stats', 2), writeQueueNums: 3 });
    await t.put('Stats', 0);
    t.clock.advance(1000);
    await t.put('Stats', 0);
    const newest = t.clock.now();
    await t.put('Stats', 2);
    const response = await t.request(RequestCode.GET_TOPIC_STATS_INFO, { topic: 'Stats' });
    expect(response.code).toBe(ResponseCode.SUCCESS);
    expect(response.body?.toString()).toBe(
      '{"offsetTable":{' +
        `{"brokerName":"broker-s","queueId":0,"topic":"Stats"}:{"lastUpdateTimestamp":${newest},"maxOffset":2,"minOffset":0},` +
        '{"brokerName":"broker-s","queueId":1,"topic":"Stats"}:{"lastUpdateTimestamp":0,"maxOffset":0,"minOffset":0},' +
        `{"brokerName":"broker-s","queueId":2,"topic":"Stats"}:{"lastUpdateTimestamp":${newest},"maxOffset":1,"minOffset":0}` +
        '},"topicPutTps":0}',
    );
  });

  it('answers TOPIC_NOT_EXIST for an unknown topic and names a missing topic field', async () => {
    const unknown = await t.request(RequestCode.GET_TOPIC_STATS_INFO, { topic: 'Nope' });
    expect([unknown.code, unknown.remark]).toEqual([ResponseCode.TOPIC_NOT_EXIST, 'topic[Nope] not exist']);
    const missing = await t.request(RequestCode.GET_TOPIC_STATS_INFO, {});
    expect([missing.code, missing.remark]).toEqual([
      ResponseCode.SYSTEM_ERROR,
      'missing required header field "topic"',
    ]);
  });
});
