import { z } from 'zod';
import { addressListProblems, configBoolean, configInt } from '@skyrocket/common';

/**
 * NameServer configuration. Defaults follow Apache RocketMQ's NamesrvConfig / NettyServerConfig where one exists.
 * Loaded by main.ts from `--config <file>`, environment variables prefixed SKYROCKET_NAMESERVER_, and flags;
 * docs/configuration.md is generated from this schema's descriptions (`npm run gen`).
 */
export const NameServerConfigSchema = z.object({
  listenHost: z.string().default('0.0.0.0').describe('Address the remoting port binds to'),
  listenPort: configInt(0, 65535).default(9876).describe('Remoting port (RocketMQ NamesrvStartup: 9876)'),
  httpHost: z.string().default('0.0.0.0').describe('Address the HTTP admin port binds to'),
  httpPort: configInt(0, 65535)
    .default(8080)
    .describe(
      'HTTP admin port: /healthz, /readyz, /metrics, /api/*, and /rocketmq/nsaddr (RocketMQ address-server port)',
    ),
  brokerExpiryMillis: configInt(1000)
    .default(120_000)
    .describe(
      'Drop a broker silent this long, unless its REGISTER_BROKER carries heartbeatTimeoutMillis (RocketMQ DEFAULT_BROKER_CHANNEL_EXPIRED_TIME)',
    ),
  scanNotActiveBrokerIntervalMillis: configInt(100)
    .default(5000)
    .describe('How often expired brokers are looked for (RocketMQ scanNotActiveBrokerInterval)'),
  maxFrameBytes: configInt(1024, 1024 * 1024 * 1024)
    .default(16 * 1024 * 1024)
    .describe('Largest remoting frame accepted; bigger ones close the connection (RocketMQ frameMaxLength)'),
  idleTimeoutMillis: configInt(0)
    .default(120_000)
    .describe('Close connections idle this long; 0 disables (RocketMQ serverChannelMaxIdleTimeSeconds)'),
  nameServerAddresses: z
    .string()
    .default('')
    .describe(
      'What GET /rocketmq/nsaddr returns: a static "host:port;host:port" list, or "dns:<name>:<port>" resolved on every request; empty means this NameServer\'s own advertised address',
    ),
  advertisedAddress: z
    .string()
    .default('')
    .describe(
      'host:port clients use to reach this NameServer; empty means the first non-loopback IPv4 address and listenPort',
    ),
  returnOrderTopicConfigToBroker: configBoolean()
    .default(true)
    .describe(
      'Send the ORDER_TOPIC_CONFIG KV namespace back to registering brokers (RocketMQ NamesrvConfig)',
    ),
  logLevel: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('Log level'),
});

export type NameServerConfig = z.infer<typeof NameServerConfigSchema>;

export const NAMESERVER_ENV_PREFIX = 'SKYROCKET_NAMESERVER_';

export function checkNameServerConfig(config: Record<string, unknown>): string[] {
  const problems: string[] = [];
  problems.push(...addressListProblems('nameServerAddresses', String(config.nameServerAddresses ?? '')));
  const advertised = String(config.advertisedAddress ?? '');
  if (advertised !== '' && !/^[^\s]+:\d{1,5}$/.test(advertised)) {
    problems.push(`advertisedAddress: "${advertised}" is not host:port`);
  }
  return problems;
}
