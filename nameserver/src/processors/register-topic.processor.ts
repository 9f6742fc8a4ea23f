import { SkyrocketError } from '@skyrocket/common';
import {
  createResponse,
  decodeHeader,
  RegisterTopicRequestHeader,
  ResponseCode,
  type RequestProcessor,
} from '@skyrocket/remoting';
import { z } from 'zod';
import type { NameServerContext } from './processor';

const QueueDataSchema = z.object({
  brokerName: z.string().min(1),
  readQueueNums: z.number().int().min(0),
  writeQueueNums: z.number().int().min(0),
  perm: z.number().int().min(0).max(15),
  topicSysFlag: z.number().int().default(0),
});
const BodySchema = z.object({ queueDatas: z.array(QueueDataSchema).default([]) });

/**
 * REGISTER_TOPIC_IN_NAMESRV (217): a broker registering one topic (enableSingleTopicRegister).
 * Header: topic. Body: TopicRouteData JSON whose queueDatas are added for brokers this NameServer knows.
 */
export function registerTopicProcessor(context: NameServerContext): RequestProcessor {
  return (request) => {
    const { topic } = decodeHeader(RegisterTopicRequestHeader, request.extFields);
    let body: z.infer<typeof BodySchema> = { queueDatas: [] };
    if (request.body && request.body.length > 0) {
      let json: unknown;
      try {
        json = JSON.parse(request.body.toString('utf8'));
      } catch (error) {
        throw new SkyrocketError('INVALID_BODY', 'REGISTER_TOPIC_IN_NAMESRV body is not valid JSON', {
          cause: error,
        });
      }
      const parsed = BodySchema.safeParse(json);
      if (!parsed.success) {
        throw new SkyrocketError(
          'INVALID_BODY',
          `REGISTER_TOPIC_IN_NAMESRV body: ${parsed.error.issues[0]?.message ?? ''}`,
        );
      }
      body = parsed.data;
    }
    context.routes.registerTopic(topic, body.queueDatas);
    return createResponse(request, ResponseCode.SUCCESS);
  };
}
