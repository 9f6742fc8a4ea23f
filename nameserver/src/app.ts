import type { FastifyInstance } from 'fastify';
import {
  buildAdminServer,
  firstNonLoopbackIpv4,
  createLogger,
  createMetricsRegistry,
  systemClock,
  type Clock,
  type Logger,
  type TimerHandle,
} from '@skyrocket/common';
import { RemotingServer, RequestCode } from '@skyrocket/remoting';
import type { NameServerConfig } from './config';
import { registerAdminRoutes } from './http/admin-routes';
import { KvConfigManager } from './kv/kv-config-manager';
import { registerNameServerMetrics } from './metrics';
import { brokerHeartbeatProcessor } from './processors/broker-heartbeat.processor';
import { brokerWritePermissionProcessor } from './processors/broker-write-permission.processor';
import { deleteTopicProcessor } from './processors/delete-topic.processor';
import { getAllTopicListProcessor } from './processors/get-all-topic-list.processor';
import { getBrokerClusterInfoProcessor } from './processors/get-broker-cluster-info.processor';
import { getBrokerMemberGroupProcessor } from './processors/get-broker-member-group.processor';
import { getRouteInfoProcessor } from './processors/get-route-info.processor';
import { getTopicsByClusterProcessor } from './processors/get-topics-by-cluster.processor';
import { kvConfigProcessor } from './processors/kv-config.processor';
import type { NameServerContext } from './processors/processor';
import { queryDataVersionProcessor } from './processors/query-data-version.processor';
import { registerBrokerProcessor } from './processors/register-broker.processor';
import { registerTopicProcessor } from './processors/register-topic.processor';
import { unregisterBrokerProcessor } from './processors/unregister-broker.processor';
import { RouteInfoManager } from './route/route-info-manager';

export interface NameServerDeps {
  clock?: Clock;
  logger?: Logger;
}

export interface NameServer {
  readonly routes: RouteInfoManager;
  readonly remoting: RemotingServer;
  readonly http: FastifyInstance;
  /** Binds both ports; resolves with the bound ones (useful with port 0). */
  start(): Promise<{ remotingPort: number; httpPort: number }>;
  /** Stops the expiry scan, closes every connection and both ports. */
  stop(): Promise<void>;
  /** "host:port" clients should use for this NameServer. */
  advertisedAddress(): string;
}

/**
 * Composition root of the NameServer: wires the route table, processors, expiry scan and HTTP admin. No side
 * effects until start(); main.ts is the only caller that reads the environment or exits.
 */
