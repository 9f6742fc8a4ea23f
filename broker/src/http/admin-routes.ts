import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { consumerProgress, consumeStatsTopics, topicQueueStats } from '../admin/queue-stats';
import {
  createOrUpdateSubscriptionGroup,
  deleteSubscriptionGroup,
  SubscriptionGroupFields,
} from '../admin/subscription-group-admin';
import { createOrUpdateTopic, deleteTopic, MAX_QUEUE_NUMS } from '../admin/topic-admin';
import type { BrokerContext } from '../processors/processor';
import type { NameServerRegistrar } from '../registration/name-server-registrar';
import type { SubscriptionGroupConfig } from '../subscription/subscription-group-manager';
import { attributesToModification } from '../topic/topic-attributes';
import { Perm, type TopicConfig } from '../topic/topic-config-manager';
import { validateGroup, validateTopic } from '../topic/topic-validator';

const PERM_NAMES = {
  'read-write': Perm.READ | Perm.WRITE,
  'read-only': Perm.READ,
  'write-only': Perm.WRITE,
  none: 0,
} as const;

/**
 * A topic create/update. Every field but the name is optional: a new topic takes RocketMQ's `mqadmin updateTopic`
 * defaults (8 read and 8 write queues, perm read-write, SINGLE_TAG), an existing one keeps what it has. `perm` is
 * a name or PermName bits; `attributes` adds or changes topic attributes (message.type, …).
 */
const TopicFields = z
  .object({
    readQueueNums: z.number().int().min(0).max(MAX_QUEUE_NUMS),
    writeQueueNums: z.number().int().min(0).max(MAX_QUEUE_NUMS),
    perm: z.union([
      z.enum(Object.keys(PERM_NAMES) as [keyof typeof PERM_NAMES, ...Array<keyof typeof PERM_NAMES>]),
      z.number().int().min(0).max(15),
    ]),
    topicFilterType: z.enum(['SINGLE_TAG', 'MULTI_TAG']),
    topicSysFlag: z.number().int().min(0),
    order: z.boolean(),
    attributes: z.record(z.string(), z.string()),
  })
  .partial();
const CreateTopicBody = TopicFields.extend({ topic: z.string() }).strict();
const UpdateTopicBody = TopicFields.extend({ topic: z.string().optional() }).strict();
type TopicBody = z.infer<typeof TopicFields>;

/**
 * A subscription group create/update: the UPDATE_AND_CREATE_SUBSCRIPTIONGROUP fields the operator manages, each
 * optional. A new group takes SubscriptionGroupConfig's defaults, an existing one keeps what it has.
 */
const GroupBody = SubscriptionGroupFields.pick({
  consumeEnable: true,
  consumeFromMinEnable: true,
  consumeBroadcastEnable: true,
  consumeMessageOrderly: true,
  retryQueueNums: true,
  retryMaxTimes: true,
  brokerId: true,
  whichBrokerWhenConsumeSlowly: true,
  notifyConsumerIdsChangedEnable: true,
}).strict();

/** DELETE_SUBSCRIPTIONGROUP's cleanOffset: the group's consumer offsets stay unless asked for. */
const DeleteGroupQuery = z.object({ cleanOffset: z.enum(['true', 'false']).default('false') });

const PermissionBody = z.object({ permission: z.enum(['read-only', 'read-write']) }).strict();

/**
 * The broker's JSON admin API (used by the operator and the CLI). Bad input is 400 {error, message} with the
 * field at fault; the same rules as the remoting admin requests apply (admin/topic-admin.ts,
 * admin/subscription-group-admin.ts).
 *   GET    /api/broker                   identity, role, permission, registration state per NameServer
 *   GET    /api/topics                   topic configs
 *   POST   /api/topics                   create or update a topic: {"topic", readQueueNums?, writeQueueNums?, perm?,
 *                                        topicFilterType?, topicSysFlag?, order?, attributes?}; 201 when created
 *   PUT    /api/topics/:topic            the same, the name from the path
 *   DELETE /api/topics/:topic            delete the topic in this broker (config, offsets, consume queues); the
 *                                        route stays in the NameServers until deleted there, as mqadmin does it
 *   GET    /api/topics/:topic/stats      per queue: min/max offset, last store time (GET_TOPIC_STATS_INFO)
 *   GET    /api/groups                   subscription groups and their live consumers
 *   PUT    /api/groups/:group            create or update a subscription group (UPDATE_AND_CREATE_SUBSCRIPTIONGROUP):
 *                                        {consumeEnable?, consumeFromMinEnable?, consumeBroadcastEnable?,
 *                                        consumeMessageOrderly?, retryQueueNums?, retryMaxTimes?, brokerId?,
 *                                        whichBrokerWhenConsumeSlowly?, notifyConsumerIdsChangedEnable?}; fields
 *                                        left out are kept; 201 when created
 *   DELETE /api/groups/:group            delete the group's config (DELETE_SUBSCRIPTIONGROUP); its consumer
 *                                        offsets stay unless ?cleanOffset=true
 *   GET    /api/groups/:group/lag        per topic/queue: broker offset, consumer offset, lag (GET_CONSUME_STATS)
 *   PUT    /api/broker/permission        {"permission":"read-only"|"read-write"}; registered at once, so
 *                                        NameServer routes lose (or regain) PERM_WRITE and producers stop sending
 */
