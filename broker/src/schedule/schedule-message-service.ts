import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { SkyrocketError, type Clock, type Logger, type TimerHandle } from '@skyrocket/common';
import { decodeRecord, encodeProperties, MessageConst, type MessageRecord } from '@skyrocket/remoting';
import { readJson, writeJsonAtomic, type MessageStore, type MessageToStore } from '@skyrocket/store';
import { delayLevelToQueueId } from '../message/delay-level';
import type { DataVersion } from '../topic/topic-config-manager';
import { SCHEDULE_TOPIC, TRANS_HALF_TOPIC } from '../topic/topic-validator';

/** `<store>/config/delayOffset.json` (StorePathConfigHelper.getDelayOffsetStorePath). */
export const DELAY_OFFSET_FILE = path.join('config', 'delayOffset.json');

/** DelayOffsetSerializeWrapper: the file's content and the GET_ALL_DELAY_OFFSET body. Keys are delay levels. */
export interface DelayOffsetWrapper {
  offsetTable: Record<string, number>;
  dataVersion: DataVersion;
}

export interface ScheduleMessageServiceOptions {
  store: MessageStore;
  /** Milliseconds of each delay level, level 1 first (messageDelayLevel). */
  delayLevels: readonly number[];
  storeRoot: string;
  clock: Clock;
  logger: Logger;
  /** Messages one level re-puts per turn; when more are due the next turn follows at once. Default 32. */
  maxMessagesPerTurn?: number;
  /** How often a level with nothing stored looks again; never longer than the level's own delay. Default 1 s. */
  idlePollMs?: number;
  /** Wait before retrying a put that failed (store unavailable, disk full...). Default 1 s. */
  retryDelayMs?: number;
  /** How often changed progress is written (RocketMQ flushDelayOffsetInterval, there 10 s). Default 1 s. */
  persistIntervalMs?: number;
}

type Lifecycle = 'CREATED' | 'RUNNING' | 'STOPPED';

interface Level {
  level: number;
  queueId: number;
  delayMs: number;
  /** Queue offset of the next SCHEDULE_TOPIC_XXXX entry to deliver. */
  offset: number;
  timer: TimerHandle | undefined;
  turn: Promise<void> | undefined;
}

/**
 * Delivers delayed messages (RocketMQ ScheduleMessageService, PROTOCOL.md §4.6). Every delay level has its own
 * queue in SCHEDULE_TOPIC_XXXX (queue level − 1) and its own timer. A turn reads up to maxMessagesPerTurn entries
 * from the level's offset; an entry is due at its store time + the level's delay (computeDeliverTimestamp: all
 * entries of a level share the delay, so they fall due in queue order). Due entries are re-put to REAL_TOPIC /
 * REAL_QID (messageTimeUp); the first entry not yet due ends the turn and the timer is set for the moment it falls
 * due, so nothing polls while waiting. A level with nothing stored looks again every idlePollMs (at most its
 * delay, so a new entry is always seen before it falls due).
 *
 * Progress (level → next offset) advances only after the re-put succeeded and is written atomically to
 * `<store>/config/delayOffset.json` every persistIntervalMs and at stop, and read back at start. After a crash the
 * entries re-put since the last write are delivered again: delivery is at-least-once, never lost. Progress beyond
 * the queue (a store that lost its tail) or before its minimum (retention) is corrected the way
 * correctDelayOffset / executeOnTimeUp do.
 */
export class ScheduleMessageService {
  readonly #store: MessageStore;
  readonly #file: string;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #maxMessagesPerTurn: number;
  readonly #idlePollMs: number;
  readonly #retryDelayMs: number;
  readonly #persistIntervalMs: number;
  readonly #levels: Level[];
  /** Progress by level, as persisted: levels never touched are absent, as in RocketMQ's offsetTable. */
  readonly #offsetTable = new Map<number, number>();
  #dataVersion: DataVersion;
  #dirty = false;
  #state: Lifecycle = 'CREATED';
  #persistTimer: TimerHandle | undefined;

