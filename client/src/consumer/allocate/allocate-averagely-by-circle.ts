import {
  checkAllocateContext,
  type AllocateContext,
  type AllocateMessageQueueStrategy,
} from './allocate-strategy';
import type { MessageQueue } from '../message-queue';

/**
 * `AllocateMessageQueueAveragelyByCircle` ("AVG_BY_CIRCLE"): round robin, client i takes queues i, i+n, i+2n…
 * 8 queues, 3 clients → [0,3,6] [1,4,7] [2,5].
 */
export const allocateMessageQueueAveragelyByCircle: AllocateMessageQueueStrategy = {
  name: 'AVG_BY_CIRCLE',
  allocate(context: AllocateContext): MessageQueue[] {
    if (!checkAllocateContext(context)) return [];
    const { allQueues, allClientIds } = context;
    const index = allClientIds.indexOf(context.currentClientId);
    const result: MessageQueue[] = [];
    for (let i = index; i < allQueues.length; i += allClientIds.length) {
      const queue = allQueues[i];
      if (queue !== undefined) result.push(queue);
    }
    return result;
  },
};
