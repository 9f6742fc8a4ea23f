/**
 * Rolling updates with kube-controller-manager running (it creates the Pods of the operator's StatefulSets; no
 * kubelet, so the test marks Pods Ready). A config change rolls a group one pod at a time, slaves before the master,
 * each step gated on every pod being ready and registered with every NameServer (the fake admin API's
 * GET /api/broker).
 */
import type { KubeClient } from '../../operator/src/runtime/kube-client';
import { Resources } from '../../operator/src/runtime/resources';
import type { KubeObject } from '../../operator/src/runtime/types';
import { waitFor } from '../harness/wait-for';
import {
  FakeBrokerAdmin,
  condition,
  eventsFor,
  markPodReady,
  type ConditionView,
  startOperatorEnvironment,
  type OperatorEnvironment,
} from './operator-fixtures';

jest.setTimeout(240_000);

const NS = 'roll';
const PODS = ['mq-g0-0', 'mq-g0-1', 'mq-g0-2'];

interface Pod extends KubeObject {
  status?: { conditions?: Array<{ type: string; status: string }> };
}
type Cr = KubeObject & { status?: { conditions?: ConditionView[] } & Record<string, unknown> };

describe('rolling update', () => {
  let env: OperatorEnvironment;
  let client: KubeClient;
  let admin: FakeBrokerAdmin;

  const pods = async () => {
    const list = await client.list<Pod>(Resources.Pod, NS);
    return new Map(list.items.map((p) => [p.metadata.name, p]));
  };
  const isReady = (pod: Pod | undefined) =>
    pod !== undefined &&
    (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  /**
   * Marks every not-yet-ready pod Ready (what a kubelet would do once the broker is up): of `seen` when given, so a
   * pod is never made ready before the caller has seen it (and recorded its replacement).
   */
  const readyAll = async (seen?: Map<string, Pod>) => {
    for (const pod of (seen ?? (await pods())).values())
      if (!isReady(pod) && !pod.metadata.deletionTimestamp) await markPodReady(client, NS, pod.metadata.name);
  };

  beforeAll(async () => {
    env = await startOperatorEnvironment({ namespace: NS, controllerManager: true });
    ({ client, admin } = env);
  }, 300_000);

  afterAll(async () => {
    await env?.stop();
  });

  it('replaces slaves before the master, one at a time, each after all are ready and registered', async () => {
    await client.create(Resources.BrokerCluster, {
      apiVersion: 'skyrocket.dev/v1alpha1',
      kind: 'BrokerCluster',
      metadata: { name: 'mq', namespace: NS },
      spec: { nameServerAddresses: '10.0.0.10:9876', groups: 1, replicasPerGroup: 3 },
    } as KubeObject);
    await waitFor(
      'three pods',
      async () => {
        const now = await pods();
        return PODS.every((name) => now.has(name));
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    await readyAll();
    await waitFor(
      'cluster Ready',
      async () =>
        condition(await client.get<Cr>(Resources.BrokerCluster, NS, 'mq'), 'Ready')?.status === 'True',
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const original = new Map([...(await pods())].map(([name, pod]) => [name, pod.metadata.uid]));

    // A slave that is not registered with the NameServer holds the roll back.
    admin.broker('mq-g0-1').registeredWith = 0;
    await client.mergePatch(Resources.BrokerCluster, NS, 'mq', {
      spec: { brokerConfig: { maxMessageSize: '8388608' } },
    });
    const held = await waitFor(
      'roll waiting on registration',
      async () => {
        const cr = await client.get<Cr>(Resources.BrokerCluster, NS, 'mq');
        const progressing = condition(cr, 'Progressing');
        return progressing?.reason === 'RollingUpdate' && /registered with 0 of 1/.test(progressing.message)
          ? cr
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(held).toBeDefined();
    for (const [name, uid] of original) expect((await pods()).get(name)?.metadata.uid).toBe(uid);
    admin.broker('mq-g0-1').registeredWith = 1;

    // Drive the roll like kubelets would: mark re-created pods Ready; watch that at most one pod is ever missing
    // or not ready, and record the order pods were replaced in.
    const replaced: string[] = [];
    let worstUnavailable = 0;
    await waitFor(
      'every pod replaced',
      async () => {
        const now = await pods();
        const unavailable = PODS.filter((name) => !isReady(now.get(name))).length;
        worstUnavailable = Math.max(worstUnavailable, unavailable);
        for (const name of PODS) {
          const pod = now.get(name);
          if (pod && pod.metadata.uid !== original.get(name) && !replaced.includes(name)) replaced.push(name);
        }
        await readyAll(now);
        return replaced.length === 3 && PODS.every((name) => isReady(now.get(name)));
      },
      { timeoutMs: 120_000, intervalMs: 100 },
    );
    expect(replaced).toEqual(['mq-g0-2', 'mq-g0-1', 'mq-g0-0']);
    expect(worstUnavailable).toBeLessThanOrEqual(1);
    const rolls = (await eventsFor(client, NS, 'mq')).filter((e) => e.reason === 'RollingUpdate');
    expect(rolls.map((e) => /replacing pod (\S+)/.exec(e.note)?.[1])).toEqual(
      expect.arrayContaining(['mq-g0-2', 'mq-g0-1', 'mq-g0-0']),
    );
    await waitFor(
      'cluster Ready after the roll',
      async () =>
        condition(await client.get<Cr>(Resources.BrokerCluster, NS, 'mq'), 'Ready')?.status === 'True',
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  });

  it('replaces the master only once its slaves replicate from it and have caught up', async () => {
    const before = new Map([...(await pods())].map(([name, pod]) => [name, pod.metadata.uid]));
    const slave = (address: string, lagBytes: number) => ({ address, ackOffset: 1000 - lagBytes, lagBytes });
    // The master reports one restarted slave 5 MiB behind (and the other caught up).
    admin.broker('mq-g0-0').ha = {
      role: 'master',
      maxOffset: 1000,
      slaves: [slave('127.0.0.1:50001', 5 * 1024 * 1024), slave('127.0.0.1:50002', 0)],
    };
    await client.mergePatch(Resources.BrokerCluster, NS, 'mq', {
      spec: { brokerConfig: { maxMessageSize: '4194304' } },
    });
    const replaced = new Set<string>();
    const progress = async () => {
      const now = await pods();
      for (const name of PODS) if (now.get(name)?.metadata.uid !== before.get(name)) replaced.add(name);
      await readyAll(now);
      return condition(await client.get<Cr>(Resources.BrokerCluster, NS, 'mq'), 'Progressing');
    };
    const held = await waitFor(
      'roll held before the master',
      async () => {
        const progressing = await progress();
        return replaced.has('mq-g0-1') &&
          replaced.has('mq-g0-2') &&
          /not caught up/.test(progressing?.message ?? '')
          ? progressing
          : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 100 },
    );
    expect(held.message).toContain('5242880 bytes behind');
    expect(replaced.has('mq-g0-0')).toBe(false);

    // A slave that is not replicating at all holds it too.
    admin.broker('mq-g0-0').ha = { role: 'master', maxOffset: 1000, slaves: [slave('127.0.0.1:50002', 0)] };
    await waitFor(
      'held on a missing slave',
      async () => /1 of 2 slave\(s\) replicating/.test((await progress())?.message ?? ''),
      {
        timeoutMs: 30_000,
        intervalMs: 100,
      },
    );
    expect(replaced.has('mq-g0-0')).toBe(false);

    admin.broker('mq-g0-0').ha = {
      role: 'master',
      maxOffset: 1000,
      slaves: [slave('127.0.0.1:50001', 0), slave('127.0.0.1:50002', 0)],
    };
    await waitFor(
      'master replaced and the cluster Ready',
      async () => {
        await progress();
        const cr = await client.get<Cr>(Resources.BrokerCluster, NS, 'mq');
        return replaced.has('mq-g0-0') && condition(cr, 'Ready')?.status === 'True';
      },
      { timeoutMs: 120_000, intervalMs: 100 },
    );
  });
});
