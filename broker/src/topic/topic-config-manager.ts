import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Clock, Logger } from '@skyrocket/common';
import { readJson, writeJsonAtomic } from '@skyrocket/store';
import {
  AUTO_CREATE_TOPIC_KEY_TOPIC,
  OFFSET_MOVED_EVENT,
  SCHEDULE_TOPIC,
  SELF_TEST_TOPIC,
  TRANS_HALF_TOPIC,
  TRANS_OP_HALF_TOPIC,
} from './topic-validator';

/** PermName bits (RocketMQ PermName). */
export const Perm = { PRIORITY: 8, READ: 4, WRITE: 2, INHERIT: 1 } as const;

export interface TopicConfig {
  topicName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicFilterType: 'SINGLE_TAG' | 'MULTI_TAG';
  topicSysFlag: number;
  order: boolean;
  attributes: Record<string, string>;
}

export interface DataVersion {
  stateVersion: number;
  timestamp: number;
  counter: number;
}

export function topicConfig(
  topicName: string,
  queues: number,
  perm: number = Perm.READ | Perm.WRITE,
): TopicConfig {
  return {
    topicName,
    readQueueNums: queues,
    writeQueueNums: queues,
    perm,
    topicFilterType: 'SINGLE_TAG',
    topicSysFlag: 0,
    order: false,
    attributes: {},
  };
}

/**
 * The broker's topics (RocketMQ TopicConfigManager), persisted atomically in `<store>/config/topics.json` with a
 * DataVersion that changes on every update: the NameServer rewrites its routes only when the version changes.
 * `onChange` lets the registrar register at once after a change.
 */
export class TopicConfigManager {
  readonly #file: string;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #topics = new Map<string, TopicConfig>();
  #dataVersion: DataVersion;
  readonly #listeners: Array<(topic: TopicConfig | undefined) => void> = [];

  constructor(options: {
    storeRoot: string;
    clock: Clock;
    logger: Logger;
    clusterName: string;
    brokerName: string;
    autoCreateTopicEnable: boolean;
    defaultTopicQueueNums: number;
    delayLevels: number;
  }) {
    this.#file = path.join(options.storeRoot, 'config', 'topics.json');
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#dataVersion = { stateVersion: 0, timestamp: options.clock.now(), counter: 0 };
    const stored = readJson(this.#file) as
      { topicConfigTable?: Record<string, TopicConfig>; dataVersion?: DataVersion } | undefined;
    if (stored?.topicConfigTable) {
      for (const [name, config] of Object.entries(stored.topicConfigTable)) this.#topics.set(name, config);
    }
    if (stored?.dataVersion) this.#dataVersion = stored.dataVersion;
    // The built-in topics of TopicConfigManager's constructor (PROTOCOL.md §2.3).
    const builtIn: TopicConfig[] = [
      topicConfig(SELF_TEST_TOPIC, 1),
      topicConfig(options.clusterName, 16, Perm.READ | Perm.WRITE),
      topicConfig(options.brokerName, 1, Perm.READ | Perm.WRITE),
      topicConfig(OFFSET_MOVED_EVENT, 1),
      topicConfig(SCHEDULE_TOPIC, options.delayLevels),
      topicConfig(TRANS_HALF_TOPIC, 1),
      topicConfig(TRANS_OP_HALF_TOPIC, 1),
    ];
    if (options.autoCreateTopicEnable) {
      builtIn.push(
        topicConfig(
          AUTO_CREATE_TOPIC_KEY_TOPIC,
          options.defaultTopicQueueNums,
          Perm.INHERIT | Perm.READ | Perm.WRITE,
        ),
      );
    }
    for (const config of builtIn)
      if (!this.#topics.has(config.topicName)) this.#topics.set(config.topicName, config);
  }

  get dataVersion(): DataVersion {
    return { ...this.#dataVersion };
  }

  get(topic: string): TopicConfig | undefined {
    return this.#topics.get(topic);
  }

  all(): TopicConfig[] {
    return [...this.#topics.values()];
  }

  table(): Record<string, TopicConfig> {
    return Object.fromEntries(this.#topics);
  }

  /** Creates or replaces a topic; persists; bumps the data version; tells listeners (registration). */
  upsert(config: TopicConfig): TopicConfig {
    this.#topics.set(config.topicName, config);
    this.#changed(config);
    return config;
  }

  delete(topic: string): boolean {
    if (!this.#topics.delete(topic)) return false;
    this.#changed(undefined);
    return true;
  }

  /**
   * createTopicInSendMessageMethod: a topic missing on send is created from `defaultTopic` (TBW102) when that has
   * PERM_INHERIT: min(client queue count, default's write queues) queues, the default's perm without INHERIT.
   */
  createInSendMessage(
    topic: string,
    defaultTopic: string,
    clientQueueNums: number,
    topicSysFlag: number,
  ): TopicConfig | undefined {
    const existing = this.#topics.get(topic);
    if (existing) return existing;
    const template = this.#topics.get(defaultTopic);
    if (!template || (template.perm & Perm.INHERIT) === 0) return undefined;
    const queues = Math.max(1, Math.min(clientQueueNums, template.writeQueueNums));
    const created: TopicConfig = {
      ...topicConfig(topic, queues, template.perm & ~Perm.INHERIT),
      topicSysFlag,
    };
    this.#logger.info({ topic, queues, from: defaultTopic }, 'topic auto-created on send');
    return this.upsert(created);
  }

  /** createTopicInSendMessageBackMethod / retry and DLQ topics: created on demand with the given queues and perm. */
  getOrCreateSystemTopic(topic: string, queues: number, perm: number): TopicConfig {
    return this.#topics.get(topic) ?? this.upsert(topicConfig(topic, queues, perm));
  }

  /**
   * Bumps the data version without changing a topic, so that the NameServers rewrite this broker's queue data at
   * the next registration: RocketMQ does this when the broker permission changes (updateBrokerConfig).
   */
  nextDataVersion(): void {
    this.#changed(undefined);
  }

  /**
   * Makes the table exactly `configs`, as a slave copying its master does (SlaveSynchronize.syncTopicConfig): a
   * topic not in `configs` is removed, built-in ones included. When that changes anything, the new table is written
   * first (a failed write leaves memory and file as they were), then swapped in, the data version is bumped and the
   * listeners are told, so the next registration carries it. Returns whether anything changed.
   */
  replaceAll(configs: readonly TopicConfig[]): boolean {
    const next = new Map(configs.map((config) => [config.topicName, config]));
    if (isDeepStrictEqual(this.#topics, next)) return false;
    const dataVersion = this.#nextDataVersion();
    writeJsonAtomic(this.#file, { topicConfigTable: Object.fromEntries(next), dataVersion });
    this.#topics.clear();
    for (const [name, config] of next) this.#topics.set(name, config);
    this.#dataVersion = dataVersion;
    for (const listener of this.#listeners) listener(undefined);
    return true;
  }

  onChange(listener: (topic: TopicConfig | undefined) => void): void {
    this.#listeners.push(listener);
  }

  #changed(topic: TopicConfig | undefined): void {
    this.#dataVersion = this.#nextDataVersion();
    writeJsonAtomic(this.#file, { topicConfigTable: this.table(), dataVersion: this.#dataVersion });
    for (const listener of this.#listeners) listener(topic);
  }

  #nextDataVersion(): DataVersion {
    return {
      stateVersion: this.#dataVersion.stateVersion,
      timestamp: this.#clock.now(),
      counter: this.#dataVersion.counter + 1,
    };
  }
}
