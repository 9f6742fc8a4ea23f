import { describeError } from '@skyrocket/common';
import { Resources } from '../runtime/resources';
import type { ReconcileResult } from '../runtime/controller-runner';
import { splitKey, type KubeObject } from '../runtime/types';
import { applyChildren, findKind } from './apply';
import { buildNameServerChildren, type NameServerClusterObject } from './children';
import type { Condition } from '../api/common';
import { setConditions, type ConditionInput } from '../status/conditions';
import {
  isPaused,
  isPodReady,
  podOrdinal,
  type ControllerContext,
  type PodObject,
  type StatefulSetObject,
} from './context';
import { pausedConditions, writeStatus } from './status-writer';

/**
 * NameServerCluster reconcile, a checklist: fetch → deleted? → paused? → apply children (ConfigMap-free: a
 * StatefulSet, a headless Service for per-pod DNS, a client Service, a PodDisruptionBudget) → status from what the
 * StatefulSet and its pods report. Never waits: pod and StatefulSet events bring it back.
 */
export async function reconcileNameServerCluster(
  ctx: ControllerContext,
  key: string,
): Promise<ReconcileResult | void> {
  const { namespace, name } = splitKey(key);
  const cr = ctx.caches.nameServerClusters.get(namespace, name) as NameServerClusterObject | undefined;
  if (!cr || cr.metadata.deletionTimestamp) return; // children go with it (owner references)

  if (isPaused(cr)) {
    await writeStatus(ctx, Resources.NameServerCluster, cr, {
      ...(cr.status ?? {}),
      conditions: pausedConditions(ctx, cr),
    });
    return;
  }

  let children: KubeObject[];
  try {
    children = buildNameServerChildren(cr, ctx);
  } catch (error) {
    await ctx.events.record(cr, 'Warning', 'InvalidSpec', describeError(error));
    await writeStatus(ctx, Resources.NameServerCluster, cr, {
      ...(cr.status ?? {}),
      observedGeneration: cr.metadata.generation,
      conditions: conditions(
        cr,
        [
          { type: 'Ready', status: 'False', reason: 'InvalidSpec', message: describeError(error) },
          { type: 'Progressing', status: 'False', reason: 'InvalidSpec', message: describeError(error) },
          { type: 'Degraded', status: 'True', reason: 'InvalidSpec', message: describeError(error) },
        ],
        ctx,
      ),
    });
    return;
  }
  const before = ctx.caches.statefulSets.get(
    namespace,
    findKind<StatefulSetObject>(children, 'StatefulSet')?.metadata.name ?? '',
  );
  const applied = await applyChildren(ctx.client, children);
  const statefulSet = findKind<StatefulSetObject>(applied, 'StatefulSet');
  if (!before && statefulSet)
    await ctx.events.record(
      cr,
      'Normal',
      'Created',
      `created StatefulSet ${statefulSet.metadata.name} and its Services`,
    );

  const desired = (cr.spec?.replicas as number | undefined) ?? statefulSet?.spec?.replicas ?? 0;
  const service = statefulSet?.spec?.serviceName ?? '';
  const port = remotingPort(cr);
  const pods = ctx.caches.pods
    .list(namespace)
    .filter(
      (p) =>
        statefulSet &&
        p.metadata.name.startsWith(`${statefulSet.metadata.name}-`) &&
        podOrdinal(p.metadata.name) >= 0,
    )
    .filter((p) => (p.metadata.ownerReferences ?? []).some((o) => o.uid === statefulSet?.metadata.uid));
  const ready = pods
    .filter(isPodReady)
    .sort((a, b) => podOrdinal(a.metadata.name) - podOrdinal(b.metadata.name));
  const readyReplicas = statefulSet?.status?.readyReplicas ?? ready.length;
  const endpoints = ready.map(
    (p: PodObject) => `${p.metadata.name}.${service}.${namespace ?? 'default'}.svc:${port}`,
  );
  const rolledOut =
    statefulSet?.status?.observedGeneration !== undefined &&
    statefulSet.status.observedGeneration >= (statefulSet.metadata.generation ?? 0) &&
    (statefulSet.status.updateRevision === undefined ||
      statefulSet.status.currentRevision === statefulSet.status.updateRevision);
  const allReady = readyReplicas >= desired;
  const readyMessage = `${readyReplicas}/${desired} NameServers ready`;
  const wanted: ConditionInput[] = [
    allReady
      ? { type: 'Ready', status: 'True', reason: 'AllReplicasReady', message: readyMessage }
      : { type: 'Ready', status: 'False', reason: 'ReplicasNotReady', message: readyMessage },
    allReady && rolledOut
      ? {
          type: 'Progressing',
          status: 'False',
          reason: 'Reconciled',
          message: 'spec applied; every pod is current',
        }
      : {
          type: 'Progressing',
          status: 'True',
          reason: rolledOut ? 'WaitingForPods' : 'RollingUpdate',
          message: rolledOut ? readyMessage : 'pods are being replaced with the new template',
        },
    { type: 'Degraded', status: 'False', reason: 'AsExpected', message: '' },
  ];
  await writeStatus(ctx, Resources.NameServerCluster, cr, {
    ...(cr.status ?? {}),
    observedGeneration: cr.metadata.generation,
    replicas: statefulSet?.status?.replicas ?? pods.length,
    readyReplicas,
    ...(selectorOf(statefulSet) ? { selector: selectorOf(statefulSet) } : {}),
    endpoints,
    conditions: conditions(cr, wanted, ctx),
  });
}

function conditions(
  cr: NameServerClusterObject,
  wanted: ConditionInput[],
  ctx: ControllerContext,
): Condition[] {
  return setConditions(cr.status?.conditions, wanted, {
    generation: cr.metadata.generation,
    now: new Date(ctx.clock.now()),
  });
}

function remotingPort(cr: NameServerClusterObject): number {
  return cr.spec?.ports?.remoting ?? 9876;
}

function selectorOf(statefulSet: StatefulSetObject | undefined): string | undefined {
  const labels = (statefulSet?.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)
    ?.selector?.matchLabels;
  if (!labels) return undefined;
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k] ?? ''}`)
    .join(',');
}
