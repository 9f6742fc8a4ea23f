#!/usr/bin/env node
import { describeError, loadConfig } from '@skyrocket/common';
import { buildNameServer } from './app';
import { checkNameServerConfig, NAMESERVER_ENV_PREFIX, NameServerConfigSchema } from './config';

/**
 * `skyrocket-nameserver [--config file] [--listen-port 9876] [...]`: the only place that reads argv and the
 * environment, listens, handles signals and exits.
 */
async function main(argv: string[]): Promise<void> {
  let file: string | undefined;
  const flags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--config' || arg === '-c') file = argv[++i];
    else if (arg.startsWith('--config=')) file = arg.slice('--config='.length);
    else flags.push(arg);
  }
  const config = loadConfig(NameServerConfigSchema, {
    file,
    env: process.env,
    envPrefix: NAMESERVER_ENV_PREFIX,
    argv: flags,
    check: checkNameServerConfig,
  });
  const nameServer = buildNameServer(config);
  await nameServer.start();
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`received ${signal}, shutting down\n`);
    nameServer.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${describeError(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`skyrocket-nameserver: ${describeError(error)}\n`);
  process.exit(1);
});
