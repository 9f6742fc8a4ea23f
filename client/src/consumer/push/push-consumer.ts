/**
 * PushConsumer (Java `DefaultMQPushConsumer`): subscribe to topics, register a listener, start; the consumer owns a
 * share of the queues, long-polls them and calls the listener.
 *
 *   const consumer = new PushConsumer({ group: 'orders', namesrvAddr: '127.0.0.1:9876' });
 *   consumer.subscribe('Orders', 'created || paid');
 *   consumer.onMessage(async (message) => { … });         // throw to have it redelivered later
 *   await consumer.start();
 *   …
 *   await consumer.shutdown();
 *
 * How it works, with the Java facts it follows:
 * - Membership: the consumer registers with the client instance, whose heartbeats carry its ConsumerData
 *   (subscriptions with tag hash codes) to every broker; brokers tell the group about joins and leaves with
 *   NOTIFY_CONSUMER_IDS_CHANGED, which triggers a rebalance (also every 20 s, `rebalanceIntervalMillis`).
 * - Rebalance: rebalance/rebalancer.ts; in CLUSTERING the group's retry topic `%RETRY%<group>` is subscribed too.
 * - Pulling: one loop per owned queue; PULL_MESSAGE with long polling (the broker holds it up to 15 s), the group's
 *   current offset piggybacked (COMMIT_OFFSET flag) and the subscription expression; flow control pauses a queue
 *   whose cache passes pullThresholdForQueue / pullThresholdSizeForQueue / consumeConcurrentlyMaxSpan.
 * - Consuming: at most `consumeThreadMax` listener calls run at once. Concurrent listeners get batches of
 *   consumeMessageBatchMaxSize; failures are handed back with CONSUMER_SEND_MSG_BACK (or re-sent to the retry
 *   topic when that fails, or retried locally after 5 s when both fail). Orderly listeners lock their queues on the
 *   broker (LOCK_BATCH_MQ, renewed every 20 s) and get one queue's messages one batch at a time.
 * - Offsets: the smallest unfinished offset of each queue, kept in memory, committed every 5 s
 *   (`persistConsumerOffsetIntervalMillis`), when a queue is given up, and at shutdown; on the broker in CLUSTERING,
 *   in a local file in BROADCASTING.
 * - Shutdown: stops pulling, waits for listeners in flight (at most `awaitTerminationMillisWhenShutdown`), commits
 *   offsets, unlocks orderly queues, unregisters from the brokers (the group rebalances at once) and releases the
 *   client instance.
 */
import { z } from 'zod';
import { MessageConst, RequestCode, type RemotingCommand } from '@skyrocket/remoting';
import type { Logger } from '@skyrocket/common';

import { ClientError, toClientError } from '../../errors';
import { parseClientConfig, type ClientConfigInput } from '../../core/config';
import { ClientInstance } from '../../core/client-instance';
import { TypedEventEmitter } from '../../core/events';
import type { ConsumerData } from '../../core/heartbeat-data';
import { Lifecycle, type LifecycleState } from '../../core/lifecycle';
import { brokerAccessOf, type BrokerAccess } from '../broker-access';
import { lockBatchMq, pullMessage, sendMessageBack, sendToRetryTopic, unlockBatchMq } from '../broker-api';
import { ConsumeExecutor, sleep } from '../consume-executor';
import type { ConsumerEvents } from '../consumer-events';
import {
  allocateStrategy,
  checkTopicName,
  consumeFromWhere,
  consumeTimestamp,
  consumeTimestampMillis,
  groupName,
  javaConsumeFromWhere,
  messageModel,
  parseOptions,
} from '../consumer-options';
import { messageQueueKey, type MessageQueue } from '../message-queue';
import { createConsumerOffsetStore, type OffsetStore } from '../offset-store';
import type { ProcessQueue } from '../process-queue';
import { restoreRetryTopic, retryTopicOf, type MessageExt } from '../pull/message-ext';
import { buildSubscriptionData, subscriptionDataJson, type Subscription } from '../pull/subscription';
import { Rebalancer } from '../rebalance/rebalancer';
import { computePullFromWhere } from '../start-offset';
import {
  perMessage,
  type BatchMessageListener,
  type ConsumeConcurrentlyContext,
  type ConsumeOrderlyContext,
  type MessageListener,
  type OrderlyMessageListener,
  type RegisteredListener,
} from './listeners';

const millis = (min: number, max: number) => z.number().int().min(min).max(max);

