import { z } from 'zod';
import { ConditionsSchema, cel, immutable } from './common';

/**
 * A Topic: one RocketMQ topic on every broker group of a BrokerCluster, created and kept in shape through each
 * master's HTTP admin API (PUT /api/topics/:topic), and deleted from them when the Topic is deleted (a finalizer).
 */

/**
 * metadata.name is a DNS label (the rule every Skyrocket CR shares), so it is also a valid RocketMQ topic name, the
 * default of spec.topicName; names with upper case or `_` go in spec.topicName.
 */
export const TOPIC_NAME_MAX = 63;

/** TopicValidator: letters, digits, `%`, `|`, `-`, `_`; at most 127 characters (the V1 record's one-byte length). */
const ROCKETMQ_TOPIC = /^[%|a-zA-Z0-9_-]{1,127}$/;
/** RocketMQ's queue bound for a topic the admin API creates (the broker's MAX_QUEUE_NUMS). */
const MAX_QUEUES = 1024;

export const TopicSpecSchema = z
  .object({
    clusterRef: z
      .object({
        name: z
          .string()
          .min(1)
          .max(63)
          .describe('Name of the BrokerCluster (same namespace) the topic lives on'),
      })
      .meta(immutable('clusterRef'))
      .describe('The BrokerCluster whose every broker group gets the topic. Immutable'),
    topicName: z
      .string()
      .regex(ROCKETMQ_TOPIC)
      .optional()
      .describe(
        'The RocketMQ topic name (letters, digits, %, |, - and _; at most 127). Default: metadata.name. Immutable',
      ),
    readQueueNums: z
      .number()
      .int()
      .min(1)
      .max(MAX_QUEUES)
      .default(8)
      .describe('Read queues per broker group (mqadmin updateTopic -r; default 8)'),
    writeQueueNums: z
      .number()
      .int()
      .min(1)
      .max(MAX_QUEUES)
      .default(8)
      .describe('Write queues per broker group (mqadmin updateTopic -w; default 8)'),
    perm: z
      .enum(['read-write', 'read-only', 'write-only'])
      .default('read-write')
      .describe('Topic permission on every group: read-write (6), read-only (4) or write-only (2)'),
    order: z.boolean().default(false).describe('An ordered topic (mqadmin updateTopic -o)'),
    messageType: z
      .enum(['UNSPECIFIED', 'NORMAL', 'FIFO', 'DELAY', 'TRANSACTION', 'MIXED'])
      .optional()
      .describe("RocketMQ 5's message.type topic attribute; unset leaves the broker's default"),
  })
  .meta(
    cel(
      {
        rule: 'self.readQueueNums >= self.writeQueueNums',
        message:
          'readQueueNums must be at least writeQueueNums (messages in write-only queues could not be consumed)',
      },
      {
        // On the spec, not the field: a field rule would let an update remove the optional name.
        rule: 'has(self.topicName) == has(oldSelf.topicName) && (!has(self.topicName) || self.topicName == oldSelf.topicName)',
        message: 'topicName is immutable',
        reason: 'FieldValueForbidden',
      },
    ),
  )
  .describe('Desired state of a topic on a BrokerCluster');

export const TopicStatusSchema = z
  .object({
    observedGeneration: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('metadata.generation this status describes'),
    conditions: ConditionsSchema,
    topicName: z.string().optional().describe('The RocketMQ topic name in use'),
    groups: z.number().int().min(0).optional().describe('Broker groups of the cluster'),
    groupsApplied: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Broker groups whose master has the topic as specified'),
  })
  .describe('Observed state, written by the operator');

export type TopicSpec = z.infer<typeof TopicSpecSchema>;
export type TopicSpecInput = z.input<typeof TopicSpecSchema>;
export type TopicStatus = z.infer<typeof TopicStatusSchema>;

/** PermName bits of each spec.perm value. */
export const TOPIC_PERM_BITS: Record<TopicSpec['perm'], number> = {
  'read-write': 6,
  'read-only': 4,
  'write-only': 2,
};
