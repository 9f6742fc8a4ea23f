import { describeError } from '@skyrocket/common';
import { clusterTopics, missingTopics } from '../broker-admin/topics';
import type { TopicView } from '../broker-admin/client';
import { isMasterReady, podAdminUrl, type GroupObservation } from './broker-group';
import { brokerGroupName, type BrokerClusterObject } from './children';
import type { ControllerContext } from './context';

/**
 * A new group (scale-up) gets the cluster's topics before it counts as created: the union of the user topics on
 * the established groups' masters, created on the new master through PUT /api/topics/:topic once it is ready.
 * Returns true when done, or why not yet (the group stays in phase Creating and the reconcile looks again).
 * A new cluster (no established group) has nothing to copy.
 */
export async function copyTopicsToGroup(
  ctx: ControllerContext,
  cr: BrokerClusterObject,
  group: GroupObservation,
  established: readonly GroupObservation[],
): Promise<true | string> {
  if (established.length === 0) return true;
  const replicasPerGroup = cr.spec?.replicasPerGroup ?? 2;
  if (!isMasterReady(group, replicasPerGroup))
    return 'waiting for the master to be ready to copy the cluster topics to it';
  const lists: TopicView[][] = [];
  const errors: string[] = [];
  for (const source of established) {
    try {
      lists.push(await ctx.brokerAdmin.topics(podAdminUrl(ctx, cr, source, 0)));
    } catch (error) {
      errors.push(describeError(error));
    }
  }
  if (lists.length === 0)
    return `cannot read the cluster topics from any existing group: ${errors.join('; ')}`;
  const groups = cr.spec?.groups ?? 1;
  const brokerNames = Array.from({ length: Math.max(groups, group.index + 1) }, (_, i) =>
    brokerGroupName(cr, i),
  );
  const wanted = clusterTopics(lists, { clusterName: cr.metadata.name, brokerNames });
  const target = podAdminUrl(ctx, cr, group, 0);
  try {
    const missing = missingTopics(wanted, await ctx.brokerAdmin.topics(target));
    for (const topic of missing) await ctx.brokerAdmin.putTopic(target, topic);
    if (missing.length > 0)
      await ctx.events.record(
        cr,
        'Normal',
        'TopicsCopied',
        `created ${missing.length} topic(s) on new broker group ${group.name}: ${missing
          .map((t) => t.topicName)
          .slice(0, 20)
          .join(', ')}`,
      );
  } catch (error) {
    return `cannot create the cluster topics on the new master: ${describeError(error)}`;
  }
  return true;
}
