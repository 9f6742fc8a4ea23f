import type { BrokerGroupStatus, BrokerPodStatus } from '../api/broker-cluster';
import { LABELS } from '../api/common';
import type { ReconcileResult } from '../runtime/controller-runner';
import { Resources } from '../runtime/resources';
import { splitKey } from '../runtime/types';
import { isControlledBy } from '../runtime/owners';
import { applyChildren, findKind } from './apply';
import {
  brokerGroupName,
  brokerNameServerAddressOf,
  brokerRoleOf,
  brokerSelectorOf,
  buildBrokerGroupChildren,
  nameServerRefOfBroker,
  type BrokerClusterObject,
  type NameServerClusterObject,
} from './children';
import { setConditions, type ConditionInput } from '../status/conditions';
import { isPaused, isPodReady, podOrdinal, type ControllerContext, type StatefulSetObject } from './context';
import { type GroupObservation } from './broker-group';
import { drainGroup, cancelDrain, type DrainOutcome } from './drain';
import { copyTopicsToGroup } from './scale-up';
import { resizeGroupStorage } from './storage-resize';
import { rollGroup, type RollOutcome } from './rolling-update';
import { pausedConditions, writeStatus } from './status-writer';

interface NameServers {
  address: string;
  /** NameServers every broker must be registered with (0: unknown, any one will do). */
  expected: number;
  endpoints: string[];
}

/**
 * BrokerCluster reconcile, a checklist: fetch → deleted? → paused? → NameServers → apply each desired group's
 * children → copy the cluster's topics to new groups → drain and remove groups beyond spec.groups → roll outdated
 * pods one at a time → status and conditions. Anything that waits on the brokers themselves (topics, drains,
 * registration) asks to be looked at again after pollIntervalMs; nothing sleeps.
 */