export function registerBrokerAdminRoutes(
  app: FastifyInstance,
  deps: {
    context: BrokerContext;
    registrar: NameServerRegistrar;
    brokerAddr: () => string;
    /** Replication state (docs/replication.md), for GET /api/broker; absent when the app has none to show. */
    ha?: () => HaView;
  },
): void {
  const { context } = deps;
  const broker = { clusterName: context.config.brokerClusterName, brokerName: context.config.brokerName };

  app.get('/api/broker', async () => ({
    clusterName: context.config.brokerClusterName,
    brokerName: context.config.brokerName,
    brokerId: context.config.brokerId,
    brokerRole: context.config.brokerRole,
    brokerAddr: deps.brokerAddr(),
    permission: permissionName(context.permission.value),
    nameServers: deps.registrar.registrations(),
    store: context.store.stats(),
    ...(deps.ha ? { ha: deps.ha() } : {}),
  }));

  app.get('/api/topics', async () => context.topics.all());

  const upsertTopic = (reply: FastifyReply, topic: string, body: TopicBody) => {
    const existing = context.topics.get(topic);
    const outcome = createOrUpdateTopic(context.topics, broker, {
      topic,
      readQueueNums: body.readQueueNums ?? existing?.readQueueNums ?? 8,
      writeQueueNums: body.writeQueueNums ?? existing?.writeQueueNums ?? 8,
      perm: permBits(body.perm) ?? existing?.perm ?? PERM_NAMES['read-write'],
      topicFilterType: body.topicFilterType ?? existing?.topicFilterType ?? 'SINGLE_TAG',
      topicSysFlag: body.topicSysFlag ?? existing?.topicSysFlag ?? 0,
      order: body.order ?? existing?.order ?? false,
      attributes: attributesToModification(body.attributes ?? {}),
    });
    if (!outcome.ok) return badRequest(reply, outcome.remark);
    context.logger.info({ topic, config: outcome.value.config }, 'topic created or updated over HTTP');
    return reply.code(existing ? 200 : 201).send(topicView(outcome.value.config));
  };
  app.post<{ Body: unknown }>('/api/topics', async (request, reply) => {
    const body = CreateTopicBody.safeParse(request.body);
    if (!body.success) return badRequest(reply, zodMessage(body.error));
    return upsertTopic(reply, body.data.topic, body.data);
  });
  app.put<{ Params: { topic: string }; Body: unknown }>('/api/topics/:topic', async (request, reply) => {
    const body = UpdateTopicBody.safeParse(request.body ?? {});
    if (!body.success) return badRequest(reply, zodMessage(body.error));
    const { topic } = request.params;
    if (body.data.topic !== undefined && body.data.topic !== topic)
      return badRequest(reply, `topic: the body names ${body.data.topic} but the path names ${topic}`);
    return upsertTopic(reply, topic, body.data);
  });
  app.delete<{ Params: { topic: string } }>('/api/topics/:topic', async (request, reply) => {
    const { topic } = request.params;
    if (!context.topics.get(topic)) return notFound(reply, `no topic ${topic}`);
    const outcome = await deleteTopic(context, broker, topic);
    if (!outcome.ok) return badRequest(reply, outcome.remark);
    // Unlike DELETE_TOPIC_IN_BROKER, one HTTP call removes the topic from the cluster's routes too (see
    // NameServerRegistrar.deleteTopicRoutes); a NameServer that cannot be reached is reported, the topic stays
    // deleted here.
    const unreachable = await deps.registrar.deleteTopicRoutes(topic);
    context.logger.info({ topic, unreachable }, 'topic deleted over HTTP');
    return unreachable.length === 0 ? { deleted: topic } : { deleted: topic, routesNotDeleted: unreachable };
  });
  app.get<{ Params: { topic: string } }>('/api/topics/:topic/stats', async (request, reply) => {
    const { topic } = request.params;
    const invalid = validateTopic(topic);
    if (invalid) return badRequest(reply, invalid);
    const config = context.topics.get(topic);
    if (!config) return notFound(reply, `no topic ${topic}`);
    const queues = await topicQueueStats(context.store, config);
    return {
      topic,
      brokerName: context.config.brokerName,
      messages: queues.reduce((sum, q) => sum + (q.maxOffset - q.minOffset), 0),
      queues,
    };
  });

  const groupView = (config: SubscriptionGroupConfig) => ({
    ...config,
    consumers: context.consumers.clientIds(config.groupName),
  });
  app.get('/api/groups', async () => context.groups.all().map(groupView));
  app.put<{ Params: { group: string }; Body: unknown }>('/api/groups/:group', async (request, reply) => {
    const body = GroupBody.safeParse(request.body ?? {});
    if (!body.success) return badRequest(reply, zodMessage(body.error));
    const { group } = request.params;
    const outcome = createOrUpdateSubscriptionGroup(
      context.groups,
      context.config.maxReconsumeTimes,
      { ...body.data, groupName: group },
      'keep',
    );
    if (!outcome.ok) return badRequest(reply, outcome.remark);
    const { config, created } = outcome.value;
    context.logger.info({ group, config }, 'subscription group created or updated over HTTP');
    return reply.code(created ? 201 : 200).send(groupView(config));
  });
  app.delete<{ Params: { group: string } }>('/api/groups/:group', async (request, reply) => {
    const query = DeleteGroupQuery.safeParse(request.query ?? {});
    if (!query.success) return badRequest(reply, zodMessage(query.error));
    const { group } = request.params;
    const invalid = validateGroup(group);
    if (invalid) return badRequest(reply, invalid);
    if (!context.groups.get(group)) return notFound(reply, `no group ${group}`);
    const cleanOffset = query.data.cleanOffset === 'true';
    const outcome = deleteSubscriptionGroup(context, group, { cleanOffset });
    if (!outcome.ok) return badRequest(reply, outcome.remark);
    context.logger.info({ group, cleanOffset }, 'subscription group deleted over HTTP');
    return { deleted: group };
  });
  app.get<{ Params: { group: string } }>('/api/groups/:group/lag', async (request, reply) => {
    const { group } = request.params;
    const invalid = validateGroup(group);
    if (invalid) return badRequest(reply, invalid);
    const topics = consumeStatsTopics(context, group, undefined);
    if (!context.groups.get(group) && topics.length === 0 && !context.consumers.get(group))
      return notFound(reply, `no group ${group}`);
    const queues = (await consumerProgress(context, group, topics)).map((queue) => ({
      topic: queue.topic,
      queueId: queue.queueId,
      brokerOffset: queue.brokerOffset,
      consumerOffset: queue.consumerOffset,
      lag: queue.lag,
      lastTimestamp: queue.lastTimestamp,
    }));
    return { group, totalLag: queues.reduce((sum, q) => sum + q.lag, 0), queues };
  });

  app.put<{ Body: unknown }>('/api/broker/permission', async (request, reply) => {
    const body = PermissionBody.safeParse(request.body);
    if (!body.success) return badRequest(reply, 'permission must be "read-only" or "read-write"');
    const permission = PERM_NAMES[body.data.permission];
    if (permission !== context.permission.value) {
      context.permission.value = permission;
      // A new data version makes the NameServers rewrite this broker's queue data with the masked perms.
      context.topics.nextDataVersion();
      context.logger.info({ permission: body.data.permission }, 'broker permission changed');
    }
    await deps.registrar.registerAll();
    return { permission: permissionName(context.permission.value) };
  });
}

