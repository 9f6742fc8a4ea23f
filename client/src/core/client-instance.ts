/**
 * ClientInstance: the connections, routes and heartbeats shared by every producer, consumer and admin that use the
 * same clientId (Java's MQClientInstance). One instance per (clientId, NameServer setting), ref-counted.
 *
 * API for producers and consumers (stable; C2's consumers build on it):
 *
 *   const instance = await ClientInstance.acquire(configInput);   // get-or-create, +1 ref, started
 *   await instance.release();                                     // -1 ref; the last release shuts it down
 *
 *   instance.clientId / .config / .logger / .clock / .events (typed: routeUpdated, brokerUnavailable, …)
 *
 *   // members: heartbeats carry their data; registering sends a heartbeat at once; unregistering sends
 *   // UNREGISTER_CLIENT to every broker. A group may be registered once per instance (as in Java).
 *   instance.registerProducer({ group })                 → throws INVALID_ARGUMENT if the group is taken
 *   instance.registerConsumer({ group, consumerData: () => ConsumerData })
 *   await instance.unregisterProducer(group) / unregisterConsumer(group)
 *   await instance.sendHeartbeatToAllBrokers()
 *
 *   // routes (cached; refreshed every pollNameServerIntervalMillis and with { refresh: true } after errors)
 *   await instance.getTopicRoute(topic, { refresh? })    → TopicRouteInfo { route, writeQueues, readQueues }
 *                                                          (throws TOPIC_NOT_EXIST)
 *   instance.cachedTopicRoute(topic)                     → TopicRouteInfo | undefined (no I/O)
 *   instance.findBrokerAddress(brokerName, brokerId?, onlyThisBroker?) → { address, brokerId, master } | undefined
 *   instance.findMasterAddress(brokerName)               → string | undefined
 *   await instance.findBrokerAddressOrRefresh(topic, brokerName, brokerId?) → { address, brokerId, master }
 *
 *   // requests; transport failures become ClientError REQUEST_TIMEOUT / CONNECTION_FAILED (retriable)
 *   await instance.invoke(address, command, timeoutMillis?)  → RemotingCommand (any response code)
 *   await instance.invokeOneway(address, command)
 *   await instance.invokeNameServer(command, timeoutMillis?)  (fails over across the NameServer list)
 *   responseError(response, what, ctx) from ../errors turns a non-success response into a ClientError
 *
 *   // server → client requests (NOTIFY_CONSUMER_IDS_CHANGED, RESET_CONSUMER_CLIENT_OFFSET,
 *   // GET_CONSUMER_RUNNING_INFO, CHECK_TRANSACTION_STATE …): handlers of a code run in registration order until
 *   // one returns a response; oneway requests ignore returns. Unhandled codes answer REQUEST_CODE_NOT_SUPPORTED.
 *   const off = instance.onRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, (request, connection) => undefined);
 *
 *   await instance.findConsumerIdList(topic, group)      → string[] (GET_CONSUMER_LIST_BY_GROUP)
 */
import { systemClock, type Clock, type Logger, type TimerHandle } from '@skyrocket/common';
import {
  createRequest,
  createResponse,
  encodeHeader,
  RemotingClient,
  RequestCode,
  ResponseCode,
  type Connection,
  type RemotingCommand,
} from '@skyrocket/remoting';
import { ClientError, responseError, toClientError } from '../errors';
import { parseClientConfig, type ClientConfig, type ClientConfigInput } from './config';
import { TypedEventEmitter } from './events';
import { parseJsonBody } from './fastjson';
import type { ConsumerData, HeartbeatData } from './heartbeat-data';
import { Lifecycle } from './lifecycle';
import { addressServerUrl, fetchNameServerList, NameServerList } from './nameserver-list';
import { buildRouteInfo, MASTER_ID, parseTopicRoute, type TopicRouteInfo } from './route';

export interface ClientEvents {
  /** A topic's route was fetched for the first time or changed. */
  routeUpdated: { topic: string; route: TopicRouteInfo; previous: TopicRouteInfo | undefined };
  /** A request to a broker failed at the transport level (connect failure, closed connection, timeout). */
  brokerUnavailable: { address: string; brokerName: string | undefined; error: ClientError };
  /** Any request failed at the transport level (brokers and NameServers). */
  requestFailed: { address: string; code: number; error: ClientError };
  heartbeatFailed: { address: string; error: ClientError };
  /** The NameServer list changed (address-server discovery). */
  nameServersChanged: { addresses: readonly string[] };
}

