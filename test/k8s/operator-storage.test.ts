/**
 * Growing a BrokerCluster's storage on a real control plane with kube-controller-manager (which creates the Pods and
 * PVCs of the operator's StatefulSets). volumeClaimTemplates are immutable, so the operator grows the claims and
 * re-creates the StatefulSet with the Orphan policy: the pods keep running (same uids) and the new StatefulSet, with
 * the new claim template, adopts them. Claims the apiserver refuses to grow (here: unbound, no provisioner runs) are
 * reported in a Warning Event.
 */
import type { KubeClient } from '../../operator/src/runtime/kube-client';
import { Resources } from '../../operator/src/runtime/resources';
import type { KubeObject } from '../../operator/src/runtime/types';
import { waitFor } from '../harness/wait-for';
import { eventsFor, startOperatorEnvironment, type OperatorEnvironment } from './operator-fixtures';

jest.setTimeout(240_000);

const NS = 'storage';
const PODS = ['mq-g0-0', 'mq-g0-1'];

type StatefulSet = KubeObject & {
  spec: { volumeClaimTemplates: Array<{ spec: { resources: { requests: { storage: string } } } }> };
};

describe('storage growth', () => {
  let env: OperatorEnvironment;
  let client: KubeClient;

  const podUids = async () =>
    new Map(
      (await client.list<KubeObject>(Resources.Pod, NS)).items.map((p) => [p.metadata.name, p.metadata.uid]),
    );

  beforeAll(async () => {
    env = await startOperatorEnvironment({ namespace: NS, controllerManager: true });
    ({ client } = env);
  }, 300_000);

  afterAll(async () => {
    await env?.stop();
  });

  it('re-creates the StatefulSet with the larger claim template and keeps the pods running', async () => {
    await client.create(Resources.BrokerCluster, {
      apiVersion: 'skyrocket.dev/v1alpha1',
      kind: 'BrokerCluster',
      metadata: { name: 'mq', namespace: NS },
      spec: {
        nameServerAddresses: '10.0.0.10:9876',
        groups: 1,
        replicasPerGroup: 2,
        storage: { size: '1Gi' },
      },
    } as KubeObject);
    const before = await waitFor(
      'pods and claims of the group',
      async () => {
        const pods = await podUids();
        const claims = (await client.list<KubeObject>(Resources.PersistentVolumeClaim, NS)).items;
        return PODS.every((p) => pods.has(p)) && claims.length === 2 ? pods : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const original = await client.get<StatefulSet>(Resources.StatefulSet, NS, 'mq-g0');
    expect(original.spec.volumeClaimTemplates[0]?.spec.resources.requests.storage).toBe('1Gi');

    await client.mergePatch(Resources.BrokerCluster, NS, 'mq', { spec: { storage: { size: '2Gi' } } });

    const recreated = await waitFor(
      'StatefulSet re-created with a 2Gi claim template',
      async () => {
        const sts = await client.find<StatefulSet>(Resources.StatefulSet, NS, 'mq-g0');
        return sts && sts.metadata.uid !== original.metadata.uid && !sts.metadata.deletionTimestamp
          ? sts
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(recreated.spec.volumeClaimTemplates[0]?.spec.resources.requests.storage).toBe('2Gi');
    // Orphaned, not deleted: the same pods, now owned by the new StatefulSet.
    const after = await podUids();
    for (const pod of PODS) expect(after.get(pod)).toBe(before.get(pod));
    await waitFor(
      'pods adopted by the new StatefulSet',
      async () =>
        (await client.list<KubeObject>(Resources.Pod, NS)).items.every((p) =>
          (p.metadata.ownerReferences ?? []).some((o) => o.uid === recreated.metadata.uid),
        ),
      { timeoutMs: 60_000, intervalMs: 200 },
    );

    const events = await eventsFor(client, NS, 'mq');
    const reasons = events.map((e) => e.reason);
    expect(reasons).toContain('StorageResized');
    // No provisioner runs here, so the claims stay unbound and the apiserver refuses to grow them: reported, once.
    const refused = events.filter((e) => e.reason === 'StorageResizeFailed');
    expect(refused).toHaveLength(1);
    expect(refused[0]?.note).toMatch(/data-mq-g0-0/);
  });
});
