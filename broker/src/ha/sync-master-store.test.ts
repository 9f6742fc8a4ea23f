import { encodeProperties } from '@skyrocket/remoting/message';
import { MemoryMessageStore, type MessageToStore } from '@skyrocket/store';
import type { ReplicationStatus } from './ha-server';
import { SyncMasterStore } from './sync-master-store';

function message(properties: Record<string, string> = {}): MessageToStore {
  return {
    topic: 'SyncTopic',
    queueId: 0,
    flag: 0,
    body: Buffer.from('body'),
    properties: encodeProperties({ TAGS: 'a', ...properties }),
    sysFlag: 0,
    bornTimestamp: 1_700_000_000_000,
    bornHost: { address: '10.0.0.1', port: 1000 },
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
  };
}

/** A replication that answers `status` and remembers what it was asked to wait for. */
function replication(status: ReplicationStatus) {
  const waits: Array<{ endOffset: number; timeoutMs: number }> = [];
  return {
    waits,
    waitForSlave: (endOffset: number, timeoutMs: number) => {
      waits.push({ endOffset, timeoutMs });
      return Promise.resolve(status);
    },
  };
}

describe('SyncMasterStore (CommitLog.handleHA)', () => {
  it('waits for a slave up to the end of each put, single or batch', async () => {
    const store = new MemoryMessageStore({ storeHost: { address: '127.0.0.1', port: 10911 } });
    const ha = replication('PUT_OK');
    const sync = new SyncMasterStore(store, ha, 1500);
    await sync.start();
    const one = await sync.putMessage(message());
    const batch = await sync.putMessages([message(), message()]);
    expect([one.status, batch.status]).toEqual(['PUT_OK', 'PUT_OK']);
    expect(ha.waits).toEqual([
      { endOffset: (one.append?.wroteOffset ?? 0) + (one.append?.wroteBytes ?? 0), timeoutMs: 1500 },
      { endOffset: store.getMaxPhyOffset(), timeoutMs: 1500 },
    ]);
    await sync.shutdown();
  });

  it.each(['FLUSH_SLAVE_TIMEOUT', 'SLAVE_NOT_AVAILABLE'] as const)(
    'answers %s with the append kept when the slave does not confirm',
    async (status) => {
      const store = new MemoryMessageStore({ storeHost: { address: '127.0.0.1', port: 10911 } });
      const sync = new SyncMasterStore(store, replication(status), 1000);
      await sync.start();
      const result = await sync.putMessage(message());
      expect(result.status).toBe(status);
      expect(result.append?.msgIds).toHaveLength(1);
      expect(result.remark).toMatch(/stored/);
      expect(store.getMaxOffsetInQueue('SyncTopic', 0)).toBe(1);
      await sync.shutdown();
    },
  );

  it('does not wait for a message whose WAIT property is false, nor for a refused put', async () => {
    const store = new MemoryMessageStore({ storeHost: { address: '127.0.0.1', port: 10911 } });
    const ha = replication('FLUSH_SLAVE_TIMEOUT');
    const sync = new SyncMasterStore(store, ha, 1000);
    await sync.start();
    expect((await sync.putMessage(message({ WAIT: 'false' }))).status).toBe('PUT_OK');
    expect((await sync.putMessages([])).status).toBe('MESSAGE_ILLEGAL');
    expect(ha.waits).toEqual([]);
    // WAIT=true (or a value that only starts like false) still waits.
    expect((await sync.putMessage(message({ WAIT: 'falsey' }))).status).toBe('FLUSH_SLAVE_TIMEOUT');
    expect(ha.waits).toHaveLength(1);
    await sync.shutdown();
  });
});
