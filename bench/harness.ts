import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createRequest, RemotingClient, RequestCode } from '@skyrocket/remoting';
import { parseDockerfile, parseEnv } from '../scripts/image/dockerfile';
import { waitUntil } from '../test/compat/harness/java';

/**
 * The Node.js options the image sets (the Dockerfile's last NODE_OPTIONS), for benchmarks to run Skyrocket's
 * processes as deployed, as the Apache peers run with their JVM options.
 */
export function imageNodeOptions(): string[] {
  const dockerfile = readFileSync(path.join(__dirname, '..', 'Dockerfile'), 'utf8');
  const value = parseDockerfile(dockerfile)
    .filter((instruction) => instruction.keyword === 'ENV')
    .flatMap((instruction) => parseEnv(instruction.args))
    .filter(([name]) => name === 'NODE_OPTIONS')
    .at(-1)?.[1];
  return value ? value.split(/\s+/) : [];
}

/** Percentile of an ascending-sorted array (nearest rank). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? NaN;
}

/** Resident set size of a process in MiB, from /proc (Linux). */
export function rssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    return kb / 1024;
  } catch {
    return NaN;
  }
}

/** Parses `--name value` flags into numbers/strings with defaults. */
export function flags<T extends Record<string, number | string>>(argv: string[], defaults: T): T {
  const out: Record<string, number | string> = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) continue;
    const key = arg.slice(2);
    if (!(key in defaults))
      throw new Error(`unknown flag --${key}; known: ${Object.keys(defaults).join(', ')}`);
    const value = argv[++i] ?? '';
    out[key] = typeof defaults[key] === 'number' ? Number(value) : value;
    if (typeof defaults[key] === 'number' && !Number.isFinite(out[key]))
      throw new Error(`--${key} needs a number`);
  }
  return out as T;
}

/** Waits until the NameServer's cluster info lists the broker at `brokerAddress` (a remoting call, no JVM). */
export async function waitForRegistration(namesrvAddr: string, brokerAddress: string): Promise<void> {
  await waitUntil(
    `the broker at ${brokerAddress} to register with ${namesrvAddr}`,
    async () => {
      const client = new RemotingClient();
      try {
        const response = await client.invoke(
          namesrvAddr,
          createRequest(RequestCode.GET_BROKER_CLUSTER_INFO),
          1000,
        );
        return (response.body?.toString() ?? '').includes(brokerAddress) || undefined;
      } finally {
        await client.close();
      }
    },
    { timeoutMs: 30_000 },
  );
}
