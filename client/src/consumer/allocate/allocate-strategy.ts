/**
 * Queue allocation for clustering consumers (Java `AllocateMessageQueueStrategy`). Every member of a group runs the
 * same strategy over the same inputs, sorted the same way (queues by `compareMessageQueues`, client ids by Java
 * `String.compareTo`), and takes its own share; nobody coordinates. A TypeScript member therefore has to compute
 * exactly what a Java member computes, or two members read one queue and another is left idle.
 */
import { compareJavaStrings, compareMessageQueues, type MessageQueue } from '../message-queue';

export interface AllocateContext {
  readonly consumerGroup: string;
  /** This client's id ("ip@instance"), as the broker lists it. */
  readonly currentClientId: string;
  /** Every queue of the topic, sorted with `compareMessageQueues`. */
  readonly allQueues: readonly MessageQueue[];
  /** Every client id of the group, sorted with `compareJavaStrings`. */
  readonly allClientIds: readonly string[];
}

export interface AllocateMessageQueueStrategy {
  /** Java's strategy name ("AVG", "AVG_BY_CIRCLE"). */
  readonly name: string;
  /** This client's share of the queues, in `allQueues` order. */
  allocate(context: AllocateContext): MessageQueue[];
}

/**
 * `AbstractAllocateMessageQueueStrategy.check`: empty inputs are programming errors; a client missing from the
 * list (the broker has not seen its heartbeat yet) gets nothing rather than a share computed from a wrong index.
 */
export function checkAllocateContext(context: AllocateContext): boolean {
  if (context.currentClientId === '') throw new RangeError('currentClientId is empty');
  if (context.allQueues.length === 0) throw new RangeError('allQueues is empty');
  if (context.allClientIds.length === 0) throw new RangeError('allClientIds is empty');
  return context.allClientIds.includes(context.currentClientId);
}

/**
 * Sorts the inputs as `RebalanceImpl.rebalanceByTopic` does (Collections.sort on both lists) and runs `strategy`.
 * A strategy that throws gives nothing, as Java logs and keeps the previous assignment; callers decide.
 */
export function allocateQueues(
  strategy: AllocateMessageQueueStrategy,
  consumerGroup: string,
  currentClientId: string,
  queues: Iterable<MessageQueue>,
  clientIds: Iterable<string>,
): MessageQueue[] {
  const allQueues = [...queues].sort(compareMessageQueues);
  // Not de-duplicated: Java keeps whatever the broker listed, and every member must see the same list.
  const allClientIds = [...clientIds].sort(compareJavaStrings);
  return strategy.allocate({ consumerGroup, currentClientId, allQueues, allClientIds });
}
