import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isSkyrocketError } from '@skyrocket/common';
import { MessageSysFlag } from '@skyrocket/remoting/message';
import { ConsumeQueueStore } from './consume-queue-store';
import type { DispatchRequest } from './dispatch-request';

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'consume-queue-store-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function openStore(root: string): ConsumeQueueStore {
  const store = new ConsumeQueueStore({ dir: root, entriesPerSegment: 4 });
  store.load();
  store.recover();
  return store;
}

let nextCommitLogOffset = 0;
function request(topic: string, queueId: number, queueOffset: number, sysFlag = 0): DispatchRequest {
  const commitLogOffset = nextCommitLogOffset;
  nextCommitLogOffset += 100;
  return {
    topic,
    queueId,
    queueOffset,
    commitLogOffset,
    size: 100,
    tagsCode: 7,
    storeTimestamp: 1_700_000_000_000,
    sysFlag,
    preparedTransactionOffset: 0,
    keys: undefined,
    uniqKey: undefined,
  };
}

describe('ConsumeQueueStore', () => {
  beforeEach(() => {
    nextCommitLogOffset = 0;
  });

  it('dispatches entries and finds every topic and queue again after a restart', async () => {
    const root = tempDir();
    const store = openStore(root);
    expect(store.directory).toBe(path.join(root, 'consumequeue'));
    for (let i = 0; i < 5; i++) store.dispatch(request('TopicA', 0, i));
    for (let i = 0; i < 3; i++) store.dispatch(request('%RETRY%group-1', 2, i));
    store.dispatch(request('TopicA', 10, 0));
    expect(store.topics()).toEqual(['%RETRY%group-1', 'TopicA']);
    expect(store.queueIds('TopicA')).toEqual([0, 10]);
    expect(store.queueIds('Unknown')).toEqual([]);
    expect(store.maxOffset('TopicA', 0)).toBe(5);
    expect(store.maxOffset('TopicA', 1)).toBe(0);
    expect(store.minOffset('Unknown', 0)).toBe(0);
    expect(store.maxPhysicalOffset()).toBe(900);
    expect(store.get('TopicA', 0)?.getEntries(4, 1)).toEqual([
      { queueOffset: 4, commitLogOffset: 400, size: 100, tagsCode: 7 },
    ]);
    await store.flush();
    expect(store.diskBytes()).toBe((2 + 1 + 1) * 80);
    store.close();

    // Things that are not queues are ignored.
    const queueRoot = path.join(root, 'consumequeue');
    fs.mkdirSync(path.join(queueRoot, 'bad name', '0'), { recursive: true });
    fs.mkdirSync(path.join(queueRoot, 'TopicA', 'x1'), { recursive: true });
    fs.mkdirSync(path.join(queueRoot, 'TopicA', '99999999999'), { recursive: true });
    fs.writeFileSync(path.join(queueRoot, 'stray-file'), 'x');

    const reopened = openStore(root);
    expect(reopened.topics()).toEqual(['%RETRY%group-1', 'TopicA']);
    expect(reopened.queueIds('TopicA')).toEqual([0, 10]);
    expect(reopened.maxOffset('TopicA', 0)).toBe(5);
    expect(reopened.maxOffset('%RETRY%group-1', 2)).toBe(3);
    expect(reopened.maxPhysicalOffset()).toBe(900);
    reopened.close();
  });

  it('gives transaction half and rollback records no entry, as RocketMQ', () => {
    const store = openStore(tempDir());
    store.dispatch(request('TopicT', 0, 0, MessageSysFlag.TRANSACTION_PREPARED_TYPE));
    store.dispatch(request('TopicT', 0, 0, MessageSysFlag.TRANSACTION_ROLLBACK_TYPE));
    expect(store.get('TopicT', 0)).toBeUndefined();
    store.dispatch(request('TopicT', 0, 0, MessageSysFlag.TRANSACTION_COMMIT_TYPE));
    store.dispatch(
      request('TopicT', 0, 1, MessageSysFlag.TRANSACTION_NOT_TYPE | MessageSysFlag.COMPRESSED_FLAG),
    );
    expect(store.maxOffset('TopicT', 0)).toBe(2);
    store.close();
  });

  it('refuses topic names that are not safe directory names', () => {
    const root = tempDir();
    const store = openStore(root);
    for (const topic of ['..', '../../etc', 'a/b', '', 'x'.repeat(300)]) {
      try {
        store.dispatch(request(topic, 0, 0));
        throw new Error(`accepted ${JSON.stringify(topic)}`);
      } catch (error) {
        expect(isSkyrocketError(error, 'INVALID_PARAMETER')).toBe(true);
      }
    }
    expect(() => store.getOrCreate('TopicA', 1.5)).toThrow(/queueId/);
    expect(() => store.getOrCreate('TopicA', -1)).toThrow(/queueId/);
    expect(fs.readdirSync(path.join(root, 'consumequeue'))).toEqual([]);
    expect(fs.readdirSync(root)).toEqual(['consumequeue']);
    store.close();
  });

  it('truncates, expires and deletes across all queues', () => {
    const root = tempDir();
    const store = openStore(root);
    // Interleaved: TopicA/0 at commit-log offsets 0, 200, …; TopicB/0 at 100, 300, …
    for (let i = 0; i < 8; i++) {
      store.dispatch(request('TopicA', 0, i));
      store.dispatch(request('TopicB', 0, i));
    }
    store.truncateByCommitLogOffset(1000);
    expect(store.maxOffset('TopicA', 0)).toBe(5);
    expect(store.maxOffset('TopicB', 0)).toBe(5);
    expect(store.maxPhysicalOffset()).toBe(1000);

    // TopicA's first segment ends at 600, TopicB's at 700.
    expect(store.deleteExpired(650)).toBe(1);
    expect(store.minOffset('TopicA', 0)).toBe(4);
    expect(store.minOffset('TopicB', 0)).toBe(3);

    store.deleteTopic('TopicB');
    expect(store.topics()).toEqual(['TopicA']);
    expect(store.get('TopicB', 0)).toBeUndefined();
    expect(fs.existsSync(path.join(root, 'consumequeue', 'TopicB'))).toBe(false);
    store.deleteTopic('Unknown');
    store.close();
  });
});
