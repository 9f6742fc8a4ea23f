import { describeError, SkyrocketError, type Clock, type Logger, type TimerHandle } from '@skyrocket/common';
import {
  createRequest,
  RequestCode,
  requestCodeName,
  ResponseCode,
  type RemotingClient,
  type RemotingCommand,
} from '@skyrocket/remoting';
import type { ConsumerOffsetManager } from '../offset/consumer-offset-manager';
import type { ScheduleMessageService } from '../schedule/schedule-message-service';
import type { SubscriptionGroupManager } from '../subscription/subscription-group-manager';
import type { TopicConfigManager } from '../topic/topic-config-manager';
import {
  readConsumerOffsetTable,
  readDelayOffsetTable,
  readSubscriptionGroupTable,
  readTopicConfigTable,
  type MasterTable,
} from './master-metadata';

/** BrokerController's slave task runs every 3 s (PROTOCOL.md §2.9). */
export const SLAVE_SYNC_CHECK_INTERVAL_MS = 3000;
/** ...and calls SlaveSynchronize.syncAll once more than 60 s have passed since the last sync. */
export const SLAVE_SYNC_INTERVAL_MS = 60_000;
/** BrokerOuterAPI.getAllConsumerOffset / getAllDelayOffset: invokeSync(masterAddr, request, 3000). */
export const SLAVE_SYNC_REQUEST_TIMEOUT_MS = 3000;

export interface SlaveSynchronizeOptions {
  /** Reaches the master. It may be shared, so stop() leaves it open: its owner closes it. */
  client: Pick<RemotingClient, 'invoke'>;
  topics: Pick<TopicConfigManager, 'replaceAll'>;
  offsets: Pick<ConsumerOffsetManager, 'replaceAll'>;
  /** The slave's schedule service: not running, it only keeps the master's delay progress. */
  schedule: Pick<ScheduleMessageService, 'replaceAll'>;
  groups: Pick<SubscriptionGroupManager, 'replaceAll'>;
  clock: Clock;
  logger: Logger;
  /** Least time from the end of one sync to the start of the next. Default 60 s (BrokerController). */
  syncIntervalMs?: number;
  /** How often the timer looks whether a sync is due. Default 3 s (BrokerController). */
  checkIntervalMs?: number;
  /** Timeout of each request to the master. Default 3 s (BrokerOuterAPI). */
  requestTimeoutMs?: number;
}

/** What the slave knows of its metadata sync; for /readyz and logs. */
export interface SlaveSyncStatus {
  masterAddress: string | undefined;
  /** When the last sync ended, whatever its outcome. */
  lastSyncTimestamp: number | undefined;
  /** When the last sync that copied every table ended. */
  lastSuccessTimestamp: number | undefined;
  /** Why tables failed in the last sync, by table; empty after a clean one. */
  failures: Partial<Record<MasterTable, string>>;
}

type Lifecycle = 'CREATED' | 'RUNNING' | 'STOPPED';

/** One table: the request that fetches it and how its answer reaches the manager (true when that changed it). */
interface TableSync {
  table: MasterTable;
  code: number;
  apply(response: RemotingCommand): boolean;
}

type TableOutcome = { table: MasterTable; changed: boolean } | { table: MasterTable; error: string };

