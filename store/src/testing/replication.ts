// Test helpers for replication: copying one store's commit log into another as an HA client would.
import type { MessageStore } from '../message-store';
import { wholeRecordsLength } from '../replication';

/** The whole records of `bytes`, each its own buffer (views, not copies). */
export function splitRecords(bytes: Buffer): Buffer[] {
  const records: Buffer[] = [];
  for (let at = 0; at + 8 <= bytes.length;) {
    const totalSize = bytes.readInt32BE(at);
    if (totalSize < 8) break;
    records.push(bytes.subarray(at, at + totalSize));
    at += totalSize;
  }
  return records;
}

export interface ReplicateOptions {
  /** Where to start in the master's log. Default: the slave's max offset. */
  from?: number;
  /** getCommitLogData's maxBytes: small values make records arrive in pieces. Default 4096. */
  chunkBytes?: number;
}

/**
 * Copies `master`'s commit log from `from` to its current end into `slave`: getCommitLogData chunks, cut at record
 * boundaries, each run of whole records handed to appendToCommitLog at its offset. Returns the number of appends.
 */
export function replicate(master: MessageStore, slave: MessageStore, options: ReplicateOptions = {}): number {
  const chunkBytes = options.chunkBytes ?? 4096;
  let next = options.from ?? slave.getMaxPhyOffset();
  let pendingStart = next;
  let pending = Buffer.alloc(0);
  let appends = 0;
  while (next < master.getMaxPhyOffset()) {
    const chunk = master.getCommitLogData(next, chunkBytes);
    if (chunk === undefined || chunk.length === 0)
      throw new Error(`the master has no data at offset ${next}`);
    next += chunk.length;
    pending = Buffer.concat([pending, chunk]);
    for (let whole = wholeRecordsLength(pending); whole > 0; whole = wholeRecordsLength(pending)) {
      slave.appendToCommitLog(pendingStart, pending.subarray(0, whole));
      appends++;
      pendingStart += whole;
      pending = pending.subarray(whole);
    }
  }
  if (pending.length > 0)
    throw new Error(`${pending.length} bytes at offset ${pendingStart} are not whole records`);
  return appends;
}
