import { MessageConst, MessageSysFlag } from '@skyrocket/remoting';
import { SCHEDULE_TOPIC } from '../topic/topic-validator';
import { delayLevelToQueueId, queueIdToDelayLevel, scheduledDestination } from './delay-level';

const destination = { topic: 'OrderTopic', queueId: 5 };

describe('scheduledDestination', () => {
  test('moves a message with DELAY to the schedule queue of its level and saves the real destination', () => {
    const properties = new Map([[MessageConst.PROPERTY_DELAY_TIME_LEVEL, '2']]);
    expect(scheduledDestination(properties, destination, 0, 18)).toEqual({
      topic: SCHEDULE_TOPIC,
      queueId: 1,
    });
    expect(Object.fromEntries(properties)).toEqual({ DELAY: '2', REAL_TOPIC: 'OrderTopic', REAL_QID: '5' });
  });

  test('caps the level at the highest one', () => {
    const properties = new Map([[MessageConst.PROPERTY_DELAY_TIME_LEVEL, '40']]);
    expect(scheduledDestination(properties, destination, 0, 18)).toEqual({
      topic: SCHEDULE_TOPIC,
      queueId: 17,
    });
    expect(properties.get(MessageConst.PROPERTY_DELAY_TIME_LEVEL)).toBe('18');
  });

  test.each([['0'], ['-1'], ['abc'], ['1.5']])('leaves DELAY=%s alone', (delay) => {
    const properties = new Map([[MessageConst.PROPERTY_DELAY_TIME_LEVEL, delay]]);
    expect(scheduledDestination(properties, destination, 0, 18)).toBe(destination);
    expect(properties.size).toBe(1);
  });

  test('leaves messages without DELAY alone', () => {
    expect(scheduledDestination(new Map(), destination, 0, 18)).toBe(destination);
  });

  test('schedules committed transactional messages but not prepared or rolled-back ones', () => {
    const delayed = () => new Map([[MessageConst.PROPERTY_DELAY_TIME_LEVEL, '1']]);
    const commit = MessageSysFlag.TRANSACTION_COMMIT_TYPE;
    expect(scheduledDestination(delayed(), destination, commit, 18).topic).toBe(SCHEDULE_TOPIC);
    for (const type of [MessageSysFlag.TRANSACTION_PREPARED_TYPE, MessageSysFlag.TRANSACTION_ROLLBACK_TYPE])
      expect(scheduledDestination(delayed(), destination, type, 18)).toBe(destination);
  });
});

test('delay levels map to schedule queues level − 1', () => {
  expect(delayLevelToQueueId(1)).toBe(0);
  expect(queueIdToDelayLevel(17)).toBe(18);
});
