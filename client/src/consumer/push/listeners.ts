/**
 * Message listeners of the push consumer (Java `MessageListenerConcurrently` / `MessageListenerOrderly`).
 *
 * Concurrent: a listener that returns normally (nothing, or 'CONSUME_SUCCESS') consumed the messages; one that
 * throws or returns 'RECONSUME_LATER' did not, and they come back later through the group's retry topic with
 * reconsumeTimes + 1, until maxReconsumeTimes sends them to the dead-letter queue `%DLQ%<group>`.
 *
 * Orderly: messages of one queue arrive one batch at a time in queue order. Returning normally (or 'SUCCESS')
 * commits the batch; throwing or returning 'SUSPEND_CURRENT_QUEUE_A_MOMENT' redelivers the same batch to this
 * listener after `suspendCurrentQueueTimeMillis`, holding the queue back meanwhile, so order is kept.
 */
import type { MessageQueue } from '../message-queue';
import type { MessageExt } from '../pull/message-ext';

export type ConsumeConcurrentlyStatus = 'CONSUME_SUCCESS' | 'RECONSUME_LATER';
export type ConsumeOrderlyStatus = 'SUCCESS' | 'SUSPEND_CURRENT_QUEUE_A_MOMENT';

export interface ConsumeConcurrentlyContext {
  readonly queue: MessageQueue;
  /**
   * The delay level of a retry (0: the broker picks 3 + reconsumeTimes, Java's default; -1: straight to the DLQ).
   */
  delayLevelWhenNextConsume: number;
  /** With CONSUME_SUCCESS: messages after this index are retried (Java ackIndex). Default: all consumed. */
  ackIndex: number;
}

export interface ConsumeOrderlyContext {
  readonly queue: MessageQueue;
  /** How long a failing queue is held back before the batch is delivered again. */
  suspendCurrentQueueTimeMillis: number;
}

/** One message per call (`onMessage`). */
export type MessageListener = (message: MessageExt, context: ConsumeConcurrentlyContext) => unknown;
/** Up to consumeMessageBatchMaxSize messages per call (`onMessages`). */
export type BatchMessageListener = (
  messages: MessageExt[],
  context: ConsumeConcurrentlyContext,
) => ConsumeConcurrentlyStatus | void | Promise<ConsumeConcurrentlyStatus | void>;
/** Messages of one queue, in order (`onMessageOrderly`). */
export type OrderlyMessageListener = (
  messages: MessageExt[],
  context: ConsumeOrderlyContext,
) => ConsumeOrderlyStatus | void | Promise<ConsumeOrderlyStatus | void>;

export type RegisteredListener =
  | { kind: 'concurrently'; listener: BatchMessageListener }
  | { kind: 'orderly'; listener: OrderlyMessageListener };

/** `onMessage`'s per-message listener as a batch listener: a failure retries that message and the rest. */
export function perMessage(listener: MessageListener): BatchMessageListener {
  return async (messages, context): Promise<ConsumeConcurrentlyStatus> => {
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i];
      if (message === undefined) continue;
      try {
        const status = await listener(message, context);
        if (status === 'RECONSUME_LATER') {
          context.ackIndex = i - 1;
          return 'CONSUME_SUCCESS';
        }
      } catch (error) {
        if (i === 0) throw error;
        context.ackIndex = i - 1;
        return 'CONSUME_SUCCESS';
      }
    }
    return 'CONSUME_SUCCESS';
  };
}
