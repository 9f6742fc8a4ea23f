/**
 * ClientConfig: what every producer, consumer and admin needs to reach a cluster. Defaults follow the Java client
 * (`ClientConfig.java`): routes polled every 30 s, heartbeats every 30 s, 3 s request timeout.
 */
import * as os from 'node:os';
import { z } from 'zod';
import { addressListProblems, silentLogger, type Logger } from '@skyrocket/common';
import { ClientError } from '../errors';

const positiveMillis = (max: number) => z.number().int().min(1).max(max);

export const ClientConfigSchema = z.object({
  /**
   * NameServers as `host:port;host:port`. Falls back to the NAMESRV_ADDR environment variable (the Java client's
   * `rocketmq.namesrv.addr` / NAMESRV_ADDR convention) when neither this nor nameServerDomain is set.
   */
  namesrvAddr: z.string().optional(),
  /**
   * An address server: `host`, `host:port` (port 8080 by default) or a full `http(s)://…` URL. The client fetches
   * `http://<host>:8080/rocketmq/nsaddr` (Java's `rocketmq.namesrv.domain`) at start and every 2 minutes; the answer is
   * a `host:port;host:port` list. Used when namesrvAddr is not set.
   */
  nameServerDomain: z.string().min(1).optional(),
  /** How often the address server is asked again (Java: 2 minutes). */
  nameServerDomainRefreshMillis: positiveMillis(3_600_000).default(120_000),
  /** The client's own IP as brokers see it in its clientId; default: the first non-loopback IPv4 address. */
  clientIP: z.string().min(1).optional(),
  /** The part after "@" in the clientId; clients with the same clientId share one connection set. Default: pid. */
  instanceName: z.string().min(1).optional(),
  /** Appended to the clientId as Java does (`ip@instance@unitName`). */
  unitName: z.string().min(1).optional(),
  /** Default timeout of one request (Java: 3000 ms). */
  requestTimeoutMillis: positiveMillis(600_000).default(3000),
  /** Route refresh period of every topic in use (Java: pollNameServerInterval 30000). */
  pollNameServerIntervalMillis: positiveMillis(3_600_000).default(30_000),
  /** Heartbeat period to every broker (Java: heartbeatBrokerInterval 30000). */
  heartbeatBrokerIntervalMillis: positiveMillis(3_600_000).default(30_000),
  /** Connect timeout (Java: connectTimeoutMillis 3000). */
  connectTimeoutMillis: positiveMillis(600_000).default(3000),
  /** pino logger; default: silent. */
  logger: z
    .custom<Logger>((value) => typeof value === 'object' && value !== null, 'expected a pino logger')
    .optional(),
});

export type ClientConfigInput = z.input<typeof ClientConfigSchema>;

export interface ClientConfig extends Omit<
  z.output<typeof ClientConfigSchema>,
  'logger' | 'instanceName' | 'clientIP'
> {
  readonly clientIP: string;
  readonly instanceName: string;
  readonly logger: Logger;
  /** `clientIP@instanceName[@unitName]`, the id brokers know this client by. */
  readonly clientId: string;
}

/**
 * Parses and checks a config; throws ClientError INVALID_CONFIG naming the field. `env` is consulted for
 * NAMESRV_ADDR only when neither namesrvAddr nor nameServerDomain is given.
 */
export function parseClientConfig(
  input: ClientConfigInput,
  env: Record<string, string | undefined> = process.env,
): ClientConfig {
  const parsed = ClientConfigSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(config)'}: ${issue.message}`,
    );
    throw new ClientError('INVALID_CONFIG', `invalid client configuration: ${problems.join('; ')}`);
  }
  const config = parsed.data;
  let namesrvAddr = config.namesrvAddr?.trim() || undefined;
  if (namesrvAddr === undefined && config.nameServerDomain === undefined) {
    namesrvAddr = env.NAMESRV_ADDR?.trim() || undefined;
  }
  if (namesrvAddr === undefined && config.nameServerDomain === undefined) {
    throw new ClientError(
      'INVALID_CONFIG',
      'invalid client configuration: namesrvAddr: set namesrvAddr ("host:port;host:port"), nameServerDomain, or NAMESRV_ADDR',
    );
  }
  if (namesrvAddr !== undefined) {
    const problems = addressListProblems('namesrvAddr', namesrvAddr);
    if (namesrvAddr.startsWith('dns:'))
      problems.push('namesrvAddr: the dns: form is for brokers; use host:port;host:port');
    if (problems.length > 0) {
      throw new ClientError('INVALID_CONFIG', `invalid client configuration: ${problems.join('; ')}`);
    }
  }
  const clientIP = config.clientIP ?? defaultClientIp();
  const instanceName = config.instanceName ?? String(process.pid);
  const clientId = `${clientIP}@${instanceName}${config.unitName ? `@${config.unitName}` : ''}`;
  return Object.freeze({
    ...config,
    namesrvAddr,
    clientIP,
    instanceName,
    clientId,
    logger: config.logger ?? silentLogger(),
  });
}

/** The first non-internal IPv4 address (Java's RemotingUtil.getLocalAddress), else 127.0.0.1. */
function defaultClientIp(): string {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const info of addresses ?? []) {
      if (info.family === 'IPv4' && !info.internal) return info.address;
    }
  }
  return '127.0.0.1';
}
