/**
 * MessageExt: a message as a consumer receives it (Java `MessageExt` / `MessageClientExt`), decoded from one stored
 * record of a pull response (PROTOCOL.md §3.1).
 *
 * - `msgId` is the producer's UNIQ_KEY when the message has one, else the broker's offset msgId, as
 *   `MessageClientExt.getMsgId` answers; `offsetMsgId` is always the broker's (store host + commit-log offset).
 * - A body the producer compressed (COMPRESSED_FLAG) is inflated here; the flag is cleared on the decoded message.
 *   Only zlib is decodable (every Java client compresses with zlib unless told otherwise; LZ4 and ZSTD need native
 *   libraries): such a body is handed over as stored with `bodyCompressed` set, not dropped.
 * - Messages of a retry topic (`%RETRY%<group>`) carry the original topic in RETRY_TOPIC; `restoreRetryTopic`
 *   gives them back their topic, as `DefaultMQPushConsumerImpl.resetRetryAndNamespace` does.
 */
import { inflateSync } from 'node:zlib';
import {
  createOffsetMessageId,
  getCompressionType,
  MessageConst,
  MessageSysFlag,
  type HostAddress,
  type MessageRecord,
} from '@skyrocket/remoting';

export interface MessageExt {
  readonly topic: string;
  /** The TAGS property, undefined when the message has no tag. */
  readonly tags: string | undefined;
  /** The KEYS property split on spaces. */
  readonly keys: readonly string[];
  /** Every property, system ones (TAGS, KEYS, UNIQ_KEY, …) included, as Java's `getProperties`. */
  readonly properties: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** The body is still compressed (LZ4 or ZSTD, which this client does not decode). */
  readonly bodyCompressed: boolean;
  /** UNIQ_KEY when present, else `offsetMsgId`. */
  readonly msgId: string;
  /** The broker's id: store host and commit-log offset. */
  readonly offsetMsgId: string;
  readonly brokerName: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly commitLogOffset: number;
  readonly bornTimestamp: number;
  readonly bornHost: string;
  readonly storeTimestamp: number;
  readonly storeHost: string;
  /** How many times the message was handed back for retry before this delivery. */
  readonly reconsumeTimes: number;
  readonly sysFlag: number;
  /** The producer's user flag. */
  readonly flag: number;
  readonly bodyCRC: number;
  readonly storeSize: number;
  readonly preparedTransactionOffset: number;
}

/** Properties a producer cannot set; everything else is a user property. */
export function userProperties(message: MessageExt): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.properties)) {
    if (!SYSTEM_PROPERTY_NAMES.has(name)) result[name] = value;
  }
  return result;
}

const SYSTEM_PROPERTY_NAMES: ReadonlySet<string> = new Set<string>(
  Object.entries(MessageConst)
    .filter(([constName]) => constName !== 'KEY_SEPARATOR' && constName !== 'PROPERTY_TRANSIENT_PREFIX')
    .map(([, value]) => value),
);

function formatHost(host: HostAddress): string {
  return host.address.includes(':') ? `[${host.address}]:${host.port}` : `${host.address}:${host.port}`;
}

/** Builds a MessageExt from a decoded record. `brokerName` is the broker the record was pulled from. */
export function toMessageExt(record: MessageRecord, brokerName: string): MessageExt {
  const properties: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of record.properties) properties[name] = value;
  let body: Buffer = Buffer.from(record.body); // a copy: the response buffer must not be kept alive by one message
  let sysFlag = record.sysFlag;
  let bodyCompressed = false;
  if ((sysFlag & MessageSysFlag.COMPRESSED_FLAG) !== 0) {
    let type: string;
    try {
      type = getCompressionType(sysFlag);
    } catch {
      type = 'unknown';
    }
    if (type === 'ZLIB') {
      try {
        body = inflateSync(body);
        sysFlag &= ~MessageSysFlag.COMPRESSED_FLAG;
      } catch {
        bodyCompressed = true; // corrupt: deliver the stored bytes rather than lose the message
      }
    } else {
      bodyCompressed = true;
    }
  }
  const offsetMsgId = createOffsetMessageId(record.storeHost, record.commitLogOffset);
  const keys = properties[MessageConst.PROPERTY_KEYS];
  return {
    topic: record.topic,
    tags: properties[MessageConst.PROPERTY_TAGS],
    keys: keys === undefined ? [] : keys.split(MessageConst.KEY_SEPARATOR).filter((key) => key !== ''),
    properties,
    body,
    bodyCompressed,
    msgId: properties[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX] ?? offsetMsgId,
    offsetMsgId,
    brokerName,
    queueId: record.queueId,
    queueOffset: record.queueOffset,
    commitLogOffset: record.commitLogOffset,
    bornTimestamp: record.bornTimestamp,
    bornHost: formatHost(record.bornHost),
    storeTimestamp: record.storeTimestamp,
    storeHost: formatHost(record.storeHost),
    reconsumeTimes: record.reconsumeTimes,
    sysFlag,
    flag: record.flag,
    bodyCRC: record.bodyCRC,
    storeSize: record.totalSize,
    preparedTransactionOffset: record.preparedTransactionOffset,
  };
}

/**
 * A message pulled from `%RETRY%<group>` reported under its original topic (RETRY_TOPIC), as Java's push consumer
 * does before calling the listener. Other messages are returned unchanged.
 */
export function restoreRetryTopic(message: MessageExt, consumerGroup: string): MessageExt {
  const original = message.properties[MessageConst.PROPERTY_RETRY_TOPIC];
  if (original === undefined || message.topic !== retryTopicOf(consumerGroup)) return message;
  return { ...message, topic: original };
}

/** `%RETRY%<group>` (MixAll.getRetryTopic). */
export function retryTopicOf(consumerGroup: string): string {
  return `%RETRY%${consumerGroup}`;
}

/** `%DLQ%<group>` (MixAll.getDLQTopic). */
export function dlqTopicOf(consumerGroup: string): string {
  return `%DLQ%${consumerGroup}`;
}

export const RETRY_GROUP_TOPIC_PREFIX = '%RETRY%';
