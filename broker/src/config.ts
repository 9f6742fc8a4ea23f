import { z } from 'zod';
import { addressListProblems, configBoolean, configInt } from '@skyrocket/common';

/**
 * Broker configuration, with RocketMQ's BrokerConfig / MessageStoreConfig names and defaults where they exist.
 * Loaded by main.ts from `--config <file>` (Java properties or JSON), SKYROCKET_BROKER_* variables, and flags.
 */
export const BrokerConfigSchema = z.object({
  brokerClusterName: z.string().default('DefaultCluster').describe('Cluster this broker registers under'),
  brokerName: z.string().default('broker-a').describe('Broker group name; a master and its slaves share it'),
  brokerId: configInt(0).default(0).describe('0 for the master, ≥ 1 for slaves'),
  brokerRole: z
    .enum(['ASYNC_MASTER', 'SYNC_MASTER', 'SLAVE'])
    .default('ASYNC_MASTER')
    .describe('Replication role'),
  namesrvAddr: z
    .string()
    .default('127.0.0.1:9876')
    .describe(
      'NameServers: "host:port;host:port", or "dns:<name>:<port>" resolved before every registration round',
    ),
  listenHost: z.string().default('0.0.0.0').describe('Address the remoting port binds to'),
  listenPort: configInt(0, 65535)
    .default(10911)
    .describe(
      'Remoting port (RocketMQ BrokerStartup: 10911); listenPort - 2 serves the same requests (the VIP channel Java slaves and vipChannelEnabled clients use) unless listenPort is 0',
    ),
  brokerIP1: z
    .string()
    .default('')
    .describe('IP clients use to reach this broker; empty means the first non-loopback IPv4 address'),
  haListenPort: configInt(0, 65535)
    .default(10912)
    .describe('Port a master streams its commit log to slaves on (RocketMQ: 10912)'),
  haMasterAddress: z
    .string()
    .default('')
    .describe(
      'A slave\'s master HA address ("host:port"); empty means the one the NameServer\'s registration answer names',
    ),
  haSendHeartbeatInterval: configInt(100, 600_000)
    .default(5000)
    .describe('Milliseconds between HA heartbeats and slave offset reports (RocketMQ: 5 s)'),
  haHousekeepingInterval: configInt(1000, 3_600_000)
    .default(20_000)
    .describe('Close an HA connection that read nothing for this many milliseconds (RocketMQ: 20 s)'),
  slaveTimeout: configInt(1, 600_000)
    .default(3000)
    .describe('Milliseconds a SYNC_MASTER send waits for a slave before FLUSH_SLAVE_TIMEOUT (RocketMQ: 3 s)'),
  httpHost: z.string().default('0.0.0.0').describe('Address the HTTP admin port binds to'),
  httpPort: configInt(0, 65535)
    .default(8081)
    .describe('HTTP admin port: /healthz, /readyz, /metrics, /api/*'),
  registerNameServerPeriodMillis: configInt(1000, 600_000)
    .default(30_000)
    .describe('How often the broker re-registers with every NameServer (its heartbeat)'),
  registerBrokerTimeoutMillis: configInt(100).default(24_000).describe('Timeout of one registration request'),
  storePathRootDir: z
    .string()
    .default('./.skyrocket/broker-a')
    .describe('Store root: commit log, queues, index, config'),
  flushDiskType: z.enum(['ASYNC_FLUSH', 'SYNC_FLUSH']).default('ASYNC_FLUSH').describe('Flush mode'),
  mappedFileSizeCommitLog: configInt(64 * 1024, 2 ** 31 - 1)
    .default(1024 * 1024 * 1024)
    .describe('Commit-log segment size in bytes (1 GiB)'),
  maxMessageSize: configInt(1024, 64 * 1024 * 1024)
    .default(4 * 1024 * 1024)
    .describe('Largest message body accepted (RocketMQ maxMessageSize: 4 MiB)'),
  fileReservedTime: configInt(1).default(72).describe('Hours commit-log segments are kept'),
  diskMaxUsedSpaceRatio: configInt(10, 95)
    .default(75)
    .describe(
      'Percent of the store disk in use past which the oldest commit-log segment is deleted at every retention run, whatever its age (RocketMQ: 75, within 10–95)',
    ),
  cleanResourceInterval: configInt(100, 3_600_000)
    .default(10_000)
    .describe('Milliseconds between two retention runs (RocketMQ: 10 s)'),
  flushIntervalCommitLog: configInt(1, 60_000)
    .default(500)
    .describe(
      'Milliseconds between two flushes of the commit log to disk, in either flush mode (RocketMQ: 500)',
    ),
  syncFlushTimeout: configInt(1, 600_000)
    .default(5000)
    .describe(
      'Milliseconds a SYNC_FLUSH send waits for its fdatasync before FLUSH_DISK_TIMEOUT; the message stays stored (RocketMQ: 5 s)',
    ),
  truncateCorruptedAt: configInt(-1)
    .default(-1)
    .describe(
      'Commit-log offset of a corrupted record that a start refused with STORE_CORRUPTED: start anyway, dropping every record from that offset on. Only the offset the error names is accepted; -1 (the default) refuses to start on a corrupted record',
    ),
  autoCreateTopicEnable: configBoolean().default(true).describe('Create topics on first send through TBW102'),
  defaultTopicQueueNums: configInt(1, 1024).default(8).describe('Queues of TBW102 (and topics it creates)'),
  autoCreateSubscriptionGroup: configBoolean()
    .default(true)
    .describe('Create subscription groups on first heartbeat/pull'),
  longPollingEnable: configBoolean()
    .default(true)
    .describe('Hold pulls with nothing to return until data arrives'),
  shortPollingTimeMills: configInt(0).default(1000).describe('Hold time of a pull when long polling is off'),
  maxReconsumeTimes: configInt(0, 1000).default(16).describe('Retries before a message goes to the DLQ'),
  messageDelayLevel: z
    .string()
    .default('1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h')
    .describe('The delay levels (RocketMQ MessageStoreConfig.messageDelayLevel)'),
  channelExpiredTimeoutMillis: configInt(1000)
    .default(120_000)
    .describe('Drop producer/consumer connections silent this long'),
  rejectTransactionMessage: configBoolean()
    .default(false)
    .describe('Refuse transaction half messages with NO_PERMISSION (RocketMQ BrokerConfig)'),
  transactionTimeOut: configInt(0)
    .default(6000)
    .describe(
      'Milliseconds after its birth before an unresolved half message is checked with the producer (RocketMQ: 6 s)',
    ),
  transactionCheckMax: configInt(0, 1_000_000)
    .default(15)
    .describe(
      'CHECK_TRANSACTION_STATE call-backs per half message before it is discarded to TRANS_CHECK_MAX_TIME_TOPIC',
    ),
  transactionCheckInterval: configInt(10)
    .default(30_000)
    .describe('Milliseconds between two scans of unresolved half messages (RocketMQ: 30 s)'),
  logLevel: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('Log level'),
});

