import { desiredGroup, groupMatches, rocketmqGroupName, type ConsumerGroupObject } from './consumer-group';

const cr = (spec: ConsumerGroupObject['spec'], name = 'billing'): ConsumerGroupObject => ({
  metadata: { name },
  spec,
});

describe('ConsumerGroup → subscription group', () => {
  it('takes the RocketMQ name from spec.groupName, else metadata.name, and RocketMQ’s defaults for unset fields', () => {
    expect(rocketmqGroupName(cr({}))).toBe('billing');
    expect(desiredGroup(cr({ groupName: 'Billing_CG', retryMaxTimes: 3, consumeEnable: false }))).toEqual({
      groupName: 'Billing_CG',
      consumeEnable: false,
      consumeFromMinEnable: true,
      consumeBroadcastEnable: true,
      consumeMessageOrderly: false,
      retryQueueNums: 1,
      retryMaxTimes: 3,
      brokerId: 0,
      whichBrokerWhenConsumeSlowly: 1,
      notifyConsumerIdsChangedEnable: true,
    });
  });

  it('matches a broker group only when every setting agrees', () => {
    const wanted = desiredGroup(cr({ retryMaxTimes: 3 }));
    const onBroker = { ...wanted, consumers: ['client-1'], groupSysFlag: 0 };
    expect(groupMatches(onBroker, wanted)).toBe(true);
    expect(groupMatches(undefined, wanted)).toBe(false);
    expect(groupMatches({ ...onBroker, retryMaxTimes: 16 }, wanted)).toBe(false);
    expect(groupMatches({ ...onBroker, consumeMessageOrderly: true }, wanted)).toBe(false);
    // A group the broker lists only because consumers are connected (no config fields) does not match.
    expect(groupMatches({ groupName: 'billing', consumers: [] }, wanted)).toBe(false);
  });
});
