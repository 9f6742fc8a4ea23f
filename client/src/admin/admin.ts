/**
 * Admin: cluster and topic management over the remoting protocol, in the spirit of Java's DefaultMQAdminExt /
 * mqadmin. Works against Skyrocket's and Apache RocketMQ's NameServers and brokers: response bodies are read with
 * the fastjson-tolerant parser (unquoted numeric keys, MessageQueue object keys).
 *
 *   const admin = new Admin({ namesrvAddr: '127.0.0.1:9876' });
 *   await admin.start();
 *   await admin.createTopic({ topic: 'Orders', readQueueNums: 8, writeQueueNums: 8 });
 *   const lag = await admin.consumeProgress('orders-consumer');
 *   await admin.shutdown();
 */
import {
  createRequest,
  decodeOffsetMessageId,
  decodeRecords,
  encodeHeader,
  RequestCode,
  ResponseCode,
  type RemotingCommand,
} from '@skyrocket/remoting';
import { ClientInstance } from '../core/client-instance';
import { parseClientConfig, type ClientConfig, type ClientConfigInput } from '../core/config';
import { parseFastjson, parseJsonBody, type JsonValue } from '../core/fastjson';
import { Lifecycle } from '../core/lifecycle';
import { MASTER_ID, parseBrokerData, Perm, type MessageQueue, type TopicRouteInfo } from '../core/route';
import { toMessageExt, type MessageExt } from '../consumer/pull/message-ext';
import { ClientError, isClientError, responseError } from '../errors';
import { validateGroup, validateTopic } from '../producer/message';

export interface ClusterBroker {
  brokerName: string;
  /** brokerId → address; 0 is the master. */
  addresses: Record<number, string>;
}

export interface ClusterInfo {
  clusters: Array<{ clusterName: string; brokers: ClusterBroker[] }>;
}

export interface CreateTopicOptions {
  topic: string;
  readQueueNums?: number;
  writeQueueNums?: number;
  /** PermName bits: 6 = read + write (default), 4 read-only, 2 write-only. */
  perm?: number;
  order?: boolean;
  topicFilterType?: 'SINGLE_TAG' | 'MULTI_TAG';
  /** Create on every master of this cluster (default: every master of every cluster). */
  clusterName?: string;
  /** Create on this broker address only. */
  brokerAddr?: string;
}

export interface QueueStats {
  queue: MessageQueue;
  minOffset: number;
  maxOffset: number;
  lastUpdateTimestamp: number;
}

export interface QueueProgress {
  queue: MessageQueue;
  brokerOffset: number;
  consumerOffset: number;
  /** brokerOffset − consumerOffset (never negative). */
  lag: number;
  /** Store time of the last consumed message (0 when unknown). */
  lastTimestamp: number;
}

export interface ConsumeProgress {
  group: string;
  queues: QueueProgress[];
  totalLag: number;
  consumeTps: number;
}

export interface ConsumerConnectionInfo {
  connections: Array<{ clientId: string; clientAddr: string; language: string; version: number }>;
  subscriptions: Array<{ topic: string; subString: string }>;
  consumeType: string | undefined;
  messageModel: string | undefined;
  consumeFromWhere: string | undefined;
}

export interface ConsumerGroupInfo {
  group: string;
  consumeBroadcastEnable: boolean;
  retryMaxTimes: number | undefined;
  brokers: string[];
}

export interface QueryByKeyOptions {
  maxNum?: number;
  beginTimestamp?: number;
  endTimestamp?: number;
}

export interface ResetOffsetResult {
  queue: MessageQueue;
  offset: number;
}

export type AdminOptions = ClientConfigInput;

type Json = { [key: string]: JsonValue };

export class Admin {
  readonly clientConfig: ClientConfig;
  readonly #lifecycle = new Lifecycle('admin');
  #instance: ClientInstance | undefined;

  constructor(options: AdminOptions = {}) {
    this.clientConfig = parseClientConfig(options);
  }

  get state(): string {
    return this.#lifecycle.state;
  }

  async start(): Promise<void> {
    this.#lifecycle.beginStart();
    try {
      this.#instance = await ClientInstance.acquire(this.clientConfig);
      this.#lifecycle.started();
    } catch (error) {
      this.#lifecycle.startFailed();
      throw error;
    }
  }

