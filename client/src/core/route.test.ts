import { parseFastjson } from './fastjson';
import { buildRouteInfo, parseTopicRoute } from './route';

const body = `{"brokerDatas":[{"brokerAddrs":{0:"127.0.0.1:10911",1:"127.0.0.1:10921"},"brokerName":"broker-b","cluster":"C"},
  {"brokerAddrs":{"0":"127.0.0.1:10931"},"brokerName":"broker-a","cluster":"C"},
  {"brokerAddrs":{"1":"127.0.0.1:10941"},"brokerName":"broker-c","cluster":"C"}],
 "queueDatas":[{"brokerName":"broker-b","perm":6,"readQueueNums":2,"writeQueueNums":2,"topicSysFlag":0},
  {"brokerName":"broker-a","perm":4,"readQueueNums":3,"writeQueueNums":3,"topicSysFlag":0},
  {"brokerName":"broker-c","perm":6,"readQueueNums":1,"writeQueueNums":1,"topicSysFlag":0}]}`;

describe('topic routes', () => {
  it('derives write queues from writable groups with a master, sorted by broker name, and read queues', () => {
    const info = buildRouteInfo(parseTopicRoute('T', parseFastjson(body)));
    expect(info.route.brokerDatas[0]?.brokerAddrs.get(1)).toBe('127.0.0.1:10921');
    // broker-a is read-only, broker-c has no master.
    expect(info.writeQueues.map((q) => `${q.brokerName}#${q.queueId}`)).toEqual(['broker-b#0', 'broker-b#1']);
    expect(info.readQueues).toHaveLength(6);
  });

  it('follows orderTopicConf for ordered topics', () => {
    const json = parseFastjson(body) as Record<string, unknown>;
    json.orderTopicConf = 'broker-b:2;broker-a:1';
    const info = buildRouteInfo(parseTopicRoute('T', json as never));
    expect(info.writeQueues.map((q) => `${q.brokerName}#${q.queueId}`)).toEqual([
      'broker-b#0',
      'broker-b#1',
      'broker-a#0',
    ]);
  });

  it('gives the same fingerprint for the same route in another order', () => {
    const a = buildRouteInfo(parseTopicRoute('T', parseFastjson(body)));
    const reordered = parseFastjson(body) as { brokerDatas: unknown[]; queueDatas: unknown[] };
    reordered.brokerDatas.reverse();
    reordered.queueDatas.reverse();
    expect(buildRouteInfo(parseTopicRoute('T', reordered as never)).fingerprint).toBe(a.fingerprint);
  });
});