/**
 * A slave's copy of its master's metadata (RocketMQ SlaveSynchronize, DESIGN.md §6): topic configs, consumer
 * offsets, delay-level progress and subscription groups, each fetched with its GET_ALL_* request and handed whole
 * to its manager. GET_ALL_MESSAGE_REQUEST_MODE (402) is not copied: Skyrocket has no message request modes (POP).
 *
 * Each table is read and checked completely before its manager's replaceAll swaps it in, so a bad answer changes
 * nothing, and the tables succeed or fail independently, as in RocketMQ. A manager whose table is unchanged is not
 * touched (no write, no new data version).
 *
 * - Topics: the slave's table becomes the master's, built-in topics included: RocketMQ removes every topic the
 *   master lacks and persists. Both brokers build the same built-ins from the same cluster and broker names, so
 *   the only ones a master can lack are those its config turns off (TBW102 without autoCreateTopicEnable); a slave
 *   that kept them would register topics the broker group does not have. That matters where a NameServer takes a
 *   slave's topics: RocketMQ 5's RouteInfoManager does for the lowest slave id once the master is gone
 *   (isPrimeSlave); Skyrocket's NameServer reads only the master's today. The manager bumps its data version, so
 *   the next registration carries the new table.
 * - Consumer offsets: replaced. RocketMQ merges (putAll), keeping keys only the slave has; replacing lets a topic
 *   deletion or DELETE_SUBSCRIPTIONGROUP cleanOffset on the master reach the slave too.
 * - Delay offsets and subscription groups: replaced, as RocketMQ does.
 *
 * Timing (BrokerController): every checkIntervalMs the timer syncs if a master address is known and
 * syncIntervalMs have passed since the last sync ended. A new master address makes the next check sync at once
 * (RocketMQ waits for the 60 s); the first check comes checkIntervalMs after start (RocketMQ: 10 s). A failed sync
 * is retried at the next due sync; a run of failures is logged once, with the reasons, and its end once.
 * Lifecycle: CREATED → RUNNING → STOPPED.
 */
export class SlaveSynchronize {
  readonly #client: Pick<RemotingClient, 'invoke'>;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #syncIntervalMs: number;
  readonly #checkIntervalMs: number;
  readonly #requestTimeoutMs: number;
  readonly #tables: readonly TableSync[];
  #state: Lifecycle = 'CREATED';
  #timer: TimerHandle | undefined;
  #masterAddress: string | undefined;
  /** A new master address is waiting for its first sync. */
  #due = false;
  #sync: Promise<void> | undefined;
  #failing = false;
  #lastSyncTimestamp: number | undefined;
  #lastSuccessTimestamp: number | undefined;
  #failures: Partial<Record<MasterTable, string>> = {};

