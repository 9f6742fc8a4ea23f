import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Clock, Logger, TimerHandle } from '@skyrocket/common';
import { readJson, writeJsonAtomic } from '@skyrocket/store';

/**
 * Committed consumer offsets (RocketMQ ConsumerOffsetManager): `topic@group` → queueId → offset, persisted to
 * `<store>/config/consumerOffset.json` every 5 s when changed (flushConsumerOffsetInterval) and at shutdown.
 */
export class ConsumerOffsetManager {
  readonly #file: string;
  readonly #table = new Map<string, Map<number, number>>();
  readonly #clock: Clock;
  readonly #logger: Logger;
  #dirty = false;
  #timer: TimerHandle | undefined;

  constructor(options: { storeRoot: string; clock: Clock; logger: Logger }) {
    this.#file = path.join(options.storeRoot, 'config', 'consumerOffset.json');
    this.#clock = options.clock;
    this.#logger = options.logger;
    const stored = readJson(this.#file) as
      { offsetTable?: Record<string, Record<string, number>> } | undefined;
    for (const [key, queues] of Object.entries(stored?.offsetTable ?? {})) {
      this.#table.set(key, new Map(Object.entries(queues).map(([q, o]) => [Number(q), o])));
    }
  }

  start(intervalMs = 5000): void {
    this.#timer = this.#clock.setInterval(() => this.persist(), intervalMs).unref();
  }

  stop(): void {
    if (this.#timer) this.#clock.clearTimer(this.#timer);
    this.persist();
  }

  commit(group: string, topic: string, queueId: number, offset: number): void {
    const key = `${topic}@${group}`;
    let queues = this.#table.get(key);
    if (!queues) {
      queues = new Map();
      this.#table.set(key, queues);
    }
    queues.set(queueId, offset);
    this.#dirty = true;
  }

  /** The committed offset, or -1 when none (queryOffset). */
  query(group: string, topic: string, queueId: number): number {
    return this.#table.get(`${topic}@${group}`)?.get(queueId) ?? -1;
  }

  groupsOf(topic: string): string[] {
    return [...this.#table.keys()]
      .filter((k) => k.startsWith(`${topic}@`))
      .map((k) => k.slice(topic.length + 1));
  }

  topicsOf(group: string): string[] {
    return [...this.#table.keys()]
      .filter((k) => k.endsWith(`@${group}`))
      .map((k) => k.slice(0, -group.length - 1));
  }

  offsets(group: string, topic: string): Map<number, number> {
    return new Map(this.#table.get(`${topic}@${group}`) ?? []);
  }

  removeTopic(topic: string): void {
    for (const key of [...this.#table.keys()]) if (key.startsWith(`${topic}@`)) this.#table.delete(key);
    this.#dirty = true;
  }

  /** DELETE_SUBSCRIPTIONGROUP with cleanOffset: forget every offset of the group (removeOffset). */
  removeGroup(group: string): void {
    for (const key of [...this.#table.keys()]) if (key.endsWith(`@${group}`)) this.#table.delete(key);
    this.#dirty = true;
  }

  /**
   * Makes the table exactly `table` (`topic@group` → queueId → offset), as a slave copying its master does
   * (SlaveSynchronize.syncConsumerOffset). When that changes anything, the new table is written first (a failed
   * write leaves memory and file as they were), then swapped in. Returns whether anything changed.
   */
  replaceAll(table: ReadonlyMap<string, ReadonlyMap<number, number>>): boolean {
    const next = new Map([...table].map(([key, queues]) => [key, new Map(queues)]));
    if (isDeepStrictEqual(this.#table, next)) return false;
    writeJsonAtomic(this.#file, wrap(next));
    this.#table.clear();
    for (const [key, queues] of next) this.#table.set(key, queues);
    this.#dirty = false;
    return true;
  }

  /** GET_ALL_CONSUMER_OFFSET body: {"offsetTable":{"topic@group":{"0":12}}}. */
  wrapper(): { offsetTable: Record<string, Record<string, number>> } {
    return wrap(this.#table);
  }

  persist(): void {
    if (!this.#dirty) return;
    this.#dirty = false;
    try {
      writeJsonAtomic(this.#file, this.wrapper());
    } catch (error) {
      this.#dirty = true;
      this.#logger.error({ err: error }, 'persisting consumer offsets failed; will retry');
    }
  }
}

function wrap(table: ReadonlyMap<string, ReadonlyMap<number, number>>): {
  offsetTable: Record<string, Record<string, number>>;
} {
  const offsetTable: Record<string, Record<string, number>> = {};
  for (const [key, queues] of table)
    offsetTable[key] = Object.fromEntries([...queues].map(([q, o]) => [String(q), o]));
  return { offsetTable };
}
