/**
 * Rebalance (Java `RebalanceImpl`): decides which queues of each subscribed topic this consumer reads, and keeps a
 * ProcessQueue per owned queue.
 *
 * CLUSTERING: every member lists the group's client ids (GET_CONSUMER_LIST_BY_GROUP) and the topic's readable
 * queues, sorts both the way Java does and takes its share with the allocation strategy, so members agree without
 * talking to each other. BROADCASTING: every member owns every queue.
 *
 * Queues no longer assigned are given up through `hooks.removeQueue` (which persists the offset, and for orderly
 * consumers unlocks the queue on the broker); it may refuse for now (an orderly batch is still running) and the
 * queue is retried at the next rebalance. New queues get a fresh ProcessQueue and a start offset from
 * `hooks.computePullFromWhere`; orderly consumers first lock the queue on its broker and skip it while another
 * member holds the lock.
 *
 * Runs are serialized: a request while one runs schedules exactly one more run.
 */
import type { Logger } from '@skyrocket/common';

import { isClientError } from '../../errors';
import type { ClientInstance } from '../../core/client-instance';
import type { MessageModel } from '../../core/heartbeat-data';
import { allocateQueues, type AllocateMessageQueueStrategy } from '../allocate';
import { compareMessageQueues, messageQueueKey, type MessageQueue } from '../message-queue';
import { ProcessQueue } from '../process-queue';
import { RETRY_GROUP_TOPIC_PREFIX } from '../pull/message-ext';
import type { Subscription } from '../pull/subscription';

export interface RebalanceHooks {
  /** A queue was assigned: start reading it at `nextOffset`. */
  queueAdded(queue: MessageQueue, processQueue: ProcessQueue, nextOffset: number): void;
  /**
   * Whether a queue may be given up now (orderly: not while a batch of it is being consumed); false keeps it until
   * the next rebalance asks again. Absent = always.
   */
  canRemove?(queue: MessageQueue, processQueue: ProcessQueue): boolean;
  /** Gives a queue up (the ProcessQueue is already dropped): persist its offset, unlock it. */
  removeQueue(queue: MessageQueue, processQueue: ProcessQueue): Promise<void>;
  /** Where a newly assigned queue starts; throws when it cannot be known now (the queue is skipped this round). */
  computePullFromWhere(queue: MessageQueue): Promise<number>;
  /** Orderly consumers: lock a queue on its broker before taking it. */
  lock?(queue: MessageQueue): Promise<boolean>;
  /** The assignment of a topic changed. */
  rebalanced?(
    topic: string,
    assigned: readonly MessageQueue[],
    added: readonly MessageQueue[],
    removed: readonly MessageQueue[],
  ): void;
  /** A topic could not be rebalanced this round. */
  rebalanceFailed?(topic: string, error: unknown): void;
}

export interface RebalancerOptions {
  consumerGroup: string;
  messageModel: MessageModel;
  strategy: AllocateMessageQueueStrategy;
  instance: ClientInstance;
  hooks: RebalanceHooks;
  logger: Logger;
  now?: () => number;
  /** Delay of the extra round after a queue could not be taken (default 500 ms). */
  retryLaterMillis?: number;
}

export interface OwnedQueue {
  readonly queue: MessageQueue;
  readonly processQueue: ProcessQueue;
}

export class Rebalancer {
  readonly subscriptions = new Map<string, Subscription>();
  readonly #options: RebalancerOptions;
  readonly #owned = new Map<string, OwnedQueue>();
  #running: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #again = false;
  #stopped = false;

  constructor(options: RebalancerOptions) {
    this.#options = options;
  }