export type BrokerConfig = z.infer<typeof BrokerConfigSchema>;
export const BROKER_ENV_PREFIX = 'SKYROCKET_BROKER_';

/** Parses messageDelayLevel ("1s 5s 1m 2h") into milliseconds per level, level 1 first. */
export function parseDelayLevels(text: string): number[] {
  const units: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  return text
    .trim()
    .split(/\s+/)
    .map((token) => {
      const match = /^(\d+)([smhd])$/.exec(token);
      if (!match) throw new Error(`messageDelayLevel: "${token}" is not like 5s, 1m, 2h`);
      return Number(match[1]) * (units[match[2] ?? 's'] ?? 1000);
    });
}

export function checkBrokerConfig(config: Record<string, unknown>): string[] {
  const problems: string[] = [];
  try {
    parseDelayLevels(String(config.messageDelayLevel ?? ''));
  } catch (error) {
    problems.push((error as Error).message);
  }
  problems.push(...addressListProblems('namesrvAddr', String(config.namesrvAddr ?? '')));
  const role = config.brokerRole;
  const id = Number(config.brokerId);
  if (role === 'SLAVE' && id === 0) problems.push('brokerId: a SLAVE needs brokerId ≥ 1');
  if (role !== 'SLAVE' && id !== 0)
    problems.push('brokerId: a master (ASYNC_MASTER/SYNC_MASTER) has brokerId 0');
  if (!/^[%|a-zA-Z0-9_-]{1,127}$/.test(String(config.brokerName))) {
    problems.push('brokerName: only letters, digits, %, |, _ and - are allowed');
  }
  return problems;
}
