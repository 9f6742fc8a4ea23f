import type { FastifyInstance } from 'fastify';
import type { BrokerContext } from '../processors/processor';
import type { NameServerRegistrar } from '../registration/name-server-registrar';
import { Perm } from '../topic/topic-config-manager';

/**
 * The broker's JSON admin API (used by the operator and the CLI):
 *   GET  /api/broker                      identity, role, permission, registration state per NameServer
 *   GET  /api/topics                      topic configs
 *   GET  /api/groups                      subscription groups and their live consumers
 *   GET  /api/groups/:group/lag           per topic/queue: broker offset, consumer offset, lag
 *   PUT  /api/broker/permission           {"permission":"read-only"|"read-write"}
 */
export function registerBrokerAdminRoutes(
  app: FastifyInstance,
  deps: { context: BrokerContext; registrar: NameServerRegistrar; brokerAddr: () => string },
): void {
  const { context } = deps;
  app.get('/api/broker', async () => ({
    clusterName: context.config.brokerClusterName,
    brokerName: context.config.brokerName,
    brokerId: context.config.brokerId,
    brokerRole: context.config.brokerRole,
    brokerAddr: deps.brokerAddr(),
    permission: permissionName(context.permission.value),
    nameServers: deps.registrar.registrations(),
    store: context.store.stats(),
  }));
  app.get('/api/topics', async () => context.topics.all());
  app.get('/api/groups', async () =>
    context.groups.all().map((group) => ({
      ...group,
      consumers: context.consumers.clientIds(group.groupName),
    })),
  );
  app.get<{ Params: { group: string } }>('/api/groups/:group/lag', async (request, reply) => {
    const group = request.params.group;
    if (!context.groups.get(group))
      return reply.code(404).send({ error: 'Not Found', message: `no group ${group}` });
    const queues = [];
    let total = 0;
    for (const topic of context.offsets.topicsOf(group)) {
      for (const [queueId, consumerOffset] of context.offsets.offsets(group, topic)) {
        const brokerOffset = context.store.getMaxOffsetInQueue(topic, queueId);
        const lag = Math.max(0, brokerOffset - consumerOffset);
        total += lag;
        queues.push({ topic, queueId, brokerOffset, consumerOffset, lag });
      }
    }
    return { group, totalLag: total, queues };
  });
  app.put<{ Body: unknown }>('/api/broker/permission', async (request, reply) => {
    const body = request.body as { permission?: unknown } | undefined;
    if (body?.permission !== 'read-only' && body?.permission !== 'read-write') {
      return reply
        .code(400)
        .send({ error: 'Bad Request', message: 'permission must be "read-only" or "read-write"' });
    }
    context.permission.value = body.permission === 'read-only' ? Perm.READ : Perm.READ | Perm.WRITE;
    context.logger.info({ permission: body.permission }, 'broker permission changed');
    await deps.registrar.registerAll();
    return { permission: permissionName(context.permission.value) };
  });
}

function permissionName(perm: number): string {
  if ((perm & Perm.WRITE) === 0) return 'read-only';
  if ((perm & Perm.READ) === 0) return 'write-only';
  return 'read-write';
}
