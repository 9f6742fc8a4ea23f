/**
 * The half-topic / op-topic bookkeeping of transaction messages (RocketMQ TransactionalMessageServiceImpl and
 * TransactionalMessageBridge, 5.3.3), minus RocketMQ's threads:
 *
 * - a half message is resolved when an op record in RMQ_SYS_TRANS_OP_HALF_TOPIC names its half-queue offset;
 * - `check` walks RMQ_SYS_TRANS_HALF_TOPIC queue 0 from the check progress, skips resolved offsets, and for an
 *   unresolved one older than transactionTimeOut (or its CHECK_IMMUNITY_TIME_IN_SECONDS) puts a copy back at the
 *   end of the half queue with TRANSACTION_CHECK_TIMES + 1 and hands that copy to the listener, which asks a
 *   producer (CHECK_TRANSACTION_STATE); after transactionCheckMax checks it hands it over for discarding instead.
 *
 * Progress: like RocketMQ, the half-queue and op-queue positions are consumer offsets of the system group
 * CID_RMQ_SYS_TRANS (persisted with all consumer offsets). The op-queue position only moves over op records all
 * of whose half offsets the half-queue position has passed. What lies between is kept in memory and recomputed at
 * start by reading the op queue again from its persisted position.
 *
 * Work per call is bounded: at most maxHalfMessagesPerCheck half messages examined and maxOpMessagesPerCheck op
 * records read. Op records read stay in memory across calls, so a long op backlog is worked through over several
 * calls instead of stalling the scan (RocketMQ bounds a scan by time, 60 s per queue, instead).
 */
import type { Clock, Logger } from '@skyrocket/common';
import { decodeRecord, MessageConst, type MessageRecord, type HostAddress } from '@skyrocket/remoting';
import type { MessageStore } from '@skyrocket/store';
import { TRANS_HALF_TOPIC, TRANS_OP_HALF_TOPIC } from '../topic/topic-validator';
import {
  HALF_QUEUE_ID,
  parseJavaInt,
  parseJavaLong,
  renewHalfMessage,
  TRANSACTION_CONSUMER_GROUP,
} from './half-message';
import { opMessage, resolvedHalfOffsets } from './op-message';

/** Where the check progress is kept: ConsumerOffsetManager satisfies it. */
export interface CheckProgressStore {
  /** The committed offset, or -1 when none. */
  query(group: string, topic: string, queueId: number): number;
  commit(group: string, topic: string, queueId: number, offset: number): void;
}

/** What the check does with a half message (AbstractTransactionalMessageCheckListener). */
export interface TransactionCheckListener {
  /**
   * Ask a producer of the message's PGROUP for its state. `half` is the copy just put back into the half queue:
   * its queueOffset and commitLogOffset are the ones the producer must answer with; offsetMsgId is its msgId.
   */
  resolveHalfMessage(half: MessageRecord, offsetMsgId: string): void;
  /** Give up on a half message checked transactionCheckMax times or older than the file retention. */
  resolveDiscardMessage(half: MessageRecord): Promise<void>;
}

export interface CheckSummary {
  /** Half messages read (resolved offsets skipped without reading are not counted). */
  examined: number;
  /** Half messages skipped because an op record resolved them. */
  resolved: number;
  /** CHECK_TRANSACTION_STATE call-backs handed to the listener. */
  checked: number;
  discarded: number;
  /** Messages inside their CHECK_IMMUNITY_TIME_IN_SECONDS put back without a check. */
  renewed: number;
  /** Half-queue and op-queue progress after the call. */
  halfOffset: number;
  opOffset: number;
}

export interface TransactionalMessageServiceOptions {
  store: MessageStore;
  progress: CheckProgressStore;
  clock: Clock;
  logger: Logger;
  /** This broker's address: op records are born here. */
  storeHost: HostAddress;
  /** Half messages born longer ago than this are discarded unchecked (needSkip: fileReservedTime). */
  fileReservedTimeHours: number;
  maxHalfMessagesPerCheck?: number;
  maxOpMessagesPerCheck?: number;
}

/** OP_MSG_PULL_NUMS and a half-queue read of the same size. */
const READ_BATCH = 32;
/** MAX_RETRY_COUNT_WHEN_HALF_NULL: how often one call may follow a moved half-queue offset. */
const MAX_HALF_OFFSET_MOVES = 2;

/** Op records read but not yet committed as op-queue progress. */
interface OpState {
  /** The op-queue progress: every op record below it is done. */
  committed: number;
  /** Next op-queue offset to read. */
  readOffset: number;
  /** Half offset → the op record that resolves it. */
  resolved: Map<number, number>;
  /** Op offset → its half offsets the scan has not passed yet. */
  pending: Map<number, Set<number>>;
  /** Op offsets at or above `committed` whose half offsets have all been passed. */
  done: Set<number>;
}

