import {
  describeError,
  resolveAddressList,
  type Clock,
  type Logger,
  type TimerHandle,
} from '@skyrocket/common';
import {
  crc32,
  createRequest,
  encodeHeader,
  RemotingClient,
  RequestCode,
  ResponseCode,
  type HeaderValue,
} from '@skyrocket/remoting';
import { Perm, type TopicConfig, type TopicConfigManager } from '../topic/topic-config-manager';

/** Registration state with one NameServer, shown in /readyz and metrics. */
export interface NameServerRegistration {
  address: string;
  lastSuccessTimestamp: number | undefined;
  lastAttemptTimestamp: number | undefined;
  lastError: string | undefined;
}

export interface RegistrarOptions {
  /** "host:port;host:port" or "dns:<name>:<port>". */
  namesrvAddr: string;
  clusterName: string;
  brokerName: string;
  brokerId: number;
  /** "ip:port" clients use. */
  brokerAddr: string;
  haServerAddr: string;
  periodMs: number;
  timeoutMs: number;
  topics: TopicConfigManager;
  /**
   * The broker's runtime permission (PermName bits). When it lacks read or write, every registered topic's perm is
   * ANDed with it, as BrokerController.registerBrokerAll does, so NameServer routes show a read-only broker and
   * producers stop sending to it.
   */
  brokerPermission?: () => number;
  clock: Clock;
  logger: Logger;
  /** A slave learns its master from the registration answer. */
  onMasterAddress?: (masterAddr: string | undefined, haServerAddr: string | undefined) => void;
}

/**
 * Registers the broker with EVERY NameServer (NameServers never talk to each other), at start, every periodMs
 * (the registration is the broker's heartbeat) and soon after a topic change; unregisters at shutdown. With a
 * "dns:" address the name is resolved before each round, so NameServers that come and go are followed without a
 * restart (DESIGN.md §5). Lifecycle: CREATED → RUNNING → STOPPED.
 */
export class NameServerRegistrar {
  readonly #options: RegistrarOptions;
  readonly #client: RemotingClient;
  readonly #state = new Map<string, NameServerRegistration>();
  #timer: TimerHandle | undefined;
  #soon: TimerHandle | undefined;
  #round: Promise<void> | undefined;
  #lifecycle: 'CREATED' | 'RUNNING' | 'STOPPED' = 'CREATED';

  constructor(options: RegistrarOptions) {
    this.#options = options;
    this.#client = new RemotingClient({ logger: options.logger, connectTimeoutMs: 3000 });
    options.topics.onChange(() => this.registerSoon());
  }

  async start(): Promise<void> {
    this.#lifecycle = 'RUNNING';
    await this.registerAll();
    this.#timer = this.#options.clock
      .setInterval(() => void this.registerAll(), this.#options.periodMs)
      .unref();
  }

  /** Registration state per NameServer address seen. */
  registrations(): NameServerRegistration[] {
    return [...this.#state.values()].map((r) => ({ ...r }));
  }

  /** Registered with at least one NameServer in the last three periods. */
  isRegistered(): boolean {
    const now = this.#options.clock.now();
    return [...this.#state.values()].some(
      (r) =>
        r.lastSuccessTimestamp !== undefined && now - r.lastSuccessTimestamp < 3 * this.#options.periodMs,
    );
  }

  /** Debounced registration after topic changes (registerIncrementBrokerData). */
  registerSoon(): void {
    if (this.#lifecycle !== 'RUNNING' || this.#soon) return;
    this.#soon = this.#options.clock.setTimeout(() => {
      this.#soon = undefined;
      void this.registerAll();
    }, 50);
  }

  /** One registration round with every NameServer; concurrent callers share it. */
  registerAll(): Promise<void> {
    if (this.#round) return this.#round.then(() => this.registerAll());
    const round = this.#registerRound().finally(() => {
      this.#round = undefined;
    });
    this.#round = round;
    return round;
  }

  /**
   * Removes a topic's routes on this broker's cluster from every NameServer (DELETE_TOPIC_IN_NAMESRV with
   * clusterName, what `mqadmin deleteTopic -c` sends after deleting it on the brokers); NameServers never drop a
   * topic a broker stops registering. Another group of the cluster that still has the topic registers it again in
   * its next round. Resolves with the NameServers that failed, each with why.
   */
  deleteTopicRoutes(topic: string): Promise<string[]> {
    return this.#invokeEvery(
      RequestCode.DELETE_TOPIC_IN_NAMESRV,
      { topic, clusterName: this.#options.clusterName },
      this.#options.timeoutMs,
    );
  }

