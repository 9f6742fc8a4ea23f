import { resolveAddressList } from '@skyrocket/common';
import type { FastifyInstance } from 'fastify';
import type { RouteInfoManager } from '../route/route-info-manager';

/**
 * NameServer HTTP routes beside /healthz, /readyz and /metrics:
 * - GET /rocketmq/nsaddr: the NameServer list as "host:port;host:port", RocketMQ's address-server contract
 *   (Java clients with -Drocketmq.namesrv.domain fetch http://<domain>:8080/rocketmq/nsaddr every 2 minutes).
 * - GET /api/clusters, /api/brokers, /api/topics, /api/topics/:topic/route: a read-only JSON view.
 */
export interface AdminRoutesDeps {
  routes: RouteInfoManager;
  /** The configured nameServerAddresses, or '' for "just me". */
  nameServerAddresses: string;
  advertisedAddress: () => string;
  now: () => number;
}

export async function resolveNameServerList(setting: string, self: string): Promise<string> {
  if (setting === '') return self;
  return (await resolveAddressList(setting)).join(';');
}

export function registerAdminRoutes(app: FastifyInstance, deps: AdminRoutesDeps): void {
  app.get('/rocketmq/nsaddr', async (_request, reply) => {
    const list = await resolveNameServerList(deps.nameServerAddresses, deps.advertisedAddress());
    if (list === '') {
      return reply.code(503).type('text/plain').send('no NameServer address could be resolved');
    }
    return reply.type('text/plain').send(list);
  });

  app.get('/api/clusters', async () => deps.routes.getClusterInfo());

  app.get('/api/brokers', async () => {
    const now = deps.now();
    return deps.routes.liveBrokers().map((live) => ({
      clusterName: live.clusterName,
      brokerName: live.brokerName,
      brokerId: live.brokerId,
      brokerAddr: live.brokerAddr,
      haServerAddr: live.haServerAddr,
      role: live.brokerId === 0 ? 'master' : 'slave',
      lastUpdateTimestamp: live.lastUpdateTimestamp,
      secondsSinceLastUpdate: (now - live.lastUpdateTimestamp) / 1000,
      heartbeatTimeoutMillis: live.heartbeatTimeoutMillis,
      dataVersion: live.dataVersion ?? null,
    }));
  });

  app.get('/api/topics', async () => ({ topicList: deps.routes.getAllTopics() }));

  app.get<{ Params: { topic: string } }>('/api/topics/:topic/route', async (request, reply) => {
    const route = deps.routes.getTopicRoute(request.params.topic);
    if (!route) {
      return reply.code(404).send({
        error: 'Not Found',
        message: `No topic route info in name server for the topic: ${request.params.topic}`,
      });
    }
    return route;
  });
}
