import * as path from 'node:path';
import type { Admin } from '@skyrocket/client';
import { spawnServer, type ServerProcess } from '../../harness/server-process';
import { waitFor } from '../../harness/wait-for';

/** The built CLI, whose `skyrocket broker` is what users and the image run. */
export const CLI = path.resolve(__dirname, '../../../cli/dist/main.js');

/**
 * Spawns `skyrocket broker` (the built CLI) on loopback with 4 MiB commit-log segments and `flags`, with its output
 * collected; resolves once it listens or exits, whichever comes first.
 */
export async function spawnBrokerCli(
  brokerName: string,
  brokerId: number,
  flags: string[],
): Promise<ServerProcess> {
  const broker = spawnServer(
    process.execPath,
    [
      CLI,
      'broker',
      ...['--listen-host', '127.0.0.1', '--brokerIP1', '127.0.0.1', '--http-host', '127.0.0.1'],
      ...['--broker-name', brokerName, '--broker-id', String(brokerId), '--http-port', '0'],
      ...['--mapped-file-size-commit-log', String(4 * 1024 * 1024), '--log-level', 'warn'],
      ...flags,
    ],
    { env: { ...process.env, NAMESRV_ADDR: '' } },
  );
  await waitFor(
    `broker ${brokerName}/${brokerId} to listen or exit`,
    () => / listening on 127\.0\.0\.1:\d+/.test(broker.stderr()) || broker.child.exitCode !== null,
    { timeoutMs: 30_000 },
  );
  return broker;
}

/**
 * spawnBrokerCli, then checks the broker runs and waits until the NameServer lists it as broker `brokerId` of
 * `brokerName`.
 */
export async function startBrokerCli(
  admin: Admin,
  brokerName: string,
  brokerId: number,
  flags: string[],
): Promise<ServerProcess> {
  const broker = await spawnBrokerCli(brokerName, brokerId, flags);
  if (broker.child.exitCode !== null) {
    throw new Error(
      `broker ${brokerName}/${brokerId} exited with ${broker.child.exitCode}:\n${broker.stderr()}`,
    );
  }
  await waitFor(
    `broker ${brokerName}/${brokerId} to register with the NameServer`,
    async () =>
      (await admin.listClusters()).clusters.some((c) =>
        c.brokers.some((b) => b.brokerName === brokerName && b.addresses[brokerId] !== undefined),
      ),
    { timeoutMs: 30_000 },
  );
  return broker;
}

/** The messages a topic holds on its brokers (the sum over its queues of maxOffset - minOffset). */
export async function storedCount(admin: Admin, topic: string): Promise<number> {
  const stats = await admin.topicStats(topic);
  return stats.reduce((sum, s) => sum + s.maxOffset - s.minOffset, 0);
}

/** msg-0 .. msg-(count-1) (the bodies the Java Produce program sends), sorted as the consumer's bodies are. */
export const numbered = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => `msg-${i}`).sort();
