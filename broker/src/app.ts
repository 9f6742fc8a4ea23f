import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import {
  buildAdminServer,
  firstNonLoopbackIpv4,
  createLogger,
  createMetricsRegistry,
  SkyrocketError,
  systemClock,
  type Clock,
  type Logger,
  type TimerHandle,
} from '@skyrocket/common';
import { MessageClientIdGenerator, RemotingClient, RemotingServer, RequestCode } from '@skyrocket/remoting';
import {
  CorruptedRecordError,
  FileMessageStore,
  type FileMessageStoreOptions,
  type MessageStore,
} from '@skyrocket/store';
import { ConsumerManager, ProducerManager } from './client/client-managers';
import { RebalanceLockManager } from './client/rebalance-lock-manager';
import { BROKER_ENV_PREFIX, parseDelayLevels, type BrokerConfig } from './config';
import { HaClient } from './ha/ha-client';
import { HaServer } from './ha/ha-server';
import { SyncMasterStore } from './ha/sync-master-store';
import { registerBrokerAdminRoutes, type HaView } from './http/admin-routes';
import { PullRequestHoldService } from './long-polling/pull-request-hold-service';
import { createBrokerMetrics } from './metrics';
import { ConsumerOffsetManager } from './offset/consumer-offset-manager';
import { getBrokerRuntimeInfoProcessor } from './processors/admin-broker-runtime.processor';
import {
  getAllConsumerOffsetProcessor,
  getConsumeStatsProcessor,
  getConsumerConnectionListProcessor,
} from './processors/admin-consumer.processor';
import {
  deleteSubscriptionGroupProcessor,
  getAllSubscriptionGroupProcessor,
  updateAndCreateSubscriptionGroupProcessor,
} from './processors/admin-subscription-group.processor';
import { getTopicStatsInfoProcessor } from './processors/admin-topic-stats.processor';
import {
  deleteTopicInBrokerProcessor,
  getAllTopicConfigProcessor,
  getTopicConfigProcessor,
  updateAndCreateTopicProcessor,
} from './processors/admin-topic.processor';
import { consumerOffsetProcessor } from './processors/consumer-offset.processor';
import { consumerSendMsgBackProcessor } from './processors/consumer-send-msg-back.processor';
import { endTransactionProcessor } from './processors/end-transaction.processor';
import {
  getConsumerListByGroupProcessor,
  unregisterClientProcessor,
} from './processors/client-manage.processor';
import { getAllDelayOffsetProcessor } from './processors/get-all-delay-offset.processor';
import { heartbeatProcessor, notifyConsumerIdsChanged } from './processors/heartbeat.processor';
import { lockBatchMqProcessor } from './processors/lock-batch-mq.processor';
import type { BrokerContext } from './processors/processor';
import { pullMessageProcessor } from './processors/pull-message.processor';
import { queryMessageProcessor, viewMessageByIdProcessor } from './processors/query-message.processor';
import { queueOffsetProcessor } from './processors/queue-offset.processor';
import { sendMessageProcessor } from './processors/send-message.processor';
import { NameServerRegistrar } from './registration/name-server-registrar';
import { ScheduleMessageService } from './schedule/schedule-message-service';
import { SlaveSynchronize } from './slave/slave-synchronize';
import { SubscriptionGroupManager } from './subscription/subscription-group-manager';
import { Perm, TopicConfigManager } from './topic/topic-config-manager';
import { BrokerTransactionCheckListener } from './transaction/transaction-check-listener';
import { TransactionalMessageCheckService } from './transaction/transactional-message-check-service';
import { TransactionalMessageService } from './transaction/transactional-message-service';

export interface BrokerDeps {
  clock?: Clock;
  logger?: Logger;
  /** A store to use instead of the file store under storePathRootDir (tests may pass a MemoryMessageStore). */
  store?: MessageStore;
  /** Test hook: fault injection into the file store's commit log (a full disk, a slow fdatasync). */
  commitLogTestHooks?: FileMessageStoreOptions['commitLogTestHooks'];
}