/**
 * GET /api/broker's `ha`: a master lists its slaves with the commit-log bytes each has not acknowledged; a slave
 * says whether its HA connection is up. The operator reads it before replacing a master (rolling updates).
 */
export type HaView =
  | {
      role: 'master';
      maxOffset: number;
      slaves: Array<{ address: string; ackOffset: number; lagBytes: number }>;
    }
  | { role: 'slave'; masterAddress: string | null; connected: boolean };

function permBits(perm: TopicBody['perm']): number | undefined {
  return typeof perm === 'string' ? PERM_NAMES[perm] : perm;
}

function topicView(config: TopicConfig) {
  return { ...config, permission: permissionName(config.perm) };
}

function badRequest(reply: FastifyReply, message: string) {
  return reply.code(400).send({ error: 'Bad Request', message });
}

function notFound(reply: FastifyReply, message: string) {
  return reply.code(404).send({ error: 'Not Found', message });
}

/** The first problem with its field: "readQueueNums: Too big: expected number to be <=65535". */
function zodMessage(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid body';
  const field = issue.path.length > 0 ? issue.path.join('.') : 'body';
  return `${field}: ${issue.message}`;
}

function permissionName(perm: number): string {
  const readable = (perm & Perm.READ) !== 0;
  const writable = (perm & Perm.WRITE) !== 0;
  if (readable && writable) return 'read-write';
  if (readable) return 'read-only';
  if (writable) return 'write-only';
  return 'none';
}
