/**
 * Helm installs CRDs but never upgrades them, so an upgraded operator can meet a cluster without the Topic and
 * ConsumerGroup CRDs. It must still reconcile NameServerClusters and BrokerClusters (and report ready), and pick up
 * Topics once their CRD is installed.
 */
import { silentLogger } from '@skyrocket/common';
import { runOperator, type Operator } from '../../operator/src';
import type { KubeClient } from '../../operator/src/runtime/kube-client';
import { Resources } from '../../operator/src/runtime/resources';
import type { KubeObject } from '../../operator/src/runtime/types';
import { waitFor } from '../harness/wait-for';
import { startControlPlane, type ControlPlane } from './harness/control-plane';
import { clientFor, condition, createNamespace, installCrds, type ConditionView } from './operator-fixtures';

jest.setTimeout(120_000);

const NS = 'optional-crds';

describe('operator without the Topic and ConsumerGroup CRDs', () => {
  let cp: ControlPlane;
  let client: KubeClient;
  let operator: Operator;

  beforeAll(async () => {
    cp = await startControlPlane();
    client = clientFor(cp.kubeconfigPath);
    await installCrds(client, ['NameServerCluster', 'BrokerCluster']);
    await createNamespace(client, NS);
    operator = await runOperator(
      { leaderElection: false, httpHost: '127.0.0.1', httpPort: 0, logLevel: 'silent' },
      { connection: client.connection, logger: silentLogger(), pollIntervalMs: 200 },
    );
  }, 300_000);

  afterAll(async () => {
    await operator?.stop();
    client?.close();
    await cp?.stop();
  });

  it('reconciles clusters and reports ready while those CRDs are missing, then serves Topics once installed', async () => {
    await operator.waitForSync();
    const report = operator.readiness();
    expect(report.ready).toBe(true);
    // The missing CRD is visible in the checks: its informer has not synced.
    expect(JSON.stringify(report.checks)).toContain('"topics"');

    await client.create(Resources.NameServerCluster, {
      apiVersion: 'skyrocket.dev/v1alpha1',
      kind: 'NameServerCluster',
      metadata: { name: 'ns', namespace: NS },
      spec: { replicas: 1 },
    } as KubeObject);
    await waitFor('the NameServer StatefulSet', () => client.find(Resources.StatefulSet, NS, 'ns'), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });

    await installCrds(client, ['Topic']);
    await client.create(Resources.Topic, {
      apiVersion: 'skyrocket.dev/v1alpha1',
      kind: 'Topic',
      metadata: { name: 'late', namespace: NS },
      spec: { clusterRef: { name: 'mq' } },
    } as KubeObject);
    // The informer retries the list with backoff; once it has the CRD the Topic is reconciled.
    const topic = await waitFor(
      'the Topic reconciled',
      async () => {
        const t = await client.find<KubeObject & { status?: { conditions?: ConditionView[] } }>(
          Resources.Topic,
          NS,
          'late',
        );
        return condition(t, 'Ready')?.reason === 'BrokerClusterNotFound' ? t : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(topic.metadata.finalizers).toContain('skyrocket.dev/topic-cleanup');
  });
});
