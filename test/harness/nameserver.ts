import { silentLogger } from '@skyrocket/common';
import {
  buildNameServer,
  NameServerConfigSchema,
  type NameServer,
  type NameServerConfig,
} from '@skyrocket/nameserver';

/** An in-process Skyrocket NameServer on loopback ports chosen by the OS. */
export async function startNameServer(
  overrides: Partial<NameServerConfig> = {},
): Promise<{ nameServer: NameServer; address: string; httpUrl: string }> {
  const config = NameServerConfigSchema.parse({
    listenHost: '127.0.0.1',
    listenPort: 0,
    httpHost: '127.0.0.1',
    httpPort: 0,
    advertisedAddress: '',
    ...overrides,
  });
  const nameServer = buildNameServer(config, { logger: silentLogger() });
  const { remotingPort, httpPort } = await nameServer.start();
  return { nameServer, address: `127.0.0.1:${remotingPort}`, httpUrl: `http://127.0.0.1:${httpPort}` };
}
