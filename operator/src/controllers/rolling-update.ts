import { describeError } from '@skyrocket/common';
import type { NameServerRegistrationView } from '../broker-admin/client';
import { Resources } from '../runtime/resources';
import { podAdminUrl, type GroupObservation } from './broker-group';
import type { BrokerClusterObject } from './children';
import { isPodReady, podOrdinal, type ControllerContext } from './context';

export interface RollOutcome {
  state: 'idle' | 'waiting' | 'rolled';
  message: string;
}

/** The label the StatefulSet controller puts on each pod: the revision it was created from. */
const REVISION_LABEL = 'controller-revision-hash';

/**
 * One step of a group's rolling update. Broker StatefulSets use updateStrategy OnDelete, so a new template (image,
 * config hash, resources) changes nothing until the operator deletes a pod: it deletes one outdated pod at a time,
 * highest ordinal first (slaves, then the master, ordinal 0, last, so a group loses its master once), and only when
 * every pod of the group is ready and registered with every NameServer (GET /api/broker on each pod). The
 * StatefulSet controller re-creates the pod from the new revision; the next look continues.
 */
export async function rollGroup(
  ctx: ControllerContext,
  cr: BrokerClusterObject,
  group: GroupObservation,
  replicasPerGroup: number,
  expectedNameServers: number,
): Promise<RollOutcome> {
  const update = group.statefulSet?.status?.updateRevision;
  if (!update) return { state: 'idle', message: '' };
  const outdated = group.pods.filter((p) => p.metadata.labels?.[REVISION_LABEL] !== update);
  if (outdated.length === 0) return { state: 'idle', message: '' };
  const ready = group.pods.filter(isPodReady).length;
  if (group.pods.length < replicasPerGroup || ready < replicasPerGroup)
    return {
      state: 'waiting',
      message: `group ${group.name}: ${ready}/${replicasPerGroup} pods ready; waiting for all before replacing the next`,
    };
  for (const pod of group.pods) {
    const ordinal = podOrdinal(pod.metadata.name);
    try {
      const view = await ctx.brokerAdmin.broker(podAdminUrl(ctx, cr, group, ordinal));
      const registered = registeredCount(view.nameServers);
      if (registered < Math.max(1, expectedNameServers))
        return {
          state: 'waiting',
          message: `group ${group.name}: pod ${pod.metadata.name} is registered with ${registered} of ${Math.max(1, expectedNameServers)} NameServers; waiting before replacing the next`,
        };
    } catch (error) {
      return {
        state: 'waiting',
        message: `group ${group.name}: cannot check pod ${pod.metadata.name}'s registration: ${describeError(error)}`,
      };
    }
  }
  const victim = [...outdated].sort((a, b) => podOrdinal(b.metadata.name) - podOrdinal(a.metadata.name))[0];
  if (!victim) return { state: 'idle', message: '' };
  const ordinal = podOrdinal(victim.metadata.name);
  const uid = victim.metadata.uid;
  await ctx.client.delete(Resources.Pod, cr.metadata.namespace, victim.metadata.name, uid ? { uid } : {});
  const role = ordinal === 0 ? 'master' : 'slave';
  const message = `group ${group.name}: replacing pod ${victim.metadata.name} (${role}, brokerId ${ordinal}) with revision ${update}; ${outdated.length - 1} outdated pod(s) left`;
  await ctx.events.record(cr, 'Normal', 'RollingUpdate', message);
  return { state: 'rolled', message };
}

/** NameServers whose last registration attempt succeeded. */
export function registeredCount(registrations: readonly NameServerRegistrationView[]): number {
  return registrations.filter(
    (r) =>
      typeof r.lastSuccessTimestamp === 'number' &&
      (typeof r.lastAttemptTimestamp !== 'number' || r.lastSuccessTimestamp >= r.lastAttemptTimestamp),
  ).length;
}
