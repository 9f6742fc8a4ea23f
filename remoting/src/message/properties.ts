/**
 * The message properties string: `name \u0001 value \u0002` repeated, every pair ending with \u0002
 * (`MessageDecoder.messageProperties2String` / `string2messageProperties`, PROTOCOL.md §3.4). It travels in the
 * send header (`properties` / `i`), in the record's PROPERTIES field and in each message of a batch body.
 */

export const NAME_VALUE_SEPARATOR = '\u0001';
export const PROPERTY_SEPARATOR = '\u0002';

/**
 * Property names (`common/.../message/MessageConst.java`), under RocketMQ's constant names so that code reads like
 * the Java it mirrors.
 */
export const MessageConst = {
  PROPERTY_KEYS: 'KEYS',
  PROPERTY_TAGS: 'TAGS',
  // "false" lets the broker answer before a SYNC_FLUSH / SYNC_MASTER wait; absent means true.
  PROPERTY_WAIT_STORE_MSG_OK: 'WAIT',
  PROPERTY_DELAY_TIME_LEVEL: 'DELAY',
  PROPERTY_RETRY_TOPIC: 'RETRY_TOPIC',
  PROPERTY_REAL_TOPIC: 'REAL_TOPIC',
  PROPERTY_REAL_QUEUE_ID: 'REAL_QID',
  PROPERTY_TRANSACTION_PREPARED: 'TRAN_MSG',
  PROPERTY_PRODUCER_GROUP: 'PGROUP',
  PROPERTY_MIN_OFFSET: 'MIN_OFFSET',
  PROPERTY_MAX_OFFSET: 'MAX_OFFSET',
  PROPERTY_BUYER_ID: 'BUYER_ID',
  PROPERTY_ORIGIN_MESSAGE_ID: 'ORIGIN_MESSAGE_ID',
  PROPERTY_TRANSFER_FLAG: 'TRANSFER_FLAG',
  PROPERTY_CORRECTION_FLAG: 'CORRECTION_FLAG',
  PROPERTY_MQ2_FLAG: 'MQ2_FLAG',
  PROPERTY_RECONSUME_TIME: 'RECONSUME_TIME',
  PROPERTY_MSG_REGION: 'MSG_REGION',
  PROPERTY_TRACE_SWITCH: 'TRACE_ON',
  // The client message id (MessageClientIDSetter); the broker generates one when it is missing.
  PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX: 'UNIQ_KEY',
  PROPERTY_EXTEND_UNIQ_INFO: 'EXTEND_UNIQ_INFO',
  PROPERTY_MAX_RECONSUME_TIMES: 'MAX_RECONSUME_TIMES',
  PROPERTY_CONSUME_START_TIMESTAMP: 'CONSUME_START_TIME',
  PROPERTY_INNER_NUM: 'INNER_NUM',
  PROPERTY_INNER_BASE: 'INNER_BASE',
  DUP_INFO: 'DUP_INFO',
  PROPERTY_CHECK_IMMUNITY_TIME_IN_SECONDS: 'CHECK_IMMUNITY_TIME_IN_SECONDS',
  PROPERTY_TRANSACTION_PREPARED_QUEUE_OFFSET: 'TRAN_PREPARED_QUEUE_OFFSET',
  PROPERTY_TRANSACTION_ID: '__transactionId__',
  PROPERTY_TRANSACTION_CHECK_TIMES: 'TRANSACTION_CHECK_TIMES',
  PROPERTY_INSTANCE_ID: 'INSTANCE_ID',
  PROPERTY_CORRELATION_ID: 'CORRELATION_ID',
  PROPERTY_MESSAGE_REPLY_TO_CLIENT: 'REPLY_TO_CLIENT',
  PROPERTY_MESSAGE_TTL: 'TTL',
  PROPERTY_REPLY_MESSAGE_ARRIVE_TIME: 'ARRIVE_TIME',
  PROPERTY_PUSH_REPLY_TIME: 'PUSH_REPLY_TIME',
  PROPERTY_CLUSTER: 'CLUSTER',
  PROPERTY_MESSAGE_TYPE: 'MSG_TYPE',
  PROPERTY_POP_CK: 'POP_CK',
  PROPERTY_POP_CK_OFFSET: 'POP_CK_OFFSET',
  PROPERTY_FIRST_POP_TIME: '1ST_POP_TIME',
  // The message group of FIFO messages (gRPC clients).
  PROPERTY_SHARDING_KEY: '__SHARDINGKEY',
  PROPERTY_FORWARD_QUEUE_ID: 'PROPERTY_FORWARD_QUEUE_ID',
  PROPERTY_REDIRECT: 'REDIRECT',
  PROPERTY_INNER_MULTI_DISPATCH: 'INNER_MULTI_DISPATCH',
  PROPERTY_INNER_MULTI_QUEUE_OFFSET: 'INNER_MULTI_QUEUE_OFFSET',
  PROPERTY_TRACE_CONTEXT: 'TRACE_CONTEXT',
  PROPERTY_TIMER_DELAY_SEC: 'TIMER_DELAY_SEC',
  PROPERTY_TIMER_DELIVER_MS: 'TIMER_DELIVER_MS',
  PROPERTY_TIMER_DELAY_MS: 'TIMER_DELAY_MS',
  PROPERTY_TIMER_ENQUEUE_MS: 'TIMER_ENQUEUE_MS',
  PROPERTY_TIMER_DEQUEUE_MS: 'TIMER_DEQUEUE_MS',
  PROPERTY_TIMER_ROLL_TIMES: 'TIMER_ROLL_TIMES',
  PROPERTY_TIMER_OUT_MS: 'TIMER_OUT_MS',
  PROPERTY_TIMER_DEL_UNIQKEY: 'TIMER_DEL_UNIQKEY',
  PROPERTY_TIMER_DELAY_LEVEL: 'TIMER_DELAY_LEVEL',
  PROPERTY_BORN_HOST: '__BORNHOST',
  PROPERTY_BORN_TIMESTAMP: 'BORN_TIMESTAMP',
  // Appended by a broker with enabledAppendPropCRC; removed again before a message is re-put.
  PROPERTY_CRC32: '__CRC32#',
  PROPERTY_DLQ_ORIGIN_TOPIC: 'DLQ_ORIGIN_TOPIC',
  PROPERTY_DLQ_ORIGIN_MESSAGE_ID: 'DLQ_ORIGIN_MESSAGE_ID',
  // Properties whose names start with this prefix are never stored by the broker.
  PROPERTY_TRANSIENT_PREFIX: '__RMQ.TRANSIENT.',
  // Separates the keys inside the KEYS property.
  KEY_SEPARATOR: ' ',
} as const;

