/**
 * TransactionProducer: half messages, a local transaction, and the broker's check-back
 * (Java TransactionMQProducer / DefaultMQProducerImpl.sendMessageInTransaction, checkTransactionState).
 *
 * 1. `sendMessageInTransaction(message, arg)` sends the message as a half message (TRAN_MSG=true, PGROUP=group,
 *    sysFlag TRANSACTION_PREPARED_TYPE): consumers do not see it yet.
 * 2. `executeLocalTransaction(message, arg)` runs; it returns COMMIT, ROLLBACK or UNKNOWN (a throw counts as UNKNOWN).
 * 3. END_TRANSACTION (oneway) tells the broker; COMMIT makes the message visible, ROLLBACK drops it.
 * 4. For a half message left UNKNOWN (or whose END_TRANSACTION was lost), the broker later sends
 *    CHECK_TRANSACTION_STATE to a live member of the group; `checkLocalTransaction(message)` answers, again through
 *    END_TRANSACTION (fromTransactionCheck = true).
 */
import {
  CheckTransactionStateRequestHeader,
  createRequest,
  decodeHeader,
  decodeOffsetMessageId,
  decodeRecord,
  encodeHeader,
  MessageConst,
  MessageSysFlag,
  RequestCode,
  type Connection,
  type RemotingCommand,
} from '@skyrocket/remoting';
import type { ClientInstance } from '../core/client-instance';
import { ClientError, toClientError } from '../errors';
import { decompressBody } from './compression';
import type { Message } from './message';
import { Producer, type ProducerOptions } from './producer';
import type { SendResult } from './send-result';

export type LocalTransactionState = 'COMMIT' | 'ROLLBACK' | 'UNKNOWN';

/** A message as the broker hands it back for a transaction check. */
export interface TransactionMessage {
  topic: string;
  body: Buffer;
  tags: string | undefined;
  keys: string[];
  /** Every property (system ones included). */
  properties: Record<string, string>;
  /** The UNIQ_KEY. */
  msgId: string;
  transactionId: string;
  offsetMsgId: string | undefined;
  queueId: number;
  bornTimestamp: number;
}

export interface TransactionListener<A = unknown> {
  executeLocalTransaction(
    message: Message,
    arg: A,
    result: SendResult,
  ): Promise<LocalTransactionState> | LocalTransactionState;
  checkLocalTransaction(message: TransactionMessage): Promise<LocalTransactionState> | LocalTransactionState;
}

export interface TransactionProducerOptions<A = unknown> extends ProducerOptions {
  transactionListener: TransactionListener<A>;
}

export interface TransactionSendResult extends SendResult {
  localTransactionState: LocalTransactionState;
}

const DECISION: Record<LocalTransactionState, number> = {
  COMMIT: MessageSysFlag.TRANSACTION_COMMIT_TYPE,
  ROLLBACK: MessageSysFlag.TRANSACTION_ROLLBACK_TYPE,
  UNKNOWN: MessageSysFlag.TRANSACTION_NOT_TYPE,
};

export class TransactionProducer<A = unknown> extends Producer {
  readonly #listener: TransactionListener<A>;
  #removeHandler: (() => void) | undefined;

  constructor(options: TransactionProducerOptions<A>) {
    const { transactionListener, ...rest } = options;
    super(rest);
    if (
      !transactionListener ||
      typeof transactionListener.executeLocalTransaction !== 'function' ||
      typeof transactionListener.checkLocalTransaction !== 'function'
    ) {
      throw new ClientError(
        'INVALID_CONFIG',
        'transactionListener with executeLocalTransaction and checkLocalTransaction is required',
      );
    }
    this.#listener = transactionListener;
  }

