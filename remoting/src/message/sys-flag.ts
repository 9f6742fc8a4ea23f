/**
 * System flag bits of messages (`common/.../sysflag/MessageSysFlag.java`, PROTOCOL.md §3.2) and of pull requests
 * (`PullSysFlag.java`, PROTOCOL.md §2.5).
 */

export const MessageSysFlag = {
  // The body is compressed by the client; the broker stores and returns it unchanged.
  COMPRESSED_FLAG: 0x1,
  // Set by the broker when the topic's filter type is MULTI_TAG.
  MULTI_TAGS_FLAG: 0x1 << 1,
  // Bits 2–3 hold the transaction type; read them with getTransactionValue.
  TRANSACTION_NOT_TYPE: 0,
  TRANSACTION_PREPARED_TYPE: 0x1 << 2,
  TRANSACTION_COMMIT_TYPE: 0x2 << 2,
  TRANSACTION_ROLLBACK_TYPE: 0x3 << 2,
  // The record's BORNHOST / STOREHOSTADDRESS is 16-byte IPv6 + port (20 bytes) instead of 4-byte IPv4 + port.
  BORNHOST_V6_FLAG: 0x1 << 4,
  STOREHOSTADDRESS_V6_FLAG: 0x1 << 5,
  NEED_UNWRAP_FLAG: 0x1 << 6,
  INNER_BATCH_FLAG: 0x1 << 7,
  // Bits 8–10 hold the compression type; read them with getCompressionType.
  COMPRESSION_LZ4_TYPE: 0x1 << 8,
  COMPRESSION_ZSTD_TYPE: 0x2 << 8,
  COMPRESSION_ZLIB_TYPE: 0x3 << 8,
  COMPRESSION_TYPE_COMPARATOR: 0x7 << 8,
} as const;

/** The transaction type bits of a sysFlag: one of the TRANSACTION_*_TYPE values. */
export function getTransactionValue(sysFlag: number): number {
  return sysFlag & MessageSysFlag.TRANSACTION_ROLLBACK_TYPE;
}

/** Replaces the transaction type bits (how EndTransactionProcessor turns a half message into a committed one). */
export function resetTransactionValue(sysFlag: number, type: number): number {
  return (sysFlag & ~MessageSysFlag.TRANSACTION_ROLLBACK_TYPE) | type;
}

export function clearCompressedFlag(sysFlag: number): number {
  return sysFlag & ~MessageSysFlag.COMPRESSED_FLAG;
}

export type CompressionType = 'LZ4' | 'ZSTD' | 'ZLIB';

/**
 * The compression type of a sysFlag (`CompressionType.findByValue`). 0 reads as ZLIB because clients older than the
 * compression-type bits (and ali-ons, which sets only COMPRESSED) always deflate. Bits 4–7 throw, as in Java.
 */
export function getCompressionType(sysFlag: number): CompressionType {
  const value = (sysFlag & MessageSysFlag.COMPRESSION_TYPE_COMPARATOR) >> 8;
  switch (value) {
    case 1:
      return 'LZ4';
    case 2:
      return 'ZSTD';
    case 0:
    case 3:
      return 'ZLIB';
    default:
      throw new RangeError(`unknown compression type value ${value} in sysFlag ${sysFlag}`);
  }
}

export const PullSysFlag = {
  // The broker should store the request's commitOffset for the group.
  FLAG_COMMIT_OFFSET: 0x1,
  // Long polling allowed: park the request until a message arrives or suspendTimeoutMillis passes.
  FLAG_SUSPEND: 0x1 << 1,
  // Use the subscription in the header instead of the one from the last heartbeat.
  FLAG_SUBSCRIPTION: 0x1 << 2,
  FLAG_CLASS_FILTER: 0x1 << 3,
  // Set by DefaultLitePullConsumer, which then sends LITE_PULL_MESSAGE (361).
  FLAG_LITE_PULL_MESSAGE: 0x1 << 4,
} as const;

export interface PullSysFlagOptions {
  commitOffset: boolean;
  suspend: boolean;
  subscription: boolean;
  classFilter: boolean;
  litePull?: boolean;
}

/** `PullSysFlag.buildSysFlag`. */
export function buildPullSysFlag(options: PullSysFlagOptions): number {
  let flag = 0;
  if (options.commitOffset) flag |= PullSysFlag.FLAG_COMMIT_OFFSET;
  if (options.suspend) flag |= PullSysFlag.FLAG_SUSPEND;
  if (options.subscription) flag |= PullSysFlag.FLAG_SUBSCRIPTION;
  if (options.classFilter) flag |= PullSysFlag.FLAG_CLASS_FILTER;
  if (options.litePull === true) flag |= PullSysFlag.FLAG_LITE_PULL_MESSAGE;
  return flag;
}

export function hasCommitOffsetFlag(sysFlag: number): boolean {
  return (sysFlag & PullSysFlag.FLAG_COMMIT_OFFSET) !== 0;
}

export function clearCommitOffsetFlag(sysFlag: number): number {
  return sysFlag & ~PullSysFlag.FLAG_COMMIT_OFFSET;
}

export function hasSuspendFlag(sysFlag: number): boolean {
  return (sysFlag & PullSysFlag.FLAG_SUSPEND) !== 0;
}

export function clearSuspendFlag(sysFlag: number): number {
  return sysFlag & ~PullSysFlag.FLAG_SUSPEND;
}

export function hasSubscriptionFlag(sysFlag: number): boolean {
  return (sysFlag & PullSysFlag.FLAG_SUBSCRIPTION) !== 0;
}

export function hasClassFilterFlag(sysFlag: number): boolean {
  return (sysFlag & PullSysFlag.FLAG_CLASS_FILTER) !== 0;
}

export function hasLitePullFlag(sysFlag: number): boolean {
  return (sysFlag & PullSysFlag.FLAG_LITE_PULL_MESSAGE) !== 0;
}
