import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FakeClock } from '../../../common/src/testing/fake-clock';
import { messageStoreContract } from '../testing/message-store.contract';
import { FileMessageStore, type FileMessageStoreOptions } from './file-message-store';

// Small files so contract tests roll consume-queue segments and index files; the commit-log segment still holds
// the contract's largest (4 MiB) message. CommitLog's own tests roll its segments.
const small: Omit<FileMessageStoreOptions, 'rootDir' | 'storeHost'> = {
  commitLogSegmentBytes: 8 * 1024 * 1024,
  consumeQueueEntriesPerSegment: 64,
  indexHashSlots: 64,
  indexMaxEntries: 256,
};

const create: Parameters<typeof messageStoreContract>[1] = async (ctx) =>
  new FileMessageStore({ rootDir: ctx.dir, storeHost: ctx.storeHost, clock: ctx.clock, ...small });

messageStoreContract('FileMessageStore', create, { reopen: create });

describe('FileMessageStore delay levels', () => {
  it('gives SCHEDULE_TOPIC_XXXX entries the due time of the configured level as their tag code', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-delay-'));
    const clock = new FakeClock(1_700_000_000_000);
    const store = new FileMessageStore({
      rootDir: dir,
      storeHost: { address: '127.0.0.1', port: 10911 },
      clock,
      ...small,
      delayLevelMillis: [1000, 7000],
    });
    await store.start();
    try {
      const put = await store.putMessage({
        topic: 'SCHEDULE_TOPIC_XXXX',
        queueId: 1,
        flag: 0,
        body: Buffer.from('later'),
        properties: 'DELAY\u00012\u0002REAL_TOPIC\u0001T\u0002REAL_QID\u00010\u0002',
        sysFlag: 0,
        bornTimestamp: clock.now(),
        bornHost: { address: '127.0.0.1', port: 5000 },
        reconsumeTimes: 0,
        preparedTransactionOffset: 0,
      });
      expect(put.status).toBe('PUT_OK');
      const codes: number[] = [];
      await store.getMessage('SCHEDULE_TOPIC_XXXX', 1, 0, {
        maxMessages: 1,
        filter: { matchesTagsCode: (code) => (codes.push(code), true) },
      });
      expect(codes).toEqual([clock.now() + 7000]);
    } finally {
      await store.shutdown();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