  async shutdown(): Promise<void> {
    if (!this.#lifecycle.beginShutdown()) return;
    try {
      await this.#instance?.release();
    } finally {
      this.#lifecycle.stopped();
    }
  }

  // ---------------------------------------------------------------------------------------------- clusters

  /** GET_BROKER_CLUSTER_INFO: every cluster, its broker groups and their addresses. */
  async listClusters(): Promise<ClusterInfo> {
    const body = await this.#nameServerJson(
      createRequest(RequestCode.GET_BROKER_CLUSTER_INFO),
      'GET_BROKER_CLUSTER_INFO',
    );
    const brokerTable = asObject(body.brokerAddrTable);
    const clusterTable = asObject(body.clusterAddrTable);
    const clusters = Object.entries(clusterTable).map(([clusterName, names]) => ({
      clusterName,
      brokers: (Array.isArray(names) ? names : [])
        .filter((n): n is string => typeof n === 'string')
        .sort()
        .map((brokerName) => {
          const data = brokerTable[brokerName];
          const parsed = data === undefined ? undefined : parseBrokerData(data);
          return {
            brokerName,
            addresses: Object.fromEntries(parsed?.brokerAddrs ?? []) as Record<number, string>,
          };
        }),
    }));
    clusters.sort((a, b) => a.clusterName.localeCompare(b.clusterName));
    return { clusters };
  }

  // ---------------------------------------------------------------------------------------------- topics

  /** UPDATE_AND_CREATE_TOPIC on every master of the cluster(s), or on one broker. Returns the brokers' addresses. */
  async createTopic(options: CreateTopicOptions): Promise<string[]> {
    this.#assertRunning('create a topic');
    validateTopic(options.topic);
    const readQueueNums = options.readQueueNums ?? 8;
    const writeQueueNums = options.writeQueueNums ?? 8;
    for (const [name, value] of [
      ['readQueueNums', readQueueNums],
      ['writeQueueNums', writeQueueNums],
    ] as const) {
      if (!Number.isInteger(value) || value < 1 || value > 1024) {
        throw new ClientError(
          'INVALID_ARGUMENT',
          `${name} must be an integer from 1 to 1024, got ${String(value)}`,
        );
      }
    }
    const perm = options.perm ?? Perm.READ | Perm.WRITE;
    if (!Number.isInteger(perm) || perm < 0 || perm > 15) {
      throw new ClientError('INVALID_ARGUMENT', `perm must be PermName bits (0..15), got ${String(perm)}`);
    }
    const targets = options.brokerAddr ? [options.brokerAddr] : await this.#masters(options.clusterName);
    const request = createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, {
      extFields: encodeHeader({
        topic: options.topic,
        defaultTopic: 'TBW102',
        readQueueNums,
        writeQueueNums,
        perm,
        topicFilterType: options.topicFilterType ?? 'SINGLE_TAG',
        topicSysFlag: 0,
        order: options.order ?? false,
      }),
    });
    await Promise.all(
      targets.map((address) => this.#brokerOk(address, request, `create topic ${options.topic}`)),
    );
    return targets;
  }

  /** Same request as createTopic: the broker replaces the topic's configuration. */
  updateTopic(options: CreateTopicOptions): Promise<string[]> {
    return this.createTopic(options);
  }

  /** DELETE_TOPIC_IN_BROKER on every master (of the cluster), then DELETE_TOPIC_IN_NAMESRV on every NameServer. */
  async deleteTopic(topic: string, options: { clusterName?: string } = {}): Promise<void> {
    this.#assertRunning('delete a topic');
    validateTopic(topic);
    const masters = await this.#masters(options.clusterName);
    const brokerRequest = createRequest(RequestCode.DELETE_TOPIC_IN_BROKER, {
      extFields: encodeHeader({ topic }),
    });
    await Promise.all(
      masters.map((address) => this.#brokerOk(address, brokerRequest, `delete topic ${topic}`)),
    );
    const instance = this.#instance as ClientInstance;
    const nameServerRequest = createRequest(RequestCode.DELETE_TOPIC_IN_NAMESRV, {
      extFields: encodeHeader({ topic, clusterName: options.clusterName }),
    });
    await Promise.all(
      instance.nameServerAddresses.map((address) =>
        this.#brokerOk(address, nameServerRequest, `delete topic ${topic} in NameServer`),
      ),
    );
    instance.forgetTopicRoute(topic);
  }

  /** GET_ALL_TOPIC_LIST_FROM_NAMESERVER, sorted. */
  async listTopics(): Promise<string[]> {
    const body = await this.#nameServerJson(
      createRequest(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER),
      'GET_ALL_TOPIC_LIST_FROM_NAMESERVER',
    );
    const list = body.topicList;
    return (Array.isArray(list) ? list.filter((t): t is string => typeof t === 'string') : []).sort();
  }

