import { z } from 'zod';
import { configBoolean, configInt } from '@skyrocket/common';

export const OPERATOR_ENV_PREFIX = 'SKYROCKET_OPERATOR_';

/**
 * Operator configuration. Loaded by main.ts (or `skyrocket operator`) from `--config <file>`, SKYROCKET_OPERATOR_*
 * variables and flags, like every component's (common/src/config.ts).
 */
export const OperatorConfigSchema = z.object({
  kubeconfig: z
    .string()
    .default('')
    .describe("Path of a kubeconfig; empty means in-cluster (the pod's service account), then $KUBECONFIG"),
  kubeContext: z.string().default('').describe('kubeconfig context to use; empty means its current-context'),
  namespaces: z
    .string()
    .default('')
    .describe('Comma-separated namespaces to watch; empty watches all namespaces'),
  workers: configInt(1, 64).default(4).describe('Reconcile workers per controller'),
  resyncPeriodSeconds: configInt(0, 86_400)
    .default(120)
    .describe(
      'Every cluster is reconciled at least this often even without events (0: never; Strimzi: 120 s)',
    ),
  leaderElection: configBoolean()
    .default(true)
    .describe('Elect a leader through a Lease; off for a single replica'),
  leaseName: z.string().default('skyrocket-operator').describe('Name of the leader-election Lease'),
  leaseNamespace: z
    .string()
    .default('')
    .describe("Namespace of the Lease; empty means the pod's namespace (in cluster) or default"),
  leaseDurationSeconds: configInt(2, 300)
    .default(15)
    .describe('A leader that stops renewing loses the lease after this'),
  renewDeadlineSeconds: configInt(1, 300)
    .default(10)
    .describe('A leader that cannot renew for this long steps down'),
  retryPeriodSeconds: configInt(1, 60).default(2).describe('Pause between leader-election attempts'),
  httpHost: z.string().default('0.0.0.0').describe('Address the health/metrics port binds to'),
  httpPort: configInt(0, 65535)
    .default(8080)
    .describe('HTTP port: /healthz, /readyz (informers synced), /metrics'),
  brokerAdminUrlTemplate: z
    .string()
    .default('http://{pod}.{service}.{namespace}.svc:{port}')
    .describe(
      "URL of a broker pod's HTTP admin API; {pod}, {service} (headless), {namespace}, {port} are filled in",
    ),
  brokerAdminTimeoutMillis: configInt(100, 120_000)
    .default(5000)
    .describe('Timeout of one broker admin request'),
  drainTimeoutSeconds: configInt(10, 7 * 86_400)
    .default(1800)
    .describe('How long a group being removed may take to drain before scale-down reports DrainBlocked'),
  defaultImage: z
    .string()
    .default('')
    .describe(
      'Image of NameServer and broker pods whose cluster spec names none; empty means the built-in ghcr.io/skyrocket/skyrocket:<version>',
    ),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type OperatorConfig = z.infer<typeof OperatorConfigSchema>;

export function checkOperatorConfig(config: Record<string, unknown>): string[] {
  const errors: string[] = [];
  const c = config as Partial<OperatorConfig>;
  if ((c.renewDeadlineSeconds ?? 10) >= (c.leaseDurationSeconds ?? 15))
    errors.push('renewDeadlineSeconds must be less than leaseDurationSeconds');
  if ((c.retryPeriodSeconds ?? 2) >= (c.renewDeadlineSeconds ?? 10))
    errors.push('retryPeriodSeconds must be less than renewDeadlineSeconds');
  for (const ns of parseNamespaces(c.namespaces ?? ''))
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns))
      errors.push(`namespaces: "${ns}" is not a namespace name`);
  return errors;
}

export function parseNamespaces(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
