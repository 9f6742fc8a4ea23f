/**
 * Reads the four metadata bodies a slave fetches from its master (SlaveSynchronize.syncAll) into the tables the
 * managers take. Each reader checks the whole body before returning anything, so a bad body changes nothing: it
 * throws INVALID_BODY naming the table and the first bad field.
 *
 * Bodies are parsed as standard JSON, which a Skyrocket master always sends (PROTOCOL.md §1.6). A Java master's
 * fastjson bodies key the offset tables by unquoted integers (`{0:12}`); those are refused as not JSON here.
 *
 * Every table is built as a Map from Object.entries of the parsed JSON, never by assigning keys to a plain object,
 * so a topic or group named "__proto__" is an ordinary entry.
 */
import { z } from 'zod';
import { SkyrocketError } from '@skyrocket/common';
import { parseFastjson } from '@skyrocket/remoting';
import { subscriptionGroup, type SubscriptionGroupConfig } from '../subscription/subscription-group-manager';
import type { DataVersion, TopicConfig } from '../topic/topic-config-manager';

/** The tables a slave copies, as named in logs and errors. */
export type MasterTable = 'topics' | 'consumerOffsets' | 'delayOffsets' | 'subscriptionGroups';

const count = z.number().int().min(0);
const safeInteger = z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);

const DataVersionSchema = z.object({ stateVersion: z.number(), timestamp: z.number(), counter: z.number() });

/** TopicConfig as RocketMQ writes it; fields Skyrocket does not keep are dropped, absent ones take Java's defaults. */
const TopicConfigSchema = z.object({
  topicName: z.string().min(1),
  readQueueNums: count,
  writeQueueNums: count,
  // PermName bits: PRIORITY | READ | WRITE | INHERIT.
  perm: z.number().int().min(0).max(15),
  topicFilterType: z.enum(['SINGLE_TAG', 'MULTI_TAG']).default('SINGLE_TAG'),
  topicSysFlag: count.default(0),
  order: z.boolean().default(false),
  attributes: z.record(z.string(), z.string()).default(() => ({})),
});

// SubscriptionGroupConfig's Java defaults, for fields an older master leaves out.
const GROUP_DEFAULTS = subscriptionGroup('', 16);

const SubscriptionGroupSchema = z.object({
  groupName: z.string().min(1),
  consumeEnable: z.boolean().default(GROUP_DEFAULTS.consumeEnable),
  consumeFromMinEnable: z.boolean().default(GROUP_DEFAULTS.consumeFromMinEnable),
  consumeBroadcastEnable: z.boolean().default(GROUP_DEFAULTS.consumeBroadcastEnable),
  consumeMessageOrderly: z.boolean().default(GROUP_DEFAULTS.consumeMessageOrderly),
  retryQueueNums: count.default(GROUP_DEFAULTS.retryQueueNums),
  retryMaxTimes: z.number().int().min(-1).default(GROUP_DEFAULTS.retryMaxTimes),
  brokerId: count.default(GROUP_DEFAULTS.brokerId),
  whichBrokerWhenConsumeSlowly: count.default(GROUP_DEFAULTS.whichBrokerWhenConsumeSlowly),
  notifyConsumerIdsChangedEnable: z.boolean().default(GROUP_DEFAULTS.notifyConsumerIdsChangedEnable),
  groupSysFlag: count.default(GROUP_DEFAULTS.groupSysFlag),
  consumeTimeoutMinute: z.number().int().min(1).default(GROUP_DEFAULTS.consumeTimeoutMinute),
  attributes: z.record(z.string(), z.string()).default(() => ({})),
});

/**
 * GET_ALL_TOPIC_CONFIG (21) body: TopicConfigAndMappingSerializeWrapper {topicConfigTable: {name: TopicConfig},
 * dataVersion, ...}. `totalTopicNum` is the response header's count: a master that splits its table into pages
 * (enableSplitMetadata) sends fewer topics than that, and a page must never replace the whole table.
 */
export function readTopicConfigTable(body: Buffer | undefined, totalTopicNum?: string): TopicConfig[] {
  const what = 'topics';
  const table = objectField(parseBody(body, what), 'topicConfigTable', what);
  const configs = Object.entries(table).map(([name, value]) => {
    const config = parseField(TopicConfigSchema, value, `${what}: topicConfigTable["${name}"]`);
    if (config.topicName !== name) {
      throw invalid(`${what}: topicConfigTable["${name}"] is named "${config.topicName}"`);
    }
    return config;
  });
  checkComplete(configs.length, totalTopicNum, `${what}: totalTopicNum`);
  return configs;
}

/**
 * GET_ALL_CONSUMER_OFFSET (43) body: ConsumerOffsetSerializeWrapper {offsetTable: {"topic@group": {queueId:
 * offset}}, dataVersion}. Queue ids and offsets are copied as the master stores them, whatever a client committed.
 */
