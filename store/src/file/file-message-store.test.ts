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