export interface ProducerMember {
  readonly group: string;
}

export interface ConsumerMember {
  readonly group: string;
  /** The group's ConsumerData for the next heartbeat (its subscriptions as of now). */
  consumerData(): ConsumerData;
}

export type ServerRequestHandler = (
  request: RemotingCommand,
  connection: Connection,
) => Promise<RemotingCommand | undefined> | RemotingCommand | undefined;

export interface BrokerAddress {
  address: string;
  brokerId: number;
  master: boolean;
}

export interface ClientInstanceDeps {
  clock?: Clock;
}

const registry = new Map<string, ClientInstance>();

export class ClientInstance {
  readonly config: ClientConfig;
  readonly clientId: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly events = new TypedEventEmitter<ClientEvents>();

  readonly #key: string;
  readonly #lifecycle: Lifecycle;
  readonly #remoting: RemotingClient;
  readonly #nameServers: NameServerList;
  readonly #routes = new Map<string, TopicRouteInfo>();
  readonly #routeFetches = new Map<string, Promise<TopicRouteInfo>>();
  /** brokerName → brokerId → address, from every cached route. */
  #brokers = new Map<string, Map<number, string>>();
  /** address → brokerName, to name brokers in events. */
  #brokerNames = new Map<string, string>();
  readonly #producers = new Map<string, ProducerMember>();
  readonly #consumers = new Map<string, ConsumerMember>();
  readonly #handlers = new Map<number, ServerRequestHandler[]>();
  readonly #timers: TimerHandle[] = [];
  #refs = 0;
  #starting: Promise<void> | undefined;
  #heartbeating: Promise<void> | undefined;
  #heartbeatAgain = false;