type HalfRead =
  { kind: 'found'; record: MessageRecord } | { kind: 'moved'; nextOffset: number } | { kind: 'end' };

export class TransactionalMessageService {
  readonly #store: MessageStore;
  readonly #progress: CheckProgressStore;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #storeHost: HostAddress;
  readonly #fileReservedMs: number;
  readonly #maxHalf: number;
  readonly #maxOp: number;
  #op: OpState | undefined;

  constructor(options: TransactionalMessageServiceOptions) {
    this.#store = options.store;
    this.#progress = options.progress;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#storeHost = options.storeHost;
    this.#fileReservedMs = options.fileReservedTimeHours * 3_600_000;
    this.#maxHalf = options.maxHalfMessagesPerCheck ?? 2000;
    this.#maxOp = options.maxOpMessagesPerCheck ?? 20_000;
  }

  /**
   * getHalfMessageByOffset: the half message at a commit-log offset, or undefined when there is none there (or the
   * record there is not a half message, which RocketMQ would only notice through a missing PGROUP).
   */
  async lookupHalfMessage(commitLogOffset: number): Promise<MessageRecord | undefined> {
    const bytes = await this.#store.lookMessageByOffset(commitLogOffset);
    if (!bytes) return undefined;
    try {
      const record = decodeRecord(bytes);
      return record.topic === TRANS_HALF_TOPIC ? record : undefined;
    } catch {
      return undefined;
    }
  }

