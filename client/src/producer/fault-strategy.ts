/**
 * Latency-aware broker choice (Java 5.x MQFaultStrategy + LatencyFaultToleranceImpl + TopicPublishInfo).
 *
 * After every send attempt the producer records the broker's latency. A slow answer makes the broker "not
 * available" for a while (latency ≥ 550 ms → 2 s, ≥ 1.8 s → 5 s, ≥ 3 s → 6 s, ≥ 5 s → 10 s, ≥ 15 s → 30 s); a
 * failed attempt (connection error, timeout, broker error) counts as 10 s of latency, so the broker is avoided for
 * 10 s. Queue choice walks the topic's write queues round-robin and takes the first queue whose broker is
 * available and is not the broker the previous attempt of the same send failed on; when every broker is marked,
 * it falls back to those not marked unreachable, then to plain round-robin, so a send is never refused only
 * because every broker had a bad moment.
 */
import type { Clock } from '@skyrocket/common';
import type { MessageQueue } from '../core/route';

const LATENCY_MAX = [50, 100, 550, 1800, 3000, 5000, 15000];
const NOT_AVAILABLE_DURATION = [0, 0, 2000, 5000, 6000, 10000, 30000];
/** The latency a failed attempt counts as (MQFaultStrategy.updateFaultItem: isolation → 10000). */
export const ISOLATION_LATENCY = 10_000;

export function notAvailableDuration(latencyMillis: number): number {
  for (let i = LATENCY_MAX.length - 1; i >= 0; i--) {
    if (latencyMillis >= (LATENCY_MAX[i] ?? 0)) return NOT_AVAILABLE_DURATION[i] ?? 0;
  }
  return 0;
}

interface FaultItem {
  latency: number;
  /** Available again from this time (epoch ms). */
  availableAt: number;
  reachable: boolean;
}

/** A round-robin position per topic route; starts at a random queue as Java's ThreadLocalIndex does. */
export class QueueCursor {
  #index = Math.floor(Math.random() * 1024);
  next(): number {
    this.#index = (this.#index + 1) & 0x7fffffff;
    return this.#index;
  }
}

export class FaultStrategy {
  readonly #items = new Map<string, FaultItem>();
  readonly #clock: Pick<Clock, 'now'>;
  readonly enabled: boolean;

  constructor(clock: Pick<Clock, 'now'>, enabled = true) {
    this.#clock = clock;
    this.enabled = enabled;
  }

  /**
   * Records the outcome of an attempt on `brokerName`: its latency, or `failed` for an error (`reachable` false
   * when the broker answered with an error rather than not answering).
   */
  update(brokerName: string, latencyMillis: number, failed: boolean, reachable = true): void {
    if (!this.enabled) return;
    const duration = notAvailableDuration(failed ? ISOLATION_LATENCY : latencyMillis);
    const existing = this.#items.get(brokerName);
    const availableAt = this.#clock.now() + duration;
    if (existing) {
      existing.latency = latencyMillis;
      existing.availableAt = availableAt;
      existing.reachable = reachable;
    } else if (duration > 0 || !reachable) {
      this.#items.set(brokerName, { latency: latencyMillis, availableAt, reachable });
    }
  }

  isAvailable(brokerName: string): boolean {
    const item = this.#items.get(brokerName);
    return item === undefined || this.#clock.now() >= item.availableAt;
  }

  isReachable(brokerName: string): boolean {
    return this.#items.get(brokerName)?.reachable ?? true;
  }

  /** One write queue for the next attempt; `lastBrokerName` is the broker the previous attempt used. */
  select(
    queues: readonly MessageQueue[],
    cursor: QueueCursor,
    lastBrokerName?: string,
  ): MessageQueue | undefined {
    const size = queues.length;
    if (size === 0) return undefined;
    if (this.enabled) {
      const available = this.#find(
        queues,
        cursor,
        (q) => q.brokerName !== lastBrokerName && this.isAvailable(q.brokerName),
      );
      if (available) return available;
      const reachable = this.#find(
        queues,
        cursor,
        (q) => q.brokerName !== lastBrokerName && this.isReachable(q.brokerName),
      );
      if (reachable) return reachable;
    } else if (lastBrokerName !== undefined) {
      const other = this.#find(queues, cursor, (q) => q.brokerName !== lastBrokerName);
      if (other) return other;
    }
    return queues[cursor.next() % size];
  }

  #find(
    queues: readonly MessageQueue[],
    cursor: QueueCursor,
    accept: (queue: MessageQueue) => boolean,
  ): MessageQueue | undefined {
    const size = queues.length;
    const start = cursor.next();
    for (let i = 0; i < size; i++) {
      const queue = queues[(start + i) % size] as MessageQueue;
      if (accept(queue)) return queue;
    }
    return undefined;
  }
}
