import {
  createResponse,
  decodeHeader,
  EndTransactionRequestHeader,
  MessageConst,
  MessageSysFlag,
  ResponseCode,
  type MessageRecord,
  type RemotingCommand,
  type RequestProcessor,
} from '@skyrocket/remoting';
import type { PutMessageStatus } from '@skyrocket/store';
import { toCommittedMessage } from '../transaction/half-message';
import {
  endImmunityTime,
  type TransactionalMessageService,
} from '../transaction/transactional-message-service';
import type { BrokerContext } from './processor';

/**
 * END_TRANSACTION (37), usually oneway: header producerGroup, tranStateTableOffset (the half message's queue
 * offset), commitLogOffset (its commit-log offset), commitOrRollback (TRANSACTION_COMMIT_TYPE 8, ROLLBACK 12,
 * NOT_TYPE 0 = unknown), fromTransactionCheck (true when answering CHECK_TRANSACTION_STATE), msgId (UNIQ_KEY),
 * transactionId, topic?; remark = the producer's local error, if any.
 *
 * As RocketMQ's EndTransactionProcessor: unknown (or any other value) gets no answer and changes nothing. Commit
 * and rollback find the half message by commit-log offset and check its producer group and both offsets; a commit
 * then stores the message in its real topic and queue (transaction type COMMIT, TRAN_MSG, REAL_TOPIC and REAL_QID
 * removed) and, once stored, writes the op record; a rollback writes only the op record. A producer that ends a
 * transaction with CHECK_IMMUNITY_TIME_IN_SECONDS after that time, other than from a check, gets ILLEGAL_OPERATION.
 */
export function endTransactionProcessor(
  context: BrokerContext,
  transactions: TransactionalMessageService,
): RequestProcessor {
  const logger = context.logger.child({ module: 'transaction' });
  return async (request, connection) => {
    const header = decodeHeader(EndTransactionRequestHeader, request.extFields);
    if (context.config.brokerRole === 'SLAVE') {
      return createResponse(request, ResponseCode.SLAVE_NOT_AVAILABLE, {
        remark: 'the broker is a slave; end transaction is forbidden',
      });
    }
    const decision = header.commitOrRollback;
    const details = {
      peer: connection.remoteAddress,
      producerGroup: header.producerGroup,
      msgId: header.msgId,
      commitLogOffset: header.commitLogOffset,
      fromTransactionCheck: header.fromTransactionCheck,
      remark: request.remark,
    };
    if (decision === MessageSysFlag.TRANSACTION_NOT_TYPE) {
      logger.warn(details, 'the producer does not know the transaction state yet');
      return undefined;
    }
    if (
      decision !== MessageSysFlag.TRANSACTION_COMMIT_TYPE &&
      decision !== MessageSysFlag.TRANSACTION_ROLLBACK_TYPE
    ) {
      return undefined;
    }
    if (decision === MessageSysFlag.TRANSACTION_ROLLBACK_TYPE || header.fromTransactionCheck) {
      logger.warn(
        details,
        decision === MessageSysFlag.TRANSACTION_COMMIT_TYPE
          ? 'the producer commits the transaction'
          : 'the producer rolls the transaction back',
      );
    }

    const half = await transactions.lookupHalfMessage(header.commitLogOffset);
    if (!half) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, {
        remark: 'Find prepared transaction message failed',
      });
    }
    if (immunityPassed(context, header, half)) {
      logger.warn(
        details,
        'end transaction after CHECK_IMMUNITY_TIME_IN_SECONDS refused; waiting for the check',
      );
      return createResponse(request, ResponseCode.ILLEGAL_OPERATION, {
        remark: 'the transaction ended after its CHECK_IMMUNITY_TIME_IN_SECONDS; it will be checked instead',
      });
    }
    const mismatch = checkPrepareMessage(half, header);
    if (mismatch) return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: mismatch });

    if (decision === MessageSysFlag.TRANSACTION_ROLLBACK_TYPE) {
      await transactions.deletePrepareMessage(half);
      return createResponse(request, ResponseCode.SUCCESS);
    }
    const committed = toCommittedMessage(half);
    if (!committed) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, {
        remark: 'the prepared message has no REAL_TOPIC / REAL_QID',
      });
    }
    const result = await context.store.putMessage(committed);
    const response = finalMessageResponse(request, result.status, context.config.maxMessageSize);
    if (response.code === ResponseCode.SUCCESS) await transactions.deletePrepareMessage(half);
    return response;
  };
}

/** rejectCommitOrRollback. */
function immunityPassed(
  context: BrokerContext,
  header: EndTransactionRequestHeader,
  half: MessageRecord,
): boolean {
  if (header.fromTransactionCheck) return false;
  const text = half.properties.get(MessageConst.PROPERTY_CHECK_IMMUNITY_TIME_IN_SECONDS);
  if (!text) return false;
  const age = context.clock.now() - half.bornTimestamp;
  return age > endImmunityTime(text, context.config.transactionTimeOut);
}

/** checkPrepareMessage: the remark of the first mismatch, or undefined. */
function checkPrepareMessage(half: MessageRecord, header: EndTransactionRequestHeader): string | undefined {
  if (half.properties.get(MessageConst.PROPERTY_PRODUCER_GROUP) !== header.producerGroup) {
    return 'The producer group wrong';
  }
  if (half.queueOffset !== header.tranStateTableOffset) return 'The transaction state table offset wrong';
  if (half.commitLogOffset !== header.commitLogOffset) return 'The commit log offset wrong';
  return undefined;
}

/** sendFinalMessage: the put status of the committed message → response. */
function finalMessageResponse(
  request: RemotingCommand,
  status: PutMessageStatus,
  maxMessageSize: number,
): RemotingCommand {
  switch (status) {
    case 'PUT_OK':
    case 'FLUSH_DISK_TIMEOUT':
    case 'FLUSH_SLAVE_TIMEOUT':
    case 'SLAVE_NOT_AVAILABLE':
      return createResponse(request, ResponseCode.SUCCESS);
    case 'CREATE_MAPPED_FILE_FAILED':
      return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: 'Create mapped file failed.' });
    case 'MESSAGE_ILLEGAL':
    case 'PROPERTIES_SIZE_EXCEEDED':
      return createResponse(request, ResponseCode.MESSAGE_ILLEGAL, {
        remark: `The message is illegal, maybe msg body or properties length not matched. msg body length limit ${maxMessageSize}B, msg properties length limit 32KB.`,
      });
    case 'SERVICE_NOT_AVAILABLE':
      return createResponse(request, ResponseCode.SERVICE_NOT_AVAILABLE, {
        remark: 'Service not available now.',
      });
    case 'OS_PAGE_CACHE_BUSY':
      return createResponse(request, ResponseCode.SYSTEM_ERROR, {
        remark: 'OS page cache busy, please try another machine',
      });
    default:
      return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: 'UNKNOWN_ERROR' });
  }
}
