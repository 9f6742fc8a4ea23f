import { describeError } from '@skyrocket/common';
import { LABELS } from '../api/common';
import { isControlledBy } from '../runtime/owners';
import { Resources, type ResourceType } from '../runtime/resources';
import type { KubeObject } from '../runtime/types';
import { podAdminUrl, type GroupObservation } from './broker-group';
import type { BrokerClusterObject } from './children';
import { rfc3339 } from '../status/conditions';
import type { ControllerContext } from './context';

export interface DrainOutcome {
  phase: 'Draining' | 'DrainBlocked' | 'Removed';
  message: string;
  drainStartedAt?: string;
  remainingLag?: number;
}

/**
 * One step of removing a broker group (scale-down), resumable from status alone:
 * 1. make the master read-only (PUT /api/broker/permission): the NameServers' routes lose PERM_WRITE at once, so
 *    producers stop sending to it while consumers can still read everything it holds; record drainStartedAt;
 * 2. every look after that: re-assert read-only (a restarted broker forgets it), then sum every consumer group's lag
 *    on the master (GET /api/groups, /api/groups/:group/lag);
 * 3. when the lag is 0, delete the group's StatefulSet, Service, ConfigMap and PDB, and its PVCs only when
 *    spec.storage.reclaimPolicy is Delete.
 * A broker whose admin API does not answer, or lag still there after drainTimeout, leaves the group in place with
 * phase DrainBlocked, a Warning Event and a message that says why; the next look tries again.
 */
export async function drainGroup(
  ctx: ControllerContext,
  cr: BrokerClusterObject,
  group: GroupObservation,
  now: number,
): Promise<DrainOutcome> {
  const url = podAdminUrl(ctx, cr, group, 0);
  let drainStartedAt = group.previous?.drainStartedAt;
  // The Event note stays the same while the cause does (so repeats only bump its series count); the condition
  // message may carry changing numbers.
  const blocked = async (
    message: string,
    extra: Partial<DrainOutcome> = {},
    note = message,
  ): Promise<DrainOutcome> => {
    await ctx.events.record(cr, 'Warning', 'DrainBlocked', note);
    return { phase: 'DrainBlocked', message, ...(drainStartedAt ? { drainStartedAt } : {}), ...extra };
  };
  if (!drainStartedAt) {
    try {
      await ctx.brokerAdmin.setPermission(url, 'read-only');
    } catch (error) {
      return blocked(`group ${group.name}: cannot make it read-only for removal: ${describeError(error)}`);
    }
    drainStartedAt = rfc3339(new Date(now));
    await ctx.events.record(
      cr,
      'Normal',
      'DrainStarted',
      `made broker group ${group.name} read-only for scale-down; it is removed once its consumers have no lag`,
    );
  }
  let remainingLag: number;
  let detail: string;
  let laggingGroups: string;
  try {
    const broker = await ctx.brokerAdmin.broker(url);
    if (broker.permission !== 'read-only' && broker.permission !== 'none')
      await ctx.brokerAdmin.setPermission(url, 'read-only');
    const consumerGroups = await ctx.brokerAdmin.groups(url);
    const lags = await Promise.all(
      consumerGroups.map(async (g) => ({
        group: g.groupName,
        lag: (await ctx.brokerAdmin.groupLag(url, g.groupName))?.totalLag ?? 0,
      })),
    );
    remainingLag = lags.reduce((sum, l) => sum + l.lag, 0);
    detail = lags
      .filter((l) => l.lag > 0)
      .sort((a, b) => b.lag - a.lag)
      .slice(0, 5)
      .map((l) => `${l.group}: ${l.lag}`)
      .join(', ');
    laggingGroups = lags
      .filter((l) => l.lag > 0)
      .map((l) => l.group)
      .sort()
      .join(', ');
  } catch (error) {
    return blocked(`group ${group.name}: cannot check its consumers' lag: ${describeError(error)}`);
  }
  if (remainingLag === 0) {
    const removed = await deleteGroup(ctx, cr, group);
    await ctx.events.record(
      cr,
      'Normal',
      'GroupRemoved',
      `removed drained broker group ${group.name} (${removed.join(', ')})`,
    );
    return { phase: 'Removed', message: `group ${group.name} removed`, drainStartedAt, remainingLag: 0 };
  }
  if (now - Date.parse(drainStartedAt) > ctx.drainTimeoutMs) {
    const timeout = `${Math.round(ctx.drainTimeoutMs / 1000)}s`;
    return blocked(
      `group ${group.name}: consumers still have ${remainingLag} messages to consume (${detail}) past the drain timeout of ${timeout} (read-only since ${drainStartedAt}); the group stays until they do`,
      { remainingLag },
      `group ${group.name}: consumer groups ${laggingGroups} have not drained it within the drain timeout of ${timeout}; it stays read-only and is removed once they have (remaining lag in status.brokerGroups)`,
    );
  }
  return {
    phase: 'Draining',
    message: `group ${group.name}: read-only, waiting for consumers to consume ${remainingLag} messages (${detail})`,
    drainStartedAt,
    remainingLag,
  };
}

