import type { Clock } from '@skyrocket/common';

export interface MessageQueueKey {
  topic: string;
  brokerName: string;
  queueId: number;
}

/** RebalanceLockManager.REBALANCE_LOCK_MAX_LIVE_TIME: a lock not renewed for 60 s expires. */
export const REBALANCE_LOCK_MAX_LIVE_MS = 60_000;

/**
 * Queue locks of orderly consumers (RocketMQ RebalanceLockManager): per group, a queue belongs to at most one
 * client; its owner renews the lock every 20 s, and an expired lock can be taken by another client.
 */
export class RebalanceLockManager {
  readonly #locks = new Map<string, Map<string, { clientId: string; lastUpdate: number }>>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Locks what it can for clientId; returns the queues now held by clientId. */
  tryLockBatch(group: string, queues: MessageQueueKey[], clientId: string): MessageQueueKey[] {
    const now = this.#clock.now();
    let table = this.#locks.get(group);
    if (!table) {
      table = new Map();
      this.#locks.set(group, table);
    }
    const locked: MessageQueueKey[] = [];
    for (const queue of queues) {
      const key = `${queue.topic}@${queue.brokerName}@${queue.queueId}`;
      const current = table.get(key);
      if (
        !current ||
        current.clientId === clientId ||
        now - current.lastUpdate > REBALANCE_LOCK_MAX_LIVE_MS
      ) {
        table.set(key, { clientId, lastUpdate: now });
        locked.push(queue);
      }
    }
    return locked;
  }

  unlockBatch(group: string, queues: MessageQueueKey[], clientId: string): void {
    const table = this.#locks.get(group);
    if (!table) return;
    for (const queue of queues) {
      const key = `${queue.topic}@${queue.brokerName}@${queue.queueId}`;
      if (table.get(key)?.clientId === clientId) table.delete(key);
    }
  }
}
