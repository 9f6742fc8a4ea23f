import {
  checkAllocateContext,
  type AllocateContext,
  type AllocateMessageQueueStrategy,
} from './allocate-strategy';
import type { MessageQueue } from '../message-queue';

/**
 * `AllocateMessageQueueAveragely` ("AVG", the default): contiguous blocks, the first `queues % clients` clients get
 * one queue more. 8 queues, 3 clients → [0,1,2] [3,4,5] [6,7]. With more clients than queues the last clients get
 * nothing.
 */
export const allocateMessageQueueAveragely: AllocateMessageQueueStrategy = {
  name: 'AVG',
  allocate(context: AllocateContext): MessageQueue[] {
    if (!checkAllocateContext(context)) return [];
    const { allQueues, allClientIds } = context;
    const queueCount = allQueues.length;
    const clientCount = allClientIds.length;
    const index = allClientIds.indexOf(context.currentClientId);
    const mod = queueCount % clientCount;
    const takesOneMore = mod > 0 && index < mod;
    const averageSize =
      queueCount <= clientCount
        ? 1
        : takesOneMore
          ? Math.floor(queueCount / clientCount) + 1
          : Math.floor(queueCount / clientCount);
    const startIndex = takesOneMore ? index * averageSize : index * averageSize + mod;
    const range = Math.min(averageSize, queueCount - startIndex);
    const result: MessageQueue[] = [];
    for (let i = 0; i < range; i++) {
      const queue = allQueues[startIndex + i];
      if (queue !== undefined) result.push(queue);
    }
    return result;
  },
};
