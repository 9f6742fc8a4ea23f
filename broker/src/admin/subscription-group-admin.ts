/**
 * Subscription group create/update/delete as AdminBrokerProcessor does them, shared by
 * UPDATE_AND_CREATE_SUBSCRIPTIONGROUP / DELETE_SUBSCRIPTIONGROUP and the HTTP admin API so both accept the same
 * values and refuse the same names with the same words.
 *
 * Field types and ranges are SubscriptionGroupFields (each caller parses its input with it and reports a failure
 * its own way); the group name is TopicValidator's (INVALID_PARAMETER with its remark, as in RocketMQ). The change
 * goes through SubscriptionGroupManager, which persists `config/subscriptionGroup.json` with a new data version.
 */
import { ResponseCode } from '@skyrocket/remoting';
import { z } from 'zod';
import type { ConsumerOffsetManager } from '../offset/consumer-offset-manager';
import {
  subscriptionGroup,
  type SubscriptionGroupConfig,
  type SubscriptionGroupManager,
} from '../subscription/subscription-group-manager';
import { validateGroup } from '../topic/topic-validator';
import type { AdminOutcome } from './topic-admin';

/** The SubscriptionGroupConfig fields an admin may set, each optional, with the values Skyrocket accepts. */
export const SubscriptionGroupFields = z
  .object({
    consumeEnable: z.boolean(),
    consumeFromMinEnable: z.boolean(),
    consumeBroadcastEnable: z.boolean(),
    consumeMessageOrderly: z.boolean(),
    retryQueueNums: z.number().int().min(0).max(1024),
    // -1 is the client's "use the default (16)".
    retryMaxTimes: z.number().int().min(-1),
    brokerId: z.number().int().min(0),
    whichBrokerWhenConsumeSlowly: z.number().int().min(0),
    notifyConsumerIdsChangedEnable: z.boolean(),
    groupSysFlag: z.number().int().min(0),
    consumeTimeoutMinute: z.number().int().min(1),
    attributes: z.record(z.string(), z.string()),
  })
  .partial();
export type SubscriptionGroupFieldValues = z.infer<typeof SubscriptionGroupFields>;

export interface SubscriptionGroupUpdate extends SubscriptionGroupFieldValues {
  groupName: string;
}

/**
 * Where the fields an update leaves out come from. `default`: SubscriptionGroupConfig's defaults, so the update
 * replaces the whole config, as UPDATE_AND_CREATE_SUBSCRIPTIONGROUP does (fastjson fills a new object). `keep`: the
 * group's current values (the defaults for a new group), as the HTTP API's partial update does.
 */
export type MissingFields = 'default' | 'keep';

/**
 * Validates the name and stores the update (SubscriptionGroupManager.updateSubscriptionGroupConfig: always written,
 * with a new data version). `retryMaxTimes` is the broker's maxReconsumeTimes, a new group's default.
 */
export function createOrUpdateSubscriptionGroup(
  groups: SubscriptionGroupManager,
  retryMaxTimes: number,
  update: SubscriptionGroupUpdate,
  missingFields: MissingFields,
): AdminOutcome<{ config: SubscriptionGroupConfig; created: boolean }> {
  const invalidName = validateGroup(update.groupName);
  if (invalidName) return { ok: false, code: ResponseCode.INVALID_PARAMETER, remark: invalidName };
  const existing = groups.get(update.groupName);
  const base =
    missingFields === 'keep' && existing ? existing : subscriptionGroup(update.groupName, retryMaxTimes);
  const config: SubscriptionGroupConfig = { ...base };
  for (const [key, value] of Object.entries(update)) {
    if (value !== undefined) Object.assign(config, { [key]: value });
  }
  groups.upsert(config);
  return { ok: true, value: { config, created: existing === undefined } };
}

/**
 * deleteSubscriptionGroup: the config (persisted with a new data version when it existed; an unknown group is no
 * error, as in RocketMQ) and, only with `cleanOffset`, every consumer offset of the group (removeOffset).
 */
export function deleteSubscriptionGroup(
  sources: { groups: SubscriptionGroupManager; offsets: ConsumerOffsetManager },
  groupName: string,
  options: { cleanOffset: boolean },
): AdminOutcome<{ existed: boolean }> {
  const invalidName = validateGroup(groupName);
  if (invalidName) return { ok: false, code: ResponseCode.INVALID_PARAMETER, remark: invalidName };
  const existed = sources.groups.delete(groupName);
  if (options.cleanOffset) sources.offsets.removeGroup(groupName);
  return { ok: true, value: { existed } };
}
