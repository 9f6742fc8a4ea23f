/**
 * Send headers (PROTOCOL.md §2.4; `header/SendMessageRequestHeader.java`, `SendMessageRequestHeaderV2.java`,
 * `SendMessageResponseHeader.java`).
 *
 * SEND_MESSAGE (10) carries SendMessageRequestHeader with long names; SEND_MESSAGE_V2 (310) and SEND_BATCH_MESSAGE
 * (320) carry SendMessageRequestHeaderV2, the same fields under one-letter keys to keep the header small:
 *
 *   a producerGroup · b topic · c defaultTopic (TBW102, the template for auto-created topics) ·
 *   d defaultTopicQueueNums · e queueId · f sysFlag (MessageSysFlag) · g bornTimestamp (ms) · h flag (user int) ·
 *   i properties? (the properties string) · j reconsumeTimes? · k unitMode? · l maxReconsumeTimes? · m batch? ·
 *   n brokerName? (V1 carries it in the base field `bname`)
 *
 * The broker converts V2 to V1 first and works on V1 only (`SendMessageRequestHeader.parseRequestHeader`).
 *
 * Response: msgId (the offset msgId; comma-joined for a batch), queueId, queueOffset, transactionId? (the UNIQ_KEY),
 * batchUniqId?, recallHandle?.
 */
import { z } from 'zod';

import { RequestCode } from '../protocol/request-code';
import { decodeHeader, HeaderDecodeError, type ExtFields } from './codec';
import { bool, int32, int64, str } from './fields';

export const SendMessageRequestHeader = z.object({
  producerGroup: str(),
  topic: str(),
  defaultTopic: str(),
  defaultTopicQueueNums: int32(),
  queueId: int32(),
  sysFlag: int32(),
  bornTimestamp: int64(),
  flag: int32(),
  properties: str().optional(),
  reconsumeTimes: int32().optional(),
  unitMode: bool().optional(),
  batch: bool().optional(),
  maxReconsumeTimes: int32().optional(),
  // RpcRequestHeader.bname: the broker name the client addressed (SendMessageRequestHeader.getBrokerName).
  bname: str().optional(),
});
export type SendMessageRequestHeader = z.infer<typeof SendMessageRequestHeader>;

export const SendMessageRequestHeaderV2 = z.object({
  a: str(),
  b: str(),
  c: str(),
  d: int32(),
  e: int32(),
  f: int32(),
  g: int64(),
  h: int32(),
  i: str().optional(),
  j: int32().optional(),
  k: bool().optional(),
  l: int32().optional(),
  m: bool().optional(),
  n: str().optional(),
});
export type SendMessageRequestHeaderV2 = z.infer<typeof SendMessageRequestHeaderV2>;

export const SendMessageResponseHeader = z.object({
  msgId: str(),
  queueId: int32(),
  queueOffset: int64(),
  transactionId: str().optional(),
  batchUniqId: str().optional(),
  recallHandle: str().optional(),
});
export type SendMessageResponseHeader = z.infer<typeof SendMessageResponseHeader>;

/** `SendMessageRequestHeaderV2.createSendMessageRequestHeaderV1`. */
export function createSendMessageRequestHeaderV1(v2: SendMessageRequestHeaderV2): SendMessageRequestHeader {
  return withoutUndefined({
    producerGroup: v2.a,
    topic: v2.b,
    defaultTopic: v2.c,
    defaultTopicQueueNums: v2.d,
    queueId: v2.e,
    sysFlag: v2.f,
    bornTimestamp: v2.g,
    flag: v2.h,
    properties: v2.i,
    reconsumeTimes: v2.j,
    unitMode: v2.k,
    maxReconsumeTimes: v2.l,
    batch: v2.m,
    bname: v2.n,
  });
}

/** `SendMessageRequestHeaderV2.createSendMessageRequestHeaderV2`. */
export function createSendMessageRequestHeaderV2(v1: SendMessageRequestHeader): SendMessageRequestHeaderV2 {
  return withoutUndefined({
    a: v1.producerGroup,
    b: v1.topic,
    c: v1.defaultTopic,
    d: v1.defaultTopicQueueNums,
    e: v1.queueId,
    f: v1.sysFlag,
    g: v1.bornTimestamp,
    h: v1.flag,
    i: v1.properties,
    j: v1.reconsumeTimes,
    k: v1.unitMode,
    l: v1.maxReconsumeTimes,
    m: v1.batch,
    n: v1.bname,
  });
}

/**
 * `SendMessageRequestHeader.parseRequestHeader`: decodes the send header of SEND_MESSAGE (V1), or of
 * SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE (V2, converted to V1). Throws HeaderDecodeError for another code.
 */
export function parseSendMessageRequestHeader(
  code: number,
  extFields: ExtFields | undefined,
): SendMessageRequestHeader {
  switch (code) {
    case RequestCode.SEND_MESSAGE:
      return decodeHeader(SendMessageRequestHeader, extFields);
    case RequestCode.SEND_MESSAGE_V2:
    case RequestCode.SEND_BATCH_MESSAGE:
      return createSendMessageRequestHeaderV1(decodeHeader(SendMessageRequestHeaderV2, extFields));
    default:
      throw new HeaderDecodeError('', `request code ${code} does not carry a send message header`);
  }
}

/** Drops keys whose value is undefined, so that converted headers compare equal to decoded ones. */
function withoutUndefined<T extends object>(header: T): T {
  for (const key of Object.keys(header) as (keyof T)[]) {
    if (header[key] === undefined) delete header[key];
  }
  return header;
}
