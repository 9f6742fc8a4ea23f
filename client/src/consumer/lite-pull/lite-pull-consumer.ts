/**
 * LitePullConsumer (Java `DefaultLitePullConsumer`): the application asks for messages with `poll()`.
 *
 *   const consumer = new LitePullConsumer({ group: 'reports', namesrvAddr });
 *   consumer.subscribe('Orders', '*');                 // queues shared with the group (rebalance), or
 *   consumer.assign(await consumer.fetchMessageQueues('Orders'));   // queues chosen by the application
 *   await consumer.start();
 *   const messages = await consumer.poll(1000);
 *   await consumer.commit();                           // or autoCommit (default: every 5 s during poll)
 *
 * Background pull loops (one per assigned queue, long polling) fill a cache that `poll` drains in arrival order;
 * the cache is bounded per queue (pullThresholdForQueue, pullThresholdSizeForQueue) and in total
 * (pullThresholdForAll). `poll` marks what it returns as consumed: `commit` stores, for each queue, the offset
 * after the last polled message. `seek` moves a queue (dropping what was cached for it); `pause`/`resume` stop and
 * restart pulling of chosen queues. `subscribe` and `assign` exclude each other, as in Java.
 *
 * Failed messages are the application's business here (there is no listener to retry): nothing is sent back.
 */
import { z } from 'zod';
import { RequestCode, type RemotingCommand } from '@skyrocket/remoting';
import type { Logger } from '@skyrocket/common';

import { ClientError, toClientError } from '../../errors';
import { ClientInstance } from '../../core/client-instance';
import { parseClientConfig, type ClientConfigInput } from '../../core/config';
import { TypedEventEmitter } from '../../core/events';
import type { ConsumerData } from '../../core/heartbeat-data';
import { Lifecycle, type LifecycleState } from '../../core/lifecycle';
import { brokerAccessOf, type BrokerAccess } from '../broker-access';
import { maxOffset, minOffset, pullMessage, searchOffset } from '../broker-api';
import { sleep } from '../consume-executor';
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
import {
  compareMessageQueues,
  describeMessageQueue,
  messageQueueKey,
  type MessageQueue,
} from '../message-queue';
import { createConsumerOffsetStore, type OffsetStore } from '../offset-store';
import { ProcessQueue } from '../process-queue';
import type { MessageExt } from '../pull/message-ext';
import { buildSubscriptionData, subscriptionDataJson, type Subscription } from '../pull/subscription';
import { Rebalancer } from '../rebalance/rebalancer';
import { computePullFromWhere } from '../start-offset';

const millis = (min: number, max: number) => z.number().int().min(min).max(max);

export const LitePullConsumerOptionsSchema = z.object({
  group: groupName,
  messageModel,
  consumeFromWhere,
  consumeTimestamp,
  allocateStrategy,
  /** Commit consumed offsets during poll every autoCommitIntervalMillis. */
  autoCommit: z.boolean().default(true),
  autoCommitIntervalMillis: millis(100, 3_600_000).default(5000),
  /** Messages per pull. */
  pullBatchSize: z.number().int().min(1).max(1024).default(10),
  /** Cached messages in total above which every queue pauses. */
  pullThresholdForAll: z.number().int().min(1).max(1_000_000).default(10_000),
  pullThresholdForQueue: z.number().int().min(1).max(65535).default(1000),
  /** MiB. */
  pullThresholdSizeForQueue: z.number().int().min(1).max(1024).default(100),
  /** poll()'s default timeout. */
  pollTimeoutMillis: millis(0, 3_600_000).default(5000),
  brokerSuspendMaxTimeMillis: millis(0, 60_000).default(15_000),
  consumerTimeoutMillisWhenSuspend: millis(1000, 120_000).default(30_000),
  pullTimeDelayMillisWhenException: millis(0, 60_000).default(1000),
  rebalanceIntervalMillis: millis(100, 3_600_000).default(20_000),
  localOffsetStoreDir: z.string().min(1).optional(),
});

export type LitePullConsumerOptions = ClientConfigInput & z.input<typeof LitePullConsumerOptionsSchema>;
type ParsedOptions = z.output<typeof LitePullConsumerOptionsSchema>;