  /** The topic's route, fresh from the NameServer. */
  async topicRoute(topic: string): Promise<TopicRouteInfo> {
    this.#assertRunning('read a route');
    validateTopic(topic);
    return (this.#instance as ClientInstance).getTopicRoute(topic, { refresh: true });
  }

  /** GET_TOPIC_STATS_INFO on every broker group of the topic: per queue min/max offsets and last store time. */
  async topicStats(topic: string): Promise<QueueStats[]> {
    const route = await this.topicRoute(topic);
    const stats: QueueStats[] = [];
    for (const broker of route.route.brokerDatas) {
      const address = (this.#instance as ClientInstance).findBrokerAddress(broker.brokerName)?.address;
      if (!address) continue;
      const body = await this.#brokerJson(
        address,
        createRequest(RequestCode.GET_TOPIC_STATS_INFO, { extFields: encodeHeader({ topic }) }),
        `topic stats of ${topic}`,
      );
      for (const [key, value] of Object.entries(asObject(body.offsetTable))) {
        const entry = asObject(value);
        stats.push({
          queue: parseQueueKey(key, topic, broker.brokerName),
          minOffset: num(entry.minOffset),
          maxOffset: num(entry.maxOffset),
          lastUpdateTimestamp: num(entry.lastUpdateTimestamp),
        });
      }
    }
    return stats.sort(compareByQueue);
  }

  // ---------------------------------------------------------------------------------------------- groups

  /** GET_ALL_SUBSCRIPTIONGROUP_CONFIG from every master: the consumer groups the brokers know. */
  async listConsumerGroups(): Promise<ConsumerGroupInfo[]> {
    const groups = new Map<string, ConsumerGroupInfo>();
    for (const { brokerName, address } of await this.#masterList()) {
      const body = await this.#brokerJson(
        address,
        createRequest(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG),
        'GET_ALL_SUBSCRIPTIONGROUP_CONFIG',
      );
      for (const [name, value] of Object.entries(asObject(body.subscriptionGroupTable))) {
        const config = asObject(value);
        const existing = groups.get(name);
        if (existing) existing.brokers.push(brokerName);
        else
          groups.set(name, {
            group: name,
            consumeBroadcastEnable: config.consumeBroadcastEnable === true,
            retryMaxTimes: typeof config.retryMaxTimes === 'number' ? config.retryMaxTimes : undefined,
            brokers: [brokerName],
          });
      }
    }
    return [...groups.values()].sort((a, b) => a.group.localeCompare(b.group));
  }

  /** GET_CONSUME_STATS on every master: per queue broker offset, consumer offset and lag. */
  async consumeProgress(group: string, topic?: string): Promise<ConsumeProgress> {
    this.#assertRunning('read consume progress');
    validateGroup(group, 'consumer group');
    if (topic !== undefined) validateTopic(topic);
    const queues: QueueProgress[] = [];
    let consumeTps = 0;
    for (const { brokerName, address } of await this.#masterList()) {
      const response = await (this.#instance as ClientInstance).invoke(
        address,
        createRequest(RequestCode.GET_CONSUME_STATS, {
          extFields: encodeHeader({ consumerGroup: group, topic }),
        }),
      );
      // A broker that has never seen the group (or topic) has nothing to report.
      if (
        response.code === ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST ||
        response.code === ResponseCode.TOPIC_NOT_EXIST ||
        response.code === ResponseCode.CONSUMER_NOT_ONLINE
      ) {
        continue;
      }
      if (response.code !== ResponseCode.SUCCESS)
        throw responseError(response, `consume stats of ${group}`, { address });
      const body = asObject(parseJsonBody(response.body, 'GET_CONSUME_STATS'));
      consumeTps += num(body.consumeTps);
      for (const [key, value] of Object.entries(asObject(body.offsetTable))) {
        const entry = asObject(value);
        const brokerOffset = num(entry.brokerOffset);
        const consumerOffset = num(entry.consumerOffset);
        queues.push({
          queue: parseQueueKey(key, topic ?? '', brokerName),
          brokerOffset,
          consumerOffset,
          lag: Math.max(0, brokerOffset - Math.max(0, consumerOffset)),
          lastTimestamp: num(entry.lastTimestamp),
        });
      }
    }
    queues.sort(compareByQueue);
    return { group, queues, totalLag: queues.reduce((sum, q) => sum + q.lag, 0), consumeTps };
  }

