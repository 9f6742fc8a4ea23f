// The operator's public surface: what the CLI's `skyrocket operator` runs.
import { OperatorConfigSchema, type OperatorConfig } from './config';
import { buildOperator, type Operator, type OperatorDeps } from './operator';

export { checkOperatorConfig, OPERATOR_ENV_PREFIX, OperatorConfigSchema, parseNamespaces } from './config';
export type { OperatorConfig } from './config';
export { buildOperator, resolveConnection } from './operator';
export type { Operator, OperatorDeps } from './operator';

/** Builds and starts the operator from a (partial) config; `waitForSync()` tells when its caches are filled. */
export async function runOperator(
  config: Partial<OperatorConfig> = {},
  deps: OperatorDeps = {},
): Promise<Operator> {
  const operator = buildOperator(OperatorConfigSchema.parse(config), deps);
  await operator.start();
  return operator;
}
export { crdManifests } from './api';