  /** deletePrepareMessage: writes the op record that marks a half message resolved. */
  async deletePrepareMessage(half: MessageRecord): Promise<boolean> {
    const result = await this.#store.putMessage(
      opMessage(half.queueId, half.queueOffset, this.#storeHost, this.#clock.now()),
    );
    if (result.status === 'PUT_OK') return true;
    this.#logger.error(
      { halfQueueOffset: half.queueOffset, status: result.status, remark: result.remark },
      'writing the transaction op record failed',
    );
    return false;
  }

  /** One scan of the half queue (TransactionalMessageServiceImpl.check). */
  async check(
    transactionTimeout: number,
    transactionCheckMax: number,
    listener: TransactionCheckListener,
  ): Promise<CheckSummary> {
    const startTime = this.#clock.now();
    const startOffset = this.#offset(TRANS_HALF_TOPIC);
    const op = (this.#op ??= this.#loadOpState());
    const summary: CheckSummary = {
      examined: 0,
      resolved: 0,
      checked: 0,
      discarded: 0,
      renewed: 0,
      halfOffset: startOffset,
      opOffset: op.committed,
    };
    let opBudget = this.#maxOp - (await this.#readOps(op, startOffset, this.#maxOp));
    const halves = new HalfQueueReader(this.#store);
    let offset = startOffset;
    let moves = 0;

    while (summary.examined < this.#maxHalf) {
      if (this.#pass(op, offset)) {
        summary.resolved++;
        offset++;
        continue;
      }
      const read = await halves.at(offset);
      if (read.kind === 'end') break;
      if (read.kind === 'moved') {
        if (++moves > MAX_HALF_OFFSET_MOVES) break;
        this.#logger.info({ from: offset, to: read.nextOffset }, 'half-queue offset moved');
        offset = read.nextOffset;
        this.#forgetBelow(op, offset);
        continue;
      }
      const half = read.record;
      summary.examined++;
      const now = this.#clock.now();
      if (needDiscard(half, transactionCheckMax) || now - half.bornTimestamp > this.#fileReservedMs) {
        await listener.resolveDiscardMessage(half);
        summary.discarded++;
        offset++;
        continue;
      }
      // Put back by this very scan (or stored since it began): later ones are newer still.
      if (half.storeTimestamp >= startTime) break;

      const age = now - half.bornTimestamp;
      const immunityText = half.properties.get(MessageConst.PROPERTY_CHECK_IMMUNITY_TIME_IN_SECONDS);
      let immunity = transactionTimeout;
      if (immunityText !== undefined) {
        immunity = scanImmunityTime(immunityText, transactionTimeout);
        if (age <= immunity) {
          const outcome = await this.#checkPrepareQueueOffset(op, half);
          if (outcome !== 'due') {
            summary[outcome]++;
            offset++;
            continue;
          }
        }
      } else if (age >= 0 && age <= immunity) {
        // Not due yet; neither are the ones born after it.
        break;
      }

      // Due, unless an op record not read yet resolves it.
      if (op.readOffset < this.#store.getMaxOffsetInQueue(TRANS_OP_HALF_TOPIC, HALF_QUEUE_ID)) {
        opBudget -= await this.#readOps(op, offset, opBudget);
        if (op.resolved.has(offset)) continue;
        if (op.readOffset < this.#store.getMaxOffsetInQueue(TRANS_OP_HALF_TOPIC, HALF_QUEUE_ID)) break;
      }
      if (!(age > immunity || age < 0)) break;

      const put = await this.#store.putMessage(renewHalfMessage(half));
      const offsetMsgId = put.append?.msgIds[0];
      if (put.status !== 'PUT_OK' || !put.append || offsetMsgId === undefined) {
        this.#logger.error(
          { halfQueueOffset: offset, status: put.status, remark: put.remark },
          'putting a half message back before its check failed; retrying on the next scan',
        );
        break;
      }
      this.#logger.info(
        {
          realTopic: half.properties.get(MessageConst.PROPERTY_REAL_TOPIC),
          uniqKey: half.properties.get(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX),
          halfQueueOffset: offset,
          newQueueOffset: put.append.queueOffset,
          checkTimes: half.properties.get(MessageConst.PROPERTY_TRANSACTION_CHECK_TIMES),
        },
        'checking transaction state',
      );
      half.queueOffset = put.append.queueOffset;
      half.commitLogOffset = put.append.wroteOffset;
      listener.resolveHalfMessage(half, offsetMsgId);
      summary.checked++;
      offset++;
    }

    if (offset !== startOffset) {
      this.#progress.commit(TRANSACTION_CONSUMER_GROUP, TRANS_HALF_TOPIC, HALF_QUEUE_ID, offset);
    }
    const opBefore = op.committed;
    while (op.done.delete(op.committed)) op.committed++;
    if (op.committed !== opBefore) {
      this.#progress.commit(TRANSACTION_CONSUMER_GROUP, TRANS_OP_HALF_TOPIC, HALF_QUEUE_ID, op.committed);
    }
    summary.halfOffset = offset;
    summary.opOffset = op.committed;
    return summary;
  }

  /** Forgets what was read from the op queue; the next check reads it again from the persisted progress. */
  reset(): void {
    this.#op = undefined;
  }

  /** fetchConsumeOffset: the committed offset of CID_RMQ_SYS_TRANS, else the queue's min offset. */
  #offset(topic: string): number {
    const committed = this.#progress.query(TRANSACTION_CONSUMER_GROUP, topic, HALF_QUEUE_ID);
    return committed >= 0 ? committed : this.#store.getMinOffsetInQueue(topic, HALF_QUEUE_ID);
  }

  #loadOpState(): OpState {
    const committed = this.#offset(TRANS_OP_HALF_TOPIC);
    return { committed, readOffset: committed, resolved: new Map(), pending: new Map(), done: new Set() };
  }

  /**
   * fillOpRemoveMap: reads up to `budget` op records from where the last read stopped. Half offsets below
   * `minHalfOffset` were passed already, so they resolve nothing. Returns how many records were read.
   */
  async #readOps(op: OpState, minHalfOffset: number, budget: number): Promise<number> {
    let read = 0;
    while (read < budget) {
      const result = await this.#store.getMessage(TRANS_OP_HALF_TOPIC, HALF_QUEUE_ID, op.readOffset, {
        maxMessages: Math.min(READ_BATCH, budget - read),
      });
      if (result.status !== 'FOUND') {
        if (result.nextBeginOffset !== op.readOffset) {
          // Retention removed op records (or the store lost them): start over from what is there.
          this.#logger.warn(
            { from: op.readOffset, to: result.nextBeginOffset, status: result.status },
            'op-queue offset moved; reading op records from there',
          );
          op.committed = result.nextBeginOffset;
          op.readOffset = result.nextBeginOffset;
          op.resolved.clear();
          op.pending.clear();
          op.done.clear();
        }
        return read;
      }
      result.records.forEach((bytes, index) => {
        const opOffset = result.queueOffsets[index] ?? op.readOffset + index;
        const halfOffsets = new Set<number>();
        try {
          for (const halfOffset of resolvedHalfOffsets(decodeRecord(bytes))) {
            if (halfOffset < minHalfOffset) continue;
            op.resolved.set(halfOffset, opOffset);
            halfOffsets.add(halfOffset);
          }
        } catch (error) {
          this.#logger.error({ err: error, opOffset }, 'unreadable transaction op record; skipped');
        }
        if (halfOffsets.size > 0) op.pending.set(opOffset, halfOffsets);
        else op.done.add(opOffset);
      });
      read += result.records.length;
      op.readOffset = result.nextBeginOffset;
      if (result.records.length === 0) return read;
    }
    return read;
  }

  /** True (and the op record's share marked done) when an op record resolves `halfOffset`. */
  #pass(op: OpState, halfOffset: number): boolean {
    const opOffset = op.resolved.get(halfOffset);
    if (opOffset === undefined) return false;
    op.resolved.delete(halfOffset);
    const halves = op.pending.get(opOffset);
    halves?.delete(halfOffset);
    if (!halves || halves.size === 0) {
      op.pending.delete(opOffset);
      op.done.add(opOffset);
    }
    return true;
  }

  /** After the half-queue offset jumped: what op records said about skipped offsets no longer matters. */
  #forgetBelow(op: OpState, halfOffset: number): void {
    for (const resolved of [...op.resolved.keys()]) if (resolved < halfOffset) this.#pass(op, resolved);
  }

  /**
   * checkPrepareQueueOffset, for a message still inside its CHECK_IMMUNITY_TIME_IN_SECONDS: 'resolved' when an op
   * record resolves its first copy (TRAN_PREPARED_QUEUE_OFFSET), 'renewed' when a copy carrying that offset was
   * put back to be looked at on a later scan, 'due' when neither (an unparsable offset, or the put failed).
   */
  async #checkPrepareQueueOffset(op: OpState, half: MessageRecord): Promise<'resolved' | 'renewed' | 'due'> {
    const text = half.properties.get(MessageConst.PROPERTY_TRANSACTION_PREPARED_QUEUE_OFFSET);
    if (text !== undefined) {
      const preparedOffset = parseJavaLong(text) ?? -1;
      if (preparedOffset === -1) return 'due';
      if (this.#pass(op, preparedOffset)) return 'resolved';
    }
    if (text === undefined) {
      half.properties.set(MessageConst.PROPERTY_TRANSACTION_PREPARED_QUEUE_OFFSET, String(half.queueOffset));
    }
    const put = await this.#store.putMessage(renewHalfMessage(half));
    if (put.status === 'PUT_OK') return 'renewed';
    this.#logger.error(
      { halfQueueOffset: half.queueOffset, status: put.status },
      'putting an immune half message back failed',
    );
    return 'due';
  }
}