/** One assigned queue's state. */
interface QueueState {
  readonly queue: MessageQueue;
  readonly processQueue: ProcessQueue;
  /** Next offset to pull; undefined until computed from the store and consumeFromWhere. */
  pullOffset: number | undefined;
  /** Offset after the last polled message; what commit stores. */
  consumedOffset: number | undefined;
  seekOffset: number | undefined;
  paused: boolean;
  /** Bumped by seek: pulls and cached batches of an older generation are dropped. */
  generation: number;
  /**
   * Aborted by seek and pause: the pull in flight (possibly held by the broker for seconds) is abandoned and its
   * answer ignored, so that the change takes effect at once. The broker answers it later into the void.
   */
  interrupt: AbortController;
}

interface CachedBatch {
  readonly state: QueueState;
  readonly generation: number;
  readonly messages: MessageExt[];
}

export class LitePullConsumer {
  readonly group: string;
  readonly #options: ParsedOptions;
  readonly #clientInput: ClientConfigInput;
  readonly #lifecycle: Lifecycle;
  readonly #events = new TypedEventEmitter<ConsumerEvents>();
  readonly #subscriptions = new Map<string, Subscription>();
  readonly #states = new Map<string, QueueState>();
  readonly #cache: CachedBatch[] = [];
  #cachedMessages = 0;
  #pollWaiters: Array<() => void> = [];
  #mode: 'none' | 'subscribe' | 'assign' = 'none';
  #assigned: MessageQueue[] = [];
  #instance: ClientInstance | undefined;
  #brokers: BrokerAccess | undefined;
  #offsetStore: OffsetStore | undefined;
  #rebalancer: Rebalancer | undefined;
  #abort = new AbortController();
  #timers: NodeJS.Timeout[] = [];
  #offRequest: (() => void) | undefined;
  #nextAutoCommit = 0;
  #logger: Logger;
  /** Where a queue without a consumed offset starts (set at start). */
  #startOffset: ((queue: MessageQueue) => Promise<number>) | undefined;

  constructor(options: LitePullConsumerOptions) {
    this.#options = parseOptions(LitePullConsumerOptionsSchema, options, 'lite pull consumer');
    const clientConfig = parseClientConfig(options);
    this.#clientInput = options;
    this.group = this.#options.group;
    this.#lifecycle = new Lifecycle(`lite pull consumer "${this.group}"`);
    this.#logger = clientConfig.logger.child({ component: 'lite-pull-consumer', group: this.group });
  }

  get state(): LifecycleState {
    return this.#lifecycle.state;
  }

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

