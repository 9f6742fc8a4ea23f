import {
  buildPullSysFlag,
  clearCommitOffsetFlag,
  clearCompressedFlag,
  getCompressionType,
  getTransactionValue,
  hasCommitOffsetFlag,
  hasLitePullFlag,
  hasSubscriptionFlag,
  hasSuspendFlag,
  MessageSysFlag,
  resetTransactionValue,
} from './sys-flag';

describe('MessageSysFlag', () => {
  it('has the bit values of MessageSysFlag.java', () => {
    expect(MessageSysFlag).toMatchObject({
      COMPRESSED_FLAG: 1,
      MULTI_TAGS_FLAG: 2,
      TRANSACTION_PREPARED_TYPE: 4,
      TRANSACTION_COMMIT_TYPE: 8,
      TRANSACTION_ROLLBACK_TYPE: 12,
      BORNHOST_V6_FLAG: 16,
      STOREHOSTADDRESS_V6_FLAG: 32,
      COMPRESSION_ZLIB_TYPE: 0x300,
    });
  });

  it('reads and replaces the transaction type', () => {
    const prepared = MessageSysFlag.COMPRESSED_FLAG | MessageSysFlag.TRANSACTION_PREPARED_TYPE;
    expect(getTransactionValue(prepared)).toBe(MessageSysFlag.TRANSACTION_PREPARED_TYPE);
    const committed = resetTransactionValue(prepared, MessageSysFlag.TRANSACTION_COMMIT_TYPE);
    expect(committed).toBe(MessageSysFlag.COMPRESSED_FLAG | MessageSysFlag.TRANSACTION_COMMIT_TYPE);
    expect(clearCompressedFlag(committed)).toBe(MessageSysFlag.TRANSACTION_COMMIT_TYPE);
  });

  it('reads the compression type, with 0 meaning zlib', () => {
    expect(getCompressionType(MessageSysFlag.COMPRESSED_FLAG)).toBe('ZLIB');
    expect(getCompressionType(MessageSysFlag.COMPRESSION_LZ4_TYPE)).toBe('LZ4');
    expect(getCompressionType(MessageSysFlag.COMPRESSION_ZSTD_TYPE)).toBe('ZSTD');
    expect(getCompressionType(789)).toBe('ZLIB');
    expect(() => getCompressionType(0x400)).toThrow(/unknown compression type value 4/);
  });
});

describe('PullSysFlag', () => {
  it('builds the flags the clients send', () => {
    // Java push consumer: commit offset, suspend, subscription.
    expect(
      buildPullSysFlag({ commitOffset: true, suspend: true, subscription: true, classFilter: false }),
    ).toBe(7);
    // DefaultLitePullConsumer: buildSysFlag(false, block, true, false, true).
    const lite = buildPullSysFlag({
      commitOffset: false,
      suspend: true,
      subscription: true,
      classFilter: false,
      litePull: true,
    });
    expect(lite).toBe(0x16);
    expect(hasLitePullFlag(lite) && hasSuspendFlag(lite) && hasSubscriptionFlag(lite)).toBe(true);
    expect(hasCommitOffsetFlag(lite)).toBe(false);
    expect(clearCommitOffsetFlag(7)).toBe(6);
  });
});
