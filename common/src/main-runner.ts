import { networkInterfaces } from 'node:os';
import type { z } from 'zod';
import { loadConfig } from './config';
import { describeError } from './errors';

/**
 * The shared body of every component's main.ts: `--config <file>` (or `-c`), environment with the component's
 * prefix, flags; start; stop gracefully on SIGTERM/SIGINT; one clear line and exit 1 on any failure.
 */
export function runComponent<S extends z.ZodObject>(options: {
  name: string;
  schema: S;
  envPrefix: string;
  check?: (config: Record<string, unknown>) => string[];
  start: (config: Readonly<z.infer<S>>) => Promise<{ stop(): Promise<void> }>;
}): void {
  const run = async () => {
    const config = loadComponentConfig(options, process.argv.slice(2), process.env);
    const component = await options.start(config);
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`received ${signal}, shutting down\n`);
      component.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`shutdown failed: ${describeError(error)}\n`);
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
  };
  run().catch((error: unknown) => {
    process.stderr.write(`${options.name}: ${describeError(error)}\n`);
    process.exit(1);
  });
}

/**
 * A component's configuration from its command line (`--config <file>` or `-c`, then flags) and environment: what
 * runComponent does before starting, also used by the `skyrocket nameserver|broker|start` commands.
 */
export function loadComponentConfig<S extends z.ZodObject>(
  options: { schema: S; envPrefix: string; check?: (config: Record<string, unknown>) => string[] },
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Readonly<z.infer<S>> {
  let file: string | undefined;
  const flags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--config' || arg === '-c') file = argv[++i];
    else if (arg.startsWith('--config=')) file = arg.slice('--config='.length);
    else flags.push(arg);
  }
  return loadConfig(options.schema, {
    file,
    env: { ...env },
    envPrefix: options.envPrefix,
    argv: flags,
    ...(options.check ? { check: options.check } : {}),
  });
}

/** The first non-loopback IPv4 address (what RocketMQ's RemotingUtil.getLocalAddress prefers), or 127.0.0.1. */
export function firstNonLoopbackIpv4(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? [])
      if (address.family === 'IPv4' && !address.internal) return address.address;
  }
  return '127.0.0.1';
}
