import type { Condition } from '../api';
import {
  brokerGroupPhase,
  brokerSummary,
  conditionsEqual,
  findCondition,
  isConditionTrue,
  nameServerConditions,
  setCondition,
  setConditions,
  statefulSetProgress,
  type BrokerGroupObservation,
  type StatefulSetObservation,
} from './index';

const t0 = new Date('2026-11-25T10:00:00.123Z');
const t1 = new Date('2026-11-25T10:05:00.000Z');

describe('setCondition', () => {
  it('stamps a new condition with the time, generation, reason and message', () => {
    expect(
      setCondition(
        undefined,
        { type: 'Ready', status: 'False', reason: 'Creating', message: 'm' },
        { generation: 3, now: t0 },
      ),
    ).toEqual([
      {
        type: 'Ready',
        status: 'False',
        observedGeneration: 3,
        lastTransitionTime: '2026-11-25T10:00:00Z',
        reason: 'Creating',
        message: 'm',
      },
    ]);
  });

  it('moves lastTransitionTime only when the status changes', () => {
    const first = setCondition(
      undefined,
      { type: 'Ready', status: 'False', reason: 'A', message: 'a' },
      { generation: 1, now: t0 },
    );
    const same = setCondition(
      first,
      { type: 'Ready', status: 'False', reason: 'B', message: 'b' },
      { generation: 2, now: t1 },
    );
    expect(same).toEqual([
      {
        type: 'Ready',
        status: 'False',
        observedGeneration: 2,
        lastTransitionTime: '2026-11-25T10:00:00Z',
        reason: 'B',
        message: 'b',
      },
    ]);
    const flipped = setCondition(
      same,
      { type: 'Ready', status: 'True', reason: 'C', message: 'c' },
      { generation: 2, now: t1 },
    );
    expect(flipped[0]?.lastTransitionTime).toBe('2026-11-25T10:05:00Z');
    expect(isConditionTrue(flipped, 'Ready')).toBe(true);
    expect(isConditionTrue(flipped, 'Degraded')).toBe(false);
  });

  it('keeps Ready, Progressing, Degraded first and other types after, whatever the order they were set in', () => {
    const at = { generation: undefined, now: t0 };
    const conditions = setConditions(
      undefined,
      [
        { type: 'Warning', status: 'True', reason: 'W', message: '' },
        { type: 'Degraded', status: 'False', reason: 'D', message: '' },
        { type: 'Ready', status: 'True', reason: 'R', message: '' },
        { type: 'Progressing', status: 'False', reason: 'P', message: '' },
      ],
      at,
    );
    expect(conditions.map((c) => c.type)).toEqual(['Ready', 'Progressing', 'Degraded', 'Warning']);
    expect(conditions[0]).not.toHaveProperty('observedGeneration');
    expect(findCondition(conditions, 'Warning')?.reason).toBe('W');
  });

  it('compares condition lists regardless of order', () => {
    const a: Condition[] = setConditions(
      undefined,
      [
        { type: 'Ready', status: 'True', reason: 'R', message: '' },
        { type: 'Degraded', status: 'False', reason: 'D', message: '' },
      ],
      { generation: 1, now: t0 },
    );
    expect(conditionsEqual(a, [...a].reverse())).toBe(true);
    expect(
      conditionsEqual(
        a,
        setCondition(
          a,
          { type: 'Ready', status: 'True', reason: 'R', message: 'x' },
          { generation: 1, now: t0 },
        ),
      ),
    ).toBe(false);
    expect(conditionsEqual(undefined, [])).toBe(true);
  });

  it('bounds messages to what the CRD accepts', () => {
    const long = 'x'.repeat(40_000);
    const [c] = setCondition(
      undefined,
      { type: 'Ready', status: 'False', reason: 'R', message: long },
      { generation: 1, now: t0 },
    );
    expect(c?.message.length).toBe(32768);
  });
});

function sts(
  desired: number,
  status: { replicas?: number; ready?: number; updated?: number; observed?: number },
  generation = 1,
): StatefulSetObservation {
  return {
    metadata: { generation },
    spec: { replicas: desired },
    status: {
      observedGeneration: status.observed ?? generation,
      replicas: status.replicas ?? desired,
      readyReplicas: status.ready ?? desired,
      updatedReplicas: status.updated ?? desired,
    },
  };
}