  /** Owned queues, all or of one topic. */
  owned(topic?: string): OwnedQueue[] {
    const all = [...this.#owned.values()];
    return (topic === undefined ? all : all.filter((o) => o.queue.topic === topic)).sort((a, b) =>
      compareMessageQueues(a.queue, b.queue),
    );
  }

  processQueue(queue: MessageQueue): ProcessQueue | undefined {
    return this.#owned.get(messageQueueKey(queue))?.processQueue;
  }

  /** Stops further runs (shutdown); a running one finishes. */
  stop(): Promise<void> {
    this.#stopped = true;
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    return this.#running ?? Promise.resolve();
  }

  /** Runs a rebalance now, or once more after the one in progress. */
  rebalance(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#runOnce();
      } while (this.#again && !this.#stopped);
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Gives up every owned queue (shutdown), waiting for no running batch. */
  async releaseAll(): Promise<void> {
    for (const [key, owned] of [...this.#owned]) {
      owned.processQueue.dropped = true;
      this.#owned.delete(key);
      try {
        await this.#options.hooks.removeQueue(owned.queue, owned.processQueue);
      } catch (error) {
        this.#options.logger.warn({ err: error, queue: owned.queue }, 'giving up a queue failed');
      }
    }
  }

  /**
   * An assigned queue could not be taken (its lock is still held by the member that is giving it up, or its offset
   * could not be read): try again shortly rather than at the next periodic round (Java rebalanceLater(500)).
   */
  #rebalanceLater(): void {
    if (this.#retryTimer !== undefined || this.#stopped) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.rebalance().catch((error: unknown) =>
        this.#options.logger.warn({ err: error }, 'rebalance failed'),
      );
    }, this.#options.retryLaterMillis ?? 500);
    this.#retryTimer.unref();
  }

  async #runOnce(): Promise<void> {
    const { hooks, logger } = this.#options;
    for (const topic of [...this.subscriptions.keys()]) {
      if (this.#stopped) return;
      try {
        await this.#rebalanceTopic(topic);
      } catch (error) {
        // The retry topic has no route until the broker registered it; that is normal at first start.
        if (topic.startsWith(RETRY_GROUP_TOPIC_PREFIX) && isClientError(error, 'TOPIC_NOT_EXIST')) continue;
        logger.warn({ err: error, topic }, 'rebalance failed');
        hooks.rebalanceFailed?.(topic, error);
      }
    }
    // Queues of topics no longer subscribed (truncateMessageQueueNotMyTopic).
    for (const owned of [...this.#owned.values()]) {
      if (!this.subscriptions.has(owned.queue.topic)) await this.#remove(owned);
    }
  }

  async #rebalanceTopic(topic: string): Promise<void> {
    const { instance, consumerGroup, messageModel, strategy } = this.#options;
    const route = await instance.getTopicRoute(topic);
    const queues = route.readQueues;
    let assigned: MessageQueue[];
    if (messageModel === 'BROADCASTING') {
      assigned = [...queues];
    } else {
      if (queues.length === 0) return;
      const clientIds = await instance.findConsumerIdList(topic, consumerGroup);
      if (clientIds.length === 0) return; // the broker has not seen a heartbeat yet: keep what we have
      assigned = allocateQueues(strategy, consumerGroup, instance.clientId, queues, clientIds);
    }
    await this.#apply(topic, assigned);
  }

  async #apply(topic: string, assigned: readonly MessageQueue[]): Promise<void> {
    const { hooks, logger } = this.#options;
    const wanted = new Map(assigned.map((q) => [messageQueueKey(q), q]));
    const added: MessageQueue[] = [];
    const removed: MessageQueue[] = [];
    for (const owned of this.owned(topic)) {
      const key = messageQueueKey(owned.queue);
      const keep = wanted.has(key) && !owned.processQueue.isPullExpired();
      if (!keep && (await this.#remove(owned))) removed.push(owned.queue);
    }
    for (const [key, queue] of wanted) {
      if (this.#stopped) return;
      if (this.#owned.has(key)) continue;
      if (hooks.lock !== undefined && !(await hooks.lock(queue))) {
        logger.info({ queue }, 'queue assigned but locked by another consumer; retrying soon');
        this.#rebalanceLater();
        continue;
      }
      let nextOffset: number;
      try {
        nextOffset = await hooks.computePullFromWhere(queue);
      } catch (error) {
        logger.warn({ err: error, queue }, 'cannot compute where to start; retrying soon');
        this.#rebalanceLater();
        continue;
      }
      if (this.#stopped || this.#owned.has(key)) continue;
      const processQueue = new ProcessQueue(this.#options.now);
      processQueue.locked = true;
      this.#owned.set(key, { queue, processQueue });
      added.push(queue);
      hooks.queueAdded(queue, processQueue, nextOffset);
    }
    if (added.length > 0 || removed.length > 0) {
      const now = this.owned(topic).map((o) => o.queue);
      logger.info({ topic, queues: now.length, added: added.length, removed: removed.length }, 'rebalanced');
      hooks.rebalanced?.(topic, now, added, removed);
    }
  }

  async #remove(owned: OwnedQueue): Promise<boolean> {
    const { hooks, logger } = this.#options;
    if (hooks.canRemove !== undefined && !hooks.canRemove(owned.queue, owned.processQueue)) return false;
    // Dropped first, so that a consume finishing meanwhile no longer moves the offset being persisted.
    owned.processQueue.dropped = true;
    this.#owned.delete(messageQueueKey(owned.queue));
    try {
      await hooks.removeQueue(owned.queue, owned.processQueue);
    } catch (error) {
      logger.warn({ err: error, queue: owned.queue }, 'giving up a queue failed; it is dropped anyway');
    }
    return true;
  }
}
