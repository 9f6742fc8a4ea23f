import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from '@skyrocket/common';
import { readJson, writeJsonAtomic } from '@skyrocket/store';
import type { DataVersion } from '../topic/topic-config-manager';

/** RocketMQ SubscriptionGroupConfig (the fields clients and admin tools read). */
export interface SubscriptionGroupConfig {
  groupName: string;
  consumeEnable: boolean;
  consumeFromMinEnable: boolean;
  consumeBroadcastEnable: boolean;
  consumeMessageOrderly: boolean;
  retryQueueNums: number;
  retryMaxTimes: number;
  brokerId: number;
  whichBrokerWhenConsumeSlowly: number;
  notifyConsumerIdsChangedEnable: boolean;
  groupSysFlag: number;
  consumeTimeoutMinute: number;
  attributes: Record<string, string>;
}

export function subscriptionGroup(groupName: string, retryMaxTimes: number): SubscriptionGroupConfig {
  return {
    groupName,
    consumeEnable: true,
    consumeFromMinEnable: true,
    consumeBroadcastEnable: true,
    consumeMessageOrderly: false,
    retryQueueNums: 1,
    retryMaxTimes,
    brokerId: 0,
    whichBrokerWhenConsumeSlowly: 1,
    notifyConsumerIdsChangedEnable: true,
    groupSysFlag: 0,
    consumeTimeoutMinute: 15,
    attributes: {},
  };
}

/** Group names auto-creation accepts: RocketMQ's topic/group characters, Validators.CHARACTER_MAX_LENGTH. */
const AUTO_CREATABLE_GROUP = /^[%|a-zA-Z0-9_-]{1,255}$/;

/** Subscription groups (RocketMQ SubscriptionGroupManager), persisted in `<store>/config/subscriptionGroup.json`. */
export class SubscriptionGroupManager {
  readonly #file: string;
  readonly #groups = new Map<string, SubscriptionGroupConfig>();
  readonly #autoCreate: boolean;
  readonly #retryMaxTimes: number;
  readonly #logger: Logger;
  #dataVersion: DataVersion = { stateVersion: 0, timestamp: Date.now(), counter: 0 };

  constructor(options: { storeRoot: string; autoCreate: boolean; retryMaxTimes: number; logger: Logger }) {
    this.#file = path.join(options.storeRoot, 'config', 'subscriptionGroup.json');
    this.#autoCreate = options.autoCreate;
    this.#retryMaxTimes = options.retryMaxTimes;
    this.#logger = options.logger;
    const stored = readJson(this.#file) as
      { subscriptionGroupTable?: Record<string, SubscriptionGroupConfig> } | undefined;
    for (const [name, config] of Object.entries(stored?.subscriptionGroupTable ?? {}))
      this.#groups.set(name, config);
  }

  get(group: string): SubscriptionGroupConfig | undefined {
    return this.#groups.get(group);
  }

  /**
   * The group's config, auto-created when autoCreateSubscriptionGroup allows it (findSubscriptionGroupConfig), but
   * never for an illegal name (TopicValidator.isTopicOrGroupIllegal, at most 255 characters): a heartbeat, pull or
   * offset commit naming one must not leave a group behind.
   */
  findOrCreate(group: string): SubscriptionGroupConfig | undefined {
    const existing = this.#groups.get(group);
    if (existing || !this.#autoCreate || !AUTO_CREATABLE_GROUP.test(group)) return existing;
    this.#logger.info({ group }, 'subscription group auto-created');
    return this.upsert(subscriptionGroup(group, this.#retryMaxTimes));
  }

  upsert(config: SubscriptionGroupConfig): SubscriptionGroupConfig {
    this.#groups.set(config.groupName, config);
    this.#persist();
    return config;
  }

  delete(group: string): boolean {
    const deleted = this.#groups.delete(group);
    if (deleted) this.#persist();
    return deleted;
  }

  all(): SubscriptionGroupConfig[] {
    return [...this.#groups.values()];
  }

  /** GET_ALL_SUBSCRIPTIONGROUP_CONFIG body. */
  wrapper(): { subscriptionGroupTable: Record<string, SubscriptionGroupConfig>; dataVersion: DataVersion } {
    return {
      subscriptionGroupTable: Object.fromEntries(this.#groups),
      dataVersion: { ...this.#dataVersion },
    };
  }

  /**
   * Makes the table exactly `configs`, as a slave copying its master does
   * (SlaveSynchronize.syncSubscriptionGroupConfig): groups not in `configs` are removed. When that changes
   * anything, the new table is written first (a failed write leaves memory and file as they were), then swapped in
   * with a new data version. Returns whether anything changed.
   */
  replaceAll(configs: readonly SubscriptionGroupConfig[]): boolean {
    const next = new Map(configs.map((config) => [config.groupName, config]));
    if (isDeepStrictEqual(this.#groups, next)) return false;
    const dataVersion = this.#nextDataVersion();
    writeJsonAtomic(this.#file, { subscriptionGroupTable: Object.fromEntries(next), dataVersion });
    this.#groups.clear();
    for (const [name, config] of next) this.#groups.set(name, config);
    this.#dataVersion = dataVersion;
    return true;
  }

  #persist(): void {
    this.#dataVersion = this.#nextDataVersion();
    writeJsonAtomic(this.#file, this.wrapper());
  }

  #nextDataVersion(): DataVersion {
    return { ...this.#dataVersion, timestamp: Date.now(), counter: this.#dataVersion.counter + 1 };
  }
}