describe('statefulSetProgress', () => {
  it('is up to date only when the controller saw the latest generation and updated every pod', () => {
    expect(statefulSetProgress(sts(3, {}))).toEqual({
      desired: 3,
      replicas: 3,
      ready: 3,
      upToDate: true,
      allReady: true,
    });
    expect(statefulSetProgress(sts(3, { observed: 1 }, 2))).toMatchObject({
      upToDate: false,
      allReady: false,
    });
    expect(statefulSetProgress(sts(3, { updated: 2 }))).toMatchObject({ upToDate: false, allReady: true });
    expect(statefulSetProgress(sts(3, { ready: 1 }))).toMatchObject({
      ready: 1,
      upToDate: true,
      allReady: false,
    });
    expect(statefulSetProgress({})).toMatchObject({
      desired: 1,
      replicas: 0,
      upToDate: false,
      allReady: false,
    });
  });
});

describe('nameServerConditions', () => {
  const byType = (o: Parameters<typeof nameServerConditions>[0]) =>
    Object.fromEntries(nameServerConditions(o).map((c) => [c.type, `${c.status} ${c.reason}: ${c.message}`]));

  it('is Ready when every NameServer is ready and nothing is rolling', () => {
    expect(byType({ desiredReplicas: 2, statefulSet: sts(2, {}) })).toEqual({
      Ready: 'True AllReplicasReady: 2 NameServers ready',
      Progressing: 'False UpToDate: every NameServer runs the latest spec',
      Degraded: 'False AsExpected: no problems observed',
    });
  });

  it('is Progressing, not Degraded, while creating, scaling or rolling', () => {
    expect(byType({ desiredReplicas: 2, statefulSet: undefined })).toMatchObject({
      Ready: 'False StatefulSetMissing: the NameServer StatefulSet does not exist yet',
      Progressing: 'True Creating: creating the NameServer StatefulSet',
      Degraded: 'False AsExpected: no problems observed',
    });
    expect(byType({ desiredReplicas: 3, statefulSet: sts(2, { ready: 2 }) })).toMatchObject({
      Ready: 'False NotAllReplicasReady: 2/3 NameServers ready',
      Progressing: 'True Scaling: scaling from 2 to 3 NameServers',
      Degraded: 'False AsExpected: no problems observed',
    });
    expect(byType({ desiredReplicas: 2, statefulSet: sts(2, { updated: 1, ready: 1 }) })).toMatchObject({
      Progressing: 'True RollingUpdate: rolling NameServers onto the latest spec',
      Degraded: 'False AsExpected: no problems observed',
    });
  });

  it('is Degraded when pods are not ready although nothing is rolling, or on a reported problem', () => {
    expect(byType({ desiredReplicas: 3, statefulSet: sts(3, { ready: 1 }) })).toMatchObject({
      Ready: 'False NotAllReplicasReady: 1/3 NameServers ready',
      Degraded: 'True ReplicasNotReady: 1/3 NameServers ready',
    });
    expect(
      byType({
        desiredReplicas: 1,
        statefulSet: sts(1, {}),
        problem: { reason: 'ApplyFailed', message: 'forbidden' },
      }),
    ).toMatchObject({
      Ready: 'True AllReplicasReady: 1 NameServer ready',
      Degraded: 'True ApplyFailed: forbidden',
    });
  });

  it('says when it is paused or scaled to zero', () => {
    expect(byType({ desiredReplicas: 0, statefulSet: sts(0, {}), paused: true })).toMatchObject({
      Ready: 'False ScaledToZero: replicas is 0',
      Progressing: 'False Paused: reconciliation is paused (annotation skyrocket.dev/paused)',
    });
  });
});

