import { describeError } from '@skyrocket/common';
import type { BrokerAdmin } from '../broker-admin/client';
import type { Condition } from '../api/common';
import type { ReconcileResult } from '../runtime/controller-runner';
import type { Cache } from '../runtime/informer-set';
import { isConflict, isNotFound } from '../runtime/kube-client';
import type { ResourceType } from '../runtime/resources';
import { splitKey, type KubeObject } from '../runtime/types';
import { setConditions, type ConditionInput } from '../status/conditions';
import { brokerGroupName, brokerPodName, type BrokerClusterObject } from './children';
import { podAdminUrl } from './broker-group';
import { isPaused, isPodReady, type ControllerCaches, type ControllerContext } from './context';
import { pausedConditions, writeStatus } from './status-writer';

/**
 * What Topics and ConsumerGroups share: a CR that names a BrokerCluster and one RocketMQ object (a topic, a
 * subscription group) that must exist, as specified, on every master of that cluster, through the brokers' HTTP
 * admin API. A kind supplies how to name, read, compare, write and delete its object; the reconcile is the same.
 */
export interface BrokerResourceCr extends KubeObject {
  spec?: { clusterRef?: { name?: string } };
  status?: { conditions?: Condition[] } & Record<string, unknown>;
}

/** `Item` is what the CR asks for, `Actual` what a broker reports (it may lack fields). */
export interface BrokerResourceKind<Cr extends BrokerResourceCr, Item, Actual = Item> {
  /** CR kind: also the prefix of Event and condition reasons (TopicApplied, ConsumerGroupConflict, …). */
  kind: string;
  /** The RocketMQ object, in messages: "topic", "subscription group". */
  noun: string;
  resource: ResourceType;
  finalizer: string;
  cache: (caches: ControllerCaches) => Cache<KubeObject>;
  /** The RocketMQ name (spec.topicName / spec.groupName, else metadata.name). */
  nameOf: (cr: Cr) => string;
  /** The status field that reports the RocketMQ name. */
  statusNameField: string;
  desired: (cr: Cr) => Item;
  /** The broker's object of that name, or undefined. */
  read: (admin: BrokerAdmin, url: string, name: string) => Promise<Actual | undefined>;
  matches: (actual: Actual | undefined, wanted: Item) => boolean;
  put: (admin: BrokerAdmin, url: string, wanted: Item) => Promise<void>;
  /** false when the broker has no such object. */
  remove: (admin: BrokerAdmin, url: string, name: string) => Promise<boolean>;
}

/**
 * The CR that owns a RocketMQ name on a cluster when several ask for it: the oldest (then the first by name). The
 * others report <Kind>Conflict and never touch the brokers, so deleting one cannot delete the object.
 */
