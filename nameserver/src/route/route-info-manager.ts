import type { Clock } from '@skyrocket/common';
import {
  sameDataVersion,
  type BrokerData,
  type ClusterInfo,
  type DataVersion,
  type QueueData,
  type TopicConfig,
  type TopicRouteData,
} from './route-data';

/**
 * The NameServer's whole state: which brokers are alive, which topics they serve, and the routes clients ask for
 * (RocketMQ namesrv/.../routeinfo/RouteInfoManager.java). Pure: no sockets, time from an injected Clock. The
 * processors translate requests into these calls; the expiry scan and connection-close hooks call `unregister`.
 *
 * Node runs it on one thread, so the Java read/write lock has no counterpart here.
 */

/** DEFAULT_BROKER_CHANNEL_EXPIRED_TIME: a broker silent this long is dropped. */
export const DEFAULT_BROKER_EXPIRY_MS = 120_000;

export interface BrokerLiveInfo {
  clusterName: string;
  brokerName: string;
  brokerAddr: string;
  brokerId: number;
  haServerAddr: string;
  lastUpdateTimestamp: number;
  /** First registration of this broker address in this NameServer's lifetime. */
  firstRegisteredTimestamp: number;
  heartbeatTimeoutMillis: number;
  dataVersion: DataVersion | undefined;
  /** Identifies the connection the broker registered on, so its close unregisters the broker. */
  connectionId: number | undefined;
}

export interface RegisterBrokerInput {
  clusterName: string;
  brokerAddr: string;
  brokerName: string;
  brokerId: number;
  haServerAddr: string;
  heartbeatTimeoutMillis?: number | undefined;
  enableActingMaster?: boolean | undefined;
  zoneName?: string | undefined;
  dataVersion: DataVersion | undefined;
  topicConfigs: TopicConfig[];
  filterServerList: string[];
  connectionId?: number | undefined;
}

export type RegisterBrokerResult =
  { ok: true; masterAddr?: string; haServerAddr?: string } | { ok: false; reason: string };

export interface UnregisterInput {
  clusterName: string;
  brokerAddr: string;
  brokerName: string;
  brokerId: number;
}

export class RouteInfoManager {
  readonly #clock: Clock;
  readonly #defaultExpiryMs: number;
  /** topic → brokerName → QueueData */
  readonly #topicQueueTable = new Map<string, Map<string, QueueData>>();
  /** brokerName → BrokerData (brokerAddrs keyed by brokerId) */
  readonly #brokerAddrTable = new Map<
    string,
    { cluster: string; zoneName: string | null; enableActingMaster: boolean; addrs: Map<number, string> }
  >();
  /** clusterName → brokerNames */
  readonly #clusterAddrTable = new Map<string, Set<string>>();
  /** brokerAddr (per cluster) → live info; RocketMQ keys it by BrokerAddrInfo(clusterName, brokerAddr). */
  readonly #brokerLiveTable = new Map<string, BrokerLiveInfo>();
  /** brokerAddr → filter server addresses */
  readonly #filterServerTable = new Map<string, string[]>();
  #routeVersion = 0;

  constructor(clock: Clock, options: { defaultBrokerExpiryMs?: number } = {}) {
    this.#clock = clock;
    this.#defaultExpiryMs = options.defaultBrokerExpiryMs ?? DEFAULT_BROKER_EXPIRY_MS;
  }

