/**
 * Two operator replicas against one real apiserver: one leader through the coordination.k8s.io Lease; the standby
 * reconciles nothing; when the leader stops (releasing the Lease) the standby takes over and reconciles.
 */
import { silentLogger } from '@skyrocket/common';
import { runOperator, type Operator } from '../../operator/src';
import type { KubeClient } from '../../operator/src/runtime/kube-client';
import { Resources } from '../../operator/src/runtime/resources';
import type { KubeObject } from '../../operator/src/runtime/types';
import { waitFor } from '../harness/wait-for';
import { startControlPlane, type ControlPlane } from './harness/control-plane';
import { clientFor, createNamespace, installCrds } from './operator-fixtures';

jest.setTimeout(120_000);

const NS = 'leader-test';

interface Lease extends KubeObject {
  spec: { holderIdentity?: string; leaseTransitions?: number };
}

describe('leader election', () => {
  let cp: ControlPlane;
  let client: KubeClient;
  const operators: Operator[] = [];

  const start = (identity: string) =>
    runOperator(
      {
        leaderElection: true,
        leaseName: 'skyrocket-operator-test',
        leaseNamespace: NS,
        leaseDurationSeconds: 4,
        renewDeadlineSeconds: 3,
        retryPeriodSeconds: 1,
        httpHost: '127.0.0.1',
        httpPort: 0,
        logLevel: 'silent',
      },
      { connection: client.connection, logger: silentLogger(), identity },
    );

  const nameServerCluster = (name: string) =>
    client.create(Resources.NameServerCluster, {
      apiVersion: 'skyrocket.dev/v1alpha1',
      kind: 'NameServerCluster',
      metadata: { name, namespace: NS },
      spec: { replicas: 1 },
    } as KubeObject);

  beforeAll(async () => {
    cp = await startControlPlane();
    client = clientFor(cp.kubeconfigPath);
    await installCrds(client);
    await createNamespace(client, NS);
  }, 300_000);

  afterAll(async () => {
    for (const operator of operators) await operator.stop();
    client?.close();
    await cp?.stop();
  });

  it('elects one leader; the standby takes over when the leader stops', async () => {
    const first = await start('replica-a');
    operators.push(first);
    await waitFor('replica-a leads', () => first.isLeader, { timeoutMs: 15_000 });
    const second = await start('replica-b');
    operators.push(second);

    await nameServerCluster('one');
    await waitFor('the leader reconciles', () => client.find(Resources.StatefulSet, NS, 'one'), {
      timeoutMs: 15_000,
    });
    expect(second.isLeader).toBe(false);
    const lease = await client.get<Lease>(Resources.Lease, NS, 'skyrocket-operator-test');
    expect(lease.spec.holderIdentity).toBe('replica-a');
    const standbyReady = await fetch(`${second.httpAddress}/readyz`);
    expect(standbyReady.status).toBe(200);

    await first.stop();
    expect(first.isLeader).toBe(false);
    // The stopped leader released the Lease, so the takeover needs about one retry period, not a lease duration.
    const started = Date.now();
    await waitFor('replica-b leads', () => second.isLeader, { timeoutMs: 15_000 });
    expect(Date.now() - started).toBeLessThan(4_000);
    const taken = await client.get<Lease>(Resources.Lease, NS, 'skyrocket-operator-test');
    expect(taken.spec.holderIdentity).toBe('replica-b');
    expect(taken.spec.leaseTransitions).toBeGreaterThanOrEqual(0);

    await nameServerCluster('two');
    await waitFor('the new leader reconciles', () => client.find(Resources.StatefulSet, NS, 'two'), {
      timeoutMs: 15_000,
    });
    // And it re-creates what the first leader made, when deleted.
    await client.delete(Resources.Service, NS, 'one-headless');
    await waitFor('one-headless re-created', () => client.find(Resources.Service, NS, 'one-headless'), {
      timeoutMs: 15_000,
    });
  });
});