export interface Broker {
  readonly context: BrokerContext;
  readonly remoting: RemotingServer;
  readonly http: FastifyInstance;
  readonly registrar: NameServerRegistrar;
  /** Replication: the HA server of a master, the HA client of a slave. */
  readonly ha: { server: HaServer | undefined; client: HaClient | undefined };
  /** "ip:port" registered with the NameServers. */
  brokerAddr(): string;
  start(): Promise<{ remotingPort: number; httpPort: number }>;
  stop(): Promise<void>;
}

/**
 * The store's options from the broker's settings, which keep RocketMQ's MessageStoreConfig names. `storeHost` is
 * passed through as is: the broker sets its port once it listens.
 */
export function fileStoreOptions(
  config: BrokerConfig,
  storeHost: FileMessageStoreOptions['storeHost'],
): Omit<FileMessageStoreOptions, 'clock' | 'logger'> & { rootDir: string; delayLevelMillis: number[] } {
  return {
    rootDir: path.resolve(config.storePathRootDir),
    storeHost,
    flushDiskType: config.flushDiskType,
    commitLogSegmentBytes: config.mappedFileSizeCommitLog,
    // Room for the record's header, topic and properties around the largest body.
    maxMessageBytes: config.maxMessageSize + 64 * 1024,
    fileReservedHours: config.fileReservedTime,
    diskMaxUsedRatio: config.diskMaxUsedSpaceRatio / 100,
    retentionIntervalMs: config.cleanResourceInterval,
    flushIntervalMs: config.flushIntervalCommitLog,
    syncFlushTimeoutMs: config.syncFlushTimeout,
    ...(config.truncateCorruptedAt >= 0 ? { truncateCorruptedAt: config.truncateCorruptedAt } : {}),
    delayLevelMillis: parseDelayLevels(config.messageDelayLevel),
  };
}

/**
 * Composition root of the broker: store, topic/group/offset managers, client managers, long polling,
 * processors, registration with every NameServer, HTTP admin. No side effects until start().
 */
