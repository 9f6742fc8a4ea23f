/**
 * RocketMQ's classic HA stream (PROTOCOL.md §4.5; DefaultHAService, DefaultHAConnection, DefaultHAClient): a plain
 * TCP stream on the master's haListenPort (10912), no RemotingCommand framing.
 *
 * - Slave → master: an 8-byte big-endian int64, the slave's commit-log max offset. Sent on connect, after each
 *   batch it stores, and at least every heartbeat interval. The master takes the last complete value as the slave's
 *   acknowledged offset.
 * - Master → slave: frames of int64 phyOffset + int32 bodySize + body, the body being raw commit-log bytes (at most
 *   haTransferBatchSize per frame, never across a segment end). A frame with bodySize 0 is a heartbeat.
 */
import { writeSafeInt64 } from '@skyrocket/remoting/message';

/** DefaultHAClient.REPORT_HEADER_SIZE. */
export const REPORT_HEADER_SIZE = 8;
/** DefaultHAConnection.TRANSFER_HEADER_SIZE: phyOffset (8) + bodySize (4). */
export const TRANSFER_HEADER_SIZE = 12;
/** MessageStoreConfig.haTransferBatchSize. */
export const DEFAULT_TRANSFER_BATCH_BYTES = 32 * 1024;
/** MessageStoreConfig.haSendHeartbeatInterval: both sides write at least this often. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5000;
/** MessageStoreConfig.haHousekeepingInterval: a side that read nothing for this long closes the connection. */
export const DEFAULT_HOUSEKEEPING_MS = 20_000;
/** MessageStoreConfig.haMaxGapNotInSync: a slave further behind than this does not count as in sync. */
export const DEFAULT_MAX_SLAVE_GAP_BYTES = 256 * 1024 * 1024;
/** How long a SYNC_MASTER put waits for a slave before FLUSH_SLAVE_TIMEOUT (MessageStoreConfig.slaveTimeout). */
export const DEFAULT_SLAVE_TIMEOUT_MS = 3000;

/** The slave's 8-byte report of its max offset. */
export function encodeReport(offset: number): Buffer {
  const report = Buffer.allocUnsafe(REPORT_HEADER_SIZE);
  writeSafeInt64(report, offset, 0, 'offset');
  return report;
}

/** A transfer frame's header: the offset of the body's first byte and its length (0 for a heartbeat). */
export function encodeTransferHeader(phyOffset: number, bodySize: number): Buffer {
  const header = Buffer.allocUnsafe(TRANSFER_HEADER_SIZE);
  writeSafeInt64(header, phyOffset, 0, 'phyOffset');
  header.writeInt32BE(bodySize, 8);
  return header;
}

/** Bytes received in chunks, consumed from the front without copying each chunk twice. */
export class ByteQueue {
  #buffer: Buffer = Buffer.alloc(0);

  get length(): number {
    return this.#buffer.length;
  }

  push(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
  }

  peek(length: number): Buffer {
    return this.#buffer.subarray(0, length);
  }

  take(length: number): Buffer {
    const taken = this.#buffer.subarray(0, length);
    this.#buffer = this.#buffer.subarray(length);
    return taken;
  }

  clear(): void {
    this.#buffer = Buffer.alloc(0);
  }
}