export const PushConsumerOptionsSchema = z.object({
  group: groupName,
  messageModel,
  consumeFromWhere,
  consumeTimestamp,
  allocateStrategy,
  /** Listener calls in flight at once (Java consumeThreadMax). */
  consumeThreadMax: z.number().int().min(1).max(1000).default(20),
  /** Messages per concurrent listener call. */
  consumeMessageBatchMaxSize: z.number().int().min(1).max(1024).default(1),
  /** Messages per pull (the broker sends at most 32). */
  pullBatchSize: z.number().int().min(1).max(1024).default(32),
  /** Cached messages per queue above which pulling pauses. */
  pullThresholdForQueue: z.number().int().min(1).max(65535).default(1000),
  /** Cached MiB per queue above which pulling pauses. */
  pullThresholdSizeForQueue: z.number().int().min(1).max(1024).default(100),
  /** Concurrent only: offset span of cached messages above which pulling pauses. */
  consumeConcurrentlyMaxSpan: z.number().int().min(1).max(65535).default(2000),
  /** Pause between pulls of one queue. */
  pullIntervalMillis: millis(0, 65535).default(0),
  /** Retries before the DLQ; default 16 (concurrent) or unlimited (orderly), as Java's -1. */
  maxReconsumeTimes: z.number().int().min(0).max(10_000).optional(),
  /** Orderly: how long a failing queue is held back. */
  suspendCurrentQueueTimeMillis: millis(10, 30_000).default(1000),
  persistConsumerOffsetIntervalMillis: millis(100, 3_600_000).default(5000),
  rebalanceIntervalMillis: millis(100, 3_600_000).default(20_000),
  /** Orderly: how often the queue locks are renewed (a lock lives 60 s on the broker). */
  lockIntervalMillis: millis(100, 60_000).default(20_000),
  /** How long the broker may hold a pull with nothing to return (long polling). */
  brokerSuspendMaxTimeMillis: millis(0, 60_000).default(15_000),
  /** Timeout of a long-polling pull; must exceed brokerSuspendMaxTimeMillis. */
  consumerTimeoutMillisWhenSuspend: millis(1000, 120_000).default(30_000),
  /** Wait after a failed pull. */
  pullTimeDelayMillisWhenException: millis(0, 60_000).default(3000),
  /** Shutdown waits this long at most for listeners in flight. */
  awaitTerminationMillisWhenShutdown: millis(0, 600_000).default(10_000),
  /**
   * A listener call that has not settled after this long counts as failed (retried like RECONSUME_LATER, or
   * suspended when orderly) and frees its slot; its late result is ignored. Java: consumeTimeout, 15 minutes.
   */
  consumeTimeoutMillis: millis(100, 24 * 3_600_000).default(15 * 60_000),
  /** BROADCASTING offsets: `<dir>/<clientId>/<group>/offsets.json`; default ~/.skyrocket/offsets. */
  localOffsetStoreDir: z.string().min(1).optional(),
});

export type PushConsumerOptions = ClientConfigInput & z.input<typeof PushConsumerOptionsSchema>;
type ParsedOptions = z.output<typeof PushConsumerOptionsSchema>;

/** Java's consume-later delay for messages whose send-back failed (ConsumeMessageConcurrentlyService). */
const LOCAL_RETRY_DELAY_MS = 5000;
/** Delay before an orderly queue that lost its lock tries again (ConsumeMessageOrderlyService). */
const ORDERLY_RELOCK_DELAY_MS = 3000;
/** Pause of a flow-controlled queue before it checks again (PULL_TIME_DELAY_MILLS_WHEN_FLOW_CONTROL). */
const FLOW_CONTROL_DELAY_MS = 50;

interface PullRequest {
  readonly queue: MessageQueue;
  readonly processQueue: ProcessQueue;
  nextOffset: number;
}

export class PushConsumer {
  readonly group: string;
  readonly #options: ParsedOptions;
  readonly #clientInput: ClientConfigInput;
  readonly #lifecycle: Lifecycle;
  readonly #events = new TypedEventEmitter<ConsumerEvents>();
  readonly #subscriptions = new Map<string, Subscription>();
  #listener: RegisteredListener | undefined;
  #instance: ClientInstance | undefined;
  #brokers: BrokerAccess | undefined;
  #offsetStore: OffsetStore | undefined;
  #rebalancer: Rebalancer | undefined;
  #executor: ConsumeExecutor;
  #abort = new AbortController();
  #timers: NodeJS.Timeout[] = [];
  #offRequest: (() => void) | undefined;
  #logger: Logger;
  #consumeTimestamp = 0;
  #paused = false;
  /** Queue key → broker id the last pull suggested. */
  readonly #suggestedBrokerIds = new Map<string, number>();
  /** Orderly: queues whose listener call is running. */
  readonly #orderlyBusy = new Set<ProcessQueue>();