export function readConsumerOffsetTable(body: Buffer | undefined): Map<string, Map<number, number>> {
  const what = 'consumerOffsets';
  const table = objectField(parseBody(body, what), 'offsetTable', what);
  const offsets = new Map<string, Map<number, number>>();
  for (const [key, value] of Object.entries(table)) {
    const at = key.lastIndexOf('@');
    if (at <= 0 || at === key.length - 1)
      throw invalid(`${what}: offsetTable key "${key}" is not topic@group`);
    const queues = new Map<number, number>();
    for (const [queueId, offset] of Object.entries(asObject(value, `${what}: offsetTable["${key}"]`))) {
      const where = `${what}: offsetTable["${key}"]["${queueId}"]`;
      queues.set(integerKey(queueId, where), parseField(safeInteger, offset, where));
    }
    offsets.set(key, queues);
  }
  return offsets;
}

/**
 * GET_ALL_DELAY_OFFSET (45) body: DelayOffsetSerializeWrapper {offsetTable: {"<delay level>": offset},
 * dataVersion?}; levels start at 1 and offsets at 0, as the schedule service reads its own file.
 */
export function readDelayOffsetTable(body: Buffer | undefined): {
  offsets: Map<number, number>;
  dataVersion: DataVersion | undefined;
} {
  const what = 'delayOffsets';
  const wrapper = parseBody(body, what);
  const offsets = new Map<number, number>();
  for (const [level, offset] of Object.entries(objectField(wrapper, 'offsetTable', what))) {
    const where = `${what}: offsetTable["${level}"]`;
    offsets.set(integerKey(level, where, 1), parseField(count, offset, where));
  }
  const dataVersion =
    wrapper.dataVersion === undefined || wrapper.dataVersion === null
      ? undefined
      : parseField(DataVersionSchema, wrapper.dataVersion, `${what}: dataVersion`);
  return { offsets, dataVersion };
}

/**
 * GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201) body: SubscriptionGroupWrapper {subscriptionGroupTable: {name:
 * SubscriptionGroupConfig}, forbiddenTable, dataVersion}; `totalGroupNum` as totalTopicNum above.
 */
export function readSubscriptionGroupTable(
  body: Buffer | undefined,
  totalGroupNum?: string,
): SubscriptionGroupConfig[] {
  const what = 'subscriptionGroups';
  const table = objectField(parseBody(body, what), 'subscriptionGroupTable', what);
  const configs = Object.entries(table).map(([name, value]) => {
    const config = parseField(SubscriptionGroupSchema, value, `${what}: subscriptionGroupTable["${name}"]`);
    if (config.groupName !== name) {
      throw invalid(`${what}: subscriptionGroupTable["${name}"] is named "${config.groupName}"`);
    }
    return config;
  });
  checkComplete(configs.length, totalGroupNum, `${what}: totalGroupNum`);
  return configs;
}

function parseBody(body: Buffer | undefined, what: string): Record<string, unknown> {
  if (body === undefined || body.length === 0) throw invalid(`${what}: the master's answer has no body`);
  let json: unknown;
  try {
    // A Java master writes fastjson: offset and delay tables have unquoted integer keys ({0:12}).
    json = parseFastjson(body.toString('utf8'));
  } catch (error) {
    throw invalid(`${what}: the master's answer is not JSON (${(error as Error).message})`, error);
  }
  return asObject(json, `${what}: body`);
}

function objectField(wrapper: Record<string, unknown>, field: string, what: string): Record<string, unknown> {
  if (wrapper[field] === undefined) throw invalid(`${what}: the body has no ${field}`);
  return asObject(wrapper[field], `${what}: ${field}`);
}

function asObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`${where} is not an object`);
  }
  return value as Record<string, unknown>;
}

function parseField<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.length ? `.${issue.path.join('.')}` : '';
  throw invalid(`${where}${field}: ${issue?.message ?? 'invalid'}`);
}

function integerKey(key: string, where: string, min = Number.MIN_SAFE_INTEGER): number {
  const value = Number(key);
  if (!/^-?\d+$/.test(key) || !Number.isSafeInteger(value) || value < min) {
    throw invalid(
      `${where}: the key is not an integer${min > Number.MIN_SAFE_INTEGER ? ` of at least ${min}` : ''}`,
    );
  }
  return value;
}

function checkComplete(received: number, total: string | undefined, where: string): void {
  if (total === undefined) return;
  const expected = Number(total);
  if (!Number.isSafeInteger(expected)) throw invalid(`${where} "${total}" is not a number`);
  if (expected > received) {
    throw invalid(
      `${where} is ${expected} but the body holds ${received}: the master answered one page only`,
    );
  }
}

function invalid(message: string, cause?: unknown): SkyrocketError {
  return new SkyrocketError('INVALID_BODY', message, cause === undefined ? undefined : { cause });
}