  constructor(options: ScheduleMessageServiceOptions) {
    this.#store = options.store;
    this.#file = path.join(options.storeRoot, DELAY_OFFSET_FILE);
    this.#clock = options.clock;
    this.#logger = options.logger.child({ module: 'schedule' });
    this.#maxMessagesPerTurn = Math.max(1, options.maxMessagesPerTurn ?? 32);
    this.#idlePollMs = Math.max(1, options.idlePollMs ?? 1000);
    this.#retryDelayMs = Math.max(1, options.retryDelayMs ?? 1000);
    this.#persistIntervalMs = Math.max(1, options.persistIntervalMs ?? 1000);
    this.#dataVersion = { stateVersion: 0, timestamp: options.clock.now(), counter: 0 };
    this.#levels = options.delayLevels.map((delayMs, index) => ({
      level: index + 1,
      queueId: delayLevelToQueueId(index + 1),
      delayMs,
      offset: 0,
      timer: undefined,
      turn: undefined,
    }));
  }

  /** Reads the persisted progress and starts one timer per level (the store must be started). */
  start(): void {
    if (this.#state !== 'CREATED') throw new Error(`the schedule service cannot start: it is ${this.#state}`);
    this.#load();
    this.#state = 'RUNNING';
    for (const level of this.#levels) this.#schedule(level, 0);
    this.#persistTimer = this.#clock.setInterval(() => this.persist(), this.#persistIntervalMs).unref();
  }

  /** Stops the timers, waits for turns under way (no put after the store shuts down) and writes the progress. */
  async stop(): Promise<void> {
    if (this.#state !== 'RUNNING') {
      this.#state = 'STOPPED';
      return;
    }
    this.#state = 'STOPPED';
    if (this.#persistTimer) this.#clock.clearTimer(this.#persistTimer);
    for (const level of this.#levels) if (level.timer) this.#clock.clearTimer(level.timer);
    await Promise.all(this.#levels.map((level) => level.turn));
    this.persist();
  }

  /** Writes the progress when it changed since the last write. */
  persist(): void {
    if (!this.#dirty) return;
    this.#dirty = false;
    this.#dataVersion = {
      stateVersion: this.#dataVersion.stateVersion,
      timestamp: this.#clock.now(),
      counter: this.#dataVersion.counter + 1,
    };
    try {
      writeJsonAtomic(this.#file, this.wrapper());
    } catch (error) {
      this.#dirty = true;
      this.#logger.error({ err: error, file: this.#file }, 'writing the delay offsets failed; retried later');
    }
  }

  /**
   * Takes the master's progress, as a slave does (SlaveSynchronize.syncDelayOffset writes the master's
   * delayOffset.json and reloads it): `offsets` (delay level → next schedule-queue offset) becomes the table, and
   * `dataVersion`, when given, the data version, as ScheduleMessageService.decode assigns it. A slave does not run
   * this service, but keeps the progress so GET_ALL_DELAY_OFFSET serves it and a restart as master resumes from it.
   * When that changes anything, the file is written first (a failed write leaves memory and file as they were),
   * then the table is swapped in. Returns whether anything changed. A running service's progress is its own: that
   * is CLIENT_STATE.
   */
  replaceAll(offsets: ReadonlyMap<number, number>, dataVersion?: DataVersion): boolean {
    if (this.#state === 'RUNNING') {
      throw new SkyrocketError('CLIENT_STATE', 'a running schedule service keeps its own delay offsets');
    }
    const next = new Map(offsets);
    if (isDeepStrictEqual(this.#offsetTable, next)) return false;
    const nextDataVersion = dataVersion ? { ...dataVersion } : this.#dataVersion;
    writeJsonAtomic(this.#file, delayOffsetWrapper(next, nextDataVersion));
    this.#offsetTable.clear();
    for (const [level, offset] of next) this.#offsetTable.set(level, offset);
    for (const level of this.#levels) level.offset = this.#offsetTable.get(level.level) ?? 0;
    this.#dataVersion = nextDataVersion;
    this.#dirty = false;
    return true;
  }

  /** GET_ALL_DELAY_OFFSET body and file content: {"offsetTable":{"<level>":offset},"dataVersion":{...}}. */
  wrapper(): DelayOffsetWrapper {
    return delayOffsetWrapper(this.#offsetTable, this.#dataVersion);
  }

  #load(): void {
    const stored = readJson(this.#file) as Partial<DelayOffsetWrapper> | undefined;
    for (const [key, value] of Object.entries(stored?.offsetTable ?? {})) {
      const level = Number(key);
      if (!Number.isSafeInteger(level) || level < 1 || !Number.isSafeInteger(value) || value < 0) {
        this.#logger.warn({ level: key, offset: value }, 'ignoring a malformed delay offset');
        continue;
      }
      this.#offsetTable.set(level, value);
    }
    if (stored?.dataVersion) this.#dataVersion = stored.dataVersion;
    for (const level of this.#levels) level.offset = this.#offsetTable.get(level.level) ?? 0;
  }

  #schedule(level: Level, delayMs: number): void {
    level.timer = this.#clock
      .setTimeout(() => {
        level.timer = undefined;
        level.turn = this.#turn(level).finally(() => (level.turn = undefined));
      }, delayMs)
      .unref();
  }

  async #turn(level: Level): Promise<void> {
    if (this.#state !== 'RUNNING') return;
    let next: number;
    try {
      next = await this.#deliverDue(level);
    } catch (error) {
      this.#logger.error({ err: error, level: level.level, offset: level.offset }, 'delay level turn failed');
      next = this.#retryDelayMs;
    }
    if (this.#state === 'RUNNING') this.#schedule(level, next);
  }

  /** One turn of a level (DeliverDelayedMessageTimerTask.executeOnTimeUp); returns the wait before the next. */
  async #deliverDue(level: Level): Promise<number> {
    const idle = Math.min(this.#idlePollMs, Math.max(1, level.delayMs));
    const result = await this.#store.getMessage(SCHEDULE_TOPIC, level.queueId, level.offset, {
      maxMessages: this.#maxMessagesPerTurn,
    });
    switch (result.status) {
      case 'FOUND':
        break;
      case 'OFFSET_TOO_SMALL':
      case 'OFFSET_OVERFLOW_BADLY':
        this.#logger.warn(
          { level: level.level, offset: level.offset, corrected: result.nextBeginOffset },
          'delay offset outside the schedule queue; corrected',
        );
        this.#advance(level, result.nextBeginOffset);
        return 0;
      case 'NO_MESSAGE_IN_QUEUE':
      case 'NO_MATCHED_LOGIC_QUEUE':
        if (level.offset > 0) {
          this.#logger.warn(
            { level: level.level, offset: level.offset },
            'schedule queue is empty; offset reset',
          );
          this.#advance(level, 0);
        }
        return idle;
      default:
        // OFFSET_OVERFLOW_ONE: nothing new. Entries whose records retention removed are stepped over.
        if (result.nextBeginOffset > level.offset) {
          this.#advance(level, result.nextBeginOffset);
          return 0;
        }
        return idle;
    }
    for (let i = 0; i < result.records.length; i++) {
      const queueOffset = result.queueOffsets[i] ?? level.offset;
      const record = this.#decode(result.records[i], level, queueOffset);
      if (record) {
        const now = this.#clock.now();
        const deliverAt = correctDeliverTimestamp(record.storeTimestamp + level.delayMs, now, level.delayMs);
        if (deliverAt > now) {
          this.#advance(level, queueOffset);
          return deliverAt - now;
        }
        if (!(await this.#deliver(record, level, queueOffset))) return this.#retryDelayMs;
      }
      this.#advance(level, queueOffset + 1);
      if (this.#state !== 'RUNNING') return 0;
    }
    return 0;
  }

  #decode(buffer: Buffer | undefined, level: Level, queueOffset: number): MessageRecord | undefined {
    if (!buffer) return undefined;
    try {
      return decodeRecord(buffer);
    } catch (error) {
      this.#logger.error(
        { err: error, level: level.level, queueOffset },
        'undecodable schedule record; skipped',
      );
      return undefined;
    }
  }

  /** Re-puts one due message; false when the put should be tried again later. */
  async #deliver(record: MessageRecord, level: Level, queueOffset: number): Promise<boolean> {
    const message = messageTimeUp(record);
    if ('refusal' in message) {
      this.#logger.error(
        { level: level.level, queueOffset, reason: message.refusal },
        'delayed message dropped',
      );
      return true;
    }
    const result = await this.#store.putMessage(message);
    // FLUSH_DISK_TIMEOUT and the like still stored the message (append is set); RocketMQ puts with WAIT=false
    // and never sees them. Putting again would duplicate it.
    if (result.append) return true;
    if (result.status === 'MESSAGE_ILLEGAL' || result.status === 'PROPERTIES_SIZE_EXCEEDED') {
      this.#logger.error(
        {
          level: level.level,
          queueOffset,
          topic: message.topic,
          status: result.status,
          remark: result.remark,
        },
        'delayed message refused by the store; dropped',
      );
      return true;
    }
    this.#logger.warn(
      { level: level.level, queueOffset, topic: message.topic, status: result.status, remark: result.remark },
      'delivering a delayed message failed; retried later',
    );
    return false;
  }

  #advance(level: Level, offset: number): void {
    if (this.#offsetTable.get(level.level) === offset) return;
    level.offset = offset;
    this.#offsetTable.set(level.level, offset);
    this.#dirty = true;
  }
}

function delayOffsetWrapper(
  table: ReadonlyMap<number, number>,
  dataVersion: DataVersion,
): DelayOffsetWrapper {
  const offsetTable: Record<string, number> = {};
  for (const [level, offset] of [...table].sort((a, b) => a[0] - b[0])) offsetTable[String(level)] = offset;
  return { offsetTable, dataVersion: { ...dataVersion } };
}

/**
 * correctDeliverTimestamp: a delivery time further away than one full delay means the clock went back; deliver
 * now rather than hold the level for that long.
 */
export function correctDeliverTimestamp(deliverAt: number, now: number, delayMs: number): number {
  return deliverAt > now + delayMs ? now : deliverAt;
}

/**
 * messageTimeUp: the stored scheduled message as it goes to its real topic and queue. Body, flag, sysFlag, born
 * time and host, reconsume times and properties are kept (UNIQ_KEY too, so clients see the same msgId); DELAY and
 * the 5.x timer properties are cleared, REAL_TOPIC / REAL_QID stay (RocketMQ keeps them for diagnosis). The tag
 * code is computed again from TAGS by the store. RocketMQ 5.3.3 encodes the properties before clearing them, so
 * its delivered records still carry DELAY (apache/rocketmq#11037); here they are encoded after.
 */
export function messageTimeUp(record: MessageRecord): MessageToStore | { refusal: string } {
  const properties = new Map(record.properties);
  const topic = properties.get(MessageConst.PROPERTY_REAL_TOPIC);
  const queueId = Number(properties.get(MessageConst.PROPERTY_REAL_QUEUE_ID));
  if (!topic) return { refusal: 'no REAL_TOPIC property' };
  if (!Number.isSafeInteger(queueId) || queueId < 0) return { refusal: 'no valid REAL_QID property' };
  // RocketMQ discards scheduled half messages: they can only come from a bug.
  if (topic === TRANS_HALF_TOPIC) return { refusal: `the real topic is ${TRANS_HALF_TOPIC}` };
  properties.delete(MessageConst.PROPERTY_DELAY_TIME_LEVEL);
  properties.delete(MessageConst.PROPERTY_TIMER_DELIVER_MS);
  properties.delete(MessageConst.PROPERTY_TIMER_DELAY_SEC);
  return {
    topic,
    queueId,
    flag: record.flag,
    body: record.body,
    properties: encodeProperties(properties),
    sysFlag: record.sysFlag,
    bornTimestamp: record.bornTimestamp,
    bornHost: record.bornHost,
    reconsumeTimes: record.reconsumeTimes,
    preparedTransactionOffset: 0,
  };
}
