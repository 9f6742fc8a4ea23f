import { Resources } from '../runtime/resources';
import { isNotFound } from '../runtime/kube-client';
import { brokerPersistentVolumeClaimNames, brokerStorageRequest } from '../builders';
import type { BrokerClusterObject } from './children';
import type { ControllerContext, StatefulSetObject } from './context';

/**
 * Growing spec.storage.size (the CRD refuses shrinking). A StatefulSet's volumeClaimTemplates are immutable, so
 * applying the new template would be refused for good. Instead the operator patches every PVC of the group to the new
 * size (the storage class must allow volume expansion; the CSI driver does the resize), then deletes the StatefulSet
 * with propagationPolicy Orphan: its pods keep running and serving, and the next reconcile creates the StatefulSet
 * again with the new template, which adopts them. Nothing restarts.
 *
 * Returns true while the group's StatefulSet is being re-created (the caller leaves the group alone this round).
 */
export async function resizeGroupStorage(
  ctx: ControllerContext,
  cr: BrokerClusterObject,
  index: number,
  existing: StatefulSetObject | undefined,
): Promise<boolean> {
  if (existing === undefined) return false;
  // A StatefulSet deleted for a resize stays until the garbage collector has orphaned its pods.
  if (existing.metadata.deletionTimestamp !== undefined) return true;
  const current = claimTemplateStorage(existing);
  const wanted = brokerStorageRequest(cr);
  // Only growth (the CRD refuses shrinking); an unreadable quantity changes nothing.
  if (current === undefined || !(quantityBytes(wanted) > quantityBytes(current))) return false;

  const namespace = cr.metadata.namespace ?? 'default';
  const refused: string[] = [];
  for (const claim of brokerPersistentVolumeClaimNames(cr, index)) {
    try {
      await ctx.client.mergePatch(Resources.PersistentVolumeClaim, namespace, claim, {
        spec: { resources: { requests: { storage: wanted } } },
      });
    } catch (error) {
      if (isNotFound(error)) continue; // a pod that never started has no claim yet
      // An unbound claim, or a class without allowVolumeExpansion: the apiserver says why. The StatefulSet still
      // gets the new template (pods created from now on get the new size); the claim is reported, not retried.
      refused.push(`${claim}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (refused.length > 0)
    await ctx.events.record(
      cr,
      'Warning',
      'StorageResizeFailed',
      `broker group ${existing.metadata.name}: could not grow ${refused.join('; ')}`,
    );
  await ctx.client.delete(Resources.StatefulSet, namespace, existing.metadata.name, {
    uid: existing.metadata.uid,
    propagationPolicy: 'Orphan',
  });
  await ctx.events.record(
    cr,
    'Normal',
    'StorageResized',
    `broker group ${existing.metadata.name}: volumes grown from ${current} to ${wanted}; the StatefulSet is re-created with the new claim template, its pods keep running`,
  );
  return true;
}

function claimTemplateStorage(statefulSet: StatefulSetObject): string | undefined {
  const spec = statefulSet.spec as
    | {
        volumeClaimTemplates?: Array<{ spec?: { resources?: { requests?: { storage?: string | number } } } }>;
      }
    | undefined;
  const storage = spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.storage;
  return storage === undefined ? undefined : String(storage);
}

const SUFFIXES: Record<string, number> = {
  '': 1,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** A Kubernetes quantity ("20Gi", "500M", "1e9", "1073741824") in bytes; NaN when it is not one. */
export function quantityBytes(quantity: string | number): number {
  const match = /^([+-]?[0-9.]+)([eE][+-]?[0-9]+|[KMGTPE]i|[mkMGTPE])?$/.exec(String(quantity).trim());
  if (!match) return NaN;
  const value = Number(match[1]);
  const suffix = match[2] ?? '';
  if (/^[eE]/.test(suffix)) return value * 10 ** Number(suffix.slice(1));
  return value * (SUFFIXES[suffix] ?? NaN);
}
