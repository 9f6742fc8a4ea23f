#!/usr/bin/env node
import { runComponent } from '@skyrocket/common';
import { buildBroker } from './app';
import { BROKER_ENV_PREFIX, BrokerConfigSchema, checkBrokerConfig } from './config';

/** `skyrocket-broker [--config file] [--namesrv-addr host:port] [...]`: the only place that reads argv and env. */
runComponent({
  name: 'skyrocket-broker',
  schema: BrokerConfigSchema,
  envPrefix: BROKER_ENV_PREFIX,
  check: checkBrokerConfig,
  start: async (config) => {
    const broker = buildBroker(config);
    await broker.start();
    return broker;
  },
});
