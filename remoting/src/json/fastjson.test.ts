import { parseFastjson } from './fastjson';

describe('parseFastjson', () => {
  it('reads standard JSON as JSON.parse does', () => {
    expect(parseFastjson('{"a":[1,2.5,"x",true,null],"b":{}}')).toEqual({
      a: [1, 2.5, 'x', true, null],
      b: {},
    });
  });

  it('reads unquoted numeric keys as strings', () => {
    expect(parseFastjson('{"brokerAddrs":{0:"10.0.0.1:10911",1:"10.0.0.2:10911"}}')).toEqual({
      brokerAddrs: { '0': '10.0.0.1:10911', '1': '10.0.0.2:10911' },
    });
  });

  it('reads object keys as their JSON text', () => {
    const parsed = parseFastjson(
      '{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"brokerOffset":10},{"brokerName":"b","queueId":1,"topic":"T"}:{"brokerOffset":3}}}',
    ) as { offsetTable: Record<string, { brokerOffset: number }> };
    const keys = Object.keys(parsed.offsetTable).map((k) => JSON.parse(k) as { queueId: number });
    expect(keys.map((k) => k.queueId)).toEqual([0, 1]);
    expect(Object.values(parsed.offsetTable).map((v) => v.brokerOffset)).toEqual([10, 3]);
  });

  it('keeps escapes in strings and rejects garbage', () => {
    expect(parseFastjson('{1:"a\\"b\\u0041"}')).toEqual({ '1': 'a"bA' });
    expect(() => parseFastjson('{1:')).toThrow(SyntaxError);
    expect(() => parseFastjson('{"a":1} x')).toThrow(SyntaxError);
  });

  it('keeps a "__proto__" key as data', () => {
    const parsed = parseFastjson('{__proto__:{"x":1}, 2:3}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toContain('__proto__');
  });
});
