/**
 * Producer: sends messages to a topic's queues on the brokers the NameServers route it to.
 *
 *   const producer = new Producer({ group: 'orders-producer', namesrvAddr: '127.0.0.1:9876' });
 *   await producer.start();
 *   const result = await producer.send({ topic: 'Orders', body: '…', tags: 'created', keys: ['order-1'] });
 *   await producer.shutdown();
 *
 * A send (Java DefaultMQProducerImpl.sendDefaultImpl): validate → route (cached by the client instance; a topic no
 * NameServer knows falls back to the TBW102 route so that brokers with autoCreateTopicEnable create it) → pick a queue
 * (latency-aware, stepping around failing brokers) → SEND_MESSAGE_V2 to the broker group's master → on a retriable
 * failure, again on another broker, up to 1 + retryTimesWhenSendFailed attempts within sendMsgTimeoutMillis.
 * Ordered sends (shardingKey / selector / queue) make a single attempt: moving to another queue would break order.
 * Many sends share one connection per broker (the remoting client pipelines them by opaque).
 */
import { z } from 'zod';
import {
  createRequest,
  encodeBatchMessages,
  MessageConst,
  RequestCode,
  ResponseCode,
  type RemotingCommand,
} from '@skyrocket/remoting';
import { ClientInstance, type ClientEvents } from '../core/client-instance';
import {
  ClientConfigSchema,
  parseClientConfig,
  type ClientConfig,
  type ClientConfigInput,
} from '../core/config';
import { TypedEventEmitter } from '../core/events';
import { Lifecycle } from '../core/lifecycle';
import { buildRouteInfo, Perm, type MessageQueue, type TopicRouteInfo } from '../core/route';
import { ClientError, isClientError, responseError, toClientError } from '../errors';
import { maybeCompress } from './compression';
import { FaultStrategy, QueueCursor } from './fault-strategy';
import { InFlightLimiter } from './in-flight-limiter';
import {
  createUniqId,
  prepareMessage,
  propertiesString,
  validateGroup,
  type Message,
  type PreparedMessage,
} from './message';
import { selectQueueByHash, type MessageQueueSelector } from './queue-selector';
import type { BatchSendResult, SendResult, SendStatus } from './send-result';

const int = (min: number, max: number) => z.number().int().min(min).max(max);

export const ProducerOptionsSchema = z.object({
  /** Producer group: brokers ask a member of it to resolve transactions. */
  group: z.string(),
  /** Budget of one send, retries included (Java sendMsgTimeout 3000). */
  sendMsgTimeoutMillis: int(1, 600_000).default(3000),
  /** Extra attempts on another broker after a retriable failure (Java retryTimesWhenSendFailed 2). */
  retryTimesWhenSendFailed: int(0, 16).default(2),
  /** Bodies longer than this are zlib-compressed (Java compressMsgBodyOverHowmuch 4096). */
  compressMsgBodyOverHowmuch: int(0, 0x7fffffff).default(4096),
  /** zlib level (Java compressLevel 5). */
  compressLevel: int(0, 9).default(5),
  /** Largest body accepted (Java maxMessageSize 4 MiB). */
  maxMessageSize: int(1, 0x7fffffff).default(4 * 1024 * 1024),
  /** Sends in flight at once; more wait for a slot (Java backPressureForAsyncSendNum 10000). */
  maxInFlight: int(1, 1_000_000).default(10_000),
  /** The template topic for auto-created topics (Java createTopicKey "TBW102"). */
  createTopicKey: z.string().default('TBW102'),
  /** Queues of an auto-created topic (Java defaultTopicQueueNums 4). */
  defaultTopicQueueNums: int(1, 1024).default(4),
  /** Latency-aware broker choice (Java sendLatencyFaultEnable). */
  sendLatencyFaultEnable: z.boolean().default(true),
  /**
   * Cap of one attempt while more attempts remain (Java sendMsgMaxTimeoutPerRequest; 0 = off, the attempt may use
   * the whole remaining budget). Set it below sendMsgTimeoutMillis so a broker that hangs leaves time for a retry.
   */
  sendMsgMaxTimeoutPerRequestMillis: int(0, 600_000).default(0),
  /** Retry on another broker when the status is not SEND_OK (Java retryAnotherBrokerWhenNotStoreOK false). */
  retryAnotherBrokerWhenNotStoreOK: z.boolean().default(false),
});

