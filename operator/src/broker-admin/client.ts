import { SkyrocketError } from '@skyrocket/common';

/**
 * A client for the broker's JSON admin API (broker/src/http/admin-routes.ts). The operator cannot import the
 * broker package (DESIGN.md §2), so the shapes it reads are declared here, only the fields it uses.
 */

/** Registration state with one NameServer (broker NameServerRegistration). */
export interface NameServerRegistrationView {
  address: string;
  lastSuccessTimestamp?: number | null;
  lastAttemptTimestamp?: number | null;
  lastError?: string | null;
}

/** GET /api/broker. */
export interface BrokerView {
  clusterName: string;
  brokerName: string;
  brokerId: number;
  brokerRole: 'ASYNC_MASTER' | 'SYNC_MASTER' | 'SLAVE';
  brokerAddr: string;
  permission: 'read-write' | 'read-only' | 'write-only' | 'none';
  nameServers: NameServerRegistrationView[];
  /** Replication state; brokers before it was added leave it out. */
  ha?: HaView;
}

/** GET /api/broker's `ha` (broker/src/http/admin-routes.ts HaView). */
export type HaView =
  | {
      role: 'master';
      maxOffset: number;
      slaves: Array<{ address: string; ackOffset: number; lagBytes: number }>;
    }
  | { role: 'slave'; masterAddress: string | null; connected: boolean };

/** One entry of GET /api/topics (TopicConfig). */
export interface TopicView {
  topicName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicFilterType: 'SINGLE_TAG' | 'MULTI_TAG';
  topicSysFlag: number;
  order: boolean;
  attributes?: Record<string, string>;
}

/** The SubscriptionGroupConfig fields PUT /api/groups/:group takes (each optional there). */
export interface SubscriptionGroupSettings {
  consumeEnable: boolean;
  consumeFromMinEnable: boolean;
  consumeBroadcastEnable: boolean;
  consumeMessageOrderly: boolean;
  retryQueueNums: number;
  retryMaxTimes: number;
  brokerId: number;
  whichBrokerWhenConsumeSlowly: number;
  notifyConsumerIdsChangedEnable: boolean;
}

/** One entry of GET /api/groups: the group's config and its connected consumers. */
export interface GroupView extends Partial<SubscriptionGroupSettings> {
  groupName: string;
  consumers?: string[];
}

/** A subscription group to create or update. */
export interface SubscriptionGroupView extends SubscriptionGroupSettings {
  groupName: string;
}

/** GET /api/groups/:group/lag. */
export interface GroupLagView {
  group: string;
  totalLag: number;
}

export class BrokerAdminError extends SkyrocketError {
  constructor(
    message: string,
    readonly status: number | undefined,
    options: { cause?: unknown } = {},
  ) {
    super('CONNECT_FAILED', message, options);
  }
}

export interface BrokerAdmin {
  broker(baseUrl: string): Promise<BrokerView>;
  topics(baseUrl: string): Promise<TopicView[]>;
  /** Creates or updates a topic (PUT /api/topics/:topic). */
  putTopic(baseUrl: string, topic: TopicView): Promise<void>;
  /** Deletes a topic (DELETE /api/topics/:topic); false when the broker has no such topic. */
  deleteTopic(baseUrl: string, topic: string): Promise<boolean>;
  setPermission(baseUrl: string, permission: 'read-only' | 'read-write'): Promise<void>;
  groups(baseUrl: string): Promise<GroupView[]>;
  /** Creates or updates a subscription group (PUT /api/groups/:group). */
  putGroup(baseUrl: string, group: SubscriptionGroupView): Promise<void>;
  /** Deletes a subscription group, keeping its offsets (DELETE /api/groups/:group); false when there is none. */
  deleteGroup(baseUrl: string, group: string): Promise<boolean>;
  groupLag(baseUrl: string, group: string): Promise<GroupLagView | undefined>;
}

/** Over HTTP with a per-request timeout; every failure is a BrokerAdminError naming the URL. */
export class HttpBrokerAdmin implements BrokerAdmin {
  readonly #timeoutMs: number;