describe('brokerSummary', () => {
  const group = (
    index: number,
    statefulSet: StatefulSetObservation | undefined,
    extra: Partial<BrokerGroupObservation> = {},
  ) => ({
    index,
    name: `mq-g${index}`,
    statefulSet,
    ...extra,
  });
  const summary = (o: Parameters<typeof brokerSummary>[0]) => {
    const s = brokerSummary(o);
    return {
      groups: s.groups,
      groupsReady: s.groupsReady,
      ...Object.fromEntries(s.conditions.map((c) => [c.type, `${c.status} ${c.reason}: ${c.message}`])),
    };
  };
  const address = 'dns:ns-headless.mq.svc.cluster.local:9876';

  it('is Ready when every wanted group exists with every pod ready', () => {
    expect(
      summary({
        desiredGroups: 2,
        nameServerAddress: address,
        groups: [group(0, sts(2, {})), group(1, sts(2, {}))],
      }),
    ).toEqual({
      groups: 2,
      groupsReady: 2,
      Ready: 'True AllGroupsReady: 2/2 broker groups ready',
      Progressing: 'False UpToDate: every broker runs the latest spec',
      Degraded: 'False AsExpected: no problems observed',
    });
  });

  it('reports scale-up, rolling updates and per-group readiness', () => {
    expect(
      summary({
        desiredGroups: 3,
        nameServerAddress: address,
        groups: [group(0, sts(2, {})), group(1, sts(2, { ready: 1 }))],
      }),
    ).toEqual({
      groups: 2,
      groupsReady: 1,
      Ready: 'False NotAllGroupsReady: 1/3 broker groups ready; mq-g1: 1/2 pods ready',
      Progressing: 'True ScalingUp: creating groups g2',
      Degraded: 'False AsExpected: no problems observed',
    });
    expect(
      summary({ desiredGroups: 1, nameServerAddress: address, groups: [group(0, sts(2, { updated: 1 }))] }),
    ).toMatchObject({
      Ready: 'True AllGroupsReady: 1/1 broker groups ready',
      Progressing: 'True RollingUpdate: rolling brokers onto the latest spec in mq-g0',
    });
  });

  it('counts draining groups in status.groups and reports a blocked drain as Degraded', () => {
    const draining = summary({
      desiredGroups: 1,
      nameServerAddress: address,
      groups: [group(0, sts(2, {})), group(1, sts(2, {}), { draining: {} })],
    });
    expect(draining).toEqual({
      groups: 2,
      groupsReady: 1,
      Ready: 'True AllGroupsReady: 1/1 broker groups ready',
      Progressing: 'True ScalingDown: draining and removing mq-g1',
      Degraded: 'False AsExpected: no problems observed',
    });
    expect(
      summary({
        desiredGroups: 1,
        nameServerAddress: address,
        groups: [
          group(0, sts(2, {})),
          group(1, sts(2, {}), { draining: { blocked: 'group orders has 120 messages of lag' } }),
        ],
      }),
    ).toMatchObject({ Degraded: 'True ScaleDownBlocked: mq-g1: group orders has 120 messages of lag' });
  });

  it('is not Ready and Degraded while the referenced NameServerCluster is missing', () => {
    expect(
      summary({
        desiredGroups: 1,
        nameServerAddress: undefined,
        missingNameServerCluster: 'mq/ns',
        groups: [group(0, sts(2, {}))],
      }),
    ).toMatchObject({
      Ready:
        'False NameServerClusterNotFound: NameServerCluster mq/ns not found; brokers cannot register until it exists',
      Degraded:
        'True NameServerClusterNotFound: NameServerCluster mq/ns not found; brokers cannot register until it exists',
    });
  });

  it('reports a group whose pods fail outside any roll as Degraded', () => {
    expect(
      summary({ desiredGroups: 1, nameServerAddress: address, groups: [group(0, sts(2, { ready: 1 }))] }),
    ).toMatchObject({
      Progressing: 'False UpToDate: every broker runs the latest spec',
      Degraded: 'True BrokersNotReady: mq-g0: 1/2 pods ready',
    });
  });
});

describe('brokerGroupPhase', () => {
  it('names each stage of a group', () => {
    const g = (
      statefulSet: StatefulSetObservation | undefined,
      extra: Partial<BrokerGroupObservation> = {},
    ) => ({
      index: 1,
      name: 'mq-g1',
      statefulSet,
      ...extra,
    });
    expect(brokerGroupPhase(g(undefined), 2)).toBe('Creating');
    expect(brokerGroupPhase(g(sts(2, { replicas: 0, ready: 0 })), 2)).toBe('Creating');
    expect(brokerGroupPhase(g(sts(2, { ready: 1 })), 2)).toBe('NotReady');
    expect(brokerGroupPhase(g(sts(2, {})), 2)).toBe('Ready');
    expect(brokerGroupPhase(g(sts(2, {}), { draining: {} }), 1)).toBe('Draining');
    expect(brokerGroupPhase(g(sts(2, {}), { draining: { blocked: 'lag' } }), 1)).toBe('DrainBlocked');
    expect(brokerGroupPhase(g(sts(2, {})), 1)).toBe('Removing');
  });
});