export type ProducerOptions = z.input<typeof ProducerOptionsSchema> & ClientConfigInput;
export type ProducerConfig = z.output<typeof ProducerOptionsSchema>;

export interface SendOptions {
  /** This send's budget instead of sendMsgTimeoutMillis. */
  timeoutMillis?: number;
  /** Ordered messages: the queue is chosen by this key's hash (same as Java's SelectMessageQueueByHash). */
  shardingKey?: string;
  /** Ordered messages: choose the queue yourself. */
  selector?: MessageQueueSelector;
  /** Send to exactly this queue. */
  queue?: MessageQueue;
}

export interface ProducerEvents extends ClientEvents {
  /** An attempt failed and the send goes on with another attempt. */
  sendRetry: { topic: string; brokerName: string; attempt: number; error: ClientError };
}

type Mode = 'sync' | 'oneway';

/** What the send loop sends: one message or a batch. */
interface Outgoing {
  topic: string;
  body: Buffer;
  flag: number;
  sysFlag: number;
  properties: string;
  batch: boolean;
  /** UNIQ_KEYs (one for a message, one per message for a batch). */
  uniqIds: string[];
  /** First message, for selectors. */
  message: Message;
}

const STATUS_BY_CODE: ReadonlyMap<number, SendStatus> = new Map([
  [ResponseCode.SUCCESS, 'SEND_OK'],
  [ResponseCode.FLUSH_DISK_TIMEOUT, 'FLUSH_DISK_TIMEOUT'],
  [ResponseCode.FLUSH_SLAVE_TIMEOUT, 'FLUSH_SLAVE_TIMEOUT'],
  [ResponseCode.SLAVE_NOT_AVAILABLE, 'SLAVE_NOT_AVAILABLE'],
]);

/** How long a TBW102-derived route is used before the topic's own route is asked for again. */
const FALLBACK_ROUTE_MILLIS = 5000;

export class Producer {
  readonly group: string;
  readonly options: ProducerConfig;
  readonly clientConfig: ClientConfig;
  /** Typed events: the client instance's (routeUpdated, brokerUnavailable, requestFailed…) and sendRetry. */
  readonly events = new TypedEventEmitter<ProducerEvents>();

  readonly #lifecycle: Lifecycle;
  readonly #fault: FaultStrategy;
  readonly #limiter: InFlightLimiter;
  readonly #cursors = new WeakMap<TopicRouteInfo, QueueCursor>();
  readonly #fallbackRoutes = new Map<string, { info: TopicRouteInfo; expiresAt: number }>();
  #instance: ClientInstance | undefined;
  #unsubscribe: Array<() => void> = [];
  #pending = 0;
  #drained: (() => void) | undefined;