  constructor(options: { timeoutMs?: number } = {}) {
    this.#timeoutMs = options.timeoutMs ?? 5000;
  }

  broker(baseUrl: string): Promise<BrokerView> {
    return this.#json<BrokerView>('GET', baseUrl, '/api/broker');
  }

  topics(baseUrl: string): Promise<TopicView[]> {
    return this.#json<TopicView[]>('GET', baseUrl, '/api/topics');
  }

  async putTopic(baseUrl: string, topic: TopicView): Promise<void> {
    await this.#json('PUT', baseUrl, `/api/topics/${encodeURIComponent(topic.topicName)}`, {
      readQueueNums: topic.readQueueNums,
      writeQueueNums: topic.writeQueueNums,
      perm: topic.perm,
      topicFilterType: topic.topicFilterType,
      topicSysFlag: topic.topicSysFlag,
      order: topic.order,
      ...(topic.attributes && Object.keys(topic.attributes).length > 0
        ? { attributes: topic.attributes }
        : {}),
    });
  }

  deleteTopic(baseUrl: string, topic: string): Promise<boolean> {
    return this.#deleteIfPresent(`/api/topics/${encodeURIComponent(topic)}`, baseUrl);
  }

  /** DELETE; false when the broker answers 404 (nothing to delete). */
  async #deleteIfPresent(path: string, baseUrl: string): Promise<boolean> {
    try {
      await this.#json('DELETE', baseUrl, path);
      return true;
    } catch (error) {
      if (error instanceof BrokerAdminError && error.status === 404) return false;
      throw error;
    }
  }

  async setPermission(baseUrl: string, permission: 'read-only' | 'read-write'): Promise<void> {
    await this.#json('PUT', baseUrl, '/api/broker/permission', { permission });
  }

  groups(baseUrl: string): Promise<GroupView[]> {
    return this.#json<GroupView[]>('GET', baseUrl, '/api/groups');
  }

  async putGroup(baseUrl: string, group: SubscriptionGroupView): Promise<void> {
    const { groupName, ...settings } = group;
    await this.#json('PUT', baseUrl, `/api/groups/${encodeURIComponent(groupName)}`, settings);
  }

  deleteGroup(baseUrl: string, group: string): Promise<boolean> {
    return this.#deleteIfPresent(`/api/groups/${encodeURIComponent(group)}`, baseUrl);
  }

  async groupLag(baseUrl: string, group: string): Promise<GroupLagView | undefined> {
    try {
      return await this.#json<GroupLagView>('GET', baseUrl, `/api/groups/${encodeURIComponent(group)}/lag`);
    } catch (error) {
      // The group vanished between the two calls: nothing to drain for it.
      if (error instanceof BrokerAdminError && error.status === 404) return undefined;
      throw error;
    }
  }

  async #json<T>(method: string, baseUrl: string, path: string, body?: unknown): Promise<T> {
    const url = baseUrl.replace(/\/$/, '') + path;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new BrokerAdminError(`${method} ${url}: ${fetchFailure(error)}`, undefined, { cause: error });
    }
    const text = await response.text();
    if (!response.ok) {
      let message = text.slice(0, 300);
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {
        // not JSON; keep the text
      }
      throw new BrokerAdminError(`${method} ${url}: ${response.status} ${message}`, response.status);
    }
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new BrokerAdminError(`${method} ${url}: the answer is not JSON`, response.status, {
        cause: error,
      });
    }
  }
}

/** undici's "fetch failed" hides the reason (ECONNREFUSED, ENOTFOUND, a timeout) in `cause`. */
function fetchFailure(error: unknown): string {
  const { message, cause } = (error ?? {}) as {
    message?: unknown;
    cause?: { message?: unknown; code?: unknown };
  };
  const detail = typeof cause?.message === 'string' && cause.message !== '' ? cause.message : cause?.code;
  if (typeof detail === 'string' && detail !== '') return detail;
  return typeof message === 'string' ? message : String(error);
}
