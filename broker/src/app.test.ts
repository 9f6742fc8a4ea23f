import * as path from 'node:path';
import { loadConfig } from '@skyrocket/common';
import { fileStoreOptions } from './app';
import { BROKER_ENV_PREFIX, BrokerConfigSchema, checkBrokerConfig } from './config';

describe('fileStoreOptions (broker settings to the store)', () => {
  const storeHost = { address: '10.0.0.7', port: 10911 };

  it("passes RocketMQ's store defaults when nothing is set", () => {
    const options = fileStoreOptions(BrokerConfigSchema.parse({}), storeHost);
    expect(options).toEqual({
      rootDir: path.resolve('./.skyrocket/broker-a'),
      storeHost,
      flushDiskType: 'ASYNC_FLUSH',
      commitLogSegmentBytes: 1024 * 1024 * 1024,
      maxMessageBytes: 4 * 1024 * 1024 + 64 * 1024,
      fileReservedHours: 72,
      diskMaxUsedRatio: 0.75,
      retentionIntervalMs: 10_000,
      flushIntervalMs: 500,
      syncFlushTimeoutMs: 5000,
      delayLevelMillis: expect.any(Array) as unknown,
    });
    expect(options.storeHost).toBe(storeHost); // the broker sets its port on this object once it listens
    expect('truncateCorruptedAt' in options).toBe(false);
  });

  it('maps every store setting, from flags and environment as users give them', () => {
    const config = loadConfig(BrokerConfigSchema, {
      argv: [
        ...['--store-path-root-dir', '/data/store', '--flush-disk-type', 'SYNC_FLUSH'],
        ...['--disk-max-used-space-ratio', '90', '--clean-resource-interval', '2000'],
        ...['--flush-interval-commit-log', '200', '--truncate-corrupted-at', '25450'],
      ],
      env: {
        [`${BROKER_ENV_PREFIX}SYNC_FLUSH_TIMEOUT`]: '1500',
        [`${BROKER_ENV_PREFIX}FILE_RESERVED_TIME`]: '1',
      },
      envPrefix: BROKER_ENV_PREFIX,
      check: checkBrokerConfig,
    });
    expect(fileStoreOptions(config, storeHost)).toMatchObject({
      rootDir: '/data/store',
      flushDiskType: 'SYNC_FLUSH',
      fileReservedHours: 1,
      diskMaxUsedRatio: 0.9,
      retentionIntervalMs: 2000,
      flushIntervalMs: 200,
      syncFlushTimeoutMs: 1500,
      truncateCorruptedAt: 25450,
    });
  });

  it.each([
    ['diskMaxUsedSpaceRatio', '9'],
    ['diskMaxUsedSpaceRatio', '96'],
    ['flushIntervalCommitLog', '0'],
    ['syncFlushTimeout', '0'],
    ['cleanResourceInterval', '50'],
    ['truncateCorruptedAt', '-2'],
  ])('refuses %s = %s with a message naming it', (field, value) => {
    expect(() =>
      loadConfig(BrokerConfigSchema, { argv: [`--${field}`, value], envPrefix: BROKER_ENV_PREFIX, env: {} }),
    ).toThrow(new RegExp(field));
  });
});
