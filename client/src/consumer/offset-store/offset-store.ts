/**
 * Offset stores (Java `OffsetStore`): where a consumer group's progress lives. An offset is the next queue offset to
 * consume. Clustering groups keep offsets on the broker (`RemoteBrokerOffsetStore`): any member that takes a queue
 * over continues where the previous one stopped. Broadcasting consumers each read every queue, so each keeps its own
 * offsets in a local file (`LocalFileOffsetStore`).
 *
 * Updates go to memory first (`updateOffset`, after every consumed batch); `persist`/`persistAll` write them out,
 * every `persistConsumerOffsetInterval` (5 s), when a queue is given up in a rebalance, and on shutdown.
 */
import type { MessageQueue } from '../message-queue';

/**
 * MEMORY: only what this process has seen (-1 if nothing). STORE: ask the broker or file (-1 when it has nothing).
 * MEMORY_FIRST_THEN_STORE: memory if known, else the store.
 */
export type ReadOffsetType = 'MEMORY' | 'STORE' | 'MEMORY_FIRST_THEN_STORE';

export interface OffsetStore {
  /** Reads stored state (the local file); a no-op for the broker store. */
  load(): Promise<void>;
  /** Sets the in-memory offset; with `increaseOnly`, never moves it backwards. */
  updateOffset(queue: MessageQueue, offset: number, increaseOnly: boolean): void;
  /** -1 when no offset exists; throws when the store cannot be read (broker unreachable). */
  readOffset(queue: MessageQueue, type: ReadOffsetType): Promise<number>;
  /** Writes the offsets of `queues` out; offsets of other queues are forgotten (they are no longer ours). */
  persistAll(queues: readonly MessageQueue[]): Promise<void>;
  /** Writes one queue's offset out. */
  persist(queue: MessageQueue): Promise<void>;
  /** Forgets a queue's in-memory offset (the queue was given up). */
  removeOffset(queue: MessageQueue): void;
  /** The in-memory offsets, for monitoring and commits. */
  offsets(): Map<MessageQueue, number>;
}
