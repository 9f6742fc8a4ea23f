/**
 * Offsets kept by the broker (Java `RemoteBrokerOffsetStore`), for clustering groups.
 *
 * QUERY_CONSUMER_OFFSET (14): header consumerGroup, topic, queueId[, setZeroIfNotFound]; SUCCESS with `offset`, or
 * QUERY_NOT_FOUND (22) when the group has none (→ -1, and the consumer applies consumeFromWhere).
 * UPDATE_CONSUMER_OFFSET (15): header consumerGroup, topic, queueId, commitOffset.
 *
 * `setZeroIfNotFound`: a broker answers 0 instead of QUERY_NOT_FOUND when the queue still starts at offset 0 and its
 * first message is in memory, so that a new group reads a young topic from the start. Java's client always accepts
 * that, which makes CONSUME_FROM_LAST_OFFSET read old messages of young queues. This store lets the consumer choose:
 * the push and lite pull consumers ask with setZeroIfNotFound=false for LAST_OFFSET and TIMESTAMP, so "last" means
 * the end of the queue, and keep the broker default for FIRST_OFFSET.
 */
import {
  createRequest,
  decodeHeader,
  encodeHeader,
  QueryConsumerOffsetResponseHeader,
  RequestCode,
  ResponseCode,
} from '@skyrocket/remoting';

import { ClientError, responseError } from '../../errors';
import type { BrokerAccess } from '../broker-access';
import { describeMessageQueue, messageQueueKey, type MessageQueue } from '../message-queue';
import type { OffsetStore, ReadOffsetType } from './offset-store';

export interface RemoteBrokerOffsetStoreOptions {
  consumerGroup: string;
  brokers: BrokerAccess;
  requestTimeoutMillis: number;
  /** Sent with QUERY_CONSUMER_OFFSET; undefined leaves the broker's default (true). */
  setZeroIfNotFound?: boolean | undefined;
}

interface Entry {
  queue: MessageQueue;
  offset: number;
}

export class RemoteBrokerOffsetStore implements OffsetStore {
  readonly #options: RemoteBrokerOffsetStoreOptions;
  readonly #table = new Map<string, Entry>();
  /** The commit in progress (see persistAll). */
  #persisting: Promise<void> = Promise.resolve();

  constructor(options: RemoteBrokerOffsetStoreOptions) {
    this.#options = options;
  }

  load(): Promise<void> {
    return Promise.resolve();
  }

  updateOffset(queue: MessageQueue, offset: number, increaseOnly: boolean): void {
    const key = messageQueueKey(queue);
    const entry = this.#table.get(key);
    if (entry === undefined) {
      this.#table.set(key, { queue, offset });
    } else if (!increaseOnly || offset > entry.offset) {
      entry.offset = offset;
    }
  }

  async readOffset(queue: MessageQueue, type: ReadOffsetType): Promise<number> {
    if (type !== 'STORE') {
      const entry = this.#table.get(messageQueueKey(queue));
      if (entry !== undefined) return entry.offset;
      if (type === 'MEMORY') return -1;
    }
    const offset = await this.fetchConsumeOffsetFromBroker(queue);
    if (offset >= 0) this.updateOffset(queue, offset, false);
    return offset;
  }

  /**
   * Commits run one after another: a periodic commit still waiting for its broker address must not reach the broker
   * after a later one (shutdown's) and move the offset back. Each run reads the offsets when it starts.
   */
  persistAll(queues: readonly MessageQueue[]): Promise<void> {
    const run = this.#persisting.then(() => this.#persistAllNow(queues));
    this.#persisting = run.catch(() => undefined);
    return run;
  }

  async #persistAllNow(queues: readonly MessageQueue[]): Promise<void> {
    const keep = new Set(queues.map(messageQueueKey));
    const writes: Promise<void>[] = [];
    for (const [key, entry] of this.#table) {
      if (keep.has(key)) writes.push(this.updateConsumeOffsetToBroker(entry.queue, entry.offset));
      else this.#table.delete(key);
    }
    const results = await Promise.allSettled(writes);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) {
      throw new ClientError('BROKER_ERROR', `${failed.length} of ${writes.length} offset commits failed`, {
        cause: failed[0]?.reason,
        retriable: true,
      });
    }
  }

  persist(queue: MessageQueue): Promise<void> {
    const run = this.#persisting.then(async () => {
      const entry = this.#table.get(messageQueueKey(queue));
      if (entry !== undefined) await this.updateConsumeOffsetToBroker(entry.queue, entry.offset);
    });
    this.#persisting = run.catch(() => undefined);
    return run;
  }

  removeOffset(queue: MessageQueue): void {
    this.#table.delete(messageQueueKey(queue));
  }

  offsets(): Map<MessageQueue, number> {
    return new Map([...this.#table.values()].map((e) => [e.queue, e.offset]));
  }

  /** UPDATE_CONSUMER_OFFSET to the queue's master broker. */
  async updateConsumeOffsetToBroker(queue: MessageQueue, offset: number): Promise<void> {
    const { brokers, consumerGroup, requestTimeoutMillis } = this.#options;
    const address = await brokers.brokerAddress(queue.brokerName, queue.topic);
    const request = createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
      extFields: encodeHeader({
        consumerGroup,
        topic: queue.topic,
        queueId: queue.queueId,
        commitOffset: offset,
        bname: queue.brokerName,
      }),
    });
    const response = await brokers.invoke(address, request, requestTimeoutMillis);
    if (response.code !== ResponseCode.SUCCESS) {
      throw responseError(response, `commit offset ${offset} of ${describeMessageQueue(queue)}`, {
        address,
        brokerName: queue.brokerName,
      });
    }
  }

  /** QUERY_CONSUMER_OFFSET: the stored offset, or -1 when the broker has none. */
  async fetchConsumeOffsetFromBroker(queue: MessageQueue): Promise<number> {
    const { brokers, consumerGroup, requestTimeoutMillis, setZeroIfNotFound } = this.#options;
    const address = await brokers.brokerAddress(queue.brokerName, queue.topic);
    const request = createRequest(RequestCode.QUERY_CONSUMER_OFFSET, {
      extFields: encodeHeader({
        consumerGroup,
        topic: queue.topic,
        queueId: queue.queueId,
        setZeroIfNotFound,
        bname: queue.brokerName,
      }),
    });
    const response = await brokers.invoke(address, request, requestTimeoutMillis);
    if (response.code === ResponseCode.QUERY_NOT_FOUND) return -1;
    if (response.code !== ResponseCode.SUCCESS) {
      throw responseError(response, `query offset of ${describeMessageQueue(queue)}`, {
        address,
        brokerName: queue.brokerName,
      });
    }
    try {
      return decodeHeader(QueryConsumerOffsetResponseHeader, response.extFields).offset;
    } catch (error) {
      throw new ClientError(
        'INVALID_RESPONSE',
        `QUERY_CONSUMER_OFFSET response: ${(error as Error).message}`,
        {
          cause: error,
          address,
        },
      );
    }
  }
}