  /** GET_CONSUMER_CONNECTION_LIST: the group's online clients and their subscriptions (merged over brokers). */
  async consumerConnections(group: string): Promise<ConsumerConnectionInfo> {
    this.#assertRunning('read consumer connections');
    validateGroup(group, 'consumer group');
    const result: ConsumerConnectionInfo = {
      connections: [],
      subscriptions: [],
      consumeType: undefined,
      messageModel: undefined,
      consumeFromWhere: undefined,
    };
    const seen = new Set<string>();
    const topics = new Set<string>();
    for (const { address } of await this.#masterList()) {
      const response = await (this.#instance as ClientInstance).invoke(
        address,
        createRequest(RequestCode.GET_CONSUMER_CONNECTION_LIST, {
          extFields: encodeHeader({ consumerGroup: group }),
        }),
      );
      if (response.code === ResponseCode.CONSUMER_NOT_ONLINE) continue;
      if (response.code !== ResponseCode.SUCCESS)
        throw responseError(response, `connections of ${group}`, { address });
      const body = asObject(parseJsonBody(response.body, 'GET_CONSUMER_CONNECTION_LIST'));
      for (const item of Array.isArray(body.connectionSet) ? body.connectionSet : []) {
        const c = asObject(item);
        const clientId = str(c.clientId);
        if (seen.has(clientId)) continue;
        seen.add(clientId);
        result.connections.push({
          clientId,
          clientAddr: str(c.clientAddr),
          language: str(c.language),
          version: num(c.version),
        });
      }
      for (const [topic, value] of Object.entries(asObject(body.subscriptionTable))) {
        if (topics.has(topic)) continue;
        topics.add(topic);
        result.subscriptions.push({ topic, subString: str(asObject(value).subString, '*') });
      }
      result.consumeType ??= optionalStr(body.consumeType);
      result.messageModel ??= optionalStr(body.messageModel);
      result.consumeFromWhere ??= optionalStr(body.consumeFromWhere);
    }
    if (result.connections.length === 0) {
      throw new ClientError('BROKER_ERROR', `consumer group "${group}" has no online consumer`, {
        responseCode: ResponseCode.CONSUMER_NOT_ONLINE,
      });
    }
    return result;
  }

