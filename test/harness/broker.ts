import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '@skyrocket/common';
import {
  buildBroker,
  BrokerConfigSchema,
  type Broker,
  type BrokerConfig,
  type BrokerDeps,
} from '@skyrocket/broker';

/** An in-process Skyrocket broker on loopback, with its store in a fresh temp directory. */
export async function startBroker(
  namesrvAddr: string,
  overrides: Partial<BrokerConfig> = {},
  deps: BrokerDeps = {},
): Promise<{ broker: Broker; address: string; httpUrl: string; storeDir: string }> {
  const storeDir = overrides.storePathRootDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-broker-'));
  const config = BrokerConfigSchema.parse({
    namesrvAddr,
    listenHost: '127.0.0.1',
    listenPort: 0,
    // Many brokers run side by side: a free HA port each (the default, 10912, would clash).
    haListenPort: 0,
    brokerIP1: '127.0.0.1',
    httpHost: '127.0.0.1',
    httpPort: 0,
    storePathRootDir: storeDir,
    mappedFileSizeCommitLog: 64 * 1024 * 1024,
    registerNameServerPeriodMillis: 5000,
    ...overrides,
  });
  const broker = buildBroker(config, { logger: silentLogger(), ...deps });
  const { remotingPort, httpPort } = await broker.start();
  return { broker, address: `127.0.0.1:${remotingPort}`, httpUrl: `http://127.0.0.1:${httpPort}`, storeDir };
}