/** A group being drained is wanted again (spec.groups went back up): make it writable. Returns an error message. */
export async function cancelDrain(
  ctx: ControllerContext,
  cr: BrokerClusterObject,
  group: GroupObservation,
): Promise<string | undefined> {
  try {
    await ctx.brokerAdmin.setPermission(podAdminUrl(ctx, cr, group, 0), 'read-write');
  } catch (error) {
    return `group ${group.name} is wanted again but cannot be made writable: ${describeError(error)}`;
  }
  await ctx.events.record(
    cr,
    'Normal',
    'DrainCancelled',
    `broker group ${group.name} is wanted again; made it writable`,
  );
  return undefined;
}

/** Deletes a group's children (and PVCs under reclaimPolicy Delete); returns what was deleted, for the Event. */
async function deleteGroup(
  ctx: ControllerContext,
  cr: BrokerClusterObject,
  group: GroupObservation,
): Promise<string[]> {
  const ns = cr.metadata.namespace ?? 'default';
  const deleted: string[] = [];
  const ofGroup = (o: KubeObject) =>
    o.metadata.labels?.[LABELS.group] === group.name && isControlledBy(o, cr);
  const remove = async (type: ResourceType, objects: KubeObject[]) => {
    for (const object of objects.filter(ofGroup)) {
      const uid = object.metadata.uid;
      if (await ctx.client.delete(type, ns, object.metadata.name, uid ? { uid } : {}))
        deleted.push(`${type.kind} ${object.metadata.name}`);
    }
  };
  await remove(Resources.StatefulSet, ctx.caches.statefulSets.list(ns));
  await remove(Resources.PodDisruptionBudget, ctx.caches.podDisruptionBudgets.list(ns));
  await remove(Resources.Service, ctx.caches.services.list(ns));
  await remove(Resources.ConfigMap, ctx.caches.configMaps.list(ns));
  if (cr.spec?.storage?.reclaimPolicy === 'Delete') {
    // PVCs from volumeClaimTemplates are named <template>-<statefulset>-<ordinal>.
    const templates = (
      (group.statefulSet?.spec as { volumeClaimTemplates?: KubeObject[] } | undefined)
        ?.volumeClaimTemplates ?? []
    ).map((t) => t.metadata.name);
    const claims = await ctx.client.list(Resources.PersistentVolumeClaim, ns);
    for (const claim of claims.items) {
      const match = templates.some((t) =>
        new RegExp(`^${escape(t)}-${escape(group.name)}-\\d+$`).test(claim.metadata.name),
      );
      if (match && (await ctx.client.delete(Resources.PersistentVolumeClaim, ns, claim.metadata.name)))
        deleted.push(`PersistentVolumeClaim ${claim.metadata.name}`);
    }
  }
  if (group.statefulSet?.metadata.uid)
    ctx.recentlyDeleted.set(group.statefulSet.metadata.uid, ctx.clock.now());
  return deleted;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