export async function reconcileBrokerCluster(
  ctx: ControllerContext,
  key: string,
): Promise<ReconcileResult | void> {
  const { namespace, name } = splitKey(key);
  const cr = ctx.caches.brokerClusters.get(namespace, name) as BrokerClusterObject | undefined;
  if (!cr || cr.metadata.deletionTimestamp) return;
  const ns = cr.metadata.namespace ?? 'default';
  const now = ctx.clock.now();
  const conditionsWith = (wanted: ConditionInput[]) =>
    setConditions(cr.status?.conditions, wanted, { generation: cr.metadata.generation, now: new Date(now) });

  if (isPaused(cr)) {
    await writeStatus(ctx, Resources.BrokerCluster, cr, {
      ...(cr.status ?? {}),
      conditions: pausedConditions(ctx, cr),
    });
    return;
  }

  // NameServers: a missing NameServerCluster stops everything with a condition saying so.
  const nameServers = await resolveNameServers(ctx, cr);
  if (typeof nameServers === 'string') {
    await ctx.events.record(cr, 'Warning', 'NameServersNotFound', nameServers);
    await writeStatus(ctx, Resources.BrokerCluster, cr, {
      ...(cr.status ?? {}),
      observedGeneration: cr.metadata.generation,
      conditions: conditionsWith([
        { type: 'Ready', status: 'False', reason: 'NameServersNotFound', message: nameServers },
        { type: 'Progressing', status: 'False', reason: 'NameServersNotFound', message: nameServers },
        { type: 'Degraded', status: 'True', reason: 'NameServersNotFound', message: nameServers },
      ]),
    });
    return { requeueAfterMs: ctx.pollIntervalMs * 6 };
  }

  const desiredGroups = cr.spec?.groups ?? 1;
  const replicasPerGroup = cr.spec?.replicasPerGroup ?? 2;
  const previousGroups = new Map((cr.status?.brokerGroups ?? []).map((g) => [g.name, g]));
  for (const [uid, at] of ctx.recentlyDeleted) if (now - at > 300_000) ctx.recentlyDeleted.delete(uid);
  const ownedStatefulSets = ctx.caches.statefulSets
    .list(ns)
    .filter((s) => isControlledBy(s, cr) && !ctx.recentlyDeleted.has(s.metadata.uid ?? ''));

  // Apply every desired group's children.
  const groups: GroupObservation[] = [];
  for (let index = 0; index < desiredGroups; index++) {
    const groupName = brokerGroupName(cr, index);
    const current = ownedStatefulSets.find((s) => s.metadata.name === groupName);
    // A storage resize re-creates the group's StatefulSet; status stays as it was until that is done.
    if (await resizeGroupStorage(ctx, cr, index, current)) return { requeueAfterMs: ctx.pollIntervalMs };
    const existed = current !== undefined || previousGroups.has(groupName);
    const applied = await applyChildren(
      ctx.client,
      buildBrokerGroupChildren(cr, index, nameServers.address, ctx),
    );
    const statefulSet = findKind<StatefulSetObject>(applied, 'StatefulSet');
    if (!existed)
      await ctx.events.record(
        cr,
        'Normal',
        'GroupCreated',
        `created broker group ${groupName} (StatefulSet, headless Service, ConfigMap, PodDisruptionBudget)`,
      );
    groups.push(observeGroup(ctx, cr, index, statefulSet, previousGroups.get(groupName)));
  }
  // Groups beyond spec.groups: still there until drained.
  const removing = ownedStatefulSets
    .map((s) => ({ s, index: Number(s.metadata.labels?.[LABELS.groupIndex] ?? NaN) }))
    .filter(({ index }) => Number.isInteger(index) && index >= desiredGroups)
    .sort((a, b) => a.index - b.index)
    .map(({ s, index }) => observeGroup(ctx, cr, index, s, previousGroups.get(s.metadata.name)));

  let requeue = false;
  const statuses: BrokerGroupStatus[] = [];
  const established = groups.filter((g) => g.previous && g.previous.phase !== 'Creating');

  // Desired groups: cancel an interrupted drain, copy topics to new groups, report readiness.
  for (const group of groups) {
    let phase: BrokerGroupStatus['phase'] = group.readyReplicas >= replicasPerGroup ? 'Ready' : 'NotReady';
    let message: string | undefined;
    const wasDraining = ['Draining', 'DrainBlocked', 'Removing'].includes(group.previous?.phase ?? '');
    if (wasDraining) {
      const error = await cancelDrain(ctx, cr, group);
      if (error) {
        phase = 'DrainBlocked';
        message = error;
        requeue = true;
      }
    } else if (!group.previous || group.previous.phase === 'Creating') {
      const copied = await copyTopicsToGroup(ctx, cr, group, established);
      if (copied !== true) {
        phase = 'Creating';
        message = copied;
        requeue = true;
      }
    }
    statuses.push(groupStatus(cr, group, phase, message));
  }

  // Groups being removed: read-only, drain, delete.
  const drains: DrainOutcome[] = [];
  for (const group of removing) {
    const outcome = await drainGroup(ctx, cr, group, now);
    drains.push(outcome);
    requeue = true;
    if (outcome.phase !== 'Removed')
      statuses.push(groupStatus(cr, group, outcome.phase, outcome.message, outcome));
  }

  // Rolling update: at most one pod of one group at a time, never while a group is still being created.
  let roll: RollOutcome = { state: 'idle', message: '' };
  for (const group of groups) {
    roll = await rollGroup(ctx, cr, group, replicasPerGroup, nameServers.expected);
    if (roll.state !== 'idle') {
      requeue = true;
      break;
    }
  }

  // Status.
  const groupsReady = statuses.filter((g) => g.index < desiredGroups && g.phase === 'Ready').length;
  const blocked = drains.filter((d) => d.phase === 'DrainBlocked');
  const creating = statuses.filter((g) => g.phase === 'Creating');
  const draining = drains.filter((d) => d.phase !== 'Removed');
  const readyMessage = `${groupsReady}/${desiredGroups} broker groups ready`;
  const wanted: ConditionInput[] = [];
  if (groupsReady === desiredGroups && draining.length === 0 && roll.state === 'idle')
    wanted.push({ type: 'Ready', status: 'True', reason: 'AllGroupsReady', message: readyMessage });
  else if (draining.length > 0)
    wanted.push({
      type: 'Ready',
      status: 'False',
      reason: 'ScalingDown',
      message: `${readyMessage}; ${draining.length} group(s) being removed`,
    });
  else if (roll.state !== 'idle')
    wanted.push({
      type: 'Ready',
      status: 'False',
      reason: 'RollingUpdate',
      message: `${readyMessage}; ${roll.message}`,
    });
  else wanted.push({ type: 'Ready', status: 'False', reason: 'GroupsNotReady', message: readyMessage });

  if (blocked.length > 0) {
    const message = blocked.map((b) => b.message).join('; ');
    wanted.push({ type: 'Progressing', status: 'False', reason: 'DrainBlocked', message });
    wanted.push({ type: 'Degraded', status: 'True', reason: 'DrainBlocked', message });
  } else {
    if (draining.length > 0)
      wanted.push({
        type: 'Progressing',
        status: 'True',
        reason: 'ScalingDown',
        message: draining.map((d) => d.message).join('; '),
      });
    else if (creating.length > 0)
      wanted.push({
        type: 'Progressing',
        status: 'True',
        reason: 'ScalingUp',
        message: creating.map((g) => `${g.name}: ${g.message ?? 'creating'}`).join('; '),
      });
    else if (roll.state !== 'idle')
      wanted.push({ type: 'Progressing', status: 'True', reason: 'RollingUpdate', message: roll.message });
    else if (groupsReady < desiredGroups)
      wanted.push({ type: 'Progressing', status: 'True', reason: 'WaitingForPods', message: readyMessage });
    else
      wanted.push({
        type: 'Progressing',
        status: 'False',
        reason: 'Reconciled',
        message: 'every group is ready and current',
      });
    wanted.push({ type: 'Degraded', status: 'False', reason: 'AsExpected', message: '' });
  }

  await writeStatus(ctx, Resources.BrokerCluster, cr, {
    observedGeneration: cr.metadata.generation,
    conditions: conditionsWith(wanted),
    groups: groups.length + draining.length,
    groupsReady,
    selector: brokerSelectorOf(cr),
    nameServerAddress: nameServers.address,
    nameServerEndpoints: nameServers.endpoints,
    brokerGroups: statuses.sort((a, b) => a.index - b.index),
  });
  return requeue ? { requeueAfterMs: ctx.pollIntervalMs } : undefined;
}

