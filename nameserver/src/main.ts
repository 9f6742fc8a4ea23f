#!/usr/bin/env node
import { runComponent } from '@skyrocket/common';
import { buildNameServer } from './app';
import { checkNameServerConfig, NAMESERVER_ENV_PREFIX, NameServerConfigSchema } from './config';

/** `skyrocket-nameserver [--config file] [--listen-port 9876] [...]`: the only place that reads argv and env. */
runComponent({
  name: 'skyrocket-nameserver',
  schema: NameServerConfigSchema,
  envPrefix: NAMESERVER_ENV_PREFIX,
  check: checkNameServerConfig,
  start: async (config) => {
    const nameServer = buildNameServer(config);
    await nameServer.start();
    return nameServer;
  },
});
