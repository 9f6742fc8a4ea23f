/**
 * Transaction headers (PROTOCOL.md §2.8; `header/EndTransactionRequestHeader.java`,
 * `CheckTransactionStateRequestHeader.java`).
 *
 * END_TRANSACTION (37, producer → broker, oneway): topic?, producerGroup, tranStateTableOffset (the half message's
 *   queue offset), commitLogOffset (its commit-log offset, from the offset msgId), commitOrRollback
 *   (MessageSysFlag TRANSACTION_COMMIT_TYPE 8, TRANSACTION_ROLLBACK_TYPE 12, TRANSACTION_NOT_TYPE 0 = unknown),
 *   fromTransactionCheck (default false: true when answering CHECK_TRANSACTION_STATE), msgId (the UNIQ_KEY),
 *   transactionId?. The remark may carry the producer's local error.
 * CHECK_TRANSACTION_STATE (39, broker → producer, oneway): topic?, tranStateTableOffset, commitLogOffset, msgId?,
 *   transactionId?, offsetMsgId?. The body is the half message record.
 */
import { z } from 'zod';

import { bool, int32, int64, str } from './fields';

export const EndTransactionRequestHeader = z.object({
  topic: str().optional(),
  producerGroup: str(),
  tranStateTableOffset: int64(),
  commitLogOffset: int64(),
  commitOrRollback: int32(),
  fromTransactionCheck: bool().default(false),
  msgId: str(),
  transactionId: str().optional(),
});
export type EndTransactionRequestHeader = z.infer<typeof EndTransactionRequestHeader>;

export const CheckTransactionStateRequestHeader = z.object({
  topic: str().optional(),
  tranStateTableOffset: int64(),
  commitLogOffset: int64(),
  msgId: str().optional(),
  transactionId: str().optional(),
  offsetMsgId: str().optional(),
});
export type CheckTransactionStateRequestHeader = z.infer<typeof CheckTransactionStateRequestHeader>;