  constructor(options: PushConsumerOptions) {
    this.#options = parseOptions(PushConsumerOptionsSchema, options, 'push consumer');
    // Checked now so that a bad namesrvAddr fails here, not at start.
    const clientConfig = parseClientConfig(options);
    this.#clientInput = options;
    this.group = this.#options.group;
    this.#lifecycle = new Lifecycle(`push consumer "${this.group}"`);
    this.#executor = new ConsumeExecutor(this.#options.consumeThreadMax, (error) =>
      this.#logger.error({ err: error }, 'consume task failed'),
    );
    this.#logger = clientConfig.logger.child({
      component: 'push-consumer',
      group: this.group,
    });
  }

  get state(): LifecycleState {
    return this.#lifecycle.state;
  }

  /** The clientId brokers know this consumer by (set once started). */
  get clientId(): string | undefined {
    return this.#instance?.clientId;
  }

  on<K extends keyof ConsumerEvents & string>(
    event: K,
    listener: (payload: ConsumerEvents[K]) => void,
  ): this {
    this.#events.on(event, listener);
    return this;
  }

  off<K extends keyof ConsumerEvents & string>(
    event: K,
    listener: (payload: ConsumerEvents[K]) => void,
  ): this {
    this.#events.off(event, listener);
    return this;
  }

  /**
   * Subscribes to `topic` with a TAG expression ("*", "TagA", "TagA || TagB"). Before start, or while running (the
   * next heartbeat and rebalance pick it up). Subscribing again replaces the expression.
   */
  subscribe(topic: string, expression = '*'): this {
    if (this.#lifecycle.state === 'SHUTDOWN' || this.#lifecycle.state === 'STOPPING') {
      throw new ClientError(
        'SHUT_DOWN',
        `cannot subscribe: push consumer "${this.group}" has been shut down`,
      );
    }
    checkTopicName(topic, 'subscribe');
    let subscription: Subscription;
    try {
      subscription = buildSubscriptionData(topic, expression, Date.now());
    } catch (error) {
      throw new ClientError('INVALID_ARGUMENT', `subscribe ${topic}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.#subscriptions.set(topic, subscription);
    if (this.#rebalancer !== undefined) {
      this.#rebalancer.subscriptions.set(topic, subscription);
      this.#heartbeatSoon();
      this.#rebalanceSoon();
    }
    return this;
  }

  /** Stops consuming `topic`; its queues are given up at the next rebalance. */
  unsubscribe(topic: string): this {
    this.#subscriptions.delete(topic);
    if (this.#rebalancer !== undefined) {
      this.#rebalancer.subscriptions.delete(topic);
      this.#heartbeatSoon();
      this.#rebalanceSoon();
    }
    return this;
  }

  /** Concurrent listener, one message per call. */
  onMessage(listener: MessageListener): this {
    return this.#setListener({ kind: 'concurrently', listener: perMessage(listener) });
  }

  /** Concurrent listener, up to consumeMessageBatchMaxSize messages per call. */
  onMessages(listener: BatchMessageListener): this {
    return this.#setListener({ kind: 'concurrently', listener });
  }

  /** Orderly listener: each queue's messages in order, one batch at a time. */
  onMessageOrderly(listener: OrderlyMessageListener): this {
    return this.#setListener({ kind: 'orderly', listener });
  }

  /** Stops pulling (messages already pulled are still consumed); `resume` continues. */
  suspend(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
  }

  /** Owned queues, by topic, from the last rebalance. */
  assignment(topic?: string): MessageQueue[] {
    return this.#rebalancer?.owned(topic).map((o) => o.queue) ?? [];
  }

  /** Per owned queue: cached messages and bytes (what flow control reads) and the offset kept for it. */
  queueStats(): Array<{ queue: MessageQueue; cachedMessages: number; cachedBytes: number; offset: number }> {
    const offsets = this.#offsetStore?.offsets() ?? new Map<MessageQueue, number>();
    const byKey = new Map([...offsets].map(([q, o]) => [messageQueueKey(q), o]));
    return (this.#rebalancer?.owned() ?? []).map(({ queue, processQueue }) => ({
      queue,
      cachedMessages: processQueue.messageCount,
      cachedBytes: processQueue.messageBytes,
      offset: byKey.get(messageQueueKey(queue)) ?? -1,
    }));
  }

  /** Runs a rebalance now (it also runs on membership changes and every rebalanceIntervalMillis). */
  async rebalance(): Promise<void> {
    this.#lifecycle.assertRunning('rebalance');
    await this.#rebalancer?.rebalance();
  }

  /** Commits every owned queue's offset now. */
  async commitOffsets(): Promise<void> {
    this.#lifecycle.assertRunning('commit offsets');
    await this.#persistOffsets();
  }

  async start(): Promise<void> {
    this.#lifecycle.beginStart();
    try {
      await this.#start();
      this.#lifecycle.started();
    } catch (error) {
      await this.#teardownAfterFailedStart();
      this.#lifecycle.startFailed();
      throw error;
    }
  }

  async shutdown(): Promise<void> {
    if (!this.#lifecycle.beginShutdown()) return;
    try {
      await this.#shutdown();
    } finally {
      this.#lifecycle.stopped();
      this.#events.removeAllListeners();
    }
  }

  // ------------------------------------------------------------------------------------------ start / shutdown

  #setListener(listener: RegisteredListener): this {
    if (this.#lifecycle.state !== 'CREATED') {
      throw new ClientError(
        'ALREADY_STARTED',
        `register the listener of push consumer "${this.group}" before start()`,
      );
    }
    if (this.#listener !== undefined) {
      throw new ClientError('INVALID_ARGUMENT', `push consumer "${this.group}" already has a listener`);
    }
    this.#listener = listener;
    return this;
  }

  get #orderly(): boolean {
    return this.#listener?.kind === 'orderly';
  }

  get #clustering(): boolean {
    return this.#options.messageModel === 'CLUSTERING';
  }

  get #maxReconsumeTimes(): number {
    return this.#options.maxReconsumeTimes ?? (this.#orderly ? Number.MAX_SAFE_INTEGER : 16);
  }

  async #start(): Promise<void> {
    if (this.#listener === undefined) {
      throw new ClientError(
        'INVALID_CONFIG',
        `push consumer "${this.group}" has no listener; call onMessage() first`,
      );
    }
    if (this.#subscriptions.size === 0) {
      throw new ClientError(
        'INVALID_CONFIG',
        `push consumer "${this.group}" has no subscription; call subscribe() first`,
      );
    }
    this.#abort = new AbortController();
    this.#consumeTimestamp = consumeTimestampMillis(this.#options.consumeTimestamp, Date.now());
    const instance = await ClientInstance.acquire(this.#clientInput);
    this.#instance = instance;
    this.#logger = this.#logger.child({ clientId: instance.clientId });
    const brokers = brokerAccessOf(instance);
    this.#brokers = brokers;
    const timeoutMillis = instance.config.requestTimeoutMillis;
    this.#offsetStore = createConsumerOffsetStore(this.#options, {
      consumerGroup: this.group,
      clientId: instance.clientId,
      brokers,
      requestTimeoutMillis: timeoutMillis,
    });
    await this.#offsetStore.load();

    const rebalancer = new Rebalancer({
      consumerGroup: this.group,
      messageModel: this.#options.messageModel,
      strategy: this.#options.allocateStrategy,
      instance,
      logger: this.#logger,
      hooks: {
        queueAdded: (queue, processQueue, nextOffset) =>
          this.#startPulling({ queue, processQueue, nextOffset }),
        canRemove: (_queue, processQueue) => !this.#orderlyBusy.has(processQueue),
        removeQueue: (queue, processQueue) => this.#giveUpQueue(queue, processQueue),
        computePullFromWhere: (queue) =>
          computePullFromWhere(
            {
              offsetStore: this.#requireOffsetStore(),
              brokers,
              consumeFromWhere: this.#options.consumeFromWhere,
              consumeTimestamp: this.#consumeTimestamp,
              timeoutMillis,
            },
            queue,
          ),
        ...(this.#orderly && this.#clustering ? { lock: (queue: MessageQueue) => this.#lockOne(queue) } : {}),
        rebalanced: (topic, queues, added, removed) =>
          this.#emit('rebalanced', { topic, queues, added, removed }),
        rebalanceFailed: (topic, error) => this.#emit('rebalanceFailed', { topic, error }),
      },
    });
    for (const [topic, subscription] of this.#subscriptions)
      rebalancer.subscriptions.set(topic, subscription);
    if (this.#clustering) {
      const retryTopic = retryTopicOf(this.group);
      rebalancer.subscriptions.set(retryTopic, buildSubscriptionData(retryTopic, '*', Date.now()));
    }
    this.#rebalancer = rebalancer;

    // Routes first: heartbeats go to the brokers known from routes.
    for (const topic of this.#subscriptions.keys()) {
      try {
        await instance.getTopicRoute(topic);
      } catch (error) {
        this.#logger.warn(
          { err: error, topic },
          'no route for a subscribed topic yet; retrying at each rebalance',
        );
      }
    }
    instance.registerConsumer({ group: this.group, consumerData: () => this.#consumerData() });
    this.#offRequest = instance.onRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, (request) =>
      this.#onConsumerIdsChanged(request),
    );
    await instance.sendHeartbeatToAllBrokers();

    this.#every(this.#options.rebalanceIntervalMillis, () => rebalancer.rebalance());
    this.#every(this.#options.persistConsumerOffsetIntervalMillis, () => this.#persistOffsets());
    if (this.#orderly && this.#clustering)
      this.#every(this.#options.lockIntervalMillis, () => this.#lockAll());
    await rebalancer.rebalance();
  }

  async #teardownAfterFailedStart(): Promise<void> {
    this.#abort.abort();
    this.#clearTimers();
    this.#offRequest?.();
    this.#offRequest = undefined;
    await this.#rebalancer?.stop();
    this.#rebalancer = undefined;
    const instance = this.#instance;
    this.#instance = undefined;
    if (instance !== undefined) {
      await instance.unregisterConsumer(this.group).catch(() => undefined);
      await instance.release().catch(() => undefined);
    }
  }

  async #shutdown(): Promise<void> {
    const instance = this.#instance;
    this.#abort.abort();
    this.#clearTimers();
    this.#offRequest?.();
    await this.#rebalancer?.stop();
    // Batches not started yet stay unconsumed (their offsets are not committed past them); only the listener calls
    // already running are waited for.
    this.#executor.clearQueued();
    const drained = await this.#executor.whenIdle(this.#options.awaitTerminationMillisWhenShutdown);
    if (!drained) {
      this.#logger.warn(
        { timeoutMillis: this.#options.awaitTerminationMillisWhenShutdown },
        'listeners still running at shutdown; their messages will be delivered again',
      );
    }
    await this.#persistOffsets();
    if (this.#orderly && this.#clustering) await this.#unlockAll();
    if (this.#rebalancer !== undefined) {
      for (const { processQueue } of this.#rebalancer.owned()) processQueue.dropped = true;
    }
    if (instance !== undefined) {
      await instance.unregisterConsumer(this.group).catch((error: unknown) => {
        this.#logger.warn({ err: error }, 'unregister failed');
      });
      await instance.release();
    }
    this.#logger.info('push consumer shut down');
  }

  #every(intervalMillis: number, task: () => Promise<void>): void {
    const timer = setInterval(() => {
      task().catch((error: unknown) => this.#logger.warn({ err: error }, 'periodic consumer task failed'));
    }, intervalMillis);
    timer.unref();
    this.#timers.push(timer);
  }

  #clearTimers(): void {
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
  }

  #consumerData(): ConsumerData {
    return {
      groupName: this.group,
      consumeType: 'CONSUME_PASSIVELY',
      messageModel: this.#options.messageModel,
      consumeFromWhere: javaConsumeFromWhere(this.#options.consumeFromWhere),
      subscriptionDataSet: [
        ...(this.#rebalancer?.subscriptions.values() ?? this.#subscriptions.values()),
      ].map(subscriptionDataJson),
      unitMode: false,
    };
  }

  #onConsumerIdsChanged(request: RemotingCommand): undefined {
    if (request.extFields.consumerGroup !== this.group || !this.#lifecycle.isRunning) return undefined;
    this.#logger.info('consumer ids changed; rebalancing');
    this.#rebalanceSoon();
    return undefined;
  }

  #rebalanceSoon(): void {
    this.#rebalancer
      ?.rebalance()
      .catch((error: unknown) => this.#logger.warn({ err: error }, 'rebalance failed'));
  }

  #heartbeatSoon(): void {
    this.#instance
      ?.sendHeartbeatToAllBrokers()
      .catch((error: unknown) => this.#logger.warn({ err: error }, 'heartbeat failed'));
  }

  #emit<K extends keyof ConsumerEvents & string>(event: K, payload: ConsumerEvents[K]): void {
    this.#events.emit(event, payload, (error) =>
      this.#logger.error({ err: error, event }, 'event listener threw'),
    );
  }

  #requireOffsetStore(): OffsetStore {
    if (this.#offsetStore === undefined) throw new ClientError('NOT_STARTED', 'the consumer is not started');
    return this.#offsetStore;
  }

  #requireBrokers(): BrokerAccess {
    if (this.#brokers === undefined) throw new ClientError('NOT_STARTED', 'the consumer is not started');
    return this.#brokers;
  }

  // ------------------------------------------------------------------------------------------ offsets

  async #persistOffsets(): Promise<void> {
    const store = this.#offsetStore;
    const rebalancer = this.#rebalancer;
    if (store === undefined || rebalancer === undefined) return;
    const queues = rebalancer.owned().map((o) => o.queue);
    if (queues.length === 0) return;
    try {
      await store.persistAll(queues);
    } catch (error) {
      this.#logger.warn({ err: error }, 'committing offsets failed');
      this.#emit('offsetCommitFailed', { error });
    }
  }

  async #giveUpQueue(queue: MessageQueue, processQueue: ProcessQueue): Promise<void> {
    const store = this.#requireOffsetStore();
    try {
      await store.persist(queue);
    } catch (error) {
      this.#emit('offsetCommitFailed', { error });
    }
    store.removeOffset(queue);
    this.#suggestedBrokerIds.delete(messageQueueKey(queue));
    if (this.#orderly && this.#clustering) {
      processQueue.locked = false;
      await this.#unlock(queue.brokerName, [queue]);
    }
  }

  // ------------------------------------------------------------------------------------------ orderly locks

  async #lockOne(queue: MessageQueue): Promise<boolean> {
    try {
      const locked = await lockBatchMq(this.#requireBrokers(), {
        consumerGroup: this.group,
        clientId: this.#instance?.clientId ?? '',
        brokerName: queue.brokerName,
        queues: [queue],
        timeoutMillis: this.#instance?.config.requestTimeoutMillis ?? 3000,
      });
      return locked.some((q) => messageQueueKey(q) === messageQueueKey(queue));
    } catch (error) {
      this.#emit('lockFailed', { brokerName: queue.brokerName, error });
      return false;
    }
  }

  /** RebalanceImpl.lockAll: renews every owned queue's lock, broker by broker. */
  async #lockAll(): Promise<void> {
    const rebalancer = this.#rebalancer;
    if (rebalancer === undefined) return;
    const byBroker = new Map<string, Array<{ queue: MessageQueue; processQueue: ProcessQueue }>>();
    for (const owned of rebalancer.owned()) {
      const list = byBroker.get(owned.queue.brokerName) ?? [];
      list.push(owned);
      byBroker.set(owned.queue.brokerName, list);
    }
    for (const [brokerName, owned] of byBroker) {
      try {
        const locked = await lockBatchMq(this.#requireBrokers(), {
          consumerGroup: this.group,
          clientId: this.#instance?.clientId ?? '',
          brokerName,
          queues: owned.map((o) => o.queue),
          timeoutMillis: this.#instance?.config.requestTimeoutMillis ?? 3000,
        });
        const lockedKeys = new Set(locked.map(messageQueueKey));
        const now = Date.now();
        for (const { queue, processQueue } of owned) {
          if (lockedKeys.has(messageQueueKey(queue))) {
            processQueue.locked = true;
            processQueue.lastLockTimestamp = now;
          } else {
            processQueue.locked = false;
          }
        }
      } catch (error) {
        this.#emit('lockFailed', { brokerName, error });
      }
    }
  }

  async #unlock(brokerName: string, queues: MessageQueue[]): Promise<void> {
    try {
      await unlockBatchMq(this.#requireBrokers(), {
        consumerGroup: this.group,
        clientId: this.#instance?.clientId ?? '',
        brokerName,
        queues,
        timeoutMillis: this.#instance?.config.requestTimeoutMillis ?? 3000,
      });
    } catch (error) {
      this.#logger.warn(
        { err: error, brokerName },
        'unlocking queues failed; the broker lock expires by itself',
      );
    }
  }

  async #unlockAll(): Promise<void> {
    const byBroker = new Map<string, MessageQueue[]>();
    for (const { queue } of this.#rebalancer?.owned() ?? []) {
      const list = byBroker.get(queue.brokerName) ?? [];
      list.push(queue);
      byBroker.set(queue.brokerName, list);
    }
    await Promise.all([...byBroker].map(([brokerName, queues]) => this.#unlock(brokerName, queues)));
  }

  // ------------------------------------------------------------------------------------------ pulling

  #startPulling(request: PullRequest): void {
    void this.#pullLoop(request).catch((error: unknown) => {
      this.#logger.error({ err: error, queue: request.queue }, 'pull loop ended unexpectedly');
    });
  }

  #active(processQueue: ProcessQueue): boolean {
    return !this.#abort.signal.aborted && !processQueue.dropped;
  }

  async #pullLoop(request: PullRequest): Promise<void> {
    const { queue, processQueue } = request;
    const signal = this.#abort.signal;
    const key = messageQueueKey(queue);
    let flowControlled = false;
    while (this.#active(processQueue)) {
      if (this.#paused) {
        await sleep(1000, signal);
        continue;
      }
      const reason = processQueue.flowControl({
        pullThresholdForQueue: this.#options.pullThresholdForQueue,
        pullThresholdSizeForQueue: this.#options.pullThresholdSizeForQueue,
        consumeConcurrentlyMaxSpan: this.#orderly ? undefined : this.#options.consumeConcurrentlyMaxSpan,
      });
      if (reason !== undefined) {
        if (!flowControlled) {
          flowControlled = true;
          this.#emit('flowControl', {
            queue,
            reason,
            cachedMessages: processQueue.messageCount,
            cachedBytes: processQueue.messageBytes,
          });
        }
        await sleep(FLOW_CONTROL_DELAY_MS, signal);
        continue;
      }
      flowControlled = false;
      if (this.#orderly && this.#clustering && !processQueue.locked) {
        await sleep(ORDERLY_RELOCK_DELAY_MS, signal);
        continue;
      }
      const subscription = this.#rebalancer?.subscriptions.get(queue.topic);
      if (subscription === undefined) {
        await sleep(this.#options.pullTimeDelayMillisWhenException, signal);
        continue;
      }
      const commitOffset = this.#clustering
        ? await this.#requireOffsetStore().readOffset(queue, 'MEMORY')
        : 0;
      processQueue.lastPullTimestamp = Date.now();
      try {
        const { result } = await pullMessage(this.#requireBrokers(), {
          consumerGroup: this.group,
          queue,
          subscription,
          queueOffset: request.nextOffset,
          maxMessages: this.#options.pullBatchSize,
          commitOffset,
          suspendTimeoutMillis: this.#options.brokerSuspendMaxTimeMillis,
          timeoutMillis: this.#options.consumerTimeoutMillisWhenSuspend,
          brokerId: this.#suggestedBrokerIds.get(key),
        });
        if (!this.#active(processQueue)) return;
        this.#suggestedBrokerIds.set(key, result.suggestWhichBrokerId);
        switch (result.status) {
          case 'FOUND':
            request.nextOffset = result.nextBeginOffset;
            if (result.messages.length > 0) this.#dispatch(queue, processQueue, result.messages);
            else this.#correctTagsOffset(queue, processQueue, request.nextOffset);
            break;
          case 'NO_NEW_MSG':
          case 'NO_MATCHED_MSG':
            request.nextOffset = result.nextBeginOffset;
            this.#correctTagsOffset(queue, processQueue, request.nextOffset);
            break;
          case 'OFFSET_ILLEGAL':
            this.#logger.warn(
              { queue, from: request.nextOffset, to: result.nextBeginOffset },
              'pull offset illegal; moving to the broker suggested offset',
            );
            this.#emit('offsetMoved', {
              queue,
              from: request.nextOffset,
              nextOffset: result.nextBeginOffset,
            });
            request.nextOffset = result.nextBeginOffset;
            this.#requireOffsetStore().updateOffset(queue, result.nextBeginOffset, false);
            break;
        }
        if (this.#options.pullIntervalMillis > 0) await sleep(this.#options.pullIntervalMillis, signal);
      } catch (error) {
        if (!this.#active(processQueue)) return;
        const clientError = toClientError(error);
        this.#logger.warn({ err: clientError, queue }, 'pull failed');
        this.#emit('pullFailed', { queue, error: clientError });
        await sleep(this.#options.pullTimeDelayMillisWhenException, signal);
      }
    }
  }

  /** Nothing matched up to nextOffset: with nothing cached, the group's offset may move there (correctTagsOffset). */
  #correctTagsOffset(queue: MessageQueue, processQueue: ProcessQueue, nextOffset: number): void {
    if (processQueue.messageCount === 0) this.#requireOffsetStore().updateOffset(queue, nextOffset, true);
  }

  #dispatch(queue: MessageQueue, processQueue: ProcessQueue, messages: MessageExt[]): void {
    const startOrderly = processQueue.putMessages(messages);
    const listener = this.#listener;
    if (listener === undefined) return;
    if (listener.kind === 'orderly') {
      if (startOrderly) this.#submitOrderly(queue, processQueue, listener.listener, 0);
      return;
    }
    const batch = this.#options.consumeMessageBatchMaxSize;
    for (let i = 0; i < messages.length; i += batch) {
      const chunk = messages.slice(i, i + batch);
      this.#executor.submit(() => this.#consumeConcurrently(queue, processQueue, chunk, listener.listener));
    }
  }

  // ------------------------------------------------------------------------------------------ concurrent

  async #consumeConcurrently(
    queue: MessageQueue,
    processQueue: ProcessQueue,
    messages: MessageExt[],
    listener: BatchMessageListener,
  ): Promise<void> {
    if (processQueue.dropped) return;
    const delivered = messages.map((m) => this.#prepareForListener(m));
    const context: ConsumeConcurrentlyContext = {
      queue,
      delayLevelWhenNextConsume: 0,
      ackIndex: Number.MAX_SAFE_INTEGER,
    };
    let status: 'CONSUME_SUCCESS' | 'RECONSUME_LATER';
    let thrown: unknown;
    try {
      const returned = await this.#withConsumeTimeout(listener(delivered, context));
      status = returned === 'RECONSUME_LATER' ? 'RECONSUME_LATER' : 'CONSUME_SUCCESS';
    } catch (error) {
      status = 'RECONSUME_LATER';
      thrown = error;
    }
    // A queue given up meanwhile belongs to another member now: its offset is not ours to move.
    if (processQueue.dropped) return;
    const ackIndex = status === 'CONSUME_SUCCESS' ? Math.min(context.ackIndex, delivered.length - 1) : -1;
    const failed = delivered.slice(ackIndex + 1);
    const retryLocally: MessageExt[] = [];
    if (failed.length > 0) {
      this.#emit('consumeFailed', { queue, messages: failed, error: thrown });
      if (this.#clustering) {
        for (const message of failed) {
          const handedBack = await this.#sendBack(message, context.delayLevelWhenNextConsume);
          if (!handedBack) retryLocally.push({ ...message, reconsumeTimes: message.reconsumeTimes + 1 });
        }
      } else {
        this.#logger.warn({ queue, count: failed.length }, 'BROADCASTING: failed messages are not retried');
      }
    }
    const retryOffsets = new Set(retryLocally.map((m) => m.queueOffset));
    const offset = processQueue.removeMessages(messages.filter((m) => !retryOffsets.has(m.queueOffset)));
    if (offset >= 0 && !processQueue.dropped) this.#requireOffsetStore().updateOffset(queue, offset, true);
    if (retryLocally.length > 0) {
      const timer = setTimeout(() => {
        if (!this.#active(processQueue)) return;
        this.#executor.submit(() => this.#consumeConcurrently(queue, processQueue, retryLocally, listener));
      }, LOCAL_RETRY_DELAY_MS);
      timer.unref();
    }
  }

  /** The listener's result, or a ClientError once consumeTimeoutMillis passed (the call itself is abandoned). */
  async #withConsumeTimeout<T>(result: T | Promise<T>): Promise<T> {
    if (!(result instanceof Promise)) return result;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ClientError(
              'REQUEST_TIMEOUT',
              `listener did not finish within consumeTimeoutMillis (${this.#options.consumeTimeoutMillis} ms)`,
            ),
          ),
        this.#options.consumeTimeoutMillis,
      );
      timer.unref();
    });
    try {
      return await Promise.race([result, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** What the listener sees: the original topic for retried messages, CONSUME_START_TIME set. */
  #prepareForListener(message: MessageExt): MessageExt {
    const restored = restoreRetryTopic(message, this.group);
    const properties = {
      ...restored.properties,
      [MessageConst.PROPERTY_CONSUME_START_TIMESTAMP]: String(Date.now()),
    };
    return { ...restored, properties };
  }

  /**
   * Hands a failed message back for a later retry: CONSUMER_SEND_MSG_BACK, else a re-send to the retry topic.
   * Returns false when both failed (the caller retries locally).
   */
  async #sendBack(message: MessageExt, delayLevel: number): Promise<boolean> {
    const brokers = this.#requireBrokers();
    const timeoutMillis = this.#instance?.config.requestTimeoutMillis ?? 3000;
    const maxReconsumeTimes = this.#maxReconsumeTimes;
    try {
      await sendMessageBack(brokers, {
        consumerGroup: this.group,
        message,
        delayLevel,
        maxReconsumeTimes,
        timeoutMillis,
      });
      return true;
    } catch (error) {
      this.#logger.warn(
        { err: error, msgId: message.msgId },
        'CONSUMER_SEND_MSG_BACK failed; re-sending to the retry topic',
      );
    }
    try {
      await sendToRetryTopic(brokers, {
        consumerGroup: this.group,
        message,
        brokerNames: await this.#retryBrokerNames(message.brokerName),
        maxReconsumeTimes,
        reconsumeTimes: delayLevel < 0 ? maxReconsumeTimes + 1 : message.reconsumeTimes + 1,
        delayLevel: delayLevel < 0 ? 0 : 3 + message.reconsumeTimes,
        timeoutMillis,
      });
      return true;
    } catch (error) {
      this.#logger.warn(
        { err: error, msgId: message.msgId },
        're-sending to the retry topic failed; retrying locally',
      );
      this.#emit('sendBackFailed', { message, error });
      return false;
    }
  }

  /** Brokers that host the retry topic, the message's own first. */
  async #retryBrokerNames(first: string): Promise<string[]> {
    const names = [first];
    try {
      const route = await this.#instance?.getTopicRoute(retryTopicOf(this.group));
      for (const queue of route?.writeQueues ?? [])
        if (!names.includes(queue.brokerName)) names.push(queue.brokerName);
    } catch {
      // no route for the retry topic yet: the message's own broker is the one to try
    }
    return names;
  }

  // ------------------------------------------------------------------------------------------ orderly

  #submitOrderly(
    queue: MessageQueue,
    processQueue: ProcessQueue,
    listener: OrderlyMessageListener,
    delayMs: number,
  ): void {
    const run = () => this.#executor.submit(() => this.#consumeOrderly(queue, processQueue, listener));
    if (delayMs <= 0) {
      run();
      return;
    }
    const timer = setTimeout(() => {
      if (this.#active(processQueue)) run();
      else processQueue.stopConsuming();
    }, delayMs);
    timer.unref();
  }

  /** ConsumeMessageOrderlyService.ConsumeRequest: one batch of one queue; resubmits itself while messages remain. */
  async #consumeOrderly(
    queue: MessageQueue,
    processQueue: ProcessQueue,
    listener: OrderlyMessageListener,
  ): Promise<void> {
    if (!this.#active(processQueue)) {
      processQueue.stopConsuming();
      return;
    }
    if (this.#clustering && (!processQueue.locked || processQueue.isLockExpired())) {
      // Lost the lock: try to get it back, then continue (tryLockLaterAndReconsume).
      const locked = await this.#lockOne(queue);
      if (locked) {
        processQueue.locked = true;
        processQueue.lastLockTimestamp = Date.now();
      }
      this.#submitOrderly(queue, processQueue, listener, locked ? 10 : ORDERLY_RELOCK_DELAY_MS);
      return;
    }
    const messages = processQueue.takeMessages(this.#options.consumeMessageBatchMaxSize);
    if (messages.length === 0) return; // takeMessages ended the consume task
    const delivered = messages.map((m) => this.#prepareForListener(m));
    const context: ConsumeOrderlyContext = {
      queue,
      suspendCurrentQueueTimeMillis: this.#options.suspendCurrentQueueTimeMillis,
    };
    let suspend: boolean;
    let thrown: unknown;
    this.#orderlyBusy.add(processQueue);
    try {
      suspend =
        (await this.#withConsumeTimeout(listener(delivered, context))) === 'SUSPEND_CURRENT_QUEUE_A_MOMENT';
    } catch (error) {
      suspend = true;
      thrown = error;
    } finally {
      this.#orderlyBusy.delete(processQueue);
    }
    if (processQueue.dropped) {
      processQueue.stopConsuming();
      return;
    }
    if (suspend) {
      this.#emit('consumeFailed', { queue, messages: delivered, error: thrown });
      const exhausted = messages.filter((m) => m.reconsumeTimes >= this.#maxReconsumeTimes);
      let keepSuspended = exhausted.length < messages.length;
      for (const message of exhausted) {
        // Past the limit: to the DLQ (CONSUMER_SEND_MSG_BACK with delay level -1), so the queue can move on.
        if (!(await this.#sendBack(restoreRetryTopic(message, this.group), -1))) keepSuspended = true;
      }
      if (keepSuspended) {
        processQueue.makeMessagesToConsumeAgain(
          messages.map((m) => ({ ...m, reconsumeTimes: m.reconsumeTimes + 1 })),
        );
        this.#submitOrderly(queue, processQueue, listener, context.suspendCurrentQueueTimeMillis);
        return;
      }
    }
    const offset = processQueue.commit();
    if (offset >= 0 && !processQueue.dropped) this.#requireOffsetStore().updateOffset(queue, offset, false);
    this.#submitOrderly(queue, processQueue, listener, 0);
  }
}
