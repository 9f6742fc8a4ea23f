import { UsageError } from './errors';

/** The address of a NameServer on this machine on RocketMQ's default port, the last fallback. */
export const DEFAULT_NAMESRV = '127.0.0.1:9876';

const HOST_PORT = /^(?:\[[0-9a-fA-F:.]+\]|[^\s:;[\]]+):(\d{1,5})$/;

/**
 * The NameServer list a command talks to: `-n/--namesrv`, else the NAMESRV_ADDR environment variable (RocketMQ's
 * convention), else 127.0.0.1:9876. Returned as RocketMQ writes it, `host:port;host:port`, after checking each entry.
 */
export function resolveNamesrv(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const fromEnv = env.NAMESRV_ADDR?.trim();
  const [setting, source] =
    flag !== undefined
      ? [flag, '-n/--namesrv']
      : fromEnv
        ? [fromEnv, 'NAMESRV_ADDR']
        : [DEFAULT_NAMESRV, 'default'];
  const addresses = setting
    .split(';')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  if (addresses.length === 0) throw new UsageError(`${source}: no NameServer address given`);
  for (const address of addresses) {
    const match = HOST_PORT.exec(address);
    if (!match || Number(match[1]) > 65535) {
      throw new UsageError(`${source}: "${address}" is not host:port (use host:port;host:port for several)`);
    }
  }
  return addresses.join(';');
}
