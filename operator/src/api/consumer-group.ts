import { z } from 'zod';
import { cel } from './common';
import {
  BROKER_RESOURCE_NAME_MAX,
  brokerResourceStatusSchema,
  clusterRefSchema,
  immutableOptionalName,
} from './broker-resource';

/**
 * A ConsumerGroup: one RocketMQ subscription group on every broker group of a BrokerCluster, created and kept as
 * specified through each master's HTTP admin API (PUT /api/groups/:group), and deleted from them (offsets kept, as
 * `mqadmin deleteSubGroup` without `-r`) when the ConsumerGroup is deleted (a finalizer). The defaults are
 * RocketMQ's SubscriptionGroupConfig defaults.
 */

export const CONSUMER_GROUP_NAME_MAX = BROKER_RESOURCE_NAME_MAX;

/** TopicValidator.validateGroup: RocketMQ's name characters, at most 120 (the broker's check). */
const ROCKETMQ_GROUP = /^[%|a-zA-Z0-9_-]{1,120}$/;

export const ConsumerGroupSpecSchema = z
  .object({
    clusterRef: clusterRefSchema('subscription group'),
    groupName: z
      .string()
      .regex(ROCKETMQ_GROUP)
      .optional()
      .describe(
        'The RocketMQ consumer group name (letters, digits, %, |, - and _; at most 120). Default: metadata.name. Immutable',
      ),
    consumeEnable: z
      .boolean()
      .default(true)
      .describe('Consumers of the group may pull (false stops consumption)'),
    consumeFromMinEnable: z
      .boolean()
      .default(true)
      .describe('A new consumer of the group starts from the queue’s min offset when it has none'),
    consumeBroadcastEnable: z.boolean().default(true).describe('The group may consume in broadcasting mode'),
    consumeMessageOrderly: z.boolean().default(false).describe('The group consumes orderly'),
    retryQueueNums: z
      .number()
      .int()
      .min(0)
      .max(1024)
      .default(1)
      .describe('Queues of the group’s retry topic %RETRY%<group> (default 1)'),
    retryMaxTimes: z
      .number()
      .int()
      .min(-1)
      .max(10000)
      .default(16)
      .describe('Redeliveries before a message goes to the dead-letter topic %DLQ%<group> (default 16)'),
    brokerId: z.number().int().min(0).default(0).describe('brokerId consumers pull from (0: the master)'),
    whichBrokerWhenConsumeSlowly: z
      .number()
      .int()
      .min(0)
      .default(1)
      .describe('brokerId consumers are sent to when they fall behind (default 1, the first slave)'),
    notifyConsumerIdsChangedEnable: z
      .boolean()
      .default(true)
      .describe('Tell the group’s consumers when a consumer joins or leaves, so they rebalance at once'),
  })
  .meta(cel(immutableOptionalName('groupName')))
  .describe('Desired state of a consumer group on a BrokerCluster');

export const ConsumerGroupStatusSchema = brokerResourceStatusSchema('groupName', 'consumer group');

export type ConsumerGroupSpec = z.infer<typeof ConsumerGroupSpecSchema>;
export type ConsumerGroupStatus = z.infer<typeof ConsumerGroupStatusSchema>;
