/**
 * The operator against a real kube-apiserver + etcd (no controller-manager: StatefulSet readiness is written to the
 * status subresource by the test, as envtest users do). Broker admin APIs are a fake fastify server on loopback.
 */
import { silentLogger } from '@skyrocket/common';
import type { BrokerCluster } from '../../operator/src/api';
import type { NameServerCluster } from '../../operator/src/api';
import { brokerGroupChildren, nameServerChildren, nameServerDnsAddress } from '../../operator/src/builders';
import { runOperator, type Operator } from '../../operator/src';
import type { KubeClient } from '../../operator/src/runtime/kube-client';
import { Resources } from '../../operator/src/runtime/resources';
import type { KubeObject } from '../../operator/src/runtime/types';
import { waitFor } from '../harness/wait-for';
import { startControlPlane, type ControlPlane } from './harness/control-plane';
import {
  FakeBrokerAdmin,
  clientFor,
  condition,
  createNamespace,
  eventsFor,
  installCrds,
  markStatefulSetReady,
  stored,
  topic,
  type ConditionView,
} from './operator-fixtures';

jest.setTimeout(120_000);

type Cr = KubeObject & {
  spec: Record<string, unknown>;
  status?: { conditions?: ConditionView[] } & Record<string, unknown>;
};
type Sts = KubeObject & {
  spec: {
    template: {
      spec: { containers: Array<{ image: string }> };
      metadata: { annotations?: Record<string, string> };
    };
  };
};

const NS = 'mq';
const OTHER = 'nameservers';

