import { RequestCode, ResponseCode } from '@skyrocket/remoting';
import { startTestBroker, type TestBroker } from '../testing/test-broker';

describe('GET_BROKER_RUNTIME_INFO (28)', () => {
  let t: TestBroker;
  beforeEach(async () => {
    t = await startTestBroker();
  });
  afterEach(() => t.close());

  it('answers a KVTable of strings with the keys mqadmin clusterList and brokerStatus read', async () => {
    const first = await t.put('RuntimeTopic', 0);
    await t.put('RuntimeTopic', 0);
    t.broker.context.metrics.pulls.inc({ topic: 'RuntimeTopic', result: 'FOUND' }, 3);
    t.clock.advance(10_000);
    const response = await t.request(RequestCode.GET_BROKER_RUNTIME_INFO);
    expect(response.code).toBe(ResponseCode.SUCCESS);
    const { table } = JSON.parse(response.body?.toString() ?? '') as { table: Record<string, unknown> };
    for (const value of Object.values(table)) expect(typeof value).toBe('string');
    expect(table).toMatchObject({
      brokerVersionDesc: 'V5_3_3',
      brokerVersion: '479',
      brokerActive: 'true',
      msgPutTotalTodayNow: '2',
      msgPutTotalTodayMorning: '0',
      msgPutTotalYesterdayMorning: '0',
      msgGetTotalTodayNow: '3',
      commitLogMinOffset: '0',
      commitLogMaxOffset: String(t.store.getMaxPhyOffset()),
      earliestMessageTimeStamp: String(t.clock.now() - 10_000),
      runtime: '[ 0 days, 0 hours, 0 minutes, 10 seconds ]',
      putMessageTimesTotal: '2',
      timerReadBehind: '0',
      timerEnqueueTps: '0.0',
    });
    expect(first.wroteOffset).toBe(0);
    // clusterList parses these with Long.parseLong / Double.parseDouble.
    for (const key of ['msgPutTotalYesterdayMorning', 'msgGetTotalTodayMorning', 'timerCongestNum'])
      expect(table[key]).toMatch(/^\d+$/);
    for (const key of ['putTps', 'getTransferredTps'])
      expect(table[key]).toMatch(/^\d+\.\d\d \d+\.\d\d \d+\.\d\d$/);
    expect(Number(table.commitLogDiskRatio)).toBeGreaterThan(0);
    expect(table.commitLogDirCapacity).toMatch(/^Total : .+, Free : .+\.$/);
    expect(table.sendThreadPoolQueueHeadWaitTimeMills).toBe('0');

    // A second call sees the puts since the first as a rate.
    await t.put('RuntimeTopic', 0);
    t.clock.advance(1000);
    const again = JSON.parse(
      (await t.request(RequestCode.GET_BROKER_RUNTIME_INFO)).body?.toString() ?? '',
    ) as {
      table: Record<string, string>;
    };
    expect(again.table.putTps?.split(' ')[0]).toBe('1.00');
  });
});
