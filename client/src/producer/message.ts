/**
 * The message a producer sends, its validation (Java `Validators.checkMessage`, `Message.putUserProperty`) and its
 * properties string. System properties (TAGS, KEYS, DELAY, WAIT, UNIQ_KEY, TRAN_MSG, PGROUP…) come from the typed
 * fields; `properties` holds user properties only, and a user property with a system name is refused, as Java's
 * putUserProperty refuses it.
 */
import {
  encodeProperties,
  MessageClientIdGenerator,
  MessageConst,
  NAME_VALUE_SEPARATOR,
  PROPERTY_SEPARATOR,
} from '@skyrocket/remoting';
import { ClientError } from '../errors';

export interface Message {
  topic: string;
  /** A string is sent as UTF-8. */
  body: Buffer | Uint8Array | string;
  /** One tag (consumers filter on it). */
  tags?: string;
  /** Business keys, indexed by the broker for query by key. */
  keys?: string | readonly string[];
  /** User properties; names RocketMQ uses itself are refused. */
  properties?: Readonly<Record<string, string>>;
  /** 1..N: deliver after the broker's delay level N (default levels: 1s 5s 10s 30s 1m 2m … 2h). 0: now. */
  delayTimeLevel?: number;
  /** The user flag stored with the message (an int32). */
  flag?: number;
  /** false: the broker may answer before a SYNC_FLUSH / SYNC_MASTER wait completes. Default true. */
  waitStoreMsgOK?: boolean;
}

/** Java MessageConst.STRING_HASH_SET: the names a user property may not take. */
const RESERVED_PROPERTY_NAMES: ReadonlySet<string> = new Set(
  Object.entries(MessageConst)
    .filter(([constant]) => constant !== 'KEY_SEPARATOR')
    .map(([, name]) => name),
);

export function isReservedPropertyName(name: string): boolean {
  return RESERVED_PROPERTY_NAMES.has(name);
}

/** Topic names: Java TopicValidator (`^[%|a-zA-Z0-9_-]+$`, at most 127 characters). */
const TOPIC_PATTERN = /^[%|a-zA-Z0-9_-]+$/;
export const MAX_TOPIC_LENGTH = 127;

/** Topics a producer may not send to (TopicValidator.isNotAllowedSendTopic and the system topic prefix). */
const NOT_ALLOWED_SEND_TOPICS = new Set([
  'SCHEDULE_TOPIC_XXXX',
  'RMQ_SYS_TRANS_HALF_TOPIC',
  'RMQ_SYS_TRANS_OP_HALF_TOPIC',
  'RMQ_SYS_TRACE_TOPIC',
  'TBW102',
  'BenchmarkTest',
  'OFFSET_MOVED_EVENT',
  'SELF_TEST_TOPIC',
]);

export function validateTopic(topic: unknown, what = 'topic'): asserts topic is string {
  if (typeof topic !== 'string' || topic.trim() === '') {
    throw new ClientError('INVALID_ARGUMENT', `${what} is required`);
  }
  if (topic.length > MAX_TOPIC_LENGTH) {
    throw new ClientError(
      'INVALID_ARGUMENT',
      `${what} "${topic.slice(0, 40)}…" is longer than ${MAX_TOPIC_LENGTH} characters`,
    );
  }
  if (!TOPIC_PATTERN.test(topic)) {
    throw new ClientError(
      'INVALID_ARGUMENT',
      `${what} "${topic}" may only contain letters, digits, %, |, _ and -`,
    );
  }
}

/** Group names follow the topic rules (Validators.checkGroup). */
export function validateGroup(group: unknown, what = 'group'): asserts group is string {
  validateTopic(group, what);
}

export function validateSendTopic(topic: string): void {
  validateTopic(topic);
  if (NOT_ALLOWED_SEND_TOPICS.has(topic) || topic.startsWith('rmq_sys_')) {
    throw new ClientError(
      'INVALID_ARGUMENT',
      `topic "${topic}" is a system topic; messages cannot be sent to it`,
    );
  }
}

export function bodyBytes(body: Message['body']): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new ClientError('INVALID_ARGUMENT', 'message body must be a Buffer, a Uint8Array or a string');
}

