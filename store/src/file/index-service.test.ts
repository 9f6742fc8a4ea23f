import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MessageSysFlag } from '@skyrocket/remoting/message';
import type { DispatchRequest } from './dispatch-request';
import { indexKeyHash } from './index-file';
import { IndexService, type IndexServiceOptions } from './index-service';

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'index-service-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
const ALL_TIME: [number, number] = [0, Number.MAX_SAFE_INTEGER];

function openService(root: string, options: Partial<IndexServiceOptions> = {}): IndexService {
  const service = new IndexService({
    dir: root,
    hashSlots: 64,
    maxEntries: 1000,
    clock: { now: () => T0 },
    ...options,
  });
  service.load();
  service.recover(Number.MAX_SAFE_INTEGER);
  return service;
}

/** Message i: at commit-log offset i × 100, stored at T0 + i seconds. */
function message(i: number, fields: Partial<DispatchRequest> = {}): DispatchRequest {
  return {
    topic: 'TopicA',
    queueId: 0,
    queueOffset: i,
    commitLogOffset: i * 100,
    size: 100,
    tagsCode: 0,
    storeTimestamp: T0 + i * 1000,
    sysFlag: 0,
    preparedTransactionOffset: 0,
    keys: undefined,
    uniqKey: undefined,
    ...fields,
  };
}