/** Properties as callers build them: null or undefined values are left out, as Java skips null values. */
export type PropertiesInput =
  ReadonlyMap<string, string | null | undefined> | Readonly<Record<string, string | null | undefined>>;

/** `MessageDecoder.messageProperties2String`: pairs in iteration order, null and undefined values skipped. */
export function encodeProperties(properties: PropertiesInput): string {
  const entries: Iterable<[string, string | null | undefined]> = isMap(properties)
    ? properties.entries()
    : Object.entries(properties);
  let out = '';
  for (const [name, value] of entries) {
    if (value == null) continue;
    out += name + NAME_VALUE_SEPARATOR + value + PROPERTY_SEPARATOR;
  }
  return out;
}

function isMap(properties: PropertiesInput): properties is ReadonlyMap<string, string | null | undefined> {
  return properties instanceof Map;
}

/**
 * `MessageDecoder.string2messageProperties`, segment rules included: a segment shorter than 3 characters is skipped,
 * and so is one whose name or value is empty (the separator must be after the first character and before the last).
 * The value runs to the next \u0002, so it may contain \u0001. A repeated name keeps its last value. The result keeps
 * the order of the string, so re-encoding it gives the same string for any well-formed input.
 */
export function decodeProperties(properties: string): Map<string, string> {
  const map = new Map<string, string>();
  const length = properties.length;
  let index = 0;
  while (index < length) {
    let end = properties.indexOf(PROPERTY_SEPARATOR, index);
    if (end < 0) end = length;
    if (end - index >= 3) {
      const separator = properties.indexOf(NAME_VALUE_SEPARATOR, index);
      if (separator > index && separator < end - 1) {
        map.set(properties.slice(index, separator), properties.slice(separator + 1, end));
      }
    }
    index = end + 1;
  }
  return map;
}