  /** A private (unshared) instance; most callers want `ClientInstance.acquire`. */
  constructor(config: ClientConfig, deps: ClientInstanceDeps = {}, key = '') {
    this.config = config;
    this.clientId = config.clientId;
    this.logger = config.logger.child({ component: 'client', clientId: config.clientId });
    this.clock = deps.clock ?? systemClock;
    this.#key = key;
    this.#lifecycle = new Lifecycle(`client instance ${config.clientId}`);
    this.#nameServers = new NameServerList(
      config.namesrvAddr
        ? config.namesrvAddr
            .split(';')
            .map((a) => a.trim())
            .filter(Boolean)
        : [],
      this.logger,
    );
    this.#remoting = new RemotingClient({
      connectTimeoutMs: config.connectTimeoutMillis,
      logger: this.logger,
      requestHandler: (request, connection) => this.#dispatch(request, connection),
    });
  }

  /**
   * The shared instance for this configuration (created on first use), started, with one more reference. Call
   * `release()` once per `acquire()`.
   */
  static async acquire(
    input: ClientConfigInput | ClientConfig,
    deps: ClientInstanceDeps = {},
  ): Promise<ClientInstance> {
    const config = isParsedConfig(input) ? input : parseClientConfig(input);
    const key = `${config.clientId}|${config.namesrvAddr ?? ''}|${config.nameServerDomain ?? ''}`;
    let instance = registry.get(key);
    // One that was shut down directly (not released) is replaced rather than handed out dead.
    if (instance && (instance.state === 'STOPPING' || instance.state === 'SHUTDOWN')) instance = undefined;
    if (!instance) {
      instance = new ClientInstance(config, deps, key);
      registry.set(key, instance);
    }
    instance.#refs++;
    try {
      await instance.#ensureStarted();
    } catch (error) {
      instance.#refs--;
      if (instance.#refs === 0 && registry.get(key) === instance) registry.delete(key);
      throw error;
    }
    return instance;
  }

  get state(): string {
    return this.#lifecycle.state;
  }

  get nameServerAddresses(): readonly string[] {
    return this.#nameServers.addresses;
  }

  /** Starts a private instance (shared ones are started by `acquire`). */
  async start(): Promise<void> {
    this.#refs++;
    await this.#ensureStarted();
  }

  /** Drops one reference; the last one shuts the instance down (UNREGISTER_CLIENT, timers, connections). */
  async release(): Promise<void> {
    if (this.#refs <= 0) return;
    this.#refs--;
    if (this.#refs > 0) return;
    if (registry.get(this.#key) === this) registry.delete(this.#key);
    await this.shutdown();
  }

  async shutdown(): Promise<void> {
    if (this.#lifecycle.state === 'SHUTDOWN') return;
    if (!this.#lifecycle.beginShutdown()) return;
    for (const timer of this.#timers.splice(0)) this.clock.clearTimer(timer);
    const groups = [
      ...[...this.#producers.keys()].map((g) => ({ producerGroup: g })),
      ...[...this.#consumers.keys()].map((g) => ({ consumerGroup: g })),
    ];
    this.#producers.clear();
    this.#consumers.clear();
    await Promise.all(groups.map((g) => this.#unregisterClient(g)));
    await this.#remoting.close();
    this.events.removeAllListeners();
    this.#lifecycle.stopped();
    this.logger.info('client instance shut down');
  }

  // ---------------------------------------------------------------------------------------------- members

  registerProducer(member: ProducerMember): void {
    this.#lifecycle.assertRunning('register a producer');
    if (this.#producers.has(member.group)) {
      throw new ClientError(
        'INVALID_ARGUMENT',
        `producer group "${member.group}" is already registered in client ${this.clientId}; give the second producer another instanceName`,
      );
    }
    this.#producers.set(member.group, member);
    void this.sendHeartbeatToAllBrokers();
  }

  registerConsumer(member: ConsumerMember): void {
    this.#lifecycle.assertRunning('register a consumer');
    if (this.#consumers.has(member.group)) {
      throw new ClientError(
        'INVALID_ARGUMENT',
        `consumer group "${member.group}" is already registered in client ${this.clientId}; give the second consumer another instanceName`,
      );
    }
    this.#consumers.set(member.group, member);
    void this.sendHeartbeatToAllBrokers();
  }

  async unregisterProducer(group: string): Promise<void> {
    if (!this.#producers.delete(group) || !this.#lifecycle.isRunning) return;
    await this.#unregisterClient({ producerGroup: group });
  }

  async unregisterConsumer(group: string): Promise<void> {
    if (!this.#consumers.delete(group) || !this.#lifecycle.isRunning) return;
    await this.#unregisterClient({ consumerGroup: group });
  }

  // ---------------------------------------------------------------------------------------------- requests

  /** Sends a request and returns the response whatever its code; transport failures throw ClientError. */
  async invoke(address: string, command: RemotingCommand, timeoutMillis?: number): Promise<RemotingCommand> {
    this.#lifecycle.assertRunning('send a request');
    try {
      return await this.#remoting.invoke(address, command, timeoutMillis ?? this.config.requestTimeoutMillis);
    } catch (error) {
      throw this.#transportFailure(address, command.code, error);
    }
  }

  async invokeOneway(address: string, command: RemotingCommand): Promise<void> {
    this.#lifecycle.assertRunning('send a request');
    try {
      await this.#remoting.invokeOneway(address, command);
    } catch (error) {
      throw this.#transportFailure(address, command.code, error);
    }
  }

  /** Sends a request to the current NameServer, moving to the next one on transport failures. */
  async invokeNameServer(command: RemotingCommand, timeoutMillis?: number): Promise<RemotingCommand> {
    this.#lifecycle.assertRunning('query the NameServer');
    const count = this.#nameServers.addresses.length;
    let lastError: ClientError | undefined;
    for (let attempt = 0; attempt < Math.max(1, count); attempt++) {
      const address = this.#nameServers.current();
      if (address === undefined) break;
      try {
        return await this.invoke(address, command, timeoutMillis);
      } catch (error) {
        lastError = toClientError(error, address);
        if (!lastError.retriable) throw lastError;
        this.#nameServers.failover(address);
      }
    }
    throw new ClientError(
      'NAMESERVER_UNAVAILABLE',
      `no NameServer answered (${this.#nameServers.addresses.join(';') || 'none known'})${
        lastError ? `: ${lastError.message}` : ''
      }`,
      { cause: lastError },
    );
  }

  /** Registers a handler for server → client requests of `code`; returns a function that removes it. */
  onRequest(code: number, handler: ServerRequestHandler): () => void {
    const list = this.#handlers.get(code) ?? [];
    list.push(handler);
    this.#handlers.set(code, list);
    return () => {
      const current = this.#handlers.get(code);
      if (!current) return;
      const index = current.indexOf(handler);
      if (index >= 0) current.splice(index, 1);
    };
  }

  // ---------------------------------------------------------------------------------------------- routes

  /** The topic's route, from the cache or the NameServer. Throws ClientError TOPIC_NOT_EXIST for unknown topics. */
  async getTopicRoute(topic: string, options: { refresh?: boolean } = {}): Promise<TopicRouteInfo> {
    if (!options.refresh) {
      const cached = this.#routes.get(topic);
      if (cached) return cached;
    }
    const inFlight = this.#routeFetches.get(topic);
    if (inFlight) return inFlight;
    const fetching = this.#fetchTopicRoute(topic).finally(() => this.#routeFetches.delete(topic));
    this.#routeFetches.set(topic, fetching);
    return fetching;
  }

  cachedTopicRoute(topic: string): TopicRouteInfo | undefined {
    return this.#routes.get(topic);
  }

  /** Forgets a topic's route (e.g. after the topic was deleted). */
  forgetTopicRoute(topic: string): void {
    this.#routes.delete(topic);
    this.#rebuildBrokerTable();
  }

  /**
   * `MQClientInstance.findBrokerAddressInSubscribe`: the address of (brokerName, brokerId); when that id is not
   * known and `onlyThisBroker` is false, another member of the group (the master first, else any slave).
   */
  findBrokerAddress(
    brokerName: string,
    brokerId = MASTER_ID,
    onlyThisBroker = false,
  ): BrokerAddress | undefined {
    const members = this.#brokers.get(brokerName);
    if (!members || members.size === 0) return undefined;
    const exact = members.get(brokerId);
    if (exact !== undefined) return { address: exact, brokerId, master: brokerId === MASTER_ID };
    if (onlyThisBroker) return undefined;
    const master = members.get(MASTER_ID);
    if (master !== undefined) return { address: master, brokerId: MASTER_ID, master: true };
    const [id, address] = [...members.entries()].sort((a, b) => a[0] - b[0])[0] ?? [];
    return id === undefined || address === undefined ? undefined : { address, brokerId: id, master: false };
  }

  /** The master's address (`findBrokerAddressInPublish`). */
  findMasterAddress(brokerName: string): string | undefined {
    return this.#brokers.get(brokerName)?.get(MASTER_ID);
  }

  /** Like findBrokerAddress, refreshing the topic's route once when the broker is not known. */
  async findBrokerAddressOrRefresh(
    topic: string,
    brokerName: string,
    brokerId = MASTER_ID,
  ): Promise<BrokerAddress> {
    const known = this.findBrokerAddress(brokerName, brokerId);
    if (known) return known;
    await this.getTopicRoute(topic, { refresh: true });
    const found = this.findBrokerAddress(brokerName, brokerId);
    if (!found) {
      throw new ClientError(
        'BROKER_NOT_FOUND',
        `no address known for broker ${brokerName} (topic ${topic})`,
        {
          brokerName,
        },
      );
    }
    return found;
  }

  /** Every known broker: brokerName → brokerId → address. */
  brokers(): ReadonlyMap<string, ReadonlyMap<number, string>> {
    return this.#brokers;
  }

  // ---------------------------------------------------------------------------------------------- heartbeats

  /**
   * HEART_BEAT with every registered member to every known broker: masters always, slaves only when consumers are
   * registered (MQClientInstance.sendHeartbeatToAllBroker). Concurrent calls coalesce into one more round.
   */
  async sendHeartbeatToAllBrokers(): Promise<void> {
    if (!this.#lifecycle.isRunning) return;
    if (this.#heartbeating) {
      this.#heartbeatAgain = true;
      return this.#heartbeating;
    }
    this.#heartbeating = (async () => {
      do {
        this.#heartbeatAgain = false;
        await this.#heartbeatRound();
      } while (this.#heartbeatAgain && this.#lifecycle.isRunning);
    })().finally(() => {
      this.#heartbeating = undefined;
    });
    return this.#heartbeating;
  }

  heartbeatData(): HeartbeatData {
    return {
      clientID: this.clientId,
      producerDataSet: [...this.#producers.keys()].map((groupName) => ({ groupName })),
      consumerDataSet: [...this.#consumers.values()].map((c) => c.consumerData()),
    };
  }

  /** GET_CONSUMER_LIST_BY_GROUP to a broker serving the topic: the clientIds of the group's live consumers. */
  async findConsumerIdList(topic: string, group: string): Promise<string[]> {
    const info = await this.getTopicRoute(topic);
    const brokerNames = info.route.brokerDatas.map((b) => b.brokerName);
    const choice = brokerNames[Math.floor(Math.random() * brokerNames.length)];
    const broker = choice === undefined ? undefined : this.findBrokerAddress(choice);
    if (!broker) throw new ClientError('BROKER_NOT_FOUND', `no broker serves topic ${topic}`);
    const response = await this.invoke(
      broker.address,
      createRequest(RequestCode.GET_CONSUMER_LIST_BY_GROUP, {
        extFields: encodeHeader({ consumerGroup: group }),
      }),
    );
    if (response.code !== ResponseCode.SUCCESS) {
      throw responseError(response, `GET_CONSUMER_LIST_BY_GROUP ${group}`, { address: broker.address });
    }
    const body = parseJsonBody(response.body, 'GET_CONSUMER_LIST_BY_GROUP');
    const list =
      body !== null && typeof body === 'object' && !Array.isArray(body) ? body.consumerIdList : undefined;
    return Array.isArray(list) ? list.filter((id): id is string => typeof id === 'string') : [];
  }

  // ---------------------------------------------------------------------------------------------- internals

  async #ensureStarted(): Promise<void> {
    if (this.#lifecycle.isRunning) return;
    if (this.#starting) return this.#starting;
    this.#lifecycle.beginStart();
    this.#starting = this.#start().then(
      () => {
        this.#lifecycle.started();
        this.#starting = undefined;
      },
      (error: unknown) => {
        this.#lifecycle.startFailed();
        this.#starting = undefined;
        throw error;
      },
    );
    return this.#starting;
  }

  async #start(): Promise<void> {
    if (this.config.nameServerDomain !== undefined && !this.config.namesrvAddr) {
      await this.#refreshNameServersFromDomain(true);
      this.#every(this.config.nameServerDomainRefreshMillis, () => this.#refreshNameServersFromDomain(false));
    }
    this.#every(this.config.pollNameServerIntervalMillis, () => this.#refreshAllRoutes());
    this.#every(this.config.heartbeatBrokerIntervalMillis, () => this.sendHeartbeatToAllBrokers());
    this.logger.info({ nameServers: this.#nameServers.addresses }, 'client instance started');
  }

  #every(millis: number, task: () => Promise<void>): void {
    const timer = this.clock.setInterval(() => {
      task().catch((error: unknown) => this.logger.warn({ err: error }, 'periodic client task failed'));
    }, millis);
    timer.unref();
    this.#timers.push(timer);
  }

  async #refreshNameServersFromDomain(initial: boolean): Promise<void> {
    const url = addressServerUrl(this.config.nameServerDomain ?? '');
    try {
      const addresses = await fetchNameServerList(url, this.config.requestTimeoutMillis);
      if (this.#nameServers.update(addresses)) {
        this.logger.info({ addresses }, 'NameServer list from the address server');
        this.events.emit('nameServersChanged', { addresses }, (e) => this.#listenerFailed(e));
      }
    } catch (error) {
      if (initial) throw error;
      this.logger.warn(
        { err: error, url },
        'address server refresh failed; keeping the current NameServer list',
      );
    }
  }

  async #fetchTopicRoute(topic: string): Promise<TopicRouteInfo> {
    const response = await this.invokeNameServer(
      createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
        extFields: encodeHeader({ topic, acceptStandardJsonOnly: true }),
      }),
    );
    if (response.code === ResponseCode.TOPIC_NOT_EXIST) {
      if (this.#routes.delete(topic)) this.#rebuildBrokerTable();
      throw new ClientError(
        'TOPIC_NOT_EXIST',
        `topic "${topic}" does not exist: no NameServer has a route for it`,
        {
          responseCode: response.code,
          remark: response.remark,
        },
      );
    }
    if (response.code !== ResponseCode.SUCCESS)
      throw responseError(response, `GET_ROUTEINFO_BY_TOPIC ${topic}`);
    const info = buildRouteInfo(parseTopicRoute(topic, parseJsonBody(response.body, `route of ${topic}`)));
    const previous = this.#routes.get(topic);
    if (previous && previous.fingerprint === info.fingerprint) return previous;
    this.#routes.set(topic, info);
    const newAddresses = this.#rebuildBrokerTable();
    this.logger.debug({ topic, writeQueues: info.writeQueues.length }, 'topic route updated');
    this.events.emit('routeUpdated', { topic, route: info, previous }, (e) => this.#listenerFailed(e));
    if (newAddresses && (this.#producers.size > 0 || this.#consumers.size > 0)) {
      // A broker seen for the first time learns about this client now rather than at the next 30 s round
      // (transaction checks and consumer notifications need the registration).
      void this.sendHeartbeatToAllBrokers();
    }
    return info;
  }

  async #refreshAllRoutes(): Promise<void> {
    for (const topic of [...this.#routes.keys()]) {
      if (!this.#lifecycle.isRunning) return;
      try {
        await this.getTopicRoute(topic, { refresh: true });
      } catch (error) {
        this.logger.warn({ err: error, topic }, 'route refresh failed');
      }
    }
  }

  /** Rebuilds brokerName → id → address from the cached routes; returns whether a new address appeared. */
  #rebuildBrokerTable(): boolean {
    const brokers = new Map<string, Map<number, string>>();
    const names = new Map<string, string>();
    for (const info of this.#routes.values()) {
      for (const broker of info.route.brokerDatas) {
        brokers.set(broker.brokerName, new Map(broker.brokerAddrs));
        for (const address of broker.brokerAddrs.values()) names.set(address, broker.brokerName);
      }
    }
    const added = [...names.keys()].some((address) => !this.#brokerNames.has(address));
    this.#brokers = brokers;
    this.#brokerNames = names;
    return added;
  }

  async #heartbeatRound(): Promise<void> {
    if (this.#producers.size === 0 && this.#consumers.size === 0) return;
    const body = Buffer.from(JSON.stringify(this.heartbeatData()));
    const withSlaves = this.#consumers.size > 0;
    const targets: string[] = [];
    for (const members of this.#brokers.values()) {
      for (const [id, address] of members) if (id === MASTER_ID || withSlaves) targets.push(address);
    }
    await Promise.all(
      targets.map(async (address) => {
        try {
          const response = await this.invoke(address, createRequest(RequestCode.HEART_BEAT, { body }));
          if (response.code !== ResponseCode.SUCCESS)
            throw responseError(response, 'HEART_BEAT', { address });
        } catch (error) {
          const clientError = toClientError(error, address);
          this.logger.warn({ err: clientError, address }, 'heartbeat failed');
          this.events.emit('heartbeatFailed', { address, error: clientError }, (e) =>
            this.#listenerFailed(e),
          );
        }
      }),
    );
  }

  async #unregisterClient(group: { producerGroup?: string; consumerGroup?: string }): Promise<void> {
    const request = createRequest(RequestCode.UNREGISTER_CLIENT, {
      extFields: encodeHeader({ clientID: this.clientId, ...group }),
    });
    const addresses = [...this.#brokers.values()].flatMap((members) => [...members.values()]);
    await Promise.all(
      addresses.map(async (address) => {
        try {
          await this.#remoting.invoke(address, request, this.config.requestTimeoutMillis);
        } catch (error) {
          this.logger.debug({ err: error, address }, 'UNREGISTER_CLIENT failed');
        }
      }),
    );
  }

  #transportFailure(address: string, code: number, error: unknown): ClientError {
    const clientError = toClientError(error, address);
    const brokerName = this.#brokerNames.get(address);
    this.events.emit('requestFailed', { address, code, error: clientError }, (e) => this.#listenerFailed(e));
    if (brokerName !== undefined) {
      this.events.emit('brokerUnavailable', { address, brokerName, error: clientError }, (e) =>
        this.#listenerFailed(e),
      );
    }
    return clientError;
  }

  async #dispatch(request: RemotingCommand, connection: Connection): Promise<RemotingCommand | undefined> {
    const handlers = this.#handlers.get(request.code);
    if (!handlers || handlers.length === 0) {
      this.logger.debug({ code: request.code }, 'server request with no handler');
      return createResponse(request, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, {
        remark: `request code ${request.code} is not supported by client ${this.clientId}`,
      });
    }
    for (const handler of [...handlers]) {
      try {
        const response = await handler(request, connection);
        if (response !== undefined) return response;
      } catch (error) {
        this.logger.error({ err: error, code: request.code }, 'server request handler failed');
        return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: (error as Error).message });
      }
    }
    return undefined;
  }

  #listenerFailed(error: unknown): void {
    this.logger.error({ err: error }, 'client event listener threw');
  }
}

function isParsedConfig(input: ClientConfigInput | ClientConfig): input is ClientConfig {
  return (
    typeof (input as ClientConfig).clientId === 'string' && typeof (input as ClientConfig).logger === 'object'
  );
}