  /**
   * Resets the group's offsets on a topic to the first message stored at or after `timestamp` (ms).
   * First INVOKE_BROKER_TO_RESET_OFFSET (the broker also tells online consumers, Apache); where the broker does not
   * support it or no consumer is online, per queue SEARCH_OFFSET_BY_TIMESTAMP + UPDATE_CONSUMER_OFFSET (Java's
   * resetOffsetByTimestampOld). Online consumers that keep offsets in memory may overwrite the latter: stop them
   * first.
   */
  async resetOffsetByTimestamp(
    group: string,
    topic: string,
    timestamp: number,
  ): Promise<ResetOffsetResult[]> {
    this.#assertRunning('reset offsets');
    validateGroup(group, 'consumer group');
    validateTopic(topic);
    if (!Number.isInteger(timestamp) || timestamp < 0) {
      throw new ClientError(
        'INVALID_ARGUMENT',
        `timestamp must be epoch milliseconds, got ${String(timestamp)}`,
      );
    }
    const instance = this.#instance as ClientInstance;
    const route = await this.topicRoute(topic);
    const results: ResetOffsetResult[] = [];
    for (const broker of route.route.brokerDatas) {
      const address = instance.findMasterAddress(broker.brokerName);
      if (!address) continue;
      const response = await instance.invoke(
        address,
        createRequest(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, {
          extFields: encodeHeader({ topic, group, timestamp, isForce: true }),
        }),
      );
      if (response.code === ResponseCode.SUCCESS && response.body && response.body.length > 0) {
        const body = asObject(parseJsonBody(response.body, 'INVOKE_BROKER_TO_RESET_OFFSET'));
        for (const [key, value] of Object.entries(asObject(body.offsetTable))) {
          results.push({ queue: parseQueueKey(key, topic, broker.brokerName), offset: num(value) });
        }
        continue;
      }
      if (
        response.code !== ResponseCode.SUCCESS &&
        response.code !== ResponseCode.REQUEST_CODE_NOT_SUPPORTED &&
        response.code !== ResponseCode.CONSUMER_NOT_ONLINE
      ) {
        throw responseError(response, `reset offsets of ${group} on ${topic}`, { address });
      }
      const queues = route.readQueues.filter((q) => q.brokerName === broker.brokerName);
      for (const queue of queues) {
        const search = await this.#brokerOk(
          address,
          createRequest(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, {
            extFields: encodeHeader({ topic, queueId: queue.queueId, timestamp }),
          }),
          `search offset of ${topic}#${queue.queueId}`,
        );
        const offset = num(search.extFields.offset);
        await this.#brokerOk(
          address,
          createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
            extFields: encodeHeader({
              consumerGroup: group,
              topic,
              queueId: queue.queueId,
              commitOffset: offset,
            }),
          }),
          `update offset of ${group} on ${topic}#${queue.queueId}`,
        );
        results.push({ queue, offset });
      }
    }
    return results.sort((a, b) => compareByQueue({ queue: a.queue }, { queue: b.queue }));
  }

  // ---------------------------------------------------------------------------------------------- messages

  /**
   * A message by id. An offset msgId (what the broker returns, `SendResult.offsetMsgId`) is looked up with
   * VIEW_MESSAGE_BY_ID at the broker it names; a UNIQ_KEY (`SendResult.msgId`, what consumers see) needs the topic and
   * is looked up with QUERY_MESSAGE in the brokers' index (`_UNIQUE_KEY_QUERY`). Both are tried when it could be either.
   */
  async queryMessageById(msgId: string, options: { topic?: string } = {}): Promise<MessageExt> {
    this.#assertRunning('query a message');
    if (typeof msgId !== 'string' || !/^[0-9A-Fa-f]{32}([0-9A-Fa-f]{24})?$/.test(msgId)) {
      throw new ClientError(
        'INVALID_ARGUMENT',
        `message id must be 32 or 56 hex characters, got ${JSON.stringify(msgId)}`,
      );
    }
    if (options.topic !== undefined) {
      validateTopic(options.topic);
      const byUniqKey = await this.#queryIndex(options.topic, msgId, { maxNum: 32 }, true);
      const found = byUniqKey.find((m) => m.msgId.toUpperCase() === msgId.toUpperCase());
      if (found) return found;
    }
    const byOffset = await this.#viewByOffsetMsgId(msgId);
    if (byOffset) return byOffset;
    throw new ClientError(
      'MESSAGE_NOT_FOUND',
      `no message with id ${msgId}${options.topic ? ` in topic ${options.topic}` : ' (pass the topic to look up a UNIQ_KEY)'}`,
    );
  }

  /** QUERY_MESSAGE by KEYS entry on every broker group of the topic. */
  async queryMessageByKey(
    topic: string,
    key: string,
    options: QueryByKeyOptions = {},
  ): Promise<MessageExt[]> {
    this.#assertRunning('query messages');
    validateTopic(topic);
    if (typeof key !== 'string' || key === '') throw new ClientError('INVALID_ARGUMENT', 'key is required');
    const messages = await this.#queryIndex(topic, key, options, false);
    return messages.filter((m) => m.keys.includes(key));
  }

  // ---------------------------------------------------------------------------------------------- internals

  #assertRunning(operation: string): void {
    this.#lifecycle.assertRunning(operation);
  }

  async #queryIndex(
    topic: string,
    key: string,
    options: QueryByKeyOptions,
    uniqueKey: boolean,
  ): Promise<MessageExt[]> {
    const instance = this.#instance as ClientInstance;
    const route = await instance.getTopicRoute(topic, { refresh: true });
    const maxNum = options.maxNum ?? 32;
    const extFields = encodeHeader({
      topic,
      key,
      maxNum,
      beginTimestamp: options.beginTimestamp ?? 0,
      endTimestamp: options.endTimestamp ?? Number.MAX_SAFE_INTEGER,
    });
    if (uniqueKey) extFields._UNIQUE_KEY_QUERY = 'true';
    const messages: MessageExt[] = [];
    await Promise.all(
      route.route.brokerDatas.map(async (broker) => {
        const address = instance.findBrokerAddress(broker.brokerName)?.address;
        if (!address) return;
        const response = await instance.invoke(
          address,
          createRequest(RequestCode.QUERY_MESSAGE, { extFields }),
        );
        if (response.code === ResponseCode.QUERY_NOT_FOUND) return;
        if (response.code !== ResponseCode.SUCCESS)
          throw responseError(response, `query ${topic} by key`, { address });
        for (const record of decodeRecords(response.body ?? Buffer.alloc(0))) {
          messages.push(toMessageExt(record, broker.brokerName));
        }
      }),
    );
    return messages.sort((a, b) => a.storeTimestamp - b.storeTimestamp);
  }

  async #viewByOffsetMsgId(msgId: string): Promise<MessageExt | undefined> {
    let decoded;
    try {
      decoded = decodeOffsetMessageId(msgId);
    } catch {
      return undefined;
    }
    const { storeHost, commitLogOffset } = decoded;
    if (storeHost.port <= 0 || storeHost.port > 65535) return undefined; // a UNIQ_KEY, not an offset msgId
    const address = storeHost.address.includes(':')
      ? `[${storeHost.address}]:${storeHost.port}`
      : `${storeHost.address}:${storeHost.port}`;
    const instance = this.#instance as ClientInstance;
    let response: RemotingCommand;
    try {
      response = await instance.invoke(
        address,
        createRequest(RequestCode.VIEW_MESSAGE_BY_ID, {
          extFields: encodeHeader({ offset: commitLogOffset }),
        }),
      );
    } catch (error) {
      if (isClientError(error) && error.retriable) return undefined;
      throw error;
    }
    if (response.code !== ResponseCode.SUCCESS || !response.body) return undefined;
    const [record] = decodeRecords(response.body);
    if (!record) return undefined;
    const brokerName =
      [...instance.brokers().entries()].find(([, ids]) => [...ids.values()].includes(address))?.[0] ?? '';
    return toMessageExt(record, brokerName);
  }

  async #nameServerJson(request: RemotingCommand, what: string): Promise<Json> {
    this.#assertRunning('query the NameServer');
    const response = await (this.#instance as ClientInstance).invokeNameServer(request);
    if (response.code !== ResponseCode.SUCCESS) throw responseError(response, what);
    return asObject(parseJsonBody(response.body, what));
  }

  async #brokerJson(address: string, request: RemotingCommand, what: string): Promise<Json> {
    const response = await this.#brokerOk(address, request, what);
    return asObject(parseJsonBody(response.body, what));
  }

  async #brokerOk(address: string, request: RemotingCommand, what: string): Promise<RemotingCommand> {
    const response = await (this.#instance as ClientInstance).invoke(address, request);
    if (response.code !== ResponseCode.SUCCESS) throw responseError(response, what, { address });
    return response;
  }

  async #masterList(clusterName?: string): Promise<Array<{ brokerName: string; address: string }>> {
    const info = await this.listClusters();
    const clusters =
      clusterName === undefined ? info.clusters : info.clusters.filter((c) => c.clusterName === clusterName);
    if (clusterName !== undefined && clusters.length === 0) {
      throw new ClientError('INVALID_ARGUMENT', `cluster "${clusterName}" is not known to the NameServer`);
    }
    const masters: Array<{ brokerName: string; address: string }> = [];
    for (const cluster of clusters) {
      for (const broker of cluster.brokers) {
        const address = broker.addresses[MASTER_ID];
        if (address) masters.push({ brokerName: broker.brokerName, address });
      }
    }
    if (masters.length === 0) {
      throw new ClientError(
        'BROKER_NOT_FOUND',
        `no master broker is registered${clusterName ? ` in cluster ${clusterName}` : ''}`,
      );
    }
    return masters;
  }

  async #masters(clusterName?: string): Promise<string[]> {
    return (await this.#masterList(clusterName)).map((m) => m.address);
  }
}

function asObject(value: JsonValue | undefined): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

function num(value: JsonValue | undefined): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return 0;
}

function str(value: JsonValue | undefined, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}

function optionalStr(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A MessageQueue map key as fastjson writes it: the key object's JSON text (see core/fastjson.ts). */
function parseQueueKey(key: string, topic: string, brokerName: string): MessageQueue {
  let parsed: JsonValue;
  try {
    parsed = parseFastjson(key);
  } catch {
    return { topic, brokerName, queueId: num(key) };
  }
  const o = asObject(parsed);
  return { topic: str(o.topic, topic), brokerName: str(o.brokerName, brokerName), queueId: num(o.queueId) };
}

function compareByQueue(a: { queue: MessageQueue }, b: { queue: MessageQueue }): number {
  return (
    a.queue.topic.localeCompare(b.queue.topic) ||
    a.queue.brokerName.localeCompare(b.queue.brokerName) ||
    a.queue.queueId - b.queue.queueId
  );
}
