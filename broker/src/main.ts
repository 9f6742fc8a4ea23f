#!/usr/bin/env node
import { describeError, loadConfig } from '@skyrocket/common';
import { buildBroker } from './app';
import { BROKER_ENV_PREFIX, BrokerConfigSchema, checkBrokerConfig } from './config';

/** `skyrocket-broker [--config file] [--namesrv-addr host:port] [...]`: reads argv/env, listens, handles signals. */
async function main(argv: string[]): Promise<void> {
  let file: string | undefined;
  const flags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--config' || arg === '-c') file = argv[++i];
    else if (arg.startsWith('--config=')) file = arg.slice('--config='.length);
    else flags.push(arg);
  }
  const config = loadConfig(BrokerConfigSchema, {
    file,
    env: process.env,
    envPrefix: BROKER_ENV_PREFIX,
    argv: flags,
    check: checkBrokerConfig,
  });
  const broker = buildBroker(config);
  await broker.start();
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`received ${signal}, shutting down\n`);
    broker.stop().then(
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
  process.stderr.write(`skyrocket-broker: ${describeError(error)}\n`);
  process.exit(1);
});
