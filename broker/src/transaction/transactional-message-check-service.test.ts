import { silentLogger } from '@skyrocket/common';
import { encodeProperties, MessageSysFlag, type MessageRecord } from '@skyrocket/remoting';
import { MemoryMessageStore } from '@skyrocket/store';
import { FakeClock } from '../../../common/src/testing/fake-clock';
import { toHalfMessage } from './half-message';
import { TransactionalMessageCheckService } from './transactional-message-check-service';
import {
  TransactionalMessageService,
  type CheckProgressStore,
  type TransactionCheckListener,
} from './transactional-message-service';

/** Lets the promise chains of a scan over the memory store run to the end (no time passes). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('TransactionalMessageCheckService', () => {
  it('scans every transactionCheckInterval and asks once transactionTimeOut has passed', async () => {
    const clock = new FakeClock();
    const storeHost = { address: '127.0.0.1', port: 10911 };
    const store = new MemoryMessageStore({ storeHost, clock });
    await store.start();
    const offsets = new Map<string, number>();
    const progress: CheckProgressStore = {
      query: (group, topic) => offsets.get(`${topic}@${group}`) ?? -1,
      commit: (group, topic, _queueId, offset) => offsets.set(`${topic}@${group}`, offset),
    };
    const checked: string[] = [];
    const listener: TransactionCheckListener = {
      resolveHalfMessage: (half: MessageRecord) => checked.push(half.body.toString()),
      resolveDiscardMessage: () => Promise.resolve(),
    };
    const settings = { transactionCheckInterval: 1000, transactionTimeOut: 3500, transactionCheckMax: 15 };
    const service = new TransactionalMessageCheckService({
      service: new TransactionalMessageService({
        store,
        progress,
        clock,
        logger: silentLogger(),
        storeHost,
        fileReservedTimeHours: 72,
      }),
      listener,
      clock,
      logger: silentLogger(),
      settings: () => settings,
    });
    await store.putMessage(
      toHalfMessage({
        topic: 'T',
        queueId: 0,
        flag: 0,
        body: Buffer.from('tx'),
        properties: encodeProperties({ TRAN_MSG: 'true', PGROUP: 'G', UNIQ_KEY: 'U' }),
        sysFlag: MessageSysFlag.TRANSACTION_PREPARED_TYPE,
        bornTimestamp: clock.now(),
        bornHost: storeHost,
        reconsumeTimes: 0,
        preparedTransactionOffset: 0,
      }),
    );
    service.start();
    expect(service.state).toBe('RUNNING');
    for (let second = 1; second <= 3; second++) {
      clock.advance(1000);
      await settle();
    }
    expect(checked).toEqual([]);
    clock.advance(1000);
    await settle();
    expect(checked).toEqual(['tx']);
    // Unanswered, it is asked again on every scan; a shorter interval set at run time applies after the next tick.
    settings.transactionCheckInterval = 100;
    clock.advance(1000);
    await settle();
    expect(checked).toEqual(['tx', 'tx']);
    clock.advance(100);
    await settle();
    expect(checked).toEqual(['tx', 'tx', 'tx']);
    await service.stop();
    expect(service.state).toBe('SHUTDOWN');
    expect(clock.pendingTimers).toBe(0);
  });
});