  constructor(options: ProducerOptions) {
    const parsed = ProducerOptionsSchema.safeParse(options);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
      throw new ClientError('INVALID_CONFIG', `invalid producer options: ${problems.join('; ')}`);
    }
    validateGroup(parsed.data.group, 'producer group');
    this.options = Object.freeze(parsed.data);
    this.group = parsed.data.group;
    this.clientConfig = parseClientConfig(pickClientConfig(options));
    this.#lifecycle = new Lifecycle(`producer "${this.group}"`);
    this.#fault = new FaultStrategy({ now: () => Date.now() }, this.options.sendLatencyFaultEnable);
    this.#limiter = new InFlightLimiter(this.options.maxInFlight);
  }

  get state(): string {
    return this.#lifecycle.state;
  }

  /** The shared client instance (after start). */
  get clientInstance(): ClientInstance {
    if (!this.#instance) this.#lifecycle.assertRunning('use the client instance');
    return this.#instance as ClientInstance;
  }

  async start(): Promise<void> {
    this.#lifecycle.beginStart();
    let instance: ClientInstance | undefined;
    try {
      instance = await ClientInstance.acquire(this.clientConfig);
      instance.registerProducer({ group: this.group });
      this.#instance = instance;
      this.#forwardEvents(instance);
      await this.onStarted(instance);
      this.#lifecycle.started();
    } catch (error) {
      this.#stopForwarding();
      if (instance) {
        await instance.unregisterProducer(this.group).catch(() => undefined);
        await instance.release();
      }
      this.#instance = undefined;
      this.#lifecycle.startFailed();
      throw error;
    }
  }

  /** Waits (up to sendMsgTimeoutMillis) for sends in flight, unregisters the group and releases the instance. */
  async shutdown(): Promise<void> {
    if (!this.#lifecycle.beginShutdown()) return;
    try {
      await this.#waitForPending(this.options.sendMsgTimeoutMillis);
      this.#limiter.rejectAll(new ClientError('SHUT_DOWN', `producer "${this.group}" was shut down`));
      await this.beforeShutdown();
      const instance = this.#instance;
      this.#stopForwarding();
      if (instance) {
        await instance.unregisterProducer(this.group);
        await instance.release();
      }
    } finally {
      this.#lifecycle.stopped();
    }
  }

  /** Sends one message and resolves when the broker has stored it. */
  async send(message: Message, options: SendOptions = {}): Promise<SendResult> {
    this.#lifecycle.assertRunning('send');
    const outgoing = this.#prepareSingle(message);
    return (await this.sendOutgoing(outgoing, 'sync', options)) as SendResult;
  }

  /** Sends one message without waiting for the broker (one attempt, no result). */
  async sendOneway(message: Message, options: SendOptions = {}): Promise<void> {
    this.#lifecycle.assertRunning('send');
    await this.sendOutgoing(this.#prepareSingle(message), 'oneway', options);
  }

  /**
   * Sends messages of one topic in one request (SEND_BATCH_MESSAGE). They land in one queue, consecutively.
   * Delay levels are not allowed in a batch (as in Java).
   */
  async sendBatch(messages: readonly Message[], options: SendOptions = {}): Promise<BatchSendResult> {
    this.#lifecycle.assertRunning('send');
    if (!Array.isArray(messages) || messages.length === 0) {
      throw new ClientError('INVALID_ARGUMENT', 'sendBatch needs at least one message');
    }
    const first = messages[0] as Message;
    if (first === null || typeof first !== 'object') {
      throw new ClientError(
        'INVALID_ARGUMENT',
        'every message of a batch must be an object with topic and body',
      );
    }
    const prepared = messages.map((m) => {
      if (m?.topic !== first.topic) {
        throw new ClientError(
          'INVALID_ARGUMENT',
          `every message of a batch must have the same topic (${first.topic})`,
        );
      }
      if (m.delayTimeLevel)
        throw new ClientError('INVALID_ARGUMENT', 'delayTimeLevel is not supported in a batch');
      if (m.waitStoreMsgOK !== first.waitStoreMsgOK) {
        throw new ClientError(
          'INVALID_ARGUMENT',
          'every message of a batch must have the same waitStoreMsgOK',
        );
      }
      return prepareMessage(m, this.options.maxMessageSize);
    });
    const uniqIds = prepared.map(() => createUniqId());
    const body = encodeBatchMessages(
      prepared.map((p, i) => {
        p.properties.set(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX, uniqIds[i] as string);
        return { flag: p.flag, body: p.body, properties: p.properties };
      }),
    );
    if (body.length > this.options.maxMessageSize) {
      throw new ClientError(
        'INVALID_ARGUMENT',
        `the encoded batch is ${body.length} bytes, more than maxMessageSize ${this.options.maxMessageSize}; split it`,
      );
    }
    // MessageBatch.generateFromList: the batch itself carries WAIT (and nothing else).
    const batchProperties = new Map<string, string>();
    if (first.waitStoreMsgOK === false) batchProperties.set(MessageConst.PROPERTY_WAIT_STORE_MSG_OK, 'false');
    const outgoing: Outgoing = {
      topic: first.topic,
      body,
      flag: 0,
      sysFlag: 0,
      properties: propertiesString(batchProperties),
      batch: true,
      uniqIds,
      message: first,
    };
    const result = (await this.sendOutgoing(outgoing, 'sync', options)) as SendResult;
    return { ...result, msgIds: uniqIds, offsetMsgIds: result.offsetMsgId.split(',') };
  }

  // ----------------------------------------------------------------------------------- for subclasses

  /** Called once the instance is acquired and the group registered (TransactionProducer registers its handler). */
  protected onStarted(_instance: ClientInstance): Promise<void> | void {}

  /** Called during shutdown, before the group is unregistered. */
  protected beforeShutdown(): Promise<void> | void {}

  protected assertRunning(operation: string): void {
    this.#lifecycle.assertRunning(operation);
  }

  /** Validates a message and gives it its UNIQ_KEY, compression and extra system properties. */
  protected prepareOutgoing(
    message: Message,
    extraProperties: Record<string, string> = {},
    extraSysFlag = 0,
  ): Outgoing {
    const prepared: PreparedMessage = prepareMessage(message, this.options.maxMessageSize);
    for (const [name, value] of Object.entries(extraProperties)) prepared.properties.set(name, value);
    const uniqId = createUniqId();
    prepared.properties.set(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX, uniqId);
    const compressed = maybeCompress(
      prepared.body,
      this.options.compressMsgBodyOverHowmuch,
      this.options.compressLevel,
    );
    return {
      topic: prepared.topic,
      body: compressed.body,
      flag: prepared.flag,
      sysFlag: compressed.sysFlag | extraSysFlag,
      properties: propertiesString(prepared.properties),
      batch: false,
      uniqIds: [uniqId],
      message,
    };
  }

  /** The send loop: queue choice, attempts, fault bookkeeping, back-pressure. */
  protected async sendOutgoing(
    outgoing: Outgoing,
    mode: Mode,
    options: SendOptions,
  ): Promise<SendResult | undefined> {
    const timeout = options.timeoutMillis ?? this.options.sendMsgTimeoutMillis;
    if (!Number.isInteger(timeout) || timeout <= 0) {
      throw new ClientError(
        'INVALID_ARGUMENT',
        `timeoutMillis must be a positive integer, got ${String(timeout)}`,
      );
    }
    const begin = Date.now();
    if (!this.#limiter.tryAcquire()) await this.#limiter.acquire(timeout);
    this.#pending++;
    try {
      return await this.#sendWithRetries(outgoing, mode, options, begin, timeout);
    } finally {
      this.#limiter.release();
      if (--this.#pending === 0) this.#drained?.();
    }
  }

  // ----------------------------------------------------------------------------------- internals

  #prepareSingle(message: Message): Outgoing {
    return this.prepareOutgoing(message);
  }

  async #sendWithRetries(
    outgoing: Outgoing,
    mode: Mode,
    options: SendOptions,
    begin: number,
    timeout: number,
  ): Promise<SendResult | undefined> {
    const instance = this.#instance as ClientInstance;
    let info = await this.#publishInfo(outgoing.topic, false);
    const fixedQueue = this.#fixedQueue(info, outgoing, options);
    const attempts = fixedQueue || mode === 'oneway' ? 1 : 1 + this.options.retryTimesWhenSendFailed;
    const brokersTried: string[] = [];
    let lastError: ClientError | undefined;
    let lastBrokerName: string | undefined;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const queue = fixedQueue ?? this.#fault.select(info.writeQueues, this.#cursor(info), lastBrokerName);
      if (!queue)
        throw new ClientError('NO_WRITABLE_QUEUE', `topic "${outgoing.topic}" has no writable queue`);
      const elapsed = Date.now() - begin;
      if (elapsed >= timeout) {
        lastError = new ClientError(
          'REQUEST_TIMEOUT',
          `send to topic "${outgoing.topic}" used up its ${timeout} ms`,
          {
            cause: lastError,
          },
        );
        break;
      }
      lastBrokerName = queue.brokerName;
      brokersTried.push(queue.brokerName);
      const attemptStart = Date.now();
      try {
        const address =
          instance.findMasterAddress(queue.brokerName) ??
          (await instance.findBrokerAddressOrRefresh(outgoing.topic, queue.brokerName)).address;
        let attemptTimeout = timeout - elapsed;
        const cap = this.options.sendMsgMaxTimeoutPerRequestMillis;
        if (cap > 0 && attempt + 1 < attempts) attemptTimeout = Math.min(attemptTimeout, cap);
        const result = await this.#sendKernel(instance, address, queue, outgoing, mode, attemptTimeout);
        this.#fault.update(queue.brokerName, Date.now() - attemptStart, false);
        if (
          result &&
          result.status !== 'SEND_OK' &&
          this.options.retryAnotherBrokerWhenNotStoreOK &&
          attempt + 1 < attempts
        ) {
          continue;
        }
        return result;
      } catch (error) {
        const clientError = toClientError(error);
        const answered = clientError.responseCode !== undefined;
        this.#fault.update(queue.brokerName, Date.now() - attemptStart, true, !answered);
        lastError = clientError;
        if (!answered) {
          // The broker may be gone for good: let the next sends see a fresh route (deduplicated, in the background).
          void instance.getTopicRoute(outgoing.topic, { refresh: true }).catch(() => undefined);
        }
        if (!clientError.retriable || attempt + 1 >= attempts) break;
        if (clientError.responseCode === ResponseCode.TOPIC_NOT_EXIST) {
          // The cached route is stale (topic deleted or moved): ask the NameServer again.
          info = await this.#publishInfo(outgoing.topic, true).catch(() => info);
        }
        this.events.emit(
          'sendRetry',
          { topic: outgoing.topic, brokerName: queue.brokerName, attempt: attempt + 1, error: clientError },
          (e) => instance.logger.error({ err: e }, 'event listener threw'),
        );
      }
    }
    const error = lastError ?? new ClientError('SEND_FAILED', `send to topic "${outgoing.topic}" failed`);
    if (attempts === 1 || brokersTried.length <= 1) throw error;
    throw new ClientError(
      'SEND_FAILED',
      `send to topic "${outgoing.topic}" failed after ${brokersTried.length} attempts (brokers ${brokersTried.join(', ')}): ${error.message}`,
      { cause: error, retriable: error.retriable, responseCode: error.responseCode, remark: error.remark },
    );
  }

  #fixedQueue(info: TopicRouteInfo, outgoing: Outgoing, options: SendOptions): MessageQueue | undefined {
    if (options.queue) {
      if (options.queue.topic !== outgoing.topic) {
        throw new ClientError(
          'INVALID_ARGUMENT',
          `queue ${options.queue.topic} is not a queue of ${outgoing.topic}`,
        );
      }
      return options.queue;
    }
    if (options.shardingKey === undefined && !options.selector) return undefined;
    if (info.writeQueues.length === 0) {
      throw new ClientError('NO_WRITABLE_QUEUE', `topic "${outgoing.topic}" has no writable queue`);
    }
    if (options.shardingKey !== undefined) {
      if (typeof options.shardingKey !== 'string')
        throw new ClientError('INVALID_ARGUMENT', 'shardingKey must be a string');
      return selectQueueByHash(info.writeQueues, options.shardingKey);
    }
    let selected: MessageQueue | undefined;
    try {
      selected = options.selector?.(info.writeQueues, outgoing.message);
    } catch (error) {
      throw new ClientError(
        'INVALID_ARGUMENT',
        `the message queue selector threw: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    if (!selected) throw new ClientError('INVALID_ARGUMENT', 'the message queue selector returned no queue');
    return selected;
  }

  async #sendKernel(
    instance: ClientInstance,
    address: string,
    queue: MessageQueue,
    outgoing: Outgoing,
    mode: Mode,
    timeoutMillis: number,
  ): Promise<SendResult | undefined> {
    // SendMessageRequestHeaderV2 (remoting/src/headers/send-message.ts), built directly: this is the hot path.
    const extFields: Record<string, string> = {
      a: this.group,
      b: outgoing.topic,
      c: this.options.createTopicKey,
      d: String(this.options.defaultTopicQueueNums),
      e: String(queue.queueId),
      f: String(outgoing.sysFlag),
      g: String(Date.now()),
      h: String(outgoing.flag),
      i: outgoing.properties,
      j: '0',
      k: 'false',
      m: outgoing.batch ? 'true' : 'false',
      n: queue.brokerName,
    };
    const request = createRequest(
      outgoing.batch ? RequestCode.SEND_BATCH_MESSAGE : RequestCode.SEND_MESSAGE_V2,
      {
        extFields,
        body: outgoing.body,
      },
    );
    if (mode === 'oneway') {
      await instance.invokeOneway(address, request);
      return undefined;
    }
    const response = await instance.invoke(address, request, timeoutMillis);
    return this.#sendResult(response, queue, outgoing, address);
  }

  #sendResult(
    response: RemotingCommand,
    queue: MessageQueue,
    outgoing: Outgoing,
    address: string,
  ): SendResult {
    const status = STATUS_BY_CODE.get(response.code);
    if (status === undefined) {
      throw responseError(response, `send to ${queue.brokerName} (topic ${outgoing.topic})`, {
        address,
        brokerName: queue.brokerName,
      });
    }
    // SendMessageResponseHeader read by hand: zod per response was the client's largest cost in a 64-in-flight run.
    const fields = response.extFields;
    const msgId = fields.msgId;
    const queueId = Number(fields.queueId);
    const queueOffset = Number(fields.queueOffset);
    if (!msgId || !Number.isInteger(queueId) || !Number.isSafeInteger(queueOffset)) {
      throw new ClientError(
        'INVALID_RESPONSE',
        `send response from ${address} lacks msgId/queueId/queueOffset: ${JSON.stringify(fields)}`,
        { address },
      );
    }
    const header = { msgId, queueId, queueOffset, transactionId: fields.transactionId };
    return {
      status,
      msgId: outgoing.uniqIds.join(','),
      offsetMsgId: header.msgId,
      messageQueue: { topic: queue.topic, brokerName: queue.brokerName, queueId: header.queueId },
      queueOffset: header.queueOffset,
      transactionId: header.transactionId,
      regionId: response.extFields.MSG_REGION ?? 'DefaultRegion',
      traceOn: response.extFields.TRACE_ON !== 'false',
    };
  }

  /** The topic's route, or the TBW102 template route when no NameServer knows the topic (auto-creation). */
  async #publishInfo(topic: string, refresh: boolean): Promise<TopicRouteInfo> {
    const instance = this.#instance as ClientInstance;
    // A cached route without a writable queue (its masters were gone when it was fetched, e.g. during a restart)
    // is asked for again at once, as Java's tryToFindTopicPublishInfo does when the publish info is not ok(),
    // instead of failing every send until the periodic refresh.
    let stale = false;
    if (!refresh) {
      const cached = instance.cachedTopicRoute(topic);
      if (cached && cached.writeQueues.length > 0) return cached;
      const fallback = this.#fallbackRoutes.get(topic);
      if (fallback && fallback.expiresAt > Date.now()) return fallback.info;
      stale = cached !== undefined;
    }
    try {
      const info = await instance.getTopicRoute(topic, { refresh: refresh || stale });
      this.#fallbackRoutes.delete(topic);
      if (info.writeQueues.length === 0) {
        throw new ClientError(
          'NO_WRITABLE_QUEUE',
          `topic "${topic}" has no writable queue on a broker with a master`,
        );
      }
      return info;
    } catch (error) {
      if (!isClientError(error, 'TOPIC_NOT_EXIST')) throw error;
      const info = await this.#templateRoute(topic, error);
      this.#fallbackRoutes.set(topic, { info, expiresAt: Date.now() + FALLBACK_ROUTE_MILLIS });
      return info;
    }
  }

  /** `updateTopicRouteInfoFromNameServer(topic, isDefault=true)`: TBW102's brokers, min(4, readQueueNums) queues. */
  async #templateRoute(topic: string, notFound: ClientError): Promise<TopicRouteInfo> {
    const instance = this.#instance as ClientInstance;
    let template: TopicRouteInfo;
    try {
      template = await instance.getTopicRoute(this.options.createTopicKey);
    } catch (error) {
      if (isClientError(error, 'TOPIC_NOT_EXIST')) {
        throw new ClientError(
          'TOPIC_NOT_EXIST',
          `topic "${topic}" does not exist: no NameServer has a route for it, and no broker auto-creates topics (no ${this.options.createTopicKey} route); create it first (Admin.createTopic)`,
          { responseCode: notFound.responseCode, remark: notFound.remark, cause: notFound },
        );
      }
      throw error;
    }
    const queueDatas = template.route.queueDatas
      .filter((q) => (q.perm & Perm.WRITE) !== 0)
      .map((q) => {
        const queueNums = Math.min(this.options.defaultTopicQueueNums, q.readQueueNums);
        return { ...q, readQueueNums: queueNums, writeQueueNums: queueNums };
      });
    const info = buildRouteInfo({
      topic,
      orderTopicConf: undefined,
      queueDatas,
      brokerDatas: template.route.brokerDatas,
    });
    if (info.writeQueues.length === 0) {
      throw new ClientError(
        'TOPIC_NOT_EXIST',
        `topic "${topic}" does not exist and no broker can auto-create it`,
        {
          cause: notFound,
        },
      );
    }
    return info;
  }

  #cursor(info: TopicRouteInfo): QueueCursor {
    let cursor = this.#cursors.get(info);
    if (!cursor) {
      cursor = new QueueCursor();
      this.#cursors.set(info, cursor);
    }
    return cursor;
  }

  #forwardEvents(instance: ClientInstance): void {
    const names = [
      'routeUpdated',
      'brokerUnavailable',
      'requestFailed',
      'heartbeatFailed',
      'nameServersChanged',
    ] as const;
    for (const name of names) {
      const listener = (payload: ClientEvents[typeof name]) =>
        this.events.emit(name, payload as never, (e) =>
          instance.logger.error({ err: e }, 'event listener threw'),
        );
      instance.events.on(name, listener);
      this.#unsubscribe.push(() => instance.events.off(name, listener));
    }
  }

  #stopForwarding(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
  }

  async #waitForPending(timeoutMillis: number): Promise<void> {
    if (this.#pending === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMillis);
      this.#drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#drained = undefined;
  }
}

/** The client-config part of producer/consumer options. */
export function pickClientConfig(options: object): ClientConfigInput {
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(ClientConfigSchema.shape)) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined) result[key] = value;
  }
  return result as ClientConfigInput;
}

export type { Outgoing as OutgoingMessage };
