import { fastjsonBody, ObjectKeyedMap, toFastjson, type MessageQueue } from './fastjson';

describe('toFastjson', () => {
  it('writes MessageQueue map keys as fastjson 1.2.83 does: unquoted objects with sorted fields', () => {
    // What fastjson printed for a TopicStatsTable built in Java (test/compat checks that DefaultMQAdminExt reads it).
    const offsetTable = new ObjectKeyedMap<MessageQueue, object>([
      [
        { topic: 'T', brokerName: 'broker-a', queueId: 0 },
        { minOffset: 0, maxOffset: 5, lastUpdateTimestamp: 123 },
      ],
    ]);
    expect(toFastjson({ offsetTable, topicPutTps: 0.5 })).toBe(
      '{"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"T"}:{"lastUpdateTimestamp":123,"maxOffset":5,"minOffset":0}},"topicPutTps":0.5}',
    );
  });

  it('writes several keys, plain maps with quoted keys, arrays, escapes, and leaves out undefined fields', () => {
    const table = new ObjectKeyedMap<MessageQueue, number>([
      [{ topic: 'a"b', brokerName: 'b', queueId: 1 }, 1],
      [{ topic: 'a"b', brokerName: 'b', queueId: 2 }, 2],
    ]);
    expect(toFastjson({ z: [1, 'x', null, true], m: { '0': 'zero' }, gone: undefined, table })).toBe(
      '{"m":{"0":"zero"},"table":{{"brokerName":"b","queueId":1,"topic":"a\\"b"}:1,{"brokerName":"b","queueId":2,"topic":"a\\"b"}:2},"z":[1,"x",null,true]}',
    );
    expect(toFastjson(new ObjectKeyedMap([]))).toBe('{}');
    expect(toFastjson(Number.NaN)).toBe('null');
    expect(fastjsonBody({ a: 'é' })).toEqual(Buffer.from('{"a":"é"}', 'utf8'));
  });
});
