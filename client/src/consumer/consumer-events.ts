/** Typed events of the consumers, for observability (`consumer.on('rebalanced', …)`). */
import type { ClientError } from '../errors';
import type { MessageQueue } from './message-queue';
import type { FlowControlReason } from './process-queue';
import type { MessageExt } from './pull/message-ext';

export interface ConsumerEvents {
  /** The queues this consumer owns for a topic changed. */
  rebalanced: {
    topic: string;
    queues: readonly MessageQueue[];
    added: readonly MessageQueue[];
    removed: readonly MessageQueue[];
  };
  /** A rebalance round could not complete for a topic (it is retried at the next round). */
  rebalanceFailed: { topic: string; error: unknown };
  /** A pull failed; the queue is pulled again after pullTimeDelayMillisWhenException. */
  pullFailed: { queue: MessageQueue; error: ClientError };
  /** The broker said the pulled offset is not valid; pulling moved to `nextOffset`. */
  offsetMoved: { queue: MessageQueue; from: number; nextOffset: number };
  /** Pulling a queue paused because its cache is full (emitted when a pause starts). */
  flowControl: {
    queue: MessageQueue;
    reason: FlowControlReason;
    cachedMessages: number;
    cachedBytes: number;
  };
  /** A listener threw or asked for a retry; `error` is what it threw, if it did. */
  consumeFailed: { queue: MessageQueue; messages: readonly MessageExt[]; error: unknown };
  /** A failed message could not be handed back to the broker; it is retried locally. */
  sendBackFailed: { message: MessageExt; error: unknown };
  /** Committing offsets to the broker or the local file failed; retried at the next commit. */
  offsetCommitFailed: { error: unknown };
  /** Orderly: locking queues on a broker failed. */
  lockFailed: { brokerName: string; error: unknown };
}