  constructor(options: SlaveSynchronizeOptions) {
    this.#client = options.client;
    this.#clock = options.clock;
    this.#logger = options.logger.child({ module: 'slave-sync' });
    this.#syncIntervalMs = Math.max(1, options.syncIntervalMs ?? SLAVE_SYNC_INTERVAL_MS);
    this.#checkIntervalMs = Math.max(1, options.checkIntervalMs ?? SLAVE_SYNC_CHECK_INTERVAL_MS);
    this.#requestTimeoutMs = Math.max(1, options.requestTimeoutMs ?? SLAVE_SYNC_REQUEST_TIMEOUT_MS);
    const { topics, offsets, schedule, groups } = options;
    this.#tables = [
      {
        table: 'topics',
        code: RequestCode.GET_ALL_TOPIC_CONFIG,
        apply: (response) =>
          topics.replaceAll(readTopicConfigTable(response.body, response.extFields.totalTopicNum)),
      },
      {
        table: 'consumerOffsets',
        code: RequestCode.GET_ALL_CONSUMER_OFFSET,
        apply: (response) => offsets.replaceAll(readConsumerOffsetTable(response.body)),
      },
      {
        table: 'delayOffsets',
        code: RequestCode.GET_ALL_DELAY_OFFSET,
        apply: (response) => {
          const delay = readDelayOffsetTable(response.body);
          return schedule.replaceAll(delay.offsets, delay.dataVersion);
        },
      },
      {
        table: 'subscriptionGroups',
        code: RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG,
        apply: (response) =>
          groups.replaceAll(readSubscriptionGroupTable(response.body, response.extFields.totalGroupNum)),
      },
    ];
  }

  get masterAddress(): string | undefined {
    return this.#masterAddress;
  }

  /**
   * The master's "ip:port" from the NameServer's REGISTER_BROKER answer (masterAddr), or undefined (or "") when
   * the master is gone; syncs stop until one is known again. A new address is synced at the next check.
   */
  setMasterAddress(address: string | undefined): void {
    const next = address === '' ? undefined : address;
    if (next === this.#masterAddress) return;
    this.#logger.info({ from: this.#masterAddress, to: next }, 'master address changed');
    this.#masterAddress = next;
    this.#due = next !== undefined;
    // Failures of the previous master say nothing about the new one: its first failure is logged.
    this.#failing = false;
  }

  status(): SlaveSyncStatus {
    return {
      masterAddress: this.#masterAddress,
      lastSyncTimestamp: this.#lastSyncTimestamp,
      lastSuccessTimestamp: this.#lastSuccessTimestamp,
      failures: { ...this.#failures },
    };
  }

  start(): void {
    if (this.#state !== 'CREATED') {
      throw new SkyrocketError('CLIENT_STATE', `the slave sync cannot start: it is ${this.#state}`);
    }
    this.#state = 'RUNNING';
    this.#timer = this.#clock.setInterval(() => this.#check(), this.#checkIntervalMs).unref();
  }

  /** Stops the timer and waits for a sync under way; nothing is applied after it returns. */
  async stop(): Promise<void> {
    if (this.#state === 'STOPPED') return;
    this.#state = 'STOPPED';
    if (this.#timer) this.#clock.clearTimer(this.#timer);
    await this.#sync;
  }

  /**
   * Fetches the four tables from the master and applies those that arrive intact (SlaveSynchronize.syncAll).
   * Never rejects: failures are logged and kept in status(). Without a master address, or once stopped, it does
   * nothing; callers during a sync share it.
   */
  syncAll(): Promise<void> {
    if (this.#sync) return this.#sync;
    const master = this.#masterAddress;
    if (master === undefined || this.#state === 'STOPPED') return Promise.resolve();
    const sync = this.#syncFrom(master)
      .catch((error: unknown) => this.#logger.error({ err: error, master }, 'slave sync failed unexpectedly'))
      .finally(() => {
        this.#sync = undefined;
      });
    this.#sync = sync;
    return sync;
  }

  #check(): void {
    if (this.#state !== 'RUNNING' || this.#masterAddress === undefined || this.#sync) return;
    const last = this.#lastSyncTimestamp;
    if (this.#due || last === undefined || this.#clock.now() - last >= this.#syncIntervalMs)
      void this.syncAll();
  }

  async #syncFrom(master: string): Promise<void> {
    this.#due = false;
    const outcomes = await Promise.all(this.#tables.map((table) => this.#syncTable(table, master)));
    const failures: Partial<Record<MasterTable, string>> = {};
    const changed: MasterTable[] = [];
    for (const outcome of outcomes) {
      if ('error' in outcome) failures[outcome.table] = outcome.error;
      else if (outcome.changed) changed.push(outcome.table);
    }
    const now = this.#clock.now();
    this.#lastSyncTimestamp = now;
    this.#failures = failures;
    if (changed.length > 0) this.#logger.info({ master, tables: changed }, 'metadata copied from the master');
    if (Object.keys(failures).length === 0) {
      this.#lastSuccessTimestamp = now;
      if (this.#failing) this.#logger.info({ master }, 'metadata sync with the master works again');
      this.#failing = false;
    } else if (!this.#failing) {
      this.#failing = true;
      this.#logger.warn(
        { master, failures },
        'metadata sync with the master failed; the failed tables are unchanged and retried at the next sync',
      );
    } else {
      this.#logger.debug({ master, failures }, 'metadata sync with the master still failing');
    }
  }

  async #syncTable(sync: TableSync, master: string): Promise<TableOutcome> {
    try {
      const response = await this.#client.invoke(master, createRequest(sync.code), this.#requestTimeoutMs);
      if (response.code !== ResponseCode.SUCCESS) {
        throw new SkyrocketError(
          'REMOTE_ERROR',
          `${requestCodeName(sync.code)} answered code ${response.code}: ${response.remark ?? ''}`,
          { code: response.code },
        );
      }
      return { table: sync.table, changed: sync.apply(response) };
    } catch (error) {
      return { table: sync.table, error: describeError(error) };
    }
  }
}
