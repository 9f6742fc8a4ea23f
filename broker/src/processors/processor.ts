import type { Clock, Logger } from '@skyrocket/common';
import type { HostAddress, MessageClientIdGenerator } from '@skyrocket/remoting';
import type { MessageStore } from '@skyrocket/store';
import type { ConsumerManager, ProducerManager } from '../client/client-managers';
import type { BrokerConfig } from '../config';
import type { PullRequestHoldService } from '../long-polling/pull-request-hold-service';
import type { BrokerMetrics } from '../metrics';
import type { ConsumerOffsetManager } from '../offset/consumer-offset-manager';
import type { SubscriptionGroupManager } from '../subscription/subscription-group-manager';
import type { TopicConfigManager } from '../topic/topic-config-manager';

/** Everything a broker processor may use, given through its factory (processors never import each other). */
export interface BrokerContext {
  config: BrokerConfig;
  store: MessageStore;
  topics: TopicConfigManager;
  groups: SubscriptionGroupManager;
  offsets: ConsumerOffsetManager;
  consumers: ConsumerManager;
  producers: ProducerManager;
  holds: PullRequestHoldService;
  metrics: BrokerMetrics;
  clock: Clock;
  logger: Logger;
  /** This broker's address as written into records and msgIds. */
  storeHost: HostAddress;
  idGenerator: MessageClientIdGenerator;
  /** Milliseconds of each delay level, level 1 first. */
  delayLevels: number[];
  /** Runtime broker permission (PermName bits); admin can make the broker read-only. */
  permission: { value: number };
}

export function jsonBody(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** "ip:port" of a connection's peer as a HostAddress (bornHost of sent messages). */
export function peerHost(remoteAddress: string): HostAddress {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(remoteAddress);
  return { address: match?.[1] ?? '127.0.0.1', port: Number(match?.[2] ?? 0) };
}
