import type { BrokerGroupStatus } from '../api/broker-cluster';
import type { ConditionInput } from './conditions';

/**
 * Ready / Progressing / Degraded as pure functions of what the operator observed (the shape of rabbitmq
 * cluster-operator's internal/status): no API calls, no clock, unit-tested without a cluster.
 *
 * Meanings, the same for both kinds:
 * - Ready: everything the spec asks for exists and every pod is ready (a cluster scaled to zero is not Ready).
 * - Progressing: the operator is moving toward the spec — creating, scaling, rolling pods, draining groups.
 * - Degraded: something is wrong that progress alone will not fix — pods not ready although nothing is rolling, a
 *   missing NameServerCluster, a blocked drain, a failed apply.
 */

/** A StatefulSet as observed (metadata.generation, spec.replicas and its status). */
export interface StatefulSetObservation {
  metadata?: { generation?: number | undefined } | undefined;
  spec?: { replicas?: number | undefined } | undefined;
  status?:
    | {
        observedGeneration?: number | undefined;
        replicas?: number | undefined;
        readyReplicas?: number | undefined;
        updatedReplicas?: number | undefined;
      }
    | undefined;
}

export interface StatefulSetProgress {
  desired: number;
  replicas: number;
  ready: number;
  /** The StatefulSet controller has seen the latest spec and every pod runs the latest template. */
  upToDate: boolean;
  allReady: boolean;
}

/**
 * Progress of a StatefulSet. For OnDelete StatefulSets (brokers) currentRevision never advances, so "up to date"
 * is updatedReplicas (pods at updateRevision) reaching the desired count.
 */
export function statefulSetProgress(sts: StatefulSetObservation): StatefulSetProgress {
  const desired = sts.spec?.replicas ?? 1;
  const status = sts.status ?? {};
  const replicas = status.replicas ?? 0;
  const ready = status.readyReplicas ?? 0;
  const seen = (status.observedGeneration ?? 0) >= (sts.metadata?.generation ?? 0);
  const upToDate = seen && replicas === desired && (status.updatedReplicas ?? 0) >= desired;
  return { desired, replicas, ready, upToDate, allReady: seen && replicas === desired && ready >= desired };
}

/** A reconcile problem the controller wants surfaced (apply failed, referenced object missing, ...). */
export interface Problem {
  reason: string;
  message: string;
}

export interface NameServerObservation {
  desiredReplicas: number;
  statefulSet: StatefulSetObservation | undefined;
  /** Set while the `skyrocket.dev/paused` annotation is "true". */
  paused?: boolean;
  problem?: Problem | undefined;
}

export function nameServerConditions(o: NameServerObservation): ConditionInput[] {
  const progress = o.statefulSet ? statefulSetProgress(o.statefulSet) : undefined;
  const plural = (n: number) => `${n} NameServer${n === 1 ? '' : 's'}`;

  let ready: ConditionInput;
  if (!progress)
    ready = cond('Ready', 'False', 'StatefulSetMissing', 'the NameServer StatefulSet does not exist yet');
  else if (o.desiredReplicas === 0) ready = cond('Ready', 'False', 'ScaledToZero', 'replicas is 0');
  else if (progress.ready >= o.desiredReplicas && progress.allReady)
    ready = cond('Ready', 'True', 'AllReplicasReady', `${plural(o.desiredReplicas)} ready`);
  else
    ready = cond(
      'Ready',
      'False',
      'NotAllReplicasReady',
      `${progress.ready}/${o.desiredReplicas} NameServers ready`,
    );

  const progressing = o.paused
    ? cond('Progressing', 'False', 'Paused', 'reconciliation is paused (annotation skyrocket.dev/paused)')
    : !progress
      ? cond('Progressing', 'True', 'Creating', 'creating the NameServer StatefulSet')
      : progress.replicas !== o.desiredReplicas || progress.desired !== o.desiredReplicas
        ? cond(
            'Progressing',
            'True',
            'Scaling',
            `scaling from ${progress.replicas} to ${plural(o.desiredReplicas)}`,
          )
        : !progress.upToDate
          ? cond('Progressing', 'True', 'RollingUpdate', 'rolling NameServers onto the latest spec')
          : cond('Progressing', 'False', 'UpToDate', 'every NameServer runs the latest spec');

  const degraded = o.problem
    ? cond('Degraded', 'True', o.problem.reason, o.problem.message)
    : progress && progressing.status === 'False' && ready.reason === 'NotAllReplicasReady'
      ? cond('Degraded', 'True', 'ReplicasNotReady', ready.message)
      : cond('Degraded', 'False', 'AsExpected', 'no problems observed');

  return [ready, progressing, degraded];
}

/** One broker group as observed. */
export interface BrokerGroupObservation {
  index: number;
  name: string;
  statefulSet: StatefulSetObservation | undefined;
  /** The group is being removed by scale-down: read-only and waiting for consumers. */
  draining?: { blocked?: string | undefined } | undefined;
  /** Every pod of the group is registered with every NameServer (when the controller checked). */
  registered?: boolean | undefined;
}

