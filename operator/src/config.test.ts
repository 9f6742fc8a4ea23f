import { loadConfig } from '@skyrocket/common';
import { checkOperatorConfig, OPERATOR_ENV_PREFIX, OperatorConfigSchema, parseNamespaces } from './config';

describe('operator config', () => {
  it('has client-go-like defaults and reads env and flags', () => {
    const config = loadConfig(OperatorConfigSchema, {
      env: { SKYROCKET_OPERATOR_NAMESPACES: 'a, b', SKYROCKET_OPERATOR_WORKERS: '8' },
      envPrefix: OPERATOR_ENV_PREFIX,
      argv: ['--leader-election', 'false'],
      check: checkOperatorConfig,
    });
    expect(config).toMatchObject({
      workers: 8,
      leaderElection: false,
      leaseDurationSeconds: 15,
      renewDeadlineSeconds: 10,
      retryPeriodSeconds: 2,
      resyncPeriodSeconds: 120,
      httpPort: 8080,
    });
    expect(parseNamespaces(config.namespaces)).toEqual(['a', 'b']);
  });

  it('refuses inconsistent lease timings and bad namespace names, naming the field', () => {
    expect(() =>
      loadConfig(OperatorConfigSchema, {
        argv: ['--renew-deadline-seconds', '20'],
        check: checkOperatorConfig,
      }),
    ).toThrow(/renewDeadlineSeconds must be less than leaseDurationSeconds/);
    expect(() =>
      loadConfig(OperatorConfigSchema, { argv: ['--namespaces', 'ok,Not_OK'], check: checkOperatorConfig }),
    ).toThrow(/namespaces: "Not_OK" is not a namespace name/);
    expect(() => loadConfig(OperatorConfigSchema, { argv: ['--workers', '0'] })).toThrow(/workers/);
  });
});
