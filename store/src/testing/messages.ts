// Test helpers: messages to store, the records a store must produce from them, and pull filters.
import {
  encodeProperties,
  encodeRecord,
  javaStringHashCode,
  type HostAddress,
  type PropertiesInput,
} from '@skyrocket/remoting/message';

import type { MessageFilter, MessageToStore } from '../message-store';

export const BORN_HOST: HostAddress = { address: '10.0.0.7', port: 50001 };
export const BORN_TIMESTAMP = 1_699_999_999_000;

/** A message with test defaults; `properties` may be given as a map and is encoded. */
export function messageToStore(
  fields: Omit<Partial<MessageToStore>, 'properties'> & {
    topic: string;
    properties?: PropertiesInput | string;
  },
): MessageToStore {
  const { properties, ...rest } = fields;
  return {
    queueId: 0,
    flag: 0,
    body: Buffer.from(`body of a message to ${fields.topic}`),
    sysFlag: 0,
    bornTimestamp: BORN_TIMESTAMP,
    bornHost: BORN_HOST,
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    ...rest,
    properties: typeof properties === 'string' ? properties : encodeProperties(properties ?? {}),
  };
}

/** What the store assigns to a message when it appends it. */
export interface AssignedFields {
  queueOffset: number;
  commitLogOffset: number;
  storeTimestamp: number;
  storeHost: HostAddress;
}

/** The exact record a store must hold for `message` once it has assigned these fields (PROTOCOL.md §3.1). */
export function expectedRecord(message: MessageToStore, assigned: AssignedFields): Buffer {
  return encodeRecord({
    queueId: message.queueId,
    flag: message.flag,
    sysFlag: message.sysFlag,
    bornTimestamp: message.bornTimestamp,
    bornHost: message.bornHost,
    reconsumeTimes: message.reconsumeTimes,
    preparedTransactionOffset: message.preparedTransactionOffset,
    body: message.body,
    topic: message.topic,
    properties: message.properties,
    ...assigned,
  });
}

/** A TAG subscription: matches the tag codes (Java String.hashCode) of these tags, as SubscriptionData.codeSet. */
export function tagFilter(...tags: string[]): MessageFilter {
  const codes = new Set(tags.map(javaStringHashCode));
  return { matchesTagsCode: (tagsCode) => codes.has(tagsCode) };
}

let topicCounter = 0;

/** A topic name no other test uses (RocketMQ's allowed characters only). */
export function uniqueTopic(label: string): string {
  topicCounter++;
  return `${label.replace(/[^%|a-zA-Z0-9_-]/g, '_')}_${process.pid}_${topicCounter}`;
}
