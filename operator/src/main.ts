#!/usr/bin/env node
import { runComponent } from '@skyrocket/common';
import { checkOperatorConfig, OPERATOR_ENV_PREFIX, OperatorConfigSchema } from './config';
import { buildOperator } from './operator';

/** `skyrocket-operator [--config file] [--kubeconfig path] [--namespaces a,b] [...]`: the only place that reads env. */
runComponent({
  name: 'skyrocket-operator',
  schema: OperatorConfigSchema,
  envPrefix: OPERATOR_ENV_PREFIX,
  check: checkOperatorConfig,
  start: async (config) => {
    const operator = buildOperator(config, { env: process.env });
    await operator.start();
    return operator;
  },
});
