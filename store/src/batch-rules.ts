import { getTransactionValue, MessageSysFlag } from '@skyrocket/remoting/message';
import type { MessageToStore } from './message-store';

/** Why a batch cannot be stored (CommitLog.asyncPutMessages), or undefined. */
export function checkBatch(messages: MessageToStore[]): string | undefined {
  const [first] = messages;
  if (!first) return 'a batch needs at least one message';
  if (messages.length === 1) return undefined;
  for (const message of messages) {
    if (message.topic !== first.topic || message.queueId !== first.queueId) {
      return 'every message of a batch must have the same topic and queue';
    }
    if (getTransactionValue(message.sysFlag) !== MessageSysFlag.TRANSACTION_NOT_TYPE) {
      return 'a batch cannot hold transaction messages';
    }
  }
  return undefined;
}
