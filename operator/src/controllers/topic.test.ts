import { desiredTopic, rocketmqTopicName, topicMatches, type TopicObject } from './topic';

const cr = (spec: TopicObject['spec'], name = 'orders'): TopicObject => ({ metadata: { name }, spec });

describe('Topic → broker topic', () => {
  it('takes the RocketMQ name from spec.topicName, else metadata.name, and fills the CRD defaults', () => {
    expect(rocketmqTopicName(cr({ clusterRef: { name: 'mq' } }))).toBe('orders');
    expect(desiredTopic(cr({ clusterRef: { name: 'mq' }, topicName: 'Orders_V1' }))).toEqual({
      topicName: 'Orders_V1',
      readQueueNums: 8,
      writeQueueNums: 8,
      perm: 6,
      topicFilterType: 'SINGLE_TAG',
      topicSysFlag: 0,
      order: false,
    });
    expect(desiredTopic(cr({ perm: 'read-only', messageType: 'FIFO', order: true }))).toMatchObject({
      perm: 4,
      order: true,
      attributes: { 'message.type': 'FIFO' },
    });
    expect(desiredTopic(cr({ perm: 'write-only' })).perm).toBe(2);
  });

  it('matches a broker topic on the fields the Topic sets, and only those', () => {
    const wanted = desiredTopic(cr({ readQueueNums: 4, writeQueueNums: 4, messageType: 'FIFO' }));
    const onBroker = {
      ...wanted,
      topicFilterType: 'MULTI_TAG' as const,
      attributes: { 'message.type': 'FIFO', 'reserve.time': '72' },
    };
    expect(topicMatches(onBroker, wanted)).toBe(true);
    expect(topicMatches(undefined, wanted)).toBe(false);
    expect(topicMatches({ ...onBroker, writeQueueNums: 2 }, wanted)).toBe(false);
    expect(topicMatches({ ...onBroker, perm: 4 }, wanted)).toBe(false);
    expect(topicMatches({ ...onBroker, order: true }, wanted)).toBe(false);
    expect(topicMatches({ ...onBroker, attributes: { 'message.type': 'NORMAL' } }, wanted)).toBe(false);
    // No messageType in the spec: whatever the broker has is fine.
    expect(
      topicMatches(
        { ...onBroker, attributes: {} },
        desiredTopic(cr({ readQueueNums: 4, writeQueueNums: 4 })),
      ),
    ).toBe(true);
  });
});