async function resolveNameServers(
  ctx: ControllerContext,
  cr: BrokerClusterObject,
): Promise<NameServers | string> {
  const ref = nameServerRefOfBroker(cr);
  let nameServerCluster: NameServerClusterObject | undefined;
  if (ref) {
    nameServerCluster =
      (ctx.caches.nameServerClusters.get(ref.namespace, ref.name) as NameServerClusterObject | undefined) ??
      // A namespace the operator does not watch: read it directly (RBAC permitting).
      (await ctx.client.find<NameServerClusterObject>(Resources.NameServerCluster, ref.namespace, ref.name));
    if (!nameServerCluster)
      return `NameServerCluster ${ref.namespace}/${ref.name} (spec.nameServerRef) does not exist`;
  }
  const address = brokerNameServerAddressOf(cr, nameServerCluster);
  if (!address) return 'spec sets neither nameServerRef nor nameServerAddresses';
  if (nameServerCluster)
    return {
      address,
      expected: nameServerCluster.status?.readyReplicas ?? 0,
      endpoints: nameServerCluster.status?.endpoints ?? [],
    };
  const endpoints = address.startsWith('dns:') ? [address] : address.split(';');
  return { address, expected: address.startsWith('dns:') ? 0 : endpoints.length, endpoints };
}

function observeGroup(
  ctx: ControllerContext,
  cr: BrokerClusterObject,
  index: number,
  statefulSet: StatefulSetObject | undefined,
  previous: BrokerGroupStatus | undefined,
): GroupObservation {
  const name = brokerGroupName(cr, index);
  const ns = cr.metadata.namespace ?? 'default';
  const pods = statefulSet
    ? ctx.caches.pods
        .list(ns)
        .filter((p) => (p.metadata.ownerReferences ?? []).some((o) => o.uid === statefulSet.metadata.uid))
        .sort((a, b) => podOrdinal(a.metadata.name) - podOrdinal(b.metadata.name))
    : [];
  // Without pods in the cache (no controller-manager, or not created yet) the StatefulSet's own count is the truth.
  const readyReplicas =
    pods.length > 0 ? pods.filter(isPodReady).length : (statefulSet?.status?.readyReplicas ?? 0);
  return {
    index,
    name,
    statefulSet,
    pods,
    readyReplicas,
    service: statefulSet?.spec?.serviceName ?? name,
    httpPort: cr.spec?.ports?.http ?? 8081,
    previous,
  };
}

function groupStatus(
  cr: BrokerClusterObject,
  group: GroupObservation,
  phase: BrokerGroupStatus['phase'],
  message: string | undefined,
  drain?: DrainOutcome,
): BrokerGroupStatus {
  const replicationMode = cr.spec?.replicationMode ?? 'ASYNC';
  const pods: BrokerPodStatus[] = group.pods.map((pod) => ({
    name: pod.metadata.name,
    brokerId: Math.max(0, podOrdinal(pod.metadata.name)),
    role: brokerRoleOf({ replicationMode }, Math.max(0, podOrdinal(pod.metadata.name))),
    ready: isPodReady(pod),
  }));
  return {
    name: group.name,
    index: group.index,
    phase,
    replicas: group.pods.length > 0 ? group.pods.length : (group.statefulSet?.status?.replicas ?? 0),
    readyReplicas: group.readyReplicas,
    ...(pods.length > 0 ? { pods } : {}),
    ...(drain?.drainStartedAt ? { drainStartedAt: drain.drainStartedAt } : {}),
    ...(drain?.remainingLag !== undefined ? { remainingLag: drain.remainingLag } : {}),
    ...(message ? { message: message.slice(0, 4000) } : {}),
  };
}