  registerBroker(input: RegisterBrokerInput): RegisterBrokerResult {
    this.#routeVersion++;
    const { clusterName, brokerName, brokerAddr, brokerId } = input;
    const liveKey = liveInfoKey(clusterName, brokerAddr);

    let brokerData = this.#brokerAddrTable.get(brokerName);
    const registerFirst = brokerData === undefined;
    if (!brokerData) {
      brokerData = {
        cluster: clusterName,
        zoneName: input.zoneName ?? null,
        enableActingMaster: input.enableActingMaster ?? false,
        addrs: new Map(),
      };
    }
    // RouteInfoManager: a broker id that has never registered may not register with exactly one topic; that is
    // an incremental single-topic registration racing ahead of the broker's first full registration.
    if (!brokerData.addrs.has(brokerId) && input.topicConfigs.length === 1) {
      return { ok: false, reason: 'register broker failed' };
    }
    if (registerFirst) this.#brokerAddrTable.set(brokerName, brokerData);
    brokerData.enableActingMaster = input.enableActingMaster ?? brokerData.enableActingMaster;
    if (input.zoneName !== undefined) brokerData.zoneName = input.zoneName;

    let cluster = this.#clusterAddrTable.get(clusterName);
    if (!cluster) {
      cluster = new Set();
      this.#clusterAddrTable.set(clusterName, cluster);
    }
    cluster.add(brokerName);

    // The same address under another id means the broker changed role (slave → master): drop the old id.
    for (const [id, addr] of brokerData.addrs) {
      if (addr === brokerAddr && id !== brokerId) brokerData.addrs.delete(id);
    }
    brokerData.addrs.set(brokerId, brokerAddr);

    const previous = this.#brokerLiveTable.get(liveKey);
    const dataVersionChanged = !previous || !sameDataVersion(previous.dataVersion, input.dataVersion);
    if (brokerId === 0) {
      for (const topicConfig of input.topicConfigs) {
        const known = this.#topicQueueTable.get(topicConfig.topicName)?.has(brokerName) ?? false;
        if (registerFirst || dataVersionChanged || !known) this.#putQueueData(brokerName, topicConfig);
      }
    }

    const now = this.#clock.now();
    this.#brokerLiveTable.set(liveKey, {
      clusterName,
      brokerName,
      brokerAddr,
      brokerId,
      haServerAddr: input.haServerAddr,
      lastUpdateTimestamp: now,
      firstRegisteredTimestamp: previous?.firstRegisteredTimestamp ?? now,
      heartbeatTimeoutMillis:
        input.heartbeatTimeoutMillis && input.heartbeatTimeoutMillis > 0
          ? input.heartbeatTimeoutMillis
          : this.#defaultExpiryMs,
      dataVersion: input.dataVersion,
      connectionId: input.connectionId ?? previous?.connectionId,
    });

    if (input.filterServerList.length > 0) this.#filterServerTable.set(brokerAddr, input.filterServerList);
    else this.#filterServerTable.delete(brokerAddr);

    // A slave learns where its master is, and the master's HA address, from this answer.
    if (brokerId !== 0) {
      const masterAddr = brokerData.addrs.get(0);
      const masterLive = masterAddr
        ? this.#brokerLiveTable.get(liveInfoKey(clusterName, masterAddr))
        : undefined;
      if (masterAddr && masterLive) {
        return { ok: true, masterAddr, haServerAddr: masterLive.haServerAddr };
      }
    }
    return { ok: true };
  }

  unregisterBroker(input: UnregisterInput): boolean {
    this.#routeVersion++;
    const liveKey = liveInfoKey(input.clusterName, input.brokerAddr);
    const removedLive = this.#brokerLiveTable.delete(liveKey);
    this.#filterServerTable.delete(input.brokerAddr);
    const brokerData = this.#brokerAddrTable.get(input.brokerName);
    let removedAddr = false;
    if (brokerData && brokerData.addrs.get(input.brokerId) === input.brokerAddr) {
      brokerData.addrs.delete(input.brokerId);
      removedAddr = true;
    }
    if (brokerData && brokerData.addrs.size === 0) {
      this.#brokerAddrTable.delete(input.brokerName);
      const cluster = this.#clusterAddrTable.get(brokerData.cluster);
      cluster?.delete(input.brokerName);
      if (cluster && cluster.size === 0) this.#clusterAddrTable.delete(brokerData.cluster);
      this.#removeBrokerFromTopics(input.brokerName);
    }
    return removedLive || removedAddr;
  }

  /** Refreshes a broker's liveness (QUERY_DATA_VERSION, BROKER_HEARTBEAT). Returns false for an unknown broker. */
  touch(clusterName: string, brokerAddr: string): boolean {
    const live = this.#brokerLiveTable.get(liveInfoKey(clusterName, brokerAddr));
    if (!live) return false;
    live.lastUpdateTimestamp = this.#clock.now();
    return true;
  }

  liveInfo(clusterName: string, brokerAddr: string): BrokerLiveInfo | undefined {
    return this.#brokerLiveTable.get(liveInfoKey(clusterName, brokerAddr));
  }

  liveBrokers(): BrokerLiveInfo[] {
    return [...this.#brokerLiveTable.values()];
  }

  /** scanNotActiveBroker: drops every broker silent longer than its heartbeat timeout; returns the dropped ones. */
  scanNotActiveBrokers(): BrokerLiveInfo[] {
    const now = this.#clock.now();
    const expired = [...this.#brokerLiveTable.values()].filter(
      (live) => live.lastUpdateTimestamp + live.heartbeatTimeoutMillis < now,
    );
    for (const live of expired) this.unregisterBroker(live);
    return expired;
  }

  /** onChannelDestroy: the connection a broker registered on closed; drop every broker registered on it. */
  onConnectionClosed(connectionId: number): BrokerLiveInfo[] {
    const gone = [...this.#brokerLiveTable.values()].filter((live) => live.connectionId === connectionId);
    for (const live of gone) this.unregisterBroker(live);
    return gone;
  }

  /** pickupTopicRouteData: undefined unless the topic has queue data and at least one of its brokers is known. */
  getTopicRoute(topic: string): TopicRouteData | undefined {
    const queues = this.#topicQueueTable.get(topic);
    if (!queues || queues.size === 0) return undefined;
    const brokerDatas: BrokerData[] = [];
    const filterServerTable: Record<string, string[]> = {};
    for (const brokerName of [...queues.keys()].sort()) {
      const broker = this.getBrokerData(brokerName);
      if (!broker) continue;
      brokerDatas.push(broker);
      for (const addr of Object.values(broker.brokerAddrs)) {
        const filters = this.#filterServerTable.get(addr);
        if (filters) filterServerTable[addr] = filters;
      }
    }
    if (brokerDatas.length === 0) return undefined;
    const queueDatas = [...queues.values()]
      .map((q) => ({ ...q }))
      .sort((a, b) => a.brokerName.localeCompare(b.brokerName));
    return { orderTopicConf: null, queueDatas, brokerDatas, filterServerTable };
  }

  getClusterInfo(): ClusterInfo {
    const brokerAddrTable: Record<string, BrokerData> = {};
    for (const name of this.#brokerAddrTable.keys()) {
      const data = this.getBrokerData(name);
      if (data) brokerAddrTable[name] = data;
    }
    const clusterAddrTable: Record<string, string[]> = {};
    for (const [cluster, names] of this.#clusterAddrTable) clusterAddrTable[cluster] = [...names].sort();
    return { brokerAddrTable, clusterAddrTable };
  }

  getAllTopics(): string[] {
    return [...this.#topicQueueTable.keys()].sort();
  }

  getTopicsByCluster(clusterName: string): string[] {
    const brokerNames = this.#clusterAddrTable.get(clusterName) ?? new Set<string>();
    return [...this.#topicQueueTable]
      .filter(([, queues]) => [...queues.keys()].some((name) => brokerNames.has(name)))
      .map(([topic]) => topic)
      .sort();
  }

  /** REGISTER_TOPIC_IN_NAMESRV: adds or replaces queue data for brokers this NameServer knows. */
  registerTopic(topic: string, queueDatas: QueueData[]): void {
    this.#routeVersion++;
    for (const queueData of queueDatas) {
      if (!this.#brokerAddrTable.has(queueData.brokerName)) continue;
      let queues = this.#topicQueueTable.get(topic);
      if (!queues) {
        queues = new Map();
        this.#topicQueueTable.set(topic, queues);
      }
      queues.set(queueData.brokerName, { ...queueData });
    }
  }

  /** DELETE_TOPIC_IN_NAMESRV: the whole topic, or only its queues on one cluster's brokers. */
  deleteTopic(topic: string, clusterName?: string): void {
    this.#routeVersion++;
    if (!clusterName) {
      this.#topicQueueTable.delete(topic);
      return;
    }
    const queues = this.#topicQueueTable.get(topic);
    if (!queues) return;
    for (const brokerName of this.#clusterAddrTable.get(clusterName) ?? []) queues.delete(brokerName);
    if (queues.size === 0) this.#topicQueueTable.delete(topic);
  }

  /**
   * WIPE_WRITE_PERM_OF_BROKER / ADD_WRITE_PERM_OF_BROKER: clear or set the write bit on every queue of a broker
   * (how operators drain a broker). Returns how many topics changed.
   */
  setBrokerWritePermission(brokerName: string, writable: boolean): number {
    this.#routeVersion++;
    let changed = 0;
    for (const queues of this.#topicQueueTable.values()) {
      const queue = queues.get(brokerName);
      if (!queue) continue;
      queue.perm = writable ? queue.perm | 2 : queue.perm & ~2;
      changed++;
    }
    return changed;
  }

  /**
   * Changes whenever anything a route is built from may have changed, so callers can cache encoded routes and
   * know when to rebuild them.
   */
  get routeVersion(): number {
    return this.#routeVersion;
  }

  get topicCount(): number {
    return this.#topicQueueTable.size;
  }

  #putQueueData(brokerName: string, topicConfig: TopicConfig): void {
    let queues = this.#topicQueueTable.get(topicConfig.topicName);
    if (!queues) {
      queues = new Map();
      this.#topicQueueTable.set(topicConfig.topicName, queues);
    }
    queues.set(brokerName, {
      brokerName,
      readQueueNums: topicConfig.readQueueNums,
      writeQueueNums: topicConfig.writeQueueNums,
      perm: topicConfig.perm,
      topicSysFlag: topicConfig.topicSysFlag,
    });
  }

  #removeBrokerFromTopics(brokerName: string): void {
    for (const [topic, queues] of this.#topicQueueTable) {
      queues.delete(brokerName);
      if (queues.size === 0) this.#topicQueueTable.delete(topic);
    }
  }

  /** The BrokerData of one group: its cluster and addresses by brokerId. */
  getBrokerData(brokerName: string): BrokerData | undefined {
    const data = this.#brokerAddrTable.get(brokerName);
    if (!data) return undefined;
    const brokerAddrs: Record<string, string> = {};
    for (const id of [...data.addrs.keys()].sort((a, b) => a - b))
      brokerAddrs[String(id)] = data.addrs.get(id) ?? '';
    return {
      cluster: data.cluster,
      brokerName,
      brokerAddrs,
      zoneName: data.zoneName,
      enableActingMaster: data.enableActingMaster,
    };
  }
}

function liveInfoKey(clusterName: string, brokerAddr: string): string {
  return `${clusterName}\u0000${brokerAddr}`;
}