const SEPARATORS = new RegExp(`[${NAME_VALUE_SEPARATOR}${PROPERTY_SEPARATOR}]`);

/** A validated message, ready for the wire: the body as bytes and the properties (without UNIQ_KEY). */
export interface PreparedMessage {
  topic: string;
  body: Buffer;
  flag: number;
  properties: Map<string, string>;
}

/** Validates a message and builds its properties map (system properties from the typed fields, then user ones). */
export function prepareMessage(message: Message, maxMessageSize: number): PreparedMessage {
  if (message === null || typeof message !== 'object') {
    throw new ClientError('INVALID_ARGUMENT', 'message must be an object with topic and body');
  }
  validateSendTopic(message.topic);
  const body = bodyBytes(message.body);
  if (body.length === 0) throw new ClientError('INVALID_ARGUMENT', 'message body is empty');
  if (body.length > maxMessageSize) {
    throw new ClientError(
      'INVALID_ARGUMENT',
      `message body of ${body.length} bytes exceeds maxMessageSize ${maxMessageSize}`,
    );
  }
  const flag = message.flag ?? 0;
  if (!Number.isInteger(flag) || flag < -0x8000_0000 || flag > 0x7fff_ffff) {
    throw new ClientError('INVALID_ARGUMENT', `message flag ${String(flag)} is not an int32`);
  }
  const properties = new Map<string, string>();
  if (message.tags !== undefined) {
    checkPropertyValue('tags', message.tags);
    if (message.tags !== '') properties.set(MessageConst.PROPERTY_TAGS, message.tags);
  }
  if (message.keys !== undefined) {
    const keys = typeof message.keys === 'string' ? [message.keys] : [...message.keys];
    for (const key of keys) checkPropertyValue('key', key);
    const joined = keys.filter((k) => k !== '').join(MessageConst.KEY_SEPARATOR);
    if (joined !== '') properties.set(MessageConst.PROPERTY_KEYS, joined);
  }
  if (message.delayTimeLevel !== undefined && message.delayTimeLevel !== 0) {
    const level = message.delayTimeLevel;
    if (!Number.isInteger(level) || level < 0 || level > 1000) {
      throw new ClientError(
        'INVALID_ARGUMENT',
        `delayTimeLevel ${String(level)} must be an integer from 0 to the broker's highest level`,
      );
    }
    properties.set(MessageConst.PROPERTY_DELAY_TIME_LEVEL, String(level));
  }
  if (message.waitStoreMsgOK === false) properties.set(MessageConst.PROPERTY_WAIT_STORE_MSG_OK, 'false');
  if (message.properties !== undefined) {
    if (message.properties === null || typeof message.properties !== 'object') {
      throw new ClientError('INVALID_ARGUMENT', 'message properties must be an object of strings');
    }
    for (const [name, value] of Object.entries(message.properties)) {
      if (name === '' || SEPARATORS.test(name)) {
        throw new ClientError(
          'INVALID_ARGUMENT',
          `property name ${JSON.stringify(name)} is empty or holds a separator character`,
        );
      }
      if (isReservedPropertyName(name)) {
        throw new ClientError(
          'INVALID_ARGUMENT',
          `property "${name}" is used by the system; choose another name`,
        );
      }
      if (typeof value !== 'string') {
        throw new ClientError('INVALID_ARGUMENT', `property "${name}" must be a string, got ${typeof value}`);
      }
      checkPropertyValue(`property "${name}"`, value);
      properties.set(name, value);
    }
  }
  return { topic: message.topic, body, flag, properties };
}

function checkPropertyValue(what: string, value: unknown): void {
  if (typeof value !== 'string') throw new ClientError('INVALID_ARGUMENT', `${what} must be a string`);
  if (SEPARATORS.test(value)) {
    throw new ClientError(
      'INVALID_ARGUMENT',
      `${what} holds a \\u0001 or \\u0002 character, which the properties encoding reserves`,
    );
  }
}

let generator: MessageClientIdGenerator | undefined;

/** A new UNIQ_KEY (MessageClientIDSetter.createUniqID), from one generator per process. */
export function createUniqId(): string {
  generator ??= new MessageClientIdGenerator();
  return generator.createUniqId();
}

export function propertiesString(properties: ReadonlyMap<string, string>): string {
  return encodeProperties(properties);
}
