/**
 * Pull results (Java `PullResult`, `MQClientAPIImpl.processPullResponse`, `PullAPIWrapper.processPullResult`).
 *
 * Response code → status: SUCCESS (0) FOUND · PULL_NOT_FOUND (19) NO_NEW_MSG · PULL_RETRY_IMMEDIATELY (20)
 * NO_MATCHED_MSG · PULL_OFFSET_MOVED (21) OFFSET_ILLEGAL; any other code is an error. A FOUND body is stored
 * records back to back; they are decoded, re-filtered by exact tag (see subscription.ts) and stamped with
 * MIN_OFFSET / MAX_OFFSET, as Java does. The status stays FOUND when the tag re-check removes every message; the
 * caller moves on to `nextBeginOffset` either way.
 */
import {
  decodeHeader,
  decodeRecords,
  MessageConst,
  PullMessageResponseHeader,
  ResponseCode,
  type RemotingCommand,
} from '@skyrocket/remoting';

import { ClientError, responseError } from '../../errors';
import type { MessageQueue } from '../message-queue';
import { toMessageExt, type MessageExt } from './message-ext';
import { matchesSubscription, type Subscription } from './subscription';

export type PullStatus = 'FOUND' | 'NO_NEW_MSG' | 'NO_MATCHED_MSG' | 'OFFSET_ILLEGAL';

export interface PullResult {
  readonly status: PullStatus;
  /** Where the next pull of this queue starts. */
  readonly nextBeginOffset: number;
  readonly minOffset: number;
  readonly maxOffset: number;
  /** The broker id to pull from next (0 = the master). */
  readonly suggestWhichBrokerId: number;
  /** The messages that passed the exact tag check, in queue order. */
  readonly messages: MessageExt[];
  /** How many records the broker returned before the tag re-check. */
  readonly foundCount: number;
}

export function pullStatusOf(code: number): PullStatus | undefined {
  switch (code) {
    case ResponseCode.SUCCESS:
      return 'FOUND';
    case ResponseCode.PULL_NOT_FOUND:
      return 'NO_NEW_MSG';
    case ResponseCode.PULL_RETRY_IMMEDIATELY:
      return 'NO_MATCHED_MSG';
    case ResponseCode.PULL_OFFSET_MOVED:
      return 'OFFSET_ILLEGAL';
    default:
      return undefined;
  }
}

/**
 * Decodes a PULL_MESSAGE response. Throws ClientError: BROKER_ERROR / BROKER_BUSY for an error code,
 * INVALID_RESPONSE for a header or body that cannot be decoded.
 */
export function decodePullResponse(
  response: RemotingCommand,
  queue: MessageQueue,
  subscription: Subscription | undefined,
  address?: string,
): PullResult {
  const status = pullStatusOf(response.code);
  if (status === undefined) {
    throw responseError(response, `pull ${queue.topic}@${queue.brokerName}#${queue.queueId}`, {
      address,
      brokerName: queue.brokerName,
    });
  }
  let header: PullMessageResponseHeader;
  try {
    header = decodeHeader(PullMessageResponseHeader, response.extFields);
  } catch (error) {
    throw new ClientError('INVALID_RESPONSE', `pull response header: ${(error as Error).message}`, {
      cause: error,
      address,
    });
  }
  let messages: MessageExt[] = [];
  let foundCount = 0;
  if (status === 'FOUND' && response.body !== undefined && response.body.length > 0) {
    let records;
    try {
      records = decodeRecords(response.body);
    } catch (error) {
      throw new ClientError('INVALID_RESPONSE', `pull response body: ${(error as Error).message}`, {
        cause: error,
        address,
      });
    }
    foundCount = records.length;
    const minOffset = String(header.minOffset);
    const maxOffset = String(header.maxOffset);
    for (const record of records) {
      const message = toMessageExt(record, queue.brokerName);
      if (subscription !== undefined && !matchesSubscription(subscription, message.tags)) continue;
      const properties = message.properties as Record<string, string>;
      properties[MessageConst.PROPERTY_MIN_OFFSET] = minOffset;
      properties[MessageConst.PROPERTY_MAX_OFFSET] = maxOffset;
      messages.push(message);
    }
    // Static-topic and proxy brokers may rewrite queue ids; the queue pulled is the one the consumer reports.
    messages = messages.map((m) => (m.queueId === queue.queueId ? m : { ...m, queueId: queue.queueId }));
  }
  return {
    status,
    nextBeginOffset: header.nextBeginOffset,
    minOffset: header.minOffset,
    maxOffset: header.maxOffset,
    suggestWhichBrokerId: header.suggestWhichBrokerId,
    messages,
    foundCount,
  };
}