/**
 * needDiscard: counts this check in TRANSACTION_CHECK_TIMES (1 on the first) and says whether the message has
 * already been checked transactionCheckMax times. An unparsable count reads as -1, as Java's getInt makes it.
 */
export function needDiscard(half: MessageRecord, transactionCheckMax: number): boolean {
  const text = half.properties.get(MessageConst.PROPERTY_TRANSACTION_CHECK_TIMES);
  let checkTimes = 1;
  if (text !== undefined) {
    const times = parseJavaInt(text) ?? -1;
    if (times >= transactionCheckMax) return true;
    checkTimes = times + 1;
  }
  half.properties.set(MessageConst.PROPERTY_TRANSACTION_CHECK_TIMES, String(checkTimes));
  return false;
}

/** The check's getImmunityTime: CHECK_IMMUNITY_TIME_IN_SECONDS in ms; unparsable (-1) means transactionTimeout. */
export function scanImmunityTime(text: string, transactionTimeout: number): number {
  const seconds = parseJavaLong(text) ?? -1;
  return seconds === -1 ? transactionTimeout : seconds * 1000;
}

/**
 * TransactionalMessageUtil.getImmunityTime, used by END_TRANSACTION: CHECK_IMMUNITY_TIME_IN_SECONDS in ms, never
 * less than transactionTimeout.
 */
export function endImmunityTime(text: string, transactionTimeout: number): number {
  const ms = (parseJavaLong(text) ?? 0) * 1000;
  return Math.max(ms, transactionTimeout);
}

/** Reads the half queue in batches, one offset at a time. */
class HalfQueueReader {
  readonly #store: MessageStore;
  readonly #batch = new Map<number, Buffer>();

  constructor(store: MessageStore) {
    this.#store = store;
  }

  async at(offset: number): Promise<HalfRead> {
    let bytes = this.#batch.get(offset);
    if (!bytes) {
      this.#batch.clear();
      const result = await this.#store.getMessage(TRANS_HALF_TOPIC, HALF_QUEUE_ID, offset, {
        maxMessages: READ_BATCH,
      });
      if (result.status !== 'FOUND') {
        return result.nextBeginOffset !== offset
          ? { kind: 'moved', nextOffset: result.nextBeginOffset }
          : { kind: 'end' };
      }
      result.records.forEach((record, index) => {
        const queueOffset = result.queueOffsets[index];
        if (queueOffset !== undefined) this.#batch.set(queueOffset, record);
      });
      bytes = this.#batch.get(offset);
      if (!bytes) return { kind: 'moved', nextOffset: result.queueOffsets[0] ?? offset + 1 };
    }
    try {
      return { kind: 'found', record: decodeRecord(bytes) };
    } catch {
      return { kind: 'moved', nextOffset: offset + 1 };
    }
  }
}
