import type { GroupView, SubscriptionGroupSettings, SubscriptionGroupView } from '../broker-admin/client';
import type { ConsumerGroupSpec, ConsumerGroupStatus } from '../api/consumer-group';
import type { ReconcileResult } from '../runtime/controller-runner';
import { Resources } from '../runtime/resources';
import { reconcileBrokerResource, type BrokerResourceCr, type BrokerResourceKind } from './broker-resource';
import type { ControllerContext } from './context';

/** Removes the subscription group from the brokers before the ConsumerGroup object goes. */
export const CONSUMER_GROUP_FINALIZER = 'skyrocket.dev/consumer-group-cleanup';

export type ConsumerGroupObject = BrokerResourceCr & {
  spec?: Partial<ConsumerGroupSpec> & { clusterRef?: { name?: string } };
  status?: Partial<ConsumerGroupStatus>;
};

/** The RocketMQ name of a ConsumerGroup: spec.groupName, else metadata.name. */
export function rocketmqGroupName(group: ConsumerGroupObject): string {
  return group.spec?.groupName ?? group.metadata.name;
}

/** RocketMQ's SubscriptionGroupConfig defaults, which the CRD also fills in. */
const DEFAULTS: SubscriptionGroupSettings = {
  consumeEnable: true,
  consumeFromMinEnable: true,
  consumeBroadcastEnable: true,
  consumeMessageOrderly: false,
  retryQueueNums: 1,
  retryMaxTimes: 16,
  brokerId: 0,
  whichBrokerWhenConsumeSlowly: 1,
  notifyConsumerIdsChangedEnable: true,
};
const SETTINGS = Object.keys(DEFAULTS) as Array<keyof SubscriptionGroupSettings>;

/** What the masters should hold for a ConsumerGroup's spec: every setting, the spec's or the default. */
export function desiredGroup(group: ConsumerGroupObject): SubscriptionGroupView {
  const spec = group.spec ?? {};
  const settings = { ...DEFAULTS };
  for (const key of SETTINGS) if (spec[key] !== undefined) Object.assign(settings, { [key]: spec[key] });
  return { groupName: rocketmqGroupName(group), ...settings };
}

/** Whether a broker's subscription group already has every setting the ConsumerGroup asks for. */
export function groupMatches(actual: GroupView | undefined, wanted: SubscriptionGroupView): boolean {
  return actual !== undefined && SETTINGS.every((key) => actual[key] === wanted[key]);
}

export const ConsumerGroupKind: BrokerResourceKind<ConsumerGroupObject, SubscriptionGroupView, GroupView> = {
  kind: 'ConsumerGroup',
  noun: 'subscription group',
  resource: Resources.ConsumerGroup,
  finalizer: CONSUMER_GROUP_FINALIZER,
  cache: (caches) => caches.consumerGroups,
  nameOf: rocketmqGroupName,
  statusNameField: 'groupName',
  desired: desiredGroup,
  read: async (admin, url, name) => (await admin.groups(url)).find((g) => g.groupName === name),
  matches: groupMatches,
  put: (admin, url, wanted) => admin.putGroup(url, wanted),
  remove: (admin, url, name) => admin.deleteGroup(url, name),
};

/** ConsumerGroup reconcile (broker-resource.ts). */
export function reconcileConsumerGroup(ctx: ControllerContext, key: string): Promise<ReconcileResult | void> {
  return reconcileBrokerResource(ctx, ConsumerGroupKind, key);
}