export interface BrokerObservation {
  desiredGroups: number;
  groups: readonly BrokerGroupObservation[];
  /** Undefined when nameServerRef names a NameServerCluster that does not exist. */
  nameServerAddress: string | undefined;
  /** Set when nameServerAddress is undefined: which NameServerCluster is missing, "namespace/name". */
  missingNameServerCluster?: string | undefined;
  paused?: boolean;
  problem?: Problem | undefined;
}

export type BrokerGroupPhase = BrokerGroupStatus['phase'];

export function brokerGroupPhase(group: BrokerGroupObservation, desiredGroups: number): BrokerGroupPhase {
  if (group.draining?.blocked) return 'DrainBlocked';
  if (group.draining) return 'Draining';
  if (group.index >= desiredGroups) return 'Removing';
  if (!group.statefulSet) return 'Creating';
  const progress = statefulSetProgress(group.statefulSet);
  if (progress.allReady) return 'Ready';
  return progress.replicas === 0 ? 'Creating' : 'NotReady';
}

export interface BrokerSummary {
  conditions: ConditionInput[];
  /** status.groups: groups that exist (the scale subresource's replicas). */
  groups: number;
  /** status.groupsReady. */
  groupsReady: number;
}

export function brokerSummary(o: BrokerObservation): BrokerSummary {
  const existing = o.groups.filter((g) => g.statefulSet !== undefined);
  const wanted = o.groups.filter((g) => g.index < o.desiredGroups);
  const readyGroups = existing.filter(
    (g) => g.index < o.desiredGroups && brokerGroupPhase(g, o.desiredGroups) === 'Ready',
  );
  const missing = Array.from({ length: o.desiredGroups }, (_, i) => i).filter(
    (i) => !existing.some((g) => g.index === i),
  );
  const extra = existing.filter((g) => g.index >= o.desiredGroups);
  const notReady = wanted
    .filter((g) => g.statefulSet && brokerGroupPhase(g, o.desiredGroups) !== 'Ready')
    .map((g) => {
      const p = statefulSetProgress(g.statefulSet ?? {});
      return `${g.name}: ${p.ready}/${p.desired} pods ready`;
    });
  const rolling = wanted.filter((g) => g.statefulSet && !statefulSetProgress(g.statefulSet).upToDate);
  const blocked = o.groups.filter((g) => g.draining?.blocked);

  let ready: ConditionInput;
  if (o.nameServerAddress === undefined)
    ready = cond('Ready', 'False', 'NameServerClusterNotFound', nameServerMissing(o));
  else if (o.desiredGroups === 0) ready = cond('Ready', 'False', 'ScaledToZero', 'groups is 0');
  else if (readyGroups.length === o.desiredGroups)
    ready = cond(
      'Ready',
      'True',
      'AllGroupsReady',
      `${o.desiredGroups}/${o.desiredGroups} broker groups ready`,
    );
  else
    ready = cond(
      'Ready',
      'False',
      'NotAllGroupsReady',
      [`${readyGroups.length}/${o.desiredGroups} broker groups ready`, ...notReady].join('; '),
    );

  let progressing: ConditionInput;
  if (o.paused)
    progressing = cond(
      'Progressing',
      'False',
      'Paused',
      'reconciliation is paused (annotation skyrocket.dev/paused)',
    );
  else if (missing.length > 0)
    progressing = cond(
      'Progressing',
      'True',
      'ScalingUp',
      `creating groups ${missing.map((i) => `g${i}`).join(', ')}`,
    );
  else if (extra.length > 0)
    progressing = cond(
      'Progressing',
      'True',
      'ScalingDown',
      `draining and removing ${extra.map((g) => g.name).join(', ')}`,
    );
  else if (rolling.length > 0)
    progressing = cond(
      'Progressing',
      'True',
      'RollingUpdate',
      `rolling brokers onto the latest spec in ${rolling.map((g) => g.name).join(', ')}`,
    );
  else progressing = cond('Progressing', 'False', 'UpToDate', 'every broker runs the latest spec');

  let degraded: ConditionInput;
  if (o.problem) degraded = cond('Degraded', 'True', o.problem.reason, o.problem.message);
  else if (o.nameServerAddress === undefined)
    degraded = cond('Degraded', 'True', 'NameServerClusterNotFound', nameServerMissing(o));
  else if (blocked.length > 0)
    degraded = cond(
      'Degraded',
      'True',
      'ScaleDownBlocked',
      blocked.map((g) => `${g.name}: ${g.draining?.blocked ?? ''}`).join('; '),
    );
  else if (progressing.status === 'False' && notReady.length > 0)
    degraded = cond('Degraded', 'True', 'BrokersNotReady', notReady.join('; '));
  else degraded = cond('Degraded', 'False', 'AsExpected', 'no problems observed');

  return {
    conditions: [ready, progressing, degraded],
    groups: existing.length,
    groupsReady: readyGroups.length,
  };
}

function nameServerMissing(o: BrokerObservation): string {
  return `NameServerCluster ${o.missingNameServerCluster ?? '(nameServerRef)'} not found; brokers cannot register until it exists`;
}

function cond(
  type: string,
  status: ConditionInput['status'],
  reason: string,
  message: string,
): ConditionInput {
  return { type, status, reason, message };
}
