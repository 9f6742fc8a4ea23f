import { describeError } from '@skyrocket/common';
import type { BrokerView, NameServerRegistrationView } from '../broker-admin/client';
import { Resources } from '../runtime/resources';
import { podAdminUrl, type GroupObservation } from './broker-group';
import type { BrokerClusterObject } from './children';
import { isPodReady, podOrdinal, type ControllerContext } from './context';

export interface RollOutcome {
  state: 'idle' | 'waiting' | 'rolled';
  message: string;
}

/**
 * How far behind its master a slave may be when the master is replaced: with its slaves this close, the group's
 * messages stay readable from them while the master restarts (RocketMQ's in-sync gap is 256 MiB; a roll waits for
 * "about caught up").
 */
export const ROLL_MAX_SLAVE_LAG_BYTES = 1024 * 1024;

/** The label the StatefulSet controller puts on each pod: the revision it was created from. */
const REVISION_LABEL = 'controller-revision-hash';

/**
 * One step of a group's rolling update. Broker StatefulSets use updateStrategy OnDelete, so a new template (image,
 * config hash, resources) changes nothing until the operator deletes a pod: it deletes one outdated pod at a time,
 * highest ordinal first (slaves, then the master, ordinal 0, last, so a group loses its master once), and only when
 * every pod of the group is ready and registered with every NameServer (GET /api/broker on each pod). Before the
 * master goes, every slave must also be replicating from it and within ROLL_MAX_SLAVE_LAG_BYTES (the master's
 * `ha` view; brokers without one are not checked). The StatefulSet controller re-creates the pod from the new
 * revision; the next look continues.
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
  let masterView: BrokerView | undefined;
  for (const pod of group.pods) {
    const ordinal = podOrdinal(pod.metadata.name);
    try {
      const view = await ctx.brokerAdmin.broker(podAdminUrl(ctx, cr, group, ordinal));
      if (ordinal === 0) masterView = view;
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
  if (ordinal === 0 && replicasPerGroup > 1) {
    const behind = slavesBehind(masterView, replicasPerGroup - 1);
    if (behind)
      return {
        state: 'waiting',
        message: `group ${group.name}: ${behind}; waiting before replacing the master`,
      };
  }
  const uid = victim.metadata.uid;
  await ctx.client.delete(Resources.Pod, cr.metadata.namespace, victim.metadata.name, uid ? { uid } : {});
  const role = ordinal === 0 ? 'master' : 'slave';
  const message = `group ${group.name}: replacing pod ${victim.metadata.name} (${role}, brokerId ${ordinal}) with revision ${update}; ${outdated.length - 1} outdated pod(s) left`;
  await ctx.events.record(cr, 'Normal', 'RollingUpdate', message);
  return { state: 'rolled', message };
}

/** Why the master's slaves are not ready for it to go, or undefined when they are (or it cannot tell). */
export function slavesBehind(master: BrokerView | undefined, slaves: number): string | undefined {
  const ha = master?.ha;
  if (ha?.role !== 'master') return undefined;
  if (ha.slaves.length < slaves)
    return `${ha.slaves.length} of ${slaves} slave(s) replicating from the master`;
  const lagging = ha.slaves.filter((s) => s.lagBytes > ROLL_MAX_SLAVE_LAG_BYTES);
  if (lagging.length > 0)
    return `slave(s) ${lagging.map((s) => `${s.address} (${s.lagBytes} bytes behind)`).join(', ')} not caught up`;
  return undefined;
}

/** NameServers whose last registration attempt succeeded. */
export function registeredCount(registrations: readonly NameServerRegistrationView[]): number {
  return registrations.filter(
    (r) =>
      typeof r.lastSuccessTimestamp === 'number' &&
      (typeof r.lastAttemptTimestamp !== 'number' || r.lastSuccessTimestamp >= r.lastAttemptTimestamp),
  ).length;
}
