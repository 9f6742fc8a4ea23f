import type { TopicView } from './client';
import { clusterTopics, isClusterTopic, missingTopics } from './topics';

const topic = (topicName: string, queues = 8): TopicView => ({
  topicName,
  readQueueNums: queues,
  writeQueueNums: queues,
  perm: 6,
  topicFilterType: 'SINGLE_TAG',
  topicSysFlag: 0,
  order: false,
});

const cluster = { clusterName: 'prod', brokerNames: ['prod-g0', 'prod-g1'] };

describe('cluster topics', () => {
  it('leaves out system, retry, dead-letter and broker/cluster-named topics', () => {
    for (const name of [
      'TBW102',
      'SCHEDULE_TOPIC_XXXX',
      'RMQ_SYS_TRACE_TOPIC',
      'rmq_sys_x',
      '%RETRY%g',
      '%DLQ%g',
    ])
      expect(isClusterTopic(name, cluster)).toBe(false);
    for (const name of ['prod', 'prod_REPLY_TOPIC', 'prod-g1'])
      expect(isClusterTopic(name, cluster)).toBe(false);
    expect(isClusterTopic('orders', cluster)).toBe(true);
  });

  it('unions the groups, first seen wins, sorted by name', () => {
    const result = clusterTopics(
      [
        [topic('orders', 4), topic('TBW102'), topic('%RETRY%billing')],
        [topic('orders', 16), topic('audit')],
      ],
      cluster,
    );
    expect(result.map((t) => [t.topicName, t.readQueueNums])).toEqual([
      ['audit', 8],
      ['orders', 4],
    ]);
  });

  it('finds what a new broker lacks', () => {
    expect(
      missingTopics([topic('a'), topic('b')], [topic('b'), topic('TBW102')]).map((t) => t.topicName),
    ).toEqual(['a']);
  });
});