  protected override onStarted(instance: ClientInstance): void {
    this.#removeHandler = instance.onRequest(RequestCode.CHECK_TRANSACTION_STATE, (request, connection) =>
      this.#onCheck(instance, request, connection),
    );
  }

  protected override beforeShutdown(): void {
    this.#removeHandler?.();
    this.#removeHandler = undefined;
  }

  /** Sends a half message, runs the local transaction, and commits or rolls back. */
  async sendMessageInTransaction(message: Message, arg?: A): Promise<TransactionSendResult> {
    this.assertRunning('send a transactional message');
    // Java clears the delay level of a transactional message.
    const withoutDelay: Message = { ...message, delayTimeLevel: 0 };
    const outgoing = this.prepareOutgoing(
      withoutDelay,
      {
        [MessageConst.PROPERTY_TRANSACTION_PREPARED]: 'true',
        [MessageConst.PROPERTY_PRODUCER_GROUP]: this.group,
      },
      MessageSysFlag.TRANSACTION_PREPARED_TYPE,
    );
    const result = (await this.sendOutgoing(outgoing, 'sync', {})) as SendResult;
    let state: LocalTransactionState = 'ROLLBACK';
    let localError: unknown;
    if (result.status === 'SEND_OK') {
      try {
        state = await this.#listener.executeLocalTransaction(message, arg as A, result);
        if (!(state in DECISION)) {
          localError = new Error(`executeLocalTransaction returned ${String(state)}`);
          state = 'UNKNOWN';
        }
      } catch (error) {
        localError = error;
        state = 'UNKNOWN';
        this.clientInstance.logger.warn(
          { err: error, msgId: result.msgId },
          'local transaction threw; state UNKNOWN',
        );
      }
    }
    await this.#endTransaction(result, state, localError);
    return { ...result, localTransactionState: state };
  }

  async #endTransaction(
    result: SendResult,
    state: LocalTransactionState,
    localError: unknown,
  ): Promise<void> {
    const instance = this.clientInstance;
    const address = (
      await instance.findBrokerAddressOrRefresh(result.messageQueue.topic, result.messageQueue.brokerName)
    ).address;
    const { commitLogOffset } = decodeOffsetMessageId(result.offsetMsgId);
    const request = createRequest(RequestCode.END_TRANSACTION, {
      extFields: encodeHeader({
        topic: result.messageQueue.topic,
        producerGroup: this.group,
        tranStateTableOffset: result.queueOffset,
        commitLogOffset,
        commitOrRollback: DECISION[state],
        fromTransactionCheck: false,
        msgId: result.msgId,
        transactionId: result.transactionId ?? result.msgId,
        bname: result.messageQueue.brokerName,
      }),
      remark:
        localError === undefined ? undefined : `executeLocalTransaction exception: ${String(localError)}`,
    });
    try {
      await instance.invokeOneway(address, request);
    } catch (error) {
      // The broker will check back; the transaction is not lost.
      instance.logger.warn({ err: toClientError(error), msgId: result.msgId }, 'END_TRANSACTION not sent');
    }
  }

  async #onCheck(
    instance: ClientInstance,
    request: RemotingCommand,
    connection: Connection,
  ): Promise<undefined> {
    let header: CheckTransactionStateRequestHeader;
    let message: TransactionMessage;
    try {
      header = decodeHeader(CheckTransactionStateRequestHeader, request.extFields);
      message = toTransactionMessage(request, header);
    } catch (error) {
      instance.logger.warn({ err: error }, 'bad CHECK_TRANSACTION_STATE request');
      return undefined;
    }
    if (message.properties[MessageConst.PROPERTY_PRODUCER_GROUP] !== this.group) return undefined;
    let state: LocalTransactionState;
    let localError: unknown;
    try {
      state = await this.#listener.checkLocalTransaction(message);
      if (!(state in DECISION)) state = 'UNKNOWN';
    } catch (error) {
      localError = error;
      state = 'UNKNOWN';
      instance.logger.warn(
        { err: error, msgId: message.msgId },
        'checkLocalTransaction threw; state UNKNOWN',
      );
    }
    const end = createRequest(RequestCode.END_TRANSACTION, {
      extFields: encodeHeader({
        topic: message.topic,
        producerGroup: this.group,
        tranStateTableOffset: header.tranStateTableOffset,
        commitLogOffset: header.commitLogOffset,
        commitOrRollback: DECISION[state],
        fromTransactionCheck: true,
        msgId: message.msgId,
        transactionId: header.transactionId ?? message.transactionId,
      }),
      remark: localError === undefined ? undefined : `checkLocalTransaction exception: ${String(localError)}`,
    });
    try {
      connection.invokeOneway(end);
    } catch (error) {
      instance.logger.warn({ err: error }, 'END_TRANSACTION for a check not sent');
    }
    return undefined;
  }
}

function toTransactionMessage(
  request: RemotingCommand,
  header: CheckTransactionStateRequestHeader,
): TransactionMessage {
  if (!request.body || request.body.length === 0)
    throw new Error('CHECK_TRANSACTION_STATE without a message body');
  const record = decodeRecord(request.body);
  const properties = Object.fromEntries(record.properties);
  const uniqKey = properties[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX];
  const topic = properties[MessageConst.PROPERTY_REAL_TOPIC] ?? header.topic ?? record.topic;
  const body = decompressBody(Buffer.from(record.body), record.sysFlag).body;
  return {
    topic: record.topic.startsWith('RMQ_SYS_') ? topic : record.topic,
    body,
    tags: properties[MessageConst.PROPERTY_TAGS],
    keys: (properties[MessageConst.PROPERTY_KEYS] ?? '').split(MessageConst.KEY_SEPARATOR).filter(Boolean),
    properties,
    msgId: uniqKey ?? header.msgId ?? '',
    transactionId: header.transactionId ?? uniqKey ?? '',
    offsetMsgId: header.offsetMsgId,
    queueId: record.queueId,
    bornTimestamp: record.bornTimestamp,
  };
}
