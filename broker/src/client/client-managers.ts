import type { Clock, Logger } from '@skyrocket/common';
import type { Connection } from '@skyrocket/remoting';

/** SubscriptionData from a heartbeat (RocketMQ heartbeat/SubscriptionData). */
export interface SubscriptionData {
  topic: string;
  subString: string;
  tagsSet: string[];
  codeSet: number[];
  subVersion: number;
  expressionType: string;
  classFilterMode?: boolean;
}

export interface ClientChannel {
  clientId: string;
  connection: Connection;
  language: string;
  version: number;
  lastUpdateTimestamp: number;
}

export interface ConsumerGroupInfo {
  group: string;
  consumeType: string;
  messageModel: string;
  consumeFromWhere: string;
  subscriptions: Map<string, SubscriptionData>;
  channels: Map<string, ClientChannel>;
  lastUpdateTimestamp: number;
}

/**
 * Consumers by group (RocketMQ ConsumerManager): who is connected, what they subscribe to (pulls without the
 * SUBSCRIPTION flag are checked against it), and how they consume. A change of membership is reported through
 * `onMembershipChanged` so the broker can send NOTIFY_CONSUMER_IDS_CHANGED to the group.
 */
export class ConsumerManager {
  readonly #groups = new Map<string, ConsumerGroupInfo>();
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #listeners: Array<(group: string) => void> = [];

  constructor(clock: Clock, logger: Logger) {
    this.#clock = clock;
    this.#logger = logger;
  }

  onMembershipChanged(listener: (group: string) => void): void {
    this.#listeners.push(listener);
  }

  /** Registers a heartbeat; returns whether the group's membership changed. */
  register(
    group: string,
    channel: Omit<ClientChannel, 'lastUpdateTimestamp'>,
    consumeType: string,
    messageModel: string,
    consumeFromWhere: string,
    subscriptions: SubscriptionData[],
  ): boolean {
    const now = this.#clock.now();
    let info = this.#groups.get(group);
    if (!info) {
      info = {
        group,
        consumeType,
        messageModel,
        consumeFromWhere,
        subscriptions: new Map(),
        channels: new Map(),
        lastUpdateTimestamp: now,
      };
      this.#groups.set(group, info);
    }
    info.consumeType = consumeType;
    info.messageModel = messageModel;
    info.consumeFromWhere = consumeFromWhere;
    info.lastUpdateTimestamp = now;
    const existing = info.channels.get(channel.clientId);
    const changed = !existing || existing.connection !== channel.connection;
    info.channels.set(channel.clientId, { ...channel, lastUpdateTimestamp: now });
    // updateSubscription: keep the newest subVersion per topic, drop topics no longer subscribed.
    const topics = new Set(subscriptions.map((s) => s.topic));
    for (const subscription of subscriptions) {
      const old = info.subscriptions.get(subscription.topic);
      if (!old || subscription.subVersion >= old.subVersion)
        info.subscriptions.set(subscription.topic, subscription);
    }
    for (const topic of [...info.subscriptions.keys()])
      if (!topics.has(topic)) info.subscriptions.delete(topic);
    if (changed) this.#notify(group);
    return changed;
  }

  unregister(group: string, clientId: string): void {
    const info = this.#groups.get(group);
    if (!info?.channels.delete(clientId)) return;
    if (info.channels.size === 0) this.#groups.delete(group);
    this.#notify(group);
  }

  /** A connection closed: remove it from every group. */
  removeConnection(connection: Connection): void {
    for (const info of [...this.#groups.values()]) {
      for (const [clientId, channel] of info.channels) {
        if (channel.connection === connection) {
          info.channels.delete(clientId);
          if (info.channels.size === 0) this.#groups.delete(info.group);
          this.#notify(info.group);
        }
      }
    }
  }

  /** Drops channels silent longer than `timeoutMs` (channelExpiredTimeout). */
  expire(timeoutMs: number): void {
    const now = this.#clock.now();
    for (const info of [...this.#groups.values()]) {
      for (const [clientId, channel] of info.channels) {
        if (now - channel.lastUpdateTimestamp > timeoutMs) {
          this.#logger.warn({ group: info.group, clientId }, 'consumer channel expired');
          info.channels.delete(clientId);
          channel.connection.close();
          if (info.channels.size === 0) this.#groups.delete(info.group);
          this.#notify(info.group);
        }
      }
    }
  }

  get(group: string): ConsumerGroupInfo | undefined {
    return this.#groups.get(group);
  }

  groups(): ConsumerGroupInfo[] {
    return [...this.#groups.values()];
  }

  clientIds(group: string): string[] {
    return [...(this.#groups.get(group)?.channels.keys() ?? [])];
  }

  #notify(group: string): void {
    for (const listener of this.#listeners) listener(group);
  }
}

/** Producers by group (RocketMQ ProducerManager): used to call back a live producer for transaction checks. */
export class ProducerManager {
  readonly #groups = new Map<string, Map<string, ClientChannel>>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  register(group: string, channel: Omit<ClientChannel, 'lastUpdateTimestamp'>): void {
    let channels = this.#groups.get(group);
    if (!channels) {
      channels = new Map();
      this.#groups.set(group, channels);
    }
    channels.set(channel.clientId, { ...channel, lastUpdateTimestamp: this.#clock.now() });
  }

  unregister(group: string, clientId: string): void {
    const channels = this.#groups.get(group);
    channels?.delete(clientId);
    if (channels?.size === 0) this.#groups.delete(group);
  }

  removeConnection(connection: Connection): void {
    for (const [group, channels] of [...this.#groups]) {
      for (const [clientId, channel] of channels)
        if (channel.connection === connection) channels.delete(clientId);
      if (channels.size === 0) this.#groups.delete(group);
    }
  }

  expire(timeoutMs: number): void {
    const now = this.#clock.now();
    for (const [group, channels] of [...this.#groups]) {
      for (const [clientId, channel] of channels) {
        if (now - channel.lastUpdateTimestamp > timeoutMs) channels.delete(clientId);
      }
      if (channels.size === 0) this.#groups.delete(group);
    }
  }

  /** A live channel of the group, for CHECK_TRANSACTION_STATE (getAvailableChannel). */
  anyChannel(group: string): ClientChannel | undefined {
    const channels = [...(this.#groups.get(group)?.values() ?? [])].filter((c) => c.connection.isOpen);
    return channels[Math.floor(Math.random() * channels.length)];
  }

  groups(): string[] {
    return [...this.#groups.keys()];
  }
}