describe('operator controllers on a real apiserver', () => {
  let cp: ControlPlane;
  let client: KubeClient;
  let operator: Operator;
  const admin = new FakeBrokerAdmin();

  const getCr = (type: typeof Resources.BrokerCluster, ns: string, name: string) =>
    client.get<Cr>(type, ns, name);
  const wait = <T>(what: string, check: () => Promise<T> | T, timeoutMs = 30_000) =>
    waitFor(what, check, { timeoutMs, intervalMs: 100 });

  beforeAll(async () => {
    cp = await startControlPlane();
    client = clientFor(cp.kubeconfigPath);
    await installCrds(client);
    await createNamespace(client, NS);
    await createNamespace(client, OTHER);
    await admin.start();
    operator = await runOperator(
      {
        leaderElection: false,
        httpHost: '127.0.0.1',
        httpPort: 0,
        resyncPeriodSeconds: 30,
        logLevel: 'silent',
      },
      {
        connection: client.connection,
        logger: silentLogger(),
        brokerAdminUrl: admin.url,
        pollIntervalMs: 200,
        drainTimeoutMs: 3_000,
      },
    );
    await operator.waitForSync();
  }, 300_000);

  afterAll(async () => {
    await operator?.stop();
    await admin.stop();
    client?.close();
    await cp?.stop();
  });

  it('applies a NameServerCluster as exactly the builders’ children, owned by it, and reports status', async () => {
    await client.create(Resources.NameServerCluster, {
      apiVersion: 'skyrocket.dev/v1alpha1',
      kind: 'NameServerCluster',
      metadata: { name: 'ns', namespace: OTHER },
      spec: { replicas: 2 },
    } as KubeObject);
    const cr = await client.get<Cr>(Resources.NameServerCluster, OTHER, 'ns');
    const expected = nameServerChildren(cr as unknown as NameServerCluster);
    for (const child of expected) {
      const type = [Resources.StatefulSet, Resources.Service, Resources.PodDisruptionBudget].find(
        (t) => t.kind === child.kind,
      );
      if (!type) throw new Error(`unexpected child kind ${child.kind}`);
      const live = await wait(`${child.kind} ${child.metadata.name}`, () =>
        client.find(type, OTHER, child.metadata.name),
      );
      expect(live).toMatchObject(stored(child) as object);
      expect(live.metadata.ownerReferences).toEqual([
        expect.objectContaining({
          kind: 'NameServerCluster',
          name: 'ns',
          uid: cr.metadata.uid,
          controller: true,
        }),
      ]);
    }
    expect(expected.map((c) => `${c.kind}/${c.metadata.name}`).sort()).toEqual([
      'PodDisruptionBudget/ns',
      'Service/ns',
      'Service/ns-headless',
      'StatefulSet/ns',
    ]);
    await wait('NameServerCluster Ready=False while no pod is ready', async () => {
      const live = await client.get<Cr>(Resources.NameServerCluster, OTHER, 'ns');
      return (
        condition(live, 'Ready')?.reason === 'ReplicasNotReady' && live.status?.['observedGeneration'] === 1
      );
    });
    await markStatefulSetReady(client, OTHER, 'ns');
    const ready = await wait('NameServerCluster Ready=True', async () => {
      const live = await client.get<Cr>(Resources.NameServerCluster, OTHER, 'ns');
      return condition(live, 'Ready')?.status === 'True' ? live : undefined;
    });
    expect(ready.status).toMatchObject({ readyReplicas: 2, replicas: 2, observedGeneration: 1 });
    expect(condition(ready, 'Degraded')).toMatchObject({ status: 'False' });
  });

  it('converges a spec edit: a new image reaches the StatefulSet template', async () => {
    await client.mergePatch(Resources.NameServerCluster, OTHER, 'ns', {
      spec: { image: 'example.org/skyrocket:edited' },
    });
    await wait('new image in the template', async () => {
      const sts = await client.get<Sts>(Resources.StatefulSet, OTHER, 'ns');
      return sts.spec.template.spec.containers[0]?.image === 'example.org/skyrocket:edited';
    });
  });

  it('creates a BrokerCluster group from a NameServerCluster in another namespace, with Events', async () => {
    admin.broker('mq-g0-0').topics.set('orders', topic('orders', 8));
    admin.broker('mq-g0-0').topics.set('audit', topic('audit', 2));
    await client.create(Resources.BrokerCluster, {
      apiVersion: 'skyrocket.dev/v1alpha1',
      kind: 'BrokerCluster',
      metadata: { name: 'mq', namespace: NS },
      spec: { nameServerRef: { name: 'ns', namespace: OTHER }, groups: 1, replicasPerGroup: 2 },
    } as KubeObject);
    const cr = await getCr(Resources.BrokerCluster, NS, 'mq');
    const nsCr = await client.get<Cr>(Resources.NameServerCluster, OTHER, 'ns');
    const expected = brokerGroupChildren(cr as unknown as BrokerCluster, 0, {
      nameServerAddress: nameServerDnsAddress(nsCr as unknown as NameServerCluster),
    });
    expect(expected.map((c) => `${c.kind}/${c.metadata.name}`)).toEqual([
      'ConfigMap/mq-g0-config',
      'Service/mq-g0',
      'StatefulSet/mq-g0',
      'PodDisruptionBudget/mq-g0',
    ]);
    for (const child of expected) {
      const type = [
        Resources.StatefulSet,
        Resources.Service,
        Resources.PodDisruptionBudget,
        Resources.ConfigMap,
      ].find((t) => t.kind === child.kind);
      if (!type) throw new Error(`unexpected child kind ${child.kind}`);
      const live = await wait(`${child.kind} ${child.metadata.name}`, () =>
        client.find(type, NS, child.metadata.name),
      );
      expect(live).toMatchObject(stored(child) as object);
    }
    await markStatefulSetReady(client, NS, 'mq-g0');
    const ready = await wait('BrokerCluster Ready', async () => {
      const live = await getCr(Resources.BrokerCluster, NS, 'mq');
      return condition(live, 'Ready')?.status === 'True' ? live : undefined;
    });
    expect(ready.status).toMatchObject({
      groups: 1,
      groupsReady: 1,
      nameServerAddress: nameServerDnsAddress(nsCr as unknown as NameServerCluster),
      brokerGroups: [expect.objectContaining({ name: 'mq-g0', index: 0, phase: 'Ready', readyReplicas: 2 })],
    });
    expect((await eventsFor(client, NS, 'mq')).map((e) => e.reason)).toContain('GroupCreated');
  });

  it('scales up 1 → 3: new groups get the cluster topics through the admin API once their master is ready', async () => {
    await client.mergePatch(Resources.BrokerCluster, NS, 'mq', { spec: { groups: 3 } });
    await wait(
      'StatefulSets mq-g1 and mq-g2',
      async () =>
        (await client.find(Resources.StatefulSet, NS, 'mq-g1')) &&
        (await client.find(Resources.StatefulSet, NS, 'mq-g2')),
    );
    const creating = await wait('new groups in phase Creating', async () => {
      const live = await getCr(Resources.BrokerCluster, NS, 'mq');
      const groups = (live.status?.['brokerGroups'] ?? []) as Array<{ name: string; phase: string }>;
      return groups.filter((g) => g.phase === 'Creating').length === 2 ? live : undefined;
    });
    expect(condition(creating, 'Progressing')).toMatchObject({ status: 'True', reason: 'ScalingUp' });
    expect(admin.broker('mq-g1-0').topics.has('orders')).toBe(false);
    await markStatefulSetReady(client, NS, 'mq-g1');
    await markStatefulSetReady(client, NS, 'mq-g2');
    await wait('Ready with 3 groups', async () => {
      const live = await getCr(Resources.BrokerCluster, NS, 'mq');
      return condition(live, 'Ready')?.status === 'True' && live.status?.['groupsReady'] === 3;
    });
    for (const pod of ['mq-g1-0', 'mq-g2-0']) {
      const topics = admin.broker(pod).topics;
      expect([...topics.keys()].sort()).toEqual(['TBW102', 'audit', 'orders']);
      expect(topics.get('audit')).toMatchObject({ readQueueNums: 2, writeQueueNums: 2 });
    }
    expect((await eventsFor(client, NS, 'mq')).filter((e) => e.reason === 'TopicsCopied')).toHaveLength(2);
  });

  it('re-creates a deleted child StatefulSet', async () => {
    const before = await client.get(Resources.StatefulSet, NS, 'mq-g1');
    await client.delete(Resources.StatefulSet, NS, 'mq-g1');
    const after = await wait('mq-g1 re-created', async () => {
      const sts = await client.find(Resources.StatefulSet, NS, 'mq-g1');
      return sts && sts.metadata.uid !== before.metadata.uid ? sts : undefined;
    });
    expect(after.metadata.ownerReferences?.[0]?.name).toBe('mq');
    await markStatefulSetReady(client, NS, 'mq-g1');
  });

  it('scales down 3 → 2: read-only, blocked while lag stays, removed once lag reaches 0', async () => {
    await client.create(Resources.PersistentVolumeClaim, {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data-mq-g2-0', namespace: NS },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    } as KubeObject);
    const g2 = admin.broker('mq-g2-0');
    g2.lag.set('billing', 5);
    g2.lag.set('audit-readers', 0);
    await client.mergePatch(Resources.BrokerCluster, NS, 'mq', { spec: { groups: 2 } });
    const draining = await wait('group mq-g2 draining', async () => {
      const live = await getCr(Resources.BrokerCluster, NS, 'mq');
      const groups = (live.status?.['brokerGroups'] ?? []) as Array<{ name: string; phase: string }>;
      return groups.find((g) => g.name === 'mq-g2')?.phase === 'Draining' ? live : undefined;
    });
    expect(g2.permission).toBe('read-only');
    expect(condition(draining, 'Progressing')).toMatchObject({ status: 'True', reason: 'ScalingDown' });
    expect(condition(draining, 'Ready')).toMatchObject({ status: 'False', reason: 'ScalingDown' });
    // Past the 3 s drain timeout with lag still there: blocked, with a condition and a Warning Event that say why.
    const blocked = await wait('DrainBlocked', async () => {
      const live = await getCr(Resources.BrokerCluster, NS, 'mq');
      return condition(live, 'Degraded')?.reason === 'DrainBlocked' ? live : undefined;
    });
    expect(condition(blocked, 'Degraded')?.message).toMatch(
      /mq-g2: consumers still have 5 messages to consume \(billing: 5\)/,
    );
    expect(await client.find(Resources.StatefulSet, NS, 'mq-g2')).toBeDefined();
    const warning = (await eventsFor(client, NS, 'mq')).find((e) => e.reason === 'DrainBlocked');
    expect(warning).toMatchObject({ type: 'Warning' });
    expect(warning?.note).toMatch(
      /consumer groups billing have not drained it within the drain timeout of 3s/,
    );
    // The same cause repeated is one Event with a growing series count, not an Event per look.
    await wait('DrainBlocked series', async () => {
      const events = (await eventsFor(client, NS, 'mq')).filter((e) => e.reason === 'DrainBlocked');
      return events.length === 1 && (events[0]?.series?.count ?? 0) >= 2;
    });

    g2.lag.set('billing', 0);
    await wait(
      'mq-g2 children deleted',
      async () =>
        !(await client.find(Resources.StatefulSet, NS, 'mq-g2')) &&
        !(await client.find(Resources.ConfigMap, NS, 'mq-g2-config')) &&
        !(await client.find(Resources.Service, NS, 'mq-g2')) &&
        !(await client.find(Resources.PodDisruptionBudget, NS, 'mq-g2')),
    );
    const done = await wait('Ready with 2 groups', async () => {
      const live = await getCr(Resources.BrokerCluster, NS, 'mq');
      return condition(live, 'Ready')?.status === 'True' && live.status?.['groups'] === 2 ? live : undefined;
    });
    expect(condition(done, 'Degraded')).toMatchObject({ status: 'False' });
    expect((await eventsFor(client, NS, 'mq')).map((e) => e.reason)).toEqual(
      expect.arrayContaining(['DrainStarted', 'DrainBlocked', 'GroupRemoved']),
    );
    expect(g2.permissionCalls[0]).toBe('read-only');
    expect(await client.find(Resources.StatefulSet, NS, 'mq-g1')).toBeDefined();
  });

  it('deletes a removed group’s volume claims only under reclaimPolicy Delete', async () => {
    const claim = (name: string) =>
      client.create(Resources.PersistentVolumeClaim, {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name, namespace: NS },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      } as KubeObject);
    // No controller-manager here, so the claims a StatefulSet would create are made by hand, with its names.
    for (const name of ['data-vol-g0-0', 'data-vol-g1-0', 'data-vol-g1-1', 'data-other-g1-0'])
      await claim(name);
    await client.create(Resources.BrokerCluster, {
      apiVersion: 'skyrocket.dev/v1alpha1',
      kind: 'BrokerCluster',
      metadata: { name: 'vol', namespace: NS },
      spec: {
        nameServerAddresses: '10.0.0.10:9876',
        groups: 2,
        replicasPerGroup: 2,
        storage: { size: '1Gi', reclaimPolicy: 'Delete' },
      },
    } as KubeObject);
    await wait(
      'vol groups',
      async () => (await client.find(Resources.StatefulSet, NS, 'vol-g1')) !== undefined,
    );
    await markStatefulSetReady(client, NS, 'vol-g0');
    await markStatefulSetReady(client, NS, 'vol-g1');
    await client.mergePatch(Resources.BrokerCluster, NS, 'vol', { spec: { groups: 1 } });
    // The claims go (or, with the pvc-protection finalizer and no controller to lift it, start terminating).
    const gone = async (name: string) => {
      const pvc = await client.find(Resources.PersistentVolumeClaim, NS, name);
      return pvc === undefined || pvc.metadata.deletionTimestamp !== undefined;
    };
    await wait(
      'vol-g1 claims deleted',
      async () => (await gone('data-vol-g1-0')) && (await gone('data-vol-g1-1')),
    );
    expect(await gone('data-vol-g0-0')).toBe(false);
    expect(await gone('data-other-g1-0')).toBe(false);
    const removed = (await eventsFor(client, NS, 'vol')).find((e) => e.reason === 'GroupRemoved');
    expect(removed?.note).toMatch(/PersistentVolumeClaim data-vol-g1-0/);
    // Under the default Retain, the scaled-away mq-g2's claim was kept.
    expect(await gone('data-mq-g2-0')).toBe(false);
  });

  it('blocks a drain when the broker admin API does not answer', async () => {
    await client.mergePatch(Resources.BrokerCluster, NS, 'mq', { spec: { groups: 1 } });
    admin.broker('mq-g1-0').down = true;
    const blocked = await wait('DrainBlocked (unreachable)', async () => {
      const live = await getCr(Resources.BrokerCluster, NS, 'mq');
      return condition(live, 'Degraded')?.reason === 'DrainBlocked' ? live : undefined;
    });
    expect(condition(blocked, 'Degraded')?.message).toMatch(
      /mq-g1: cannot make it read-only for removal: .*503/,
    );
    expect(await client.find(Resources.StatefulSet, NS, 'mq-g1')).toBeDefined();
    admin.broker('mq-g1-0').down = false;
    await wait(
      'mq-g1 removed once reachable (no lag)',
      async () => !(await client.find(Resources.StatefulSet, NS, 'mq-g1')),
    );
  });

  it('leaves a paused cluster alone, and picks it up again when unpaused', async () => {
    await client.mergePatch(Resources.BrokerCluster, NS, 'mq', {
      metadata: { annotations: { 'skyrocket.dev/paused': 'true' } },
    });
    await wait('paused condition', async () => {
      const live = await getCr(Resources.BrokerCluster, NS, 'mq');
      return condition(live, 'Progressing')?.reason === 'ReconciliationPaused';
    });
    const before = await client.get<Sts>(Resources.StatefulSet, NS, 'mq-g0');
    await client.mergePatch(Resources.BrokerCluster, NS, 'mq', {
      spec: { image: 'example.org/skyrocket:paused' },
    });
    await client.delete(Resources.ConfigMap, NS, 'mq-g0-config');
    // Give the operator several chances to act (it must not), bounded by a deadline rather than a sleep.
    const deadline = Date.now() + 2_000;
    await waitFor('two seconds of a paused cluster', () => Date.now() > deadline, { timeoutMs: 5_000 });
    const during = await client.get<Sts>(Resources.StatefulSet, NS, 'mq-g0');
    expect(during.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(await client.find(Resources.ConfigMap, NS, 'mq-g0-config')).toBeUndefined();
    expect((await eventsFor(client, NS, 'mq')).map((e) => e.reason)).toContain('ReconciliationPaused');

    await client.mergePatch(Resources.BrokerCluster, NS, 'mq', {
      metadata: { annotations: { 'skyrocket.dev/paused': null } },
    });
    await wait('unpaused: ConfigMap re-created and new image applied', async () => {
      const sts = await client.get<Sts>(Resources.StatefulSet, NS, 'mq-g0');
      return (
        (await client.find(Resources.ConfigMap, NS, 'mq-g0-config')) &&
        sts.spec.template.spec.containers[0]?.image === 'example.org/skyrocket:paused'
      );
    });
  });

  it('reports a missing NameServerCluster as Degraded with an Event', async () => {
    await client.create(Resources.BrokerCluster, {
      apiVersion: 'skyrocket.dev/v1alpha1',
      kind: 'BrokerCluster',
      metadata: { name: 'orphan', namespace: NS },
      spec: { nameServerRef: { name: 'missing' }, groups: 1, replicasPerGroup: 1 },
    } as KubeObject);
    const live = await wait('NameServersNotFound', async () => {
      const cr = await getCr(Resources.BrokerCluster, NS, 'orphan');
      return condition(cr, 'Degraded')?.reason === 'NameServersNotFound' ? cr : undefined;
    });
    expect(condition(live, 'Degraded')?.message).toBe(
      'NameServerCluster mq/missing (spec.nameServerRef) does not exist',
    );
    expect(await client.find(Resources.StatefulSet, NS, 'orphan-g0')).toBeUndefined();
    expect((await eventsFor(client, NS, 'orphan'))[0]).toMatchObject({
      type: 'Warning',
      reason: 'NameServersNotFound',
    });
  });

  it('serves /readyz and /metrics with reconcile counts', async () => {
    const ready = await fetch(`${operator.httpAddress}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`${operator.httpAddress}/metrics`)).text();
    expect(metrics).toMatch(
      /skyrocket_operator_reconcile_total\{controller="brokercluster",result="(success|requeue)"[^}]*\} [1-9]/,
    );
    expect(metrics).toMatch(/skyrocket_operator_managed_resources\{kind="BrokerCluster"[^}]*\} 3/);
    expect(metrics).toMatch(/skyrocket_operator_leader\{[^}]*\} 1/);
  });
});