export function buildBroker(config: BrokerConfig, deps: BrokerDeps = {}): Broker {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger({ component: 'broker', level: config.logLevel });
  const registry = createMetricsRegistry('broker');
  const ip = config.brokerIP1 || firstNonLoopbackIpv4();
  let listenPort = config.listenPort;
  const storeHost = { address: ip, port: listenPort };
  const storeOptions = fileStoreOptions(config, storeHost);
  const { rootDir: storeRoot, delayLevelMillis: delayLevels } = storeOptions;
  const localStore =
    deps.store ??
    new FileMessageStore({
      ...storeOptions,
      ...(deps.commitLogTestHooks ? { commitLogTestHooks: deps.commitLogTestHooks } : {}),
      clock,
      logger: logger.child({ module: 'store' }),
    });
  // Replication (DESIGN.md §6): a master serves its commit log on the HA port, a slave copies it from its master.
  const haLogger = logger.child({ module: 'ha' });
  const haServer =
    config.brokerRole === 'SLAVE'
      ? undefined
      : new HaServer({
          store: localStore,
          host: config.listenHost,
          port: config.haListenPort,
          segmentBytes: config.mappedFileSizeCommitLog,
          clock,
          logger: haLogger,
          heartbeatIntervalMs: config.haSendHeartbeatInterval,
          housekeepingMs: config.haHousekeepingInterval,
        });
  const haClient =
    config.brokerRole === 'SLAVE'
      ? new HaClient({
          store: localStore,
          segmentBytes: config.mappedFileSizeCommitLog,
          clock,
          logger: haLogger,
          heartbeatIntervalMs: config.haSendHeartbeatInterval,
          housekeepingMs: config.haHousekeepingInterval,
          reconnectDelayMs: Math.min(5000, config.haSendHeartbeatInterval),
        })
      : undefined;
  let haPort = config.haListenPort;
  const store =
    config.brokerRole === 'SYNC_MASTER' && haServer
      ? new SyncMasterStore(localStore, haServer, config.slaveTimeout)
      : localStore;
  const topics = new TopicConfigManager({
    storeRoot,
    clock,
    logger,
    clusterName: config.brokerClusterName,
    brokerName: config.brokerName,
    autoCreateTopicEnable: config.autoCreateTopicEnable,
    defaultTopicQueueNums: config.defaultTopicQueueNums,
    delayLevels: delayLevels.length,
  });
  const context: BrokerContext = {
    config,
    store,
    topics,
    groups: new SubscriptionGroupManager({
      storeRoot,
      autoCreate: config.autoCreateSubscriptionGroup,
      retryMaxTimes: config.maxReconsumeTimes,
      logger,
    }),
    offsets: new ConsumerOffsetManager({ storeRoot, clock, logger }),
    consumers: new ConsumerManager(clock, logger),
    producers: new ProducerManager(clock),
    holds: new PullRequestHoldService(clock),
    metrics: createBrokerMetrics(registry),
    clock,
    logger,
    storeHost,
    idGenerator: new MessageClientIdGenerator({ ip }),
    delayLevels,
    permission: { value: Perm.READ | Perm.WRITE },
  };
  const locks = new RebalanceLockManager(clock);
  const transactionLogger = logger.child({ module: 'transaction' });
  const transactions = new TransactionalMessageService({
    store,
    progress: context.offsets,
    clock,
    logger: transactionLogger,
    storeHost,
    fileReservedTimeHours: config.fileReservedTime,
  });
  const transactionCheck = new TransactionalMessageCheckService({
    service: transactions,
    listener: new BrokerTransactionCheckListener({
      store,
      producers: context.producers,
      topics,
      brokerName: config.brokerName,
      logger: transactionLogger,
    }),
    clock,
    logger: transactionLogger,
    settings: () => config,
  });
  const schedule = new ScheduleMessageService({ store, delayLevels, storeRoot, clock, logger });
  // A slave copies its master's topics, groups, consumer offsets and delay progress (SlaveSynchronize).
  const slaveSyncClient =
    config.brokerRole === 'SLAVE' ? new RemotingClient({ logger, connectTimeoutMs: 3000 }) : undefined;
  const slaveSync =
    slaveSyncClient &&
    new SlaveSynchronize({
      client: slaveSyncClient,
      topics,
      offsets: context.offsets,
      schedule,
      groups: context.groups,
      clock,
      logger,
    });

  const remoting = new RemotingServer({
    name: 'broker',
    host: config.listenHost,
    port: config.listenPort,
    // RocketMQ's fastRemotingServer ("VIP channel") on listenPort - 2: Java slaves fetch the master's metadata there
    // (SlaveSynchronize always uses it), and Java clients with vipChannelEnabled send there.
    extraPorts: config.listenPort > 2 ? [config.listenPort - 2] : [],
    maxFrameSize: Math.max(16 * 1024 * 1024, config.maxMessageSize + 1024 * 1024),
    logger,
    registry,
  });
  const send = sendMessageProcessor(context);
  for (const code of [
    RequestCode.SEND_MESSAGE,
    RequestCode.SEND_MESSAGE_V2,
    RequestCode.SEND_BATCH_MESSAGE,
  ]) {
    remoting.registerProcessor(code, send);
  }
  const pull = pullMessageProcessor(context);
  remoting.registerProcessor(RequestCode.PULL_MESSAGE, pull);
  remoting.registerProcessor(RequestCode.LITE_PULL_MESSAGE, pull);
  remoting.registerProcessor(RequestCode.HEART_BEAT, heartbeatProcessor(context));
  remoting.registerProcessor(RequestCode.UNREGISTER_CLIENT, unregisterClientProcessor(context));
  remoting.registerProcessor(
    RequestCode.GET_CONSUMER_LIST_BY_GROUP,
    getConsumerListByGroupProcessor(context),
  );
  const offsets = consumerOffsetProcessor(context);
  remoting.registerProcessor(RequestCode.QUERY_CONSUMER_OFFSET, offsets);
  remoting.registerProcessor(RequestCode.UPDATE_CONSUMER_OFFSET, offsets);
  const queueOffsets = queueOffsetProcessor(context);
  for (const code of [
    RequestCode.GET_MAX_OFFSET,
    RequestCode.GET_MIN_OFFSET,
    RequestCode.SEARCH_OFFSET_BY_TIMESTAMP,
    RequestCode.GET_EARLIEST_MSG_STORETIME,
  ]) {
    remoting.registerProcessor(code, queueOffsets);
  }
  const lock = lockBatchMqProcessor(locks);
  remoting.registerProcessor(RequestCode.LOCK_BATCH_MQ, lock);
  remoting.registerProcessor(RequestCode.UNLOCK_BATCH_MQ, lock);
  // Admin and lookup (AdminBrokerProcessor, QueryMessageProcessor).
  remoting.registerProcessor(RequestCode.UPDATE_AND_CREATE_TOPIC, updateAndCreateTopicProcessor(context));
  remoting.registerProcessor(RequestCode.DELETE_TOPIC_IN_BROKER, deleteTopicInBrokerProcessor(context));
  remoting.registerProcessor(RequestCode.GET_ALL_TOPIC_CONFIG, getAllTopicConfigProcessor(context));
  remoting.registerProcessor(RequestCode.GET_TOPIC_CONFIG, getTopicConfigProcessor(context));
  remoting.registerProcessor(RequestCode.GET_TOPIC_STATS_INFO, getTopicStatsInfoProcessor(context));
  remoting.registerProcessor(
    RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
    updateAndCreateSubscriptionGroupProcessor(context),
  );
  remoting.registerProcessor(RequestCode.DELETE_SUBSCRIPTIONGROUP, deleteSubscriptionGroupProcessor(context));
  remoting.registerProcessor(
    RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG,
    getAllSubscriptionGroupProcessor(context),
  );
  remoting.registerProcessor(RequestCode.GET_ALL_CONSUMER_OFFSET, getAllConsumerOffsetProcessor(context));
  remoting.registerProcessor(RequestCode.GET_CONSUME_STATS, getConsumeStatsProcessor(context));
  remoting.registerProcessor(
    RequestCode.GET_CONSUMER_CONNECTION_LIST,
    getConsumerConnectionListProcessor(context),
  );
  remoting.registerProcessor(RequestCode.GET_BROKER_RUNTIME_INFO, getBrokerRuntimeInfoProcessor(context));
  remoting.registerProcessor(RequestCode.QUERY_MESSAGE, queryMessageProcessor(context));
  remoting.registerProcessor(RequestCode.VIEW_MESSAGE_BY_ID, viewMessageByIdProcessor(context));
  remoting.registerProcessor(RequestCode.END_TRANSACTION, endTransactionProcessor(context, transactions));
  remoting.registerProcessor(RequestCode.CONSUMER_SEND_MSG_BACK, consumerSendMsgBackProcessor(context));
  remoting.registerProcessor(RequestCode.GET_ALL_DELAY_OFFSET, getAllDelayOffsetProcessor(schedule));

  remoting.onConnection((connection) =>
    connection.onClose(() => {
      context.consumers.removeConnection(connection);
      context.producers.removeConnection(connection);
    }),
  );
  context.consumers.onMembershipChanged((group) => notifyConsumerIdsChanged(context, group));
  store.onMessageArrival((arrival) => context.holds.onMessageArrival(arrival));
  // New bytes go to the slaves right after the turn that stored them (the server also polls every 100 ms).
  if (haServer) store.onMessageArrival(() => haServer.wake());

  const brokerAddr = () => `${ip}:${listenPort}`;
  const registrar = new NameServerRegistrar({
    namesrvAddr: config.namesrvAddr,
    clusterName: config.brokerClusterName,
    brokerName: config.brokerName,
    brokerId: config.brokerId,
    get brokerAddr() {
      return brokerAddr();
    },
    get haServerAddr() {
      return `${ip}:${haPort}`;
    },
    periodMs: config.registerNameServerPeriodMillis,
    timeoutMs: config.registerBrokerTimeoutMillis,
    topics,
    brokerPermission: () => context.permission.value,
    clock,
    logger,
    onMasterAddress: (masterAddr, haServerAddr) => {
      haClient?.setMasterAddress(config.haMasterAddress || haServerAddr);
      slaveSync?.setMasterAddress(masterAddr);
    },
  });

  let started = false;
  const http = buildAdminServer({
    registry,
    logger,
    readiness: () => ({
      ready: started && registrar.isRegistered(),
      checks: { storeRecovered: started, nameServers: registrar.registrations() },
    }),
  });
  registerBrokerAdminRoutes(http, {
    context,
    registrar,
    brokerAddr,
    ha: (): HaView => {
      if (haClient)
        return {
          role: 'slave',
          masterAddress: haClient.masterAddress ?? null,
          connected: haClient.connected,
        };
      const maxOffset = store.getMaxPhyOffset();
      return {
        role: 'master',
        maxOffset,
        slaves: (haServer?.slaves() ?? []).map((slave) => ({
          ...slave,
          lagBytes: Math.max(0, maxOffset - slave.ackOffset),
        })),
      };
    },
  });
  new Gauge({
    name: 'skyrocket_broker_store_bytes',
    help: 'Bytes the store occupies on disk',
    registers: [registry],
    collect() {
      this.set(store.stats().diskBytes);
    },
  });
  new Gauge({
    name: 'skyrocket_broker_store_flushed_lag_bytes',
    help: 'Commit-log bytes written but not yet flushed to disk',
    registers: [registry],
    collect() {
      const stats = store.stats();
      this.set(Math.max(0, stats.commitLogMaxOffset - stats.commitLogFlushedOffset));
    },
  });
  new Gauge({
    name: 'skyrocket_broker_store_flushes',
    help: 'fdatasyncs of the commit log since start (rate() gives flushes per second)',
    registers: [registry],
    collect() {
      this.set(store.stats().flushes);
    },
  });
  new Gauge({
    name: 'skyrocket_broker_store_flush_seconds',
    help: 'Seconds spent flushing (fdatasync) the commit log since start; divided by skyrocket_broker_store_flushes: mean flush latency',
    registers: [registry],
    collect() {
      this.set(store.stats().flushSeconds);
    },
  });
  new Gauge({
    name: 'skyrocket_broker_store_write_errors',
    help: 'Commit-log writes that failed since start (disk full, I/O error; the data stays in memory and is written again)',
    registers: [registry],
    collect() {
      this.set(store.stats().writeErrors);
    },
  });
  new Gauge({
    name: 'skyrocket_broker_store_flush_errors',
    help: 'Commit-log flushes (fdatasync) that failed since start; they are retried',
    registers: [registry],
    collect() {
      this.set(store.stats().flushErrors);
    },
  });
  new Gauge({
    name: 'skyrocket_broker_consumer_lag',
    help: 'Messages not yet consumed, per consumer group, topic and queue (queue max offset - committed offset)',
    labelNames: ['group', 'topic', 'queue_id'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, queues] of Object.entries(context.offsets.wrapper().offsetTable)) {
        const at = key.lastIndexOf('@');
        const topic = key.slice(0, at);
        const group = key.slice(at + 1);
        for (const [queueId, committed] of Object.entries(queues)) {
          const lag = Math.max(0, store.getMaxOffsetInQueue(topic, Number(queueId)) - committed);
          this.set({ group, topic, queue_id: queueId }, lag);
        }
      }
    },
  });
  new Gauge({
    name: 'skyrocket_broker_nameserver_registered',
    help: '1 when the last registration with a NameServer succeeded',
    labelNames: ['nameserver'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of registrar.registrations()) this.set({ nameserver: r.address }, r.lastError ? 0 : 1);
    },
  });

  if (haServer) {
    new Gauge({
      name: 'skyrocket_broker_ha_slaves',
      help: 'Slaves connected to this master over the HA port that have reported their offset',
      registers: [registry],
      collect() {
        this.set(haServer.slaveCount);
      },
    });
    new Gauge({
      name: 'skyrocket_broker_ha_slave_lag_bytes',
      help: "Commit-log bytes a slave has not acknowledged yet (this master's max offset - the slave's report)",
      labelNames: ['slave'],
      registers: [registry],
      collect() {
        this.reset();
        const max = store.getMaxPhyOffset();
        for (const slave of haServer.slaves())
          this.set({ slave: slave.address }, Math.max(0, max - slave.ackOffset));
      },
    });
  }
  if (haClient) {
    new Gauge({
      name: 'skyrocket_broker_ha_master_connected',
      help: "1 while this slave's HA connection to its master is up",
      registers: [registry],
      collect() {
        this.set(haClient.connected ? 1 : 0);
      },
    });
  }

  let expiryTimer: TimerHandle | undefined;
  return {
    context,
    remoting,
    http,
    registrar,
    ha: { server: haServer, client: haClient },
    brokerAddr,
    async start() {
      try {
        await store.start();
      } catch (error) {
        // The one corruption a start can be told to truncate at: say how a broker is given the store's option.
        if (!(error instanceof CorruptedRecordError)) throw error;
        throw new SkyrocketError(
          'STORE_CORRUPTED',
          `${error.message} (a broker takes it as --truncate-corrupted-at ${error.offset}, truncateCorruptedAt in its config file, or ${BROKER_ENV_PREFIX}TRUNCATE_CORRUPTED_AT)`,
          { cause: error },
        );
      }
      if (haServer) haPort = await haServer.listen();
      if (haClient) {
        haClient.start();
        if (config.haMasterAddress) haClient.setMasterAddress(config.haMasterAddress);
      }
      context.offsets.start();
      context.holds.start();
      const address = await remoting.listen();
      listenPort = address.port;
      storeHost.port = address.port;
      // After the port is known: re-put messages carry it in their store host. Only a master delivers delayed
      // messages (a RocketMQ slave copies the master's progress with GET_ALL_DELAY_OFFSET).
      if (config.brokerRole !== 'SLAVE') schedule.start();
      // TransactionalMessageCheckService runs on the master only (BrokerController.changeSpecialServiceStatus).
      if (config.brokerRole !== 'SLAVE') transactionCheck.start();
      await http.listen({ host: config.httpHost, port: config.httpPort });
      started = true;
      await registrar.start();
      slaveSync?.start();
      expiryTimer = clock
        .setInterval(() => {
          context.consumers.expire(config.channelExpiredTimeoutMillis);
          context.producers.expire(config.channelExpiredTimeoutMillis);
        }, 10_000)
        .unref();
      const httpAddress = http.server.address();
      const httpPort = typeof httpAddress === 'object' && httpAddress ? httpAddress.port : config.httpPort;
      logger.info({ brokerAddr: brokerAddr(), httpPort, namesrvAddr: config.namesrvAddr }, 'broker started');
      return { remotingPort: address.port, httpPort };
    },
    async stop() {
      started = false;
      if (expiryTimer) clock.clearTimer(expiryTimer);
      await slaveSync?.stop();
      await slaveSyncClient?.close();
      await registrar.stop();
      context.holds.stop();
      await remoting.close();
      await schedule.stop();
      await transactionCheck.stop();
      await http.close();
      context.offsets.stop();
      await haClient?.stop();
      await haServer?.close();
      await store.shutdown();
      logger.info('broker stopped');
    },
  };
}
