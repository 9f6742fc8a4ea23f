import { z } from 'zod';
import { cel } from './common';
import {
  BROKER_RESOURCE_NAME_MAX,
  brokerResourceStatusSchema,
  clusterRefSchema,
  immutableOptionalName,
} from './broker-resource';

/**
 * A Topic: one RocketMQ topic on every broker group of a BrokerCluster, created and kept in shape through each
 * master's HTTP admin API (PUT /api/topics/:topic), and deleted from them when the Topic is deleted (a finalizer).
 */

export const TOPIC_NAME_MAX = BROKER_RESOURCE_NAME_MAX;

/** TopicValidator: letters, digits, `%`, `|`, `-`, `_`; at most 127 characters (the V1 record's one-byte length). */
const ROCKETMQ_TOPIC = /^[%|a-zA-Z0-9_-]{1,127}$/;
/** RocketMQ's queue bound for a topic the admin API creates (the broker's MAX_QUEUE_NUMS). */
const MAX_QUEUES = 1024;

export const TopicSpecSchema = z
  .object({
    clusterRef: clusterRefSchema('topic'),
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
      immutableOptionalName('topicName'),
    ),
  )
  .describe('Desired state of a topic on a BrokerCluster');

export const TopicStatusSchema = brokerResourceStatusSchema('topicName', 'topic');

export type TopicSpec = z.infer<typeof TopicSpecSchema>;
export type TopicSpecInput = z.input<typeof TopicSpecSchema>;
export type TopicStatus = z.infer<typeof TopicStatusSchema>;

/** PermName bits of each spec.perm value. */
export const TOPIC_PERM_BITS: Record<TopicSpec['perm'], number> = {
  'read-write': 6,
  'read-only': 4,
  'write-only': 2,
};
