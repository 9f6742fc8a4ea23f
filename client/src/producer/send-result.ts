import type { MessageQueue } from '../core/route';

/**
 * How the broker stored the message (Java SendStatus). Everything but SEND_OK still means "stored on the master":
 * FLUSH_DISK_TIMEOUT (a SYNC_FLUSH broker did not fsync in time), FLUSH_SLAVE_TIMEOUT (a SYNC_MASTER's slave did not
 * confirm in time), SLAVE_NOT_AVAILABLE (a SYNC_MASTER has no slave).
 */
export type SendStatus = 'SEND_OK' | 'FLUSH_DISK_TIMEOUT' | 'FLUSH_SLAVE_TIMEOUT' | 'SLAVE_NOT_AVAILABLE';

export interface SendResult {
  status: SendStatus;
  /** The message's UNIQ_KEY (client-generated id; what consumers see as msgId). */
  msgId: string;
  /** The broker's offset msgId (store host + commit-log offset), for VIEW_MESSAGE_BY_ID. */
  offsetMsgId: string;
  messageQueue: MessageQueue;
  /** The message's position in its queue. */
  queueOffset: number;
  /** Set for transactional messages (the UNIQ_KEY). */
  transactionId: string | undefined;
  /** MSG_REGION of the broker ("DefaultRegion"). */
  regionId: string;
  traceOn: boolean;
}

export interface BatchSendResult extends SendResult {
  /** Every message's UNIQ_KEY, in batch order (`msgId` is them comma-joined, as in Java). */
  msgIds: string[];
  /** Every message's offset msgId, in batch order. */
  offsetMsgIds: string[];
}
