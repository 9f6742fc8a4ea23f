import { z } from 'zod';
import { SkyrocketError } from '@skyrocket/common';
import { createResponse, createRequest, ResponseCode, type RequestProcessor } from '@skyrocket/remoting';
import type { SubscriptionData } from '../client/client-managers';
import { Perm } from '../topic/topic-config-manager';
import { retryTopic } from '../topic/topic-validator';
import type { BrokerContext } from './processor';

const SubscriptionDataSchema = z.object({
  topic: z.string(),
  subString: z.string().default('*'),
  tagsSet: z.array(z.string()).default([]),
  codeSet: z.array(z.number().int()).default([]),
  subVersion: z.number().int().default(0),
  expressionType: z.string().default('TAG'),
  classFilterMode: z.boolean().optional(),
});

const HeartbeatDataSchema = z.object({
  clientID: z.string().min(1),
  producerDataSet: z.array(z.object({ groupName: z.string() })).default([]),
  consumerDataSet: z
    .array(
      z.object({
        groupName: z.string(),
        consumeType: z.string().default('CONSUME_PASSIVELY'),
        messageModel: z.string().default('CLUSTERING'),
        consumeFromWhere: z.string().default('CONSUME_FROM_LAST_OFFSET'),
        subscriptionDataSet: z.array(SubscriptionDataSchema).default([]),
        unitMode: z.boolean().optional(),
      }),
    )
    .default([]),
});

/**
 * HEART_BEAT (34): no header; body HeartbeatData JSON {clientID, producerDataSet, consumerDataSet}. Registers
 * producers and consumers with their subscriptions (pulls check them), creates `%RETRY%<group>` (1 queue, RW) for
 * every consumer group, and answers with IS_SUPPORT_HEART_BEAT_V2 / IS_SUB_CHANGE as ClientManageProcessor does.
 */
export function heartbeatProcessor(context: BrokerContext): RequestProcessor {
  return (request, connection) => {
    let json: unknown;
    try {
      json = JSON.parse(request.body?.toString('utf8') ?? '');
    } catch (error) {
      throw new SkyrocketError('INVALID_BODY', 'HEART_BEAT body is not valid JSON', { cause: error });
    }
    const parsed = HeartbeatDataSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new SkyrocketError(
        'INVALID_BODY',
        `HEART_BEAT body: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`,
      );
    }
    const heartbeat = parsed.data;
    const channel = {
      clientId: heartbeat.clientID,
      connection,
      language: request.language,
      version: request.version,
    };
    for (const consumer of heartbeat.consumerDataSet) {
      const group = context.groups.findOrCreate(consumer.groupName);
      if (!group) continue;
      context.topics.getOrCreateSystemTopic(
        retryTopic(consumer.groupName),
        group.retryQueueNums,
        Perm.READ | Perm.WRITE,
      );
      context.consumers.register(
        consumer.groupName,
        channel,
        consumer.consumeType,
        consumer.messageModel,
        consumer.consumeFromWhere,
        consumer.subscriptionDataSet as SubscriptionData[],
      );
    }
    for (const producer of heartbeat.producerDataSet) context.producers.register(producer.groupName, channel);
    return createResponse(request, ResponseCode.SUCCESS, {
      extFields: { IS_SUPPORT_HEART_BEAT_V2: 'true', IS_SUB_CHANGE: 'true' },
    });
  };
}

/** NOTIFY_CONSUMER_IDS_CHANGED (40), oneway, to every member of a group whose membership changed (Broker2Client). */
export function notifyConsumerIdsChanged(context: BrokerContext, group: string): void {
  const info = context.consumers.get(group);
  const config = context.groups.get(group);
  if (!info || config?.notifyConsumerIdsChangedEnable === false) return;
  for (const channel of info.channels.values()) {
    if (!channel.connection.isOpen) continue;
    try {
      channel.connection.invokeOneway(createRequest(40, { extFields: { consumerGroup: group } }));
    } catch (error) {
      context.logger.debug({ err: error, group }, 'NOTIFY_CONSUMER_IDS_CHANGED not delivered');
    }
  }
}