describe('IndexService', () => {
  it('finds messages by each of their KEYS and by UNIQ_KEY, per topic, newest first, within a time range', () => {
    const service = openService(tempDir());
    for (let i = 0; i < 10; i++) {
      service.dispatch(message(i, { keys: `order-${i % 2}  all`, uniqKey: `UNIQ${i}` }));
    }
    service.dispatch(message(10, { topic: 'TopicB', keys: 'all' }));

    expect(service.query('TopicA', 'order-1', 100, ...ALL_TIME)).toEqual([900, 700, 500, 300, 100]);
    expect(service.query('TopicA', 'all', 100, ...ALL_TIME)).toEqual([
      900, 800, 700, 600, 500, 400, 300, 200, 100, 0,
    ]);
    expect(service.query('TopicA', 'UNIQ7', 100, ...ALL_TIME)).toEqual([700]);
    expect(service.query('TopicB', 'all', 100, ...ALL_TIME)).toEqual([1000]);
    expect(service.query('TopicB', 'order-1', 100, ...ALL_TIME)).toEqual([]);
    expect(service.query('TopicA', '', 100, ...ALL_TIME)).toEqual([]);
    expect(service.query('TopicA', 'all', 3, ...ALL_TIME)).toEqual([900, 800, 700]);
    expect(service.query('TopicA', 'all', 100, T0 + 3000, T0 + 5000)).toEqual([500, 400, 300]);
    expect(service.query('TopicA', 'order-0', 100, T0 + 3000, T0 + 5000)).toEqual([400]);
    expect(service.query('TopicA', 'all', 100, T0 + 20_000, T0 + 30_000)).toEqual([]);
    expect(service.query('TopicA', 'all', 100, 0, T0 - 1)).toEqual([]);
    service.close();
  });

  it('indexes transaction half messages but not rollbacks (IndexService.buildIndex)', () => {
    const service = openService(tempDir());
    service.dispatch(message(0, { keys: 'k', sysFlag: MessageSysFlag.TRANSACTION_PREPARED_TYPE }));
    service.dispatch(message(1, { keys: 'k', sysFlag: MessageSysFlag.TRANSACTION_ROLLBACK_TYPE }));
    service.dispatch(message(2, { keys: 'k', sysFlag: MessageSysFlag.TRANSACTION_COMMIT_TYPE }));
    expect(service.query('TopicA', 'k', 10, ...ALL_TIME)).toEqual([200, 0]);
    // No keys: no file is created for nothing.
    const empty = openService(tempDir());
    empty.dispatch(message(0));
    empty.dispatch(message(1, { keys: '   ', uniqKey: '' }));
    expect(empty.files).toHaveLength(0);
    service.close();
    empty.close();
  });

  it('keeps many keys apart in few hash slots, and returns true hash collisions for the store to check', () => {
    const service = openService(tempDir(), { hashSlots: 4, maxEntries: 10_000 });
    for (let i = 0; i < 400; i++) service.dispatch(message(i, { keys: `key-${i % 200}` }));
    for (let k = 0; k < 200; k++) {
      expect(service.query('TopicA', `key-${k}`, 10, ...ALL_TIME)).toEqual([(k + 200) * 100, k * 100]);
    }
    // "Aa" and "BB" have the same Java hash code, and so do "TopicA#Aa" and "TopicA#BB".
    service.dispatch(message(400, { keys: 'Aa' }));
    service.dispatch(message(401, { keys: 'BB' }));
    expect(service.query('TopicA', 'Aa', 10, ...ALL_TIME)).toEqual([40_100, 40_000]);
    service.close();
  });

  it('rolls to a new file when one is full, queries across files, and finds everything again after a restart', async () => {
    const root = tempDir();
    // 4 keys per file: entry 0 is never used.
    const service = openService(root, { maxEntries: 5 });
    for (let i = 0; i < 10; i++) service.dispatch(message(i, { keys: 'k' }));
    expect(service.files).toHaveLength(3);
    // Names are creation times; the fixed clock is bumped 1 ms per file to keep names unique and ordered.
    expect(fs.readdirSync(path.join(root, 'index')).sort()).toEqual([
      '20240102030405678',
      '20240102030405679',
      '20240102030405680',
    ]);
    expect(service.files.map((f) => [f.beginPhyOffset, f.endPhyOffset])).toEqual([
      [0, 300],
      [400, 700],
      [800, 900],
    ]);
    const all = [900, 800, 700, 600, 500, 400, 300, 200, 100, 0];
    expect(service.query('TopicA', 'k', 100, ...ALL_TIME)).toEqual(all);
    expect(service.query('TopicA', 'k', 5, ...ALL_TIME)).toEqual(all.slice(0, 5));
    expect(service.query('TopicA', 'k', 100, T0 + 2000, T0 + 5000)).toEqual([500, 400, 300, 200]);
    expect(service.diskBytes()).toBe(3 * (40 + 64 * 4 + 5 * 20));
    await service.flush();
    service.close();

    const reopened = openService(root, { maxEntries: 5, clock: { now: () => T0 - 60_000 } });
    expect(reopened.lastCommitLogOffset()).toBe(900);
    expect(reopened.query('TopicA', 'k', 100, ...ALL_TIME)).toEqual(all);
    reopened.dispatch(message(10, { keys: 'k' }));
    reopened.dispatch(message(11, { keys: 'k' }));
    reopened.dispatch(message(12, { keys: 'k' }));
    // A clock behind the newest name still yields a later name.
    expect(reopened.files.map((f) => f.name).at(-1)).toBe('20240102030405681');
    expect(reopened.query('TopicA', 'k', 3, ...ALL_TIME)).toEqual([1200, 1100, 1000]);
    reopened.close();
  });

  it('deletes files whose keys all point below the commit log minimum, keeping the newest', () => {
    const service = openService(tempDir(), { maxEntries: 3 });
    for (let i = 0; i < 8; i++) service.dispatch(message(i, { keys: 'k' }));
    expect(service.files.map((f) => f.endPhyOffset)).toEqual([100, 300, 500, 700]);
    expect(service.deleteFilesBefore(100)).toBe(0);
    expect(service.deleteFilesBefore(301)).toBe(2);
    expect(service.query('TopicA', 'k', 100, ...ALL_TIME)).toEqual([700, 600, 500, 400]);
    expect(service.deleteFilesBefore(Number.MAX_SAFE_INTEGER)).toBe(1);
    expect(service.files).toHaveLength(1);
    expect(service.query('TopicA', 'k', 100, ...ALL_TIME)).toEqual([700, 600]);
    service.close();
  });

  it('after a crash, keeps what was flushed and re-indexes the rest without duplicates', async () => {
    const root = tempDir();
    const service = openService(root);
    for (let i = 0; i < 5; i++) service.dispatch(message(i, { keys: 'k', uniqKey: `U${i}` }));
    await service.flush();
    for (let i = 5; i < 8; i++) service.dispatch(message(i, { keys: 'k', uniqKey: `U${i}` }));
    // Crash: no close. The header on disk counts the first five messages only.
    const recovered = openService(root);
    expect(recovered.lastCommitLogOffset()).toBe(400);
    expect(recovered.query('TopicA', 'k', 100, ...ALL_TIME)).toEqual([400, 300, 200, 100, 0]);
    // The store re-dispatches from its checkpoint (here from the start): indexed records are skipped.
    for (let i = 0; i < 8; i++) recovered.dispatch(message(i, { keys: 'k', uniqKey: `U${i}` }));
    expect(recovered.query('TopicA', 'k', 100, ...ALL_TIME)).toEqual([700, 600, 500, 400, 300, 200, 100, 0]);
    expect(recovered.query('TopicA', 'U6', 100, ...ALL_TIME)).toEqual([600]);
    // Message 4 (at endPhyOffset) was indexed twice, as RocketMQ would; the query answers it once.
    expect(recovered.files[0]?.indexCount).toBe(1 + 2 * 9);
    recovered.close();
  });

  it('repairs, on load, slots that an interrupted flush left pointing past the header', async () => {
    const root = tempDir();
    const service = openService(root, { hashSlots: 4 });
    for (let i = 0; i < 3; i++) service.dispatch(message(i, { keys: 'k' }));
    await service.flush();
    service.close();
    const file = path.join(root, 'index', '20240102030405678');
    const slot = Buffer.alloc(4);
    slot.writeInt32BE(50);
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, slot, 0, 4, 40 + (indexKeyHash('TopicA#k') % 4) * 4);
    fs.closeSync(fd);

    const reopened = new IndexService({
      dir: root,
      hashSlots: 4,
      maxEntries: 1000,
      clock: { now: () => T0 },
    });
    reopened.load();
    // Dispatched before recover(), as the store does while the CommitLog replays: the chain stays whole.
    reopened.dispatch(message(3, { keys: 'k' }));
    reopened.recover(400);
    expect(reopened.query('TopicA', 'k', 10, ...ALL_TIME)).toEqual([300, 200, 100, 0]);
    reopened.close();
  });

  it('follows a CommitLog that lost its tail: drops files past it and indexes new records written there', async () => {
    const root = tempDir();
    const service = openService(root, { maxEntries: 3 });
    for (let i = 0; i < 8; i++) service.dispatch(message(i, { keys: 'k' }));
    await service.flush();
    service.close();

    const recovered = new IndexService({ dir: root, hashSlots: 64, maxEntries: 3, clock: { now: () => T0 } });
    recovered.load();
    expect(recovered.files).toHaveLength(4);
    recovered.recover(500);
    // The file of messages 6 and 7 went; the one of 4 and 5 now ends at the CommitLog's end.
    expect(recovered.files).toHaveLength(3);
    expect(recovered.lastCommitLogOffset()).toBe(500);
    recovered.dispatch(message(5, { keys: 'new' }));
    expect(recovered.query('TopicA', 'new', 10, ...ALL_TIME)).toEqual([500]);
    recovered.close();
  });
});
