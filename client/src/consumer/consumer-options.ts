/**
 * Options shared by the push and lite pull consumers, on top of the client options (namesrvAddr, instanceName,
 * requestTimeoutMillis, logger… see core/config.ts). Defaults follow the Java client.
 */
import { z } from 'zod';

import { ClientError } from '../errors';
import { allocateMessageQueueAveragely, type AllocateMessageQueueStrategy } from './allocate';

/** RocketMQ group names: letters, digits, %, |, _ and -, at most 255 characters (Validators.checkGroup). */
const GROUP_NAME = /^[%|a-zA-Z0-9_-]+$/;

export const groupName = z
  .string()
  .min(1, 'the consumer group is required')
  .max(255)
  .regex(GROUP_NAME, 'only letters, digits, %, |, _ and - are allowed');

export const messageModel = z.enum(['CLUSTERING', 'BROADCASTING']).default('CLUSTERING');

/** Where a group with no stored offset starts reading a queue. */
export const consumeFromWhere = z.enum(['LAST_OFFSET', 'FIRST_OFFSET', 'TIMESTAMP']).default('LAST_OFFSET');

/**
 * CONSUME_FROM_TIMESTAMP's start: epoch milliseconds, a Date, or Java's `yyyyMMddHHmmss` text (local time).
 * Default: 30 minutes before start, as Java.
 */
export const consumeTimestamp = z
  .union([z.number().int().min(0), z.date(), z.string().regex(/^\d{14}$/, 'expected yyyyMMddHHmmss')])
  .optional();

export const allocateStrategy = z
  .custom<AllocateMessageQueueStrategy>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as AllocateMessageQueueStrategy).allocate === 'function',
    'expected an allocation strategy ({ name, allocate })',
  )
  .default(allocateMessageQueueAveragely);

/** Turns a zod failure into ClientError INVALID_CONFIG naming the fields. */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.join('.') || '(options)'}: ${issue.message}`,
  );
  throw new ClientError('INVALID_CONFIG', `invalid ${what} options: ${problems.join('; ')}`);
}

/** The epoch milliseconds of a consumeTimestamp option. */
export function consumeTimestampMillis(value: number | Date | string | undefined, now: number): number {
  if (value === undefined) return now - 30 * 60_000;
  if (typeof value === 'number') return value;
  if (value instanceof Date) return value.getTime();
  const [y, mo, d, h, mi, s] = [0, 4, 6, 8, 10, 12].map((i, k) =>
    Number(value.slice(i, k === 0 ? 4 : i + 2)),
  );
  return new Date(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0).getTime();
}

/** Java's ConsumeFromWhere names, as heartbeats carry them. */
export function javaConsumeFromWhere(
  value: 'LAST_OFFSET' | 'FIRST_OFFSET' | 'TIMESTAMP',
): 'CONSUME_FROM_LAST_OFFSET' | 'CONSUME_FROM_FIRST_OFFSET' | 'CONSUME_FROM_TIMESTAMP' {
  return `CONSUME_FROM_${value}`;
}

/** Validators.checkTopic: letters, digits, %, |, _ and -, at most 127 characters. */
const TOPIC_NAME = /^[%|a-zA-Z0-9_-]+$/;
export const TOPIC_MAX_LENGTH = 127;

/** Throws ClientError INVALID_ARGUMENT for a topic name brokers would refuse. */
export function checkTopicName(topic: unknown, operation: string): asserts topic is string {
  if (typeof topic !== 'string' || topic === '') {
    throw new ClientError('INVALID_ARGUMENT', `${operation}: the topic is required`);
  }
  if (topic.length > TOPIC_MAX_LENGTH) {
    throw new ClientError(
      'INVALID_ARGUMENT',
      `${operation}: topic "${topic.slice(0, 20)}…" is longer than ${TOPIC_MAX_LENGTH} characters`,
    );
  }
  if (!TOPIC_NAME.test(topic)) {
    throw new ClientError(
      'INVALID_ARGUMENT',
      `${operation}: topic ${JSON.stringify(topic)} may only contain letters, digits, %, |, _ and -`,
    );
  }
}
