import { z } from 'zod';
import { SkyrocketError } from '@skyrocket/common';
import { createResponse, RequestCode, ResponseCode, type RequestProcessor } from '@skyrocket/remoting';
import type { RebalanceLockManager } from '../client/rebalance-lock-manager';
import { jsonBody } from './processor';

const LockBatchBody = z.object({
  consumerGroup: z.string().min(1),
  clientId: z.string().min(1),
  onlyThisBroker: z.boolean().optional(),
  mqSet: z
    .array(z.object({ topic: z.string(), brokerName: z.string(), queueId: z.number().int() }))
    .default([]),
});

/**
 * LOCK_BATCH_MQ (41) and UNLOCK_BATCH_MQ (42) for orderly consumers. No header; body LockBatchRequestBody
 * {consumerGroup, clientId, onlyThisBroker, mqSet:[{topic, brokerName, queueId}]}. Lock replies
 * {"lockOKMQSet":[...]}, the queues the client now holds.
 */
export function lockBatchMqProcessor(locks: RebalanceLockManager): RequestProcessor {
  return (request) => {
    let json: unknown;
    try {
      json = JSON.parse(request.body?.toString('utf8') ?? '');
    } catch (error) {
      throw new SkyrocketError('INVALID_BODY', 'lock request body is not valid JSON', { cause: error });
    }
    const parsed = LockBatchBody.safeParse(json);
    if (!parsed.success)
      throw new SkyrocketError('INVALID_BODY', `lock request body: ${parsed.error.issues[0]?.message ?? ''}`);
    const body = parsed.data;
    if (request.code === RequestCode.UNLOCK_BATCH_MQ) {
      locks.unlockBatch(body.consumerGroup, body.mqSet, body.clientId);
      return createResponse(request, ResponseCode.SUCCESS);
    }
    const locked = locks.tryLockBatch(body.consumerGroup, body.mqSet, body.clientId);
    return createResponse(request, ResponseCode.SUCCESS, { body: jsonBody({ lockOKMQSet: locked }) });
  };
}