function ownerOf<Cr extends BrokerResourceCr, Item, Actual>(
  ctx: ControllerContext,
  kind: BrokerResourceKind<Cr, Item, Actual>,
  cr: Cr,
): Cr {
  const cluster = cr.spec?.clusterRef?.name;
  const name = kind.nameOf(cr);
  const claimants = (kind.cache(ctx.caches).list(cr.metadata.namespace) as Cr[]).filter(
    (other) =>
      other.spec?.clusterRef?.name === cluster &&
      kind.nameOf(other) === name &&
      (other.metadata.deletionTimestamp === undefined || other.metadata.uid === cr.metadata.uid),
  );
  claimants.sort(
    (a, b) =>
      (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
      a.metadata.name.localeCompare(b.metadata.name),
  );
  return claimants[0] ?? cr;
}

interface MasterTarget {
  group: string;
  /** undefined while the master pod is not ready. */
  url: string | undefined;
  podExists: boolean;
}

/** The masters of a cluster's desired groups (groups beyond spec.groups are draining and read-only). */
function masters(ctx: ControllerContext, cluster: BrokerClusterObject): MasterTarget[] {
  const namespace = cluster.metadata.namespace ?? 'default';
  return Array.from({ length: cluster.spec?.groups ?? 1 }, (_, index) => {
    const group = brokerGroupName(cluster, index);
    const live = ctx.caches.pods.get(namespace, brokerPodName(cluster, index, 0));
    const httpPort = cluster.spec?.ports?.http ?? 8081;
    return {
      group,
      podExists: live !== undefined,
      url:
        live && isPodReady(live)
          ? podAdminUrl(ctx, cluster, { index, service: group, httpPort }, 0)
          : undefined,
    };
  });
}

/**
 * The reconcile: finalizer → deleted? (remove from every master, then let go) → paused? → the BrokerCluster →
 * conflict with an older CR of the same name? → create or correct the object on every ready master → status.
 * Masters that are not ready yet, or fail, are looked at again after pollIntervalMs; the periodic resync puts back
 * an object someone changed or deleted behind the operator's back.
 */
export async function reconcileBrokerResource<Cr extends BrokerResourceCr, Item, Actual>(
  ctx: ControllerContext,
  kind: BrokerResourceKind<Cr, Item, Actual>,
  key: string,
): Promise<ReconcileResult | void> {
  const { namespace, name } = splitKey(key);
  const cr = kind.cache(ctx.caches).get(namespace, name) as Cr | undefined;
  if (!cr) return;
  const ns = cr.metadata.namespace ?? 'default';
  const clusterName = cr.spec?.clusterRef?.name ?? '';
  const cluster = ctx.caches.brokerClusters.get(ns, clusterName) as BrokerClusterObject | undefined;
  const finalizers = cr.metadata.finalizers ?? [];

  if (cr.metadata.deletionTimestamp) {
    if (!finalizers.includes(kind.finalizer)) return;
    const pending = await removeFromBrokers(ctx, kind, cr, cluster);
    if (pending) return { requeueAfterMs: ctx.pollIntervalMs };
    await setFinalizers(
      ctx,
      kind,
      cr,
      finalizers.filter((f) => f !== kind.finalizer),
    );
    return;
  }
  if (isPaused(cr)) {
    await writeStatus(ctx, kind.resource, cr, {
      ...(cr.status ?? {}),
      conditions: pausedConditions(ctx, cr),
    });
    return;
  }
  if (!finalizers.includes(kind.finalizer)) {
    // The patch's watch event brings the CR back with the finalizer; that reconcile does the work.
    await setFinalizers(ctx, kind, cr, [...finalizers, kind.finalizer]);
    return;
  }

  const objectName = kind.nameOf(cr);
  const status = (
    counts: { groups?: number; groupsApplied?: number },
    ready: ConditionInput,
    degraded = false,
  ) =>
    writeStatus(ctx, kind.resource, cr, {
      observedGeneration: cr.metadata.generation,
      [kind.statusNameField]: objectName,
      ...counts,
      conditions: setConditions(
        cr.status?.conditions,
        [
          ready,
          {
            type: 'Progressing',
            status: ready.status === 'True' ? 'False' : 'True',
            reason: ready.reason,
            message: ready.message,
          },
          {
            type: 'Degraded',
            status: degraded ? 'True' : 'False',
            reason: ready.reason,
            message: ready.message,
          },
        ],
        { generation: cr.metadata.generation, now: new Date(ctx.clock.now()) },
      ),
    });

  if (!cluster) {
    const message = `BrokerCluster ${ns}/${clusterName} not found`;
    await status({}, { type: 'Ready', status: 'False', reason: 'BrokerClusterNotFound', message }, true);
    return { requeueAfterMs: ctx.pollIntervalMs * 6 };
  }
  const owner = ownerOf(ctx, kind, cr);
  if (owner.metadata.uid !== cr.metadata.uid) {
    const message = `${kind.kind} ${owner.metadata.name} already manages ${kind.noun} ${objectName} on BrokerCluster ${clusterName}`;
    await status({}, { type: 'Ready', status: 'False', reason: `${kind.kind}Conflict`, message }, true);
    return;
  }

  const wanted = kind.desired(cr);
  const targets = masters(ctx, cluster);
  let applied = 0;
  const changed: string[] = [];
  const waiting: string[] = [];
  const failures: string[] = [];
  for (const target of targets) {
    if (target.url === undefined) {
      waiting.push(target.group);
      continue;
    }
    try {
      if (!kind.matches(await kind.read(ctx.brokerAdmin, target.url, objectName), wanted)) {
        await kind.put(ctx.brokerAdmin, target.url, wanted);
        changed.push(target.group);
      }
      applied++;
    } catch (error) {
      failures.push(`${target.group}: ${describeError(error)}`);
    }
  }
  if (changed.length > 0)
    await ctx.events.record(
      cr,
      'Normal',
      `${kind.kind}Applied`,
      `${kind.noun} ${objectName} created or updated on broker group(s) ${changed.join(', ')}`,
    );
  if (failures.length > 0) await ctx.events.record(cr, 'Warning', 'ApplyFailed', failures.join('; '));

  const counts = { groups: targets.length, groupsApplied: applied };
  if (failures.length > 0) {
    const message = `cannot apply ${kind.noun} ${objectName}: ${failures.join('; ')}`;
    await status(counts, { type: 'Ready', status: 'False', reason: 'ApplyFailed', message }, true);
    return { requeueAfterMs: ctx.pollIntervalMs };
  }
  if (waiting.length > 0) {
    const message = `waiting for the master of broker group(s) ${waiting.join(', ')} to be ready`;
    await status(counts, { type: 'Ready', status: 'False', reason: 'WaitingForBrokers', message });
    return { requeueAfterMs: ctx.pollIntervalMs };
  }
  const message = `${kind.noun} ${objectName} is on all ${applied} broker group(s) of ${clusterName}`;
  await status(counts, { type: 'Ready', status: 'True', reason: 'Applied', message });
}

/**
 * Removes the object from every master of the cluster; returns why not yet, or undefined when done. A cluster that
 * is gone, a CR that never owned the name, and groups whose pods are gone have nothing to clean up.
 */
async function removeFromBrokers<Cr extends BrokerResourceCr, Item, Actual>(
  ctx: ControllerContext,
  kind: BrokerResourceKind<Cr, Item, Actual>,
  cr: Cr,
  cluster: BrokerClusterObject | undefined,
): Promise<string | undefined> {
  if (!cluster || cluster.metadata.deletionTimestamp) return undefined;
  if (ownerOf(ctx, kind, cr).metadata.uid !== cr.metadata.uid) return undefined;
  const objectName = kind.nameOf(cr);
  const failures: string[] = [];
  for (const target of masters(ctx, cluster)) {
    // A master that is not ready but still exists would keep the object: wait for it.
    if (target.url === undefined) {
      if (target.podExists) failures.push(`${target.group}: master not ready`);
      continue;
    }
    try {
      await kind.remove(ctx.brokerAdmin, target.url, objectName);
    } catch (error) {
      failures.push(`${target.group}: ${describeError(error)}`);
    }
  }
  if (failures.length === 0) {
    await ctx.events.record(
      cr,
      'Normal',
      `${kind.kind}Deleted`,
      `${kind.noun} ${objectName} deleted from ${cluster.metadata.name}`,
    );
    return undefined;
  }
  const message = `cannot delete ${kind.noun} ${objectName} yet: ${failures.join('; ')}`;
  await ctx.events.record(cr, 'Warning', 'DeleteFailed', message);
  return message;
}

/** Sets metadata.finalizers, guarded by resourceVersion (a conflict or a vanished object ends in a requeue). */
async function setFinalizers<Cr extends BrokerResourceCr, Item, Actual>(
  ctx: ControllerContext,
  kind: BrokerResourceKind<Cr, Item, Actual>,
  cr: Cr,
  finalizers: string[],
): Promise<void> {
  try {
    await ctx.client.mergePatch(kind.resource, cr.metadata.namespace, cr.metadata.name, {
      metadata: { finalizers, resourceVersion: cr.metadata.resourceVersion },
    });
  } catch (error) {
    if (isNotFound(error)) return;
    if (isConflict(error))
      throw new Error(`${kind.kind} ${cr.metadata.name} changed while its finalizers were updated`);
    throw error;
  }
}