  /** One request to every NameServer; resolves with the ones that failed or refused it, each with why. */
  async #invokeEvery(
    code: number,
    header: Record<string, HeaderValue>,
    timeoutMs: number,
  ): Promise<string[]> {
    const failures: string[] = [];
    await Promise.all(
      (await this.#addresses()).map(async (address) => {
        try {
          const response = await this.#client.invoke(
            address,
            createRequest(code, { extFields: encodeHeader(header) }),
            timeoutMs,
          );
          if (response.code !== ResponseCode.SUCCESS)
            throw new Error(`code ${response.code}: ${response.remark ?? ''}`);
        } catch (error) {
          failures.push(`${address}: ${describeError(error)}`);
        }
      }),
    );
    return failures;
  }

  async stop(): Promise<void> {
    if (this.#lifecycle !== 'RUNNING') return;
    this.#lifecycle = 'STOPPED';
    if (this.#timer) this.#options.clock.clearTimer(this.#timer);
    if (this.#soon) this.#options.clock.clearTimer(this.#soon);
    await this.#round;
    const { clusterName, brokerName, brokerId, brokerAddr } = this.#options;
    // Best effort: a NameServer that misses it expires the broker after its heartbeat timeout.
    await this.#invokeEvery(
      RequestCode.UNREGISTER_BROKER,
      { clusterName, brokerName, brokerId, brokerAddr },
      3000,
    );
    await this.#client.close();
  }

  async #registerRound(): Promise<void> {
    const addresses = await this.#addresses();
    const { topics, clusterName, brokerName, brokerId, brokerAddr, haServerAddr } = this.#options;
    const body = Buffer.from(
      JSON.stringify({
        topicConfigSerializeWrapper: {
          topicConfigTable: registeredTopicTable(topics.table(), this.#options.brokerPermission?.()),
          dataVersion: topics.dataVersion,
        },
        filterServerList: [],
      }),
    );
    const extFields = encodeHeader({
      brokerName,
      brokerAddr,
      clusterName,
      haServerAddr,
      brokerId,
      compressed: false,
      bodyCrc32: crc32(body),
    });
    await Promise.all(
      addresses.map(async (address) => {
        const state = this.#stateOf(address);
        state.lastAttemptTimestamp = this.#options.clock.now();
        try {
          const response = await this.#client.invoke(
            address,
            createRequest(RequestCode.REGISTER_BROKER, { extFields, body }),
            this.#options.timeoutMs,
          );
          if (response.code !== ResponseCode.SUCCESS) {
            throw new Error(`code ${response.code}: ${response.remark ?? ''}`);
          }
          state.lastSuccessTimestamp = this.#options.clock.now();
          state.lastError = undefined;
          if (brokerId !== 0)
            this.#options.onMasterAddress?.(response.extFields.masterAddr, response.extFields.haServerAddr);
        } catch (error) {
          state.lastError = describeError(error);
          this.#options.logger.warn(
            { nameServer: address, error: state.lastError },
            'registration with NameServer failed',
          );
        }
      }),
    );
    // Forget NameServers that are no longer listed (a DNS answer changed).
    for (const address of [...this.#state.keys()])
      if (!addresses.includes(address)) this.#state.delete(address);
  }

  #stateOf(address: string): NameServerRegistration {
    let state = this.#state.get(address);
    if (!state) {
      state = {
        address,
        lastSuccessTimestamp: undefined,
        lastAttemptTimestamp: undefined,
        lastError: undefined,
      };
      this.#state.set(address, state);
    }
    return state;
  }

  async #addresses(): Promise<string[]> {
    return resolveNameServerAddresses(this.#options.namesrvAddr, this.#options.logger);
  }
}

/**
 * The topic table a registration carries: as stored, unless the broker permission is missing read or write; then
 * each topic's perm is ANDed with the broker permission (registerBrokerAll), e.g. read-only wipes PERM_WRITE.
 */
export function registeredTopicTable(
  table: Record<string, TopicConfig>,
  brokerPermission: number | undefined,
): Record<string, TopicConfig> {
  const full = Perm.READ | Perm.WRITE;
  if (brokerPermission === undefined || (brokerPermission & full) === full) return table;
  return Object.fromEntries(
    Object.entries(table).map(([name, config]) => [
      name,
      { ...config, perm: config.perm & brokerPermission },
    ]),
  );
}

/** Resolves "host:port;host:port" or "dns:<name>:<port>" (every A/AAAA record) into addresses. */
export function resolveNameServerAddresses(setting: string, logger?: Logger): Promise<string[]> {
  return resolveAddressList(setting, (name, error) =>
    logger?.warn({ name, error: describeError(error) }, 'NameServer DNS name did not resolve'),
  );
}