  /** Subscribes to a topic; the group's members share its queues (rebalance). Excludes `assign`. */
  subscribe(topic: string, expression = '*'): this {
    this.#assertUsable('subscribe');
    if (this.#mode === 'assign') {
      throw new ClientError('INVALID_ARGUMENT', 'subscribe() and assign() cannot be mixed on one consumer');
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
    this.#mode = 'subscribe';
    this.#subscriptions.set(topic, subscription);
    if (this.#rebalancer !== undefined) {
      this.#rebalancer.subscriptions.set(topic, subscription);
      this.#heartbeatSoon();
      this.#rebalanceSoon();
    }
    return this;
  }

  /**
   * Reads exactly these queues (no rebalance). Replaces a previous assignment: queues left out are given up
   * (their consumed offsets committed first). `expression` filters by tag, per topic ("*" by default).
   */
  async assign(queues: readonly MessageQueue[], expression = '*'): Promise<void> {
    this.#assertUsable('assign');
    if (this.#mode === 'subscribe') {
      throw new ClientError('INVALID_ARGUMENT', 'subscribe() and assign() cannot be mixed on one consumer');
    }
    this.#mode = 'assign';
    for (const topic of new Set(queues.map((q) => q.topic))) {
      try {
        this.#subscriptions.set(topic, buildSubscriptionData(topic, expression, Date.now()));
      } catch (error) {
        throw new ClientError('INVALID_ARGUMENT', `assign ${topic}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    this.#assigned = [...queues];
    if (this.#lifecycle.isRunning) await this.#applyAssignment();
  }

  /** The queues this consumer reads now. */
  assignment(): MessageQueue[] {
    return [...this.#states.values()].map((s) => s.queue).sort(compareMessageQueues);
  }

  /** The readable queues of a topic, from the NameServer. */
  async fetchMessageQueues(topic: string): Promise<MessageQueue[]> {
    const instance = this.#requireInstance('fetch message queues');
    const route = await instance.getTopicRoute(topic, { refresh: true });
    return [...route.readQueues].sort(compareMessageQueues);
  }

  /**
   * The next cached messages (one pulled batch of one queue), waiting up to `timeoutMillis` (default
   * pollTimeoutMillis); an empty array when nothing arrived. Commits consumed offsets when autoCommit is due.
   */
  async poll(timeoutMillis = this.#options.pollTimeoutMillis): Promise<MessageExt[]> {
    this.#lifecycle.assertRunning('poll');
    const deadline = Date.now() + timeoutMillis;
    for (;;) {
      const batch = this.#cache.shift();
      if (batch !== undefined) {
        this.#cachedMessages -= batch.messages.length;
        const { state } = batch;
        if (batch.generation !== state.generation || state.processQueue.dropped) continue;
        const offset = state.processQueue.removeMessages(batch.messages);
        if (offset >= 0) state.consumedOffset = offset;
        await this.#maybeAutoCommit();
        return batch.messages;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0 || !this.#lifecycle.isRunning) {
        await this.#maybeAutoCommit();
        return [];
      }
      await this.#waitForBatch(remaining);
    }
  }

  /** Continues reading `queue` at `offset` (between its min and max offset). */
  async seek(queue: MessageQueue, offset: number): Promise<void> {
    const state = this.#requireAssigned(queue, 'seek');
    const brokers = this.#requireBrokers();
    const timeout = this.#timeout;
    const [min, max] = await Promise.all([
      minOffset(brokers, queue, timeout),
      maxOffset(brokers, queue, timeout),
    ]);
    if (!Number.isInteger(offset) || offset < min || offset > max) {
      throw new ClientError(
        'INVALID_ARGUMENT',
        `seek ${describeMessageQueue(queue)}: offset ${offset} is outside [${min}, ${max}]`,
      );
    }
    this.#seekTo(state, offset);
  }

  async seekToBegin(queue: MessageQueue): Promise<void> {
    const state = this.#requireAssigned(queue, 'seek');
    this.#seekTo(state, await minOffset(this.#requireBrokers(), queue, this.#timeout));
  }

  async seekToEnd(queue: MessageQueue): Promise<void> {
    const state = this.#requireAssigned(queue, 'seek');
    this.#seekTo(state, await maxOffset(this.#requireBrokers(), queue, this.#timeout));
  }

  /** The first offset stored at or after `timestamp` (epoch ms). */
  async offsetForTimestamp(queue: MessageQueue, timestamp: number): Promise<number> {
    this.#lifecycle.assertRunning('look up an offset');
    return searchOffset(this.#requireBrokers(), queue, timestamp, this.#timeout);
  }

  /** Stops pulling these queues (what is cached can still be polled). */
  pause(queues: readonly MessageQueue[]): void {
    for (const queue of queues) {
      const state = this.#states.get(messageQueueKey(queue));
      if (state === undefined) continue;
      state.paused = true;
      this.#interrupt(state);
    }
  }

  resume(queues: readonly MessageQueue[]): void {
    for (const queue of queues) {
      const state = this.#states.get(messageQueueKey(queue));
      if (state !== undefined) state.paused = false;
    }
  }

  /** Stores every queue's consumed offset (broker or local file) now. */
  async commit(): Promise<void> {
    this.#lifecycle.assertRunning('commit');
    await this.#commitAll();
  }

  /** The group's stored offset of a queue (-1 when none). */
  async committed(queue: MessageQueue): Promise<number> {
    this.#lifecycle.assertRunning('read committed offsets');
    return this.#requireOffsetStore().readOffset(queue, 'STORE');
  }

  async start(): Promise<void> {
    this.#lifecycle.beginStart();
    try {
      await this.#start();
      this.#lifecycle.started();
    } catch (error) {
      await this.#teardown(false);
      this.#lifecycle.startFailed();
      throw error;
    }
  }

  async shutdown(): Promise<void> {
    if (!this.#lifecycle.beginShutdown()) return;
    try {
      await this.#teardown(true);
    } finally {
      this.#lifecycle.stopped();
      this.#events.removeAllListeners();
      this.#wakePollers();
    }
  }

  // ------------------------------------------------------------------------------------------ internals

  get #timeout(): number {
    return this.#instance?.config.requestTimeoutMillis ?? 3000;
  }

  #assertUsable(operation: string): void {
    if (this.#lifecycle.state === 'STOPPING' || this.#lifecycle.state === 'SHUTDOWN') {
      throw new ClientError(
        'SHUT_DOWN',
        `cannot ${operation}: lite pull consumer "${this.group}" has been shut down`,
      );
    }
  }

  #requireInstance(operation: string): ClientInstance {
    this.#lifecycle.assertRunning(operation);
    if (this.#instance === undefined) throw new ClientError('NOT_STARTED', 'the consumer is not started');
    return this.#instance;
  }

  #requireBrokers(): BrokerAccess {
    if (this.#brokers === undefined) throw new ClientError('NOT_STARTED', 'the consumer is not started');
    return this.#brokers;
  }

  #requireOffsetStore(): OffsetStore {
    if (this.#offsetStore === undefined) throw new ClientError('NOT_STARTED', 'the consumer is not started');
    return this.#offsetStore;
  }

  #requireAssigned(queue: MessageQueue, operation: string): QueueState {
    this.#lifecycle.assertRunning(operation);
    const state = this.#states.get(messageQueueKey(queue));
    if (state === undefined) {
      throw new ClientError(
        'INVALID_ARGUMENT',
        `${operation}: ${describeMessageQueue(queue)} is not assigned to this consumer`,
      );
    }
    return state;
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

  async #start(): Promise<void> {
    this.#abort = new AbortController();
    const instance = await ClientInstance.acquire(this.#clientInput);
    this.#instance = instance;
    this.#logger = this.#logger.child({ clientId: instance.clientId });
    const brokers = brokerAccessOf(instance);
    this.#brokers = brokers;
    this.#offsetStore = createConsumerOffsetStore(this.#options, {
      consumerGroup: this.group,
      clientId: instance.clientId,
      brokers,
      requestTimeoutMillis: this.#timeout,
    });
    await this.#offsetStore.load();
    const consumeTimestampMs = consumeTimestampMillis(this.#options.consumeTimestamp, Date.now());
    const startOffset = (queue: MessageQueue) =>
      computePullFromWhere(
        {
          offsetStore: this.#requireOffsetStore(),
          brokers,
          consumeFromWhere: this.#options.consumeFromWhere,
          consumeTimestamp: consumeTimestampMs,
          timeoutMillis: this.#timeout,
        },
        queue,
      );
    this.#startOffset = startOffset;
    for (const topic of this.#subscriptions.keys()) {
      try {
        await instance.getTopicRoute(topic);
      } catch (error) {
        this.#logger.warn({ err: error, topic }, 'no route for a topic yet');
      }
    }
    instance.registerConsumer({ group: this.group, consumerData: () => this.#consumerData() });
    await instance.sendHeartbeatToAllBrokers();
    this.#nextAutoCommit = Date.now() + this.#options.autoCommitIntervalMillis;

    if (this.#mode === 'subscribe') {
      const rebalancer = new Rebalancer({
        consumerGroup: this.group,
        messageModel: this.#options.messageModel,
        strategy: this.#options.allocateStrategy,
        instance,
        logger: this.#logger,
        hooks: {
          queueAdded: (queue, processQueue, nextOffset) => this.#addQueue(queue, processQueue, nextOffset),
          removeQueue: (queue) => this.#removeQueue(queue),
          computePullFromWhere: startOffset,
          rebalanced: (topic, queues, added, removed) =>
            this.#emit('rebalanced', { topic, queues, added, removed }),
          rebalanceFailed: (topic, error) => this.#emit('rebalanceFailed', { topic, error }),
        },
      });
      for (const [topic, subscription] of this.#subscriptions)
        rebalancer.subscriptions.set(topic, subscription);
      this.#rebalancer = rebalancer;
      this.#offRequest = instance.onRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, (request) =>
        this.#onConsumerIdsChanged(request),
      );
      this.#every(this.#options.rebalanceIntervalMillis, () => rebalancer.rebalance());
      await rebalancer.rebalance();
    } else {
      await this.#applyAssignment();
    }
  }

  async #teardown(persist: boolean): Promise<void> {
    this.#abort.abort();
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    this.#offRequest?.();
    this.#offRequest = undefined;
    await this.#rebalancer?.stop();
    if (persist && this.#offsetStore !== undefined) await this.#commitAll();
    for (const state of this.#states.values()) state.processQueue.dropped = true;
    this.#states.clear();
    this.#cache.length = 0;
    this.#cachedMessages = 0;
    const instance = this.#instance;
    if (instance !== undefined) {
      await instance.unregisterConsumer(this.group).catch(() => undefined);
      await instance.release().catch(() => undefined);
    }
  }

  #every(intervalMillis: number, task: () => Promise<void>): void {
    const timer = setInterval(() => {
      task().catch((error: unknown) => this.#logger.warn({ err: error }, 'periodic consumer task failed'));
    }, intervalMillis);
    timer.unref();
    this.#timers.push(timer);
  }

  #consumerData(): ConsumerData {
    return {
      groupName: this.group,
      consumeType: 'CONSUME_ACTIVELY',
      messageModel: this.#options.messageModel,
      consumeFromWhere: javaConsumeFromWhere(this.#options.consumeFromWhere),
      subscriptionDataSet:
        this.#mode === 'subscribe' ? [...this.#subscriptions.values()].map(subscriptionDataJson) : [],
      unitMode: false,
    };
  }

  #onConsumerIdsChanged(request: RemotingCommand): undefined {
    if (request.extFields.consumerGroup === this.group && this.#lifecycle.isRunning) this.#rebalanceSoon();
    return undefined;
  }

  async #applyAssignment(): Promise<void> {
    const wanted = new Map(this.#assigned.map((q) => [messageQueueKey(q), q]));
    for (const [key, state] of [...this.#states]) {
      if (!wanted.has(key)) await this.#removeQueue(state.queue);
    }
    for (const [key, queue] of wanted) {
      if (!this.#states.has(key)) this.#addQueue(queue, new ProcessQueue(), undefined);
    }
  }

  #addQueue(queue: MessageQueue, processQueue: ProcessQueue, nextOffset: number | undefined): void {
    const state: QueueState = {
      queue,
      processQueue,
      pullOffset: nextOffset,
      consumedOffset: nextOffset,
      seekOffset: undefined,
      paused: false,
      generation: 0,
      interrupt: new AbortController(),
    };
    this.#states.set(messageQueueKey(queue), state);
    void this.#pullLoop(state).catch((error: unknown) =>
      this.#logger.error({ err: error, queue }, 'pull loop ended unexpectedly'),
    );
  }

  async #removeQueue(queue: MessageQueue): Promise<void> {
    const key = messageQueueKey(queue);
    const state = this.#states.get(key);
    if (state === undefined) return;
    state.processQueue.dropped = true;
    this.#states.delete(key);
    const store = this.#requireOffsetStore();
    if (state.consumedOffset !== undefined) {
      store.updateOffset(queue, state.consumedOffset, false);
      try {
        await store.persist(queue);
      } catch (error) {
        this.#emit('offsetCommitFailed', { error });
      }
    }
    store.removeOffset(queue);
    this.#dropCached(state);
  }

  #seekTo(state: QueueState, offset: number): void {
    state.generation++;
    this.#interrupt(state);
    state.seekOffset = offset;
    state.consumedOffset = offset;
    state.processQueue.clear();
    this.#dropCached(state);
  }

  #interrupt(state: QueueState): void {
    state.interrupt.abort();
    state.interrupt = new AbortController();
  }

  #dropCached(state: QueueState): void {
    for (let i = this.#cache.length - 1; i >= 0; i--) {
      const batch = this.#cache[i];
      if (batch?.state === state) {
        this.#cache.splice(i, 1);
        this.#cachedMessages -= batch.messages.length;
      }
    }
  }

  async #maybeAutoCommit(): Promise<void> {
    if (!this.#options.autoCommit || Date.now() < this.#nextAutoCommit) return;
    this.#nextAutoCommit = Date.now() + this.#options.autoCommitIntervalMillis;
    await this.#commitAll();
  }

  async #commitAll(): Promise<void> {
    const store = this.#offsetStore;
    if (store === undefined) return;
    const queues: MessageQueue[] = [];
    for (const state of this.#states.values()) {
      if (state.consumedOffset === undefined) continue;
      store.updateOffset(state.queue, state.consumedOffset, false);
      queues.push(state.queue);
    }
    if (queues.length === 0) return;
    try {
      await store.persistAll(queues);
    } catch (error) {
      this.#logger.warn({ err: error }, 'committing offsets failed');
      this.#emit('offsetCommitFailed', { error });
    }
  }

  #waitForBatch(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#pollWaiters.push(done);
    });
  }

  #wakePollers(): void {
    const waiters = this.#pollWaiters;
    this.#pollWaiters = [];
    for (const waiter of waiters) waiter();
  }

  #active(state: QueueState): boolean {
    return !this.#abort.signal.aborted && !state.processQueue.dropped;
  }

  async #pullLoop(state: QueueState): Promise<void> {
    const { queue, processQueue } = state;
    const signal = this.#abort.signal;
    let brokerId: number | undefined;
    while (this.#active(state)) {
      if (state.paused) {
        await sleep(100, signal);
        continue;
      }
      const reason =
        this.#cachedMessages > this.#options.pullThresholdForAll
          ? 'count'
          : processQueue.flowControl({
              pullThresholdForQueue: this.#options.pullThresholdForQueue,
              pullThresholdSizeForQueue: this.#options.pullThresholdSizeForQueue,
            });
      if (reason !== undefined) {
        await sleep(50, signal);
        continue;
      }
      const subscription = this.#subscriptions.get(queue.topic);
      if (subscription === undefined) {
        await sleep(this.#options.pullTimeDelayMillisWhenException, signal);
        continue;
      }
      const generation = state.generation;
      // Captured before any await: a pause or seek from here on abandons this round.
      const interrupt = state.interrupt.signal;
      try {
        if (state.seekOffset !== undefined) {
          state.pullOffset = state.seekOffset;
          state.seekOffset = undefined;
        }
        if (state.pullOffset === undefined) {
          const start = await (this.#startOffset ?? (() => Promise.resolve(0)))(queue);
          if (generation !== state.generation || state.pullOffset !== undefined) continue;
          state.pullOffset = start;
          state.consumedOffset ??= start;
        }
        if (interrupt.aborted) continue;
        const answer = await abandonable(
          pullMessage(this.#requireBrokers(), {
            consumerGroup: this.group,
            queue,
            subscription,
            queueOffset: state.pullOffset,
            maxMessages: this.#options.pullBatchSize,
            suspendTimeoutMillis: this.#options.brokerSuspendMaxTimeMillis,
            timeoutMillis: this.#options.consumerTimeoutMillisWhenSuspend,
            brokerId,
            litePull: true,
          }),
          interrupt,
        );
        if (answer === undefined) continue; // seek or pause: pull again with the new state
        const { result } = answer;
        if (!this.#active(state) || generation !== state.generation) continue;
        brokerId = result.suggestWhichBrokerId;
        if (result.status === 'OFFSET_ILLEGAL') {
          this.#emit('offsetMoved', { queue, from: state.pullOffset, nextOffset: result.nextBeginOffset });
        }
        state.pullOffset = result.nextBeginOffset;
        if (result.messages.length > 0) {
          processQueue.putMessages(result.messages);
          this.#cache.push({ state, generation, messages: result.messages });
          this.#cachedMessages += result.messages.length;
          this.#wakePollers();
        } else if (processQueue.messageCount === 0 && state.consumedOffset !== undefined) {
          // Nothing matched the filter up to here: the consumed offset may move on.
          state.consumedOffset = Math.max(state.consumedOffset, result.nextBeginOffset);
        }
      } catch (error) {
        if (!this.#active(state)) return;
        const clientError = toClientError(error);
        this.#emit('pullFailed', { queue, error: clientError });
        await sleep(this.#options.pullTimeDelayMillisWhenException, signal);
      }
    }
  }
}

/** The promise's value, or undefined as soon as `signal` aborts (the promise itself keeps running, ignored). */
function abandonable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.resolve(undefined);
  }
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) resolve(undefined);
        else reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
