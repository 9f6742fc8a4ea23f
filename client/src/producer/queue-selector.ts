/**
 * Queue selection for ordered messages: messages with the same sharding key go to the same queue, so one
 * consumer sees them in send order. `selectQueueByHash` gives the same queue as Java's SelectMessageQueueByHash
 * (`arg.hashCode() % size`, made non-negative) for a String key, so TS and Java producers of one topic agree.
 */
import { javaStringHashCode } from '@skyrocket/remoting';
import type { MessageQueue } from '../core/route';
import type { Message } from './message';

export type MessageQueueSelector = (queues: readonly MessageQueue[], message: Message) => MessageQueue;

export function selectQueueByHash(queues: readonly MessageQueue[], key: string): MessageQueue {
  if (queues.length === 0) throw new RangeError('no queue to select from');
  // Java: int value = arg.hashCode() % mqs.size(); if (value < 0) value = Math.abs(value);
  const value = Math.abs(javaStringHashCode(key) % queues.length);
  return queues[value] as MessageQueue;
}