export function buildNameServer(config: NameServerConfig, deps: NameServerDeps = {}): NameServer {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? createLogger({ component: 'nameserver', level: config.logLevel });
  const registry = createMetricsRegistry('nameserver');
  const routes = new RouteInfoManager(clock, { defaultBrokerExpiryMs: config.brokerExpiryMillis });
  const kv = new KvConfigManager();
  const context: NameServerContext = {
    routes,
    kv,
    clock,
    logger,
    returnOrderTopicConfigToBroker: config.returnOrderTopicConfigToBroker,
  };

  const remoting = new RemotingServer({
    name: 'nameserver',
    host: config.listenHost,
    port: config.listenPort,
    maxFrameSize: config.maxFrameBytes,
    idleTimeoutMs: config.idleTimeoutMillis,
    logger,
    registry,
  });
  remoting.registerProcessor(RequestCode.REGISTER_BROKER, registerBrokerProcessor(context));
  remoting.registerProcessor(RequestCode.UNREGISTER_BROKER, unregisterBrokerProcessor(context));
  remoting.registerProcessor(RequestCode.QUERY_DATA_VERSION, queryDataVersionProcessor(context));
  remoting.registerProcessor(RequestCode.BROKER_HEARTBEAT, brokerHeartbeatProcessor(context));
  remoting.registerProcessor(RequestCode.GET_ROUTEINFO_BY_TOPIC, getRouteInfoProcessor(context));
  remoting.registerProcessor(RequestCode.GET_BROKER_CLUSTER_INFO, getBrokerClusterInfoProcessor(context));
  remoting.registerProcessor(RequestCode.GET_BROKER_MEMBER_GROUP, getBrokerMemberGroupProcessor(context));
  remoting.registerProcessor(
    RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER,
    getAllTopicListProcessor(context),
  );
  remoting.registerProcessor(RequestCode.GET_TOPICS_BY_CLUSTER, getTopicsByClusterProcessor(context));
  remoting.registerProcessor(RequestCode.REGISTER_TOPIC_IN_NAMESRV, registerTopicProcessor(context));
  remoting.registerProcessor(RequestCode.DELETE_TOPIC_IN_NAMESRV, deleteTopicProcessor(context));
  const writePermission = brokerWritePermissionProcessor(context);
  remoting.registerProcessor(RequestCode.WIPE_WRITE_PERM_OF_BROKER, writePermission);
  remoting.registerProcessor(RequestCode.ADD_WRITE_PERM_OF_BROKER, writePermission);
  const kvConfig = kvConfigProcessor(context);
  for (const code of [
    RequestCode.PUT_KV_CONFIG,
    RequestCode.GET_KV_CONFIG,
    RequestCode.DELETE_KV_CONFIG,
    RequestCode.GET_KVLIST_BY_NAMESPACE,
  ]) {
    remoting.registerProcessor(code, kvConfig);
  }

  // BrokerHousekeepingService: a broker whose connection closes is unregistered at once.
  remoting.onConnection((connection) =>
    connection.onClose(() => {
      for (const broker of routes.onConnectionClosed(connection.id)) {
        logger.info(
          { brokerName: broker.brokerName, brokerAddr: broker.brokerAddr },
          'broker connection closed; unregistered',
        );
      }
    }),
  );

  const metrics = registerNameServerMetrics(registry, routes, () => clock.now());
  let listening = false;
  let boundPort = config.listenPort;
  const advertisedAddress = () =>
    config.advertisedAddress ||
    `${config.listenHost !== '0.0.0.0' && config.listenHost !== '::' ? config.listenHost : firstNonLoopbackIpv4()}:${boundPort}`;

  const http = buildAdminServer({
    registry,
    logger,
    readiness: () => ({
      ready: listening,
      checks: { remotingListening: listening, brokers: routes.liveBrokers().length },
    }),
  });
  registerAdminRoutes(http, {
    routes,
    nameServerAddresses: config.nameServerAddresses,
    advertisedAddress,
    now: () => clock.now(),
  });

  let scanTimer: TimerHandle | undefined;
  const scan = () => {
    const end = metrics.expiredBrokers.startTimer();
    for (const broker of routes.scanNotActiveBrokers()) {
      logger.warn(
        {
          brokerName: broker.brokerName,
          brokerAddr: broker.brokerAddr,
          lastUpdateTimestamp: broker.lastUpdateTimestamp,
        },
        'broker expired: no heartbeat within its timeout',
      );
    }
    end();
  };

  return {
    routes,
    remoting,
    http,
    advertisedAddress,
    async start() {
      const address = await remoting.listen();
      boundPort = address.port;
      try {
        await http.listen({ host: config.httpHost, port: config.httpPort });
      } catch (error) {
        await remoting.close();
        throw error;
      }
      listening = true;
      scanTimer = clock.setInterval(scan, config.scanNotActiveBrokerIntervalMillis).unref();
      const httpAddress = http.server.address();
      const httpPort = typeof httpAddress === 'object' && httpAddress ? httpAddress.port : config.httpPort;
      logger.info(
        { remotingPort: address.port, httpPort, advertised: advertisedAddress() },
        'NameServer started',
      );
      return { remotingPort: address.port, httpPort };
    },
    async stop() {
      listening = false;
      if (scanTimer) clock.clearTimer(scanTimer);
      await Promise.all([remoting.close(), http.close()]);
      logger.info('NameServer stopped');
    },
  };
}
