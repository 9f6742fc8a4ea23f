import { decodeProperties, MessageConst } from '@skyrocket/remoting/message';
import type {
  GetMessageOptions,
  GetMessageResult,
  MessageArrival,
  MessageStore,
  MessageToStore,
  PutMessageResult,
  StoreStats,
} from '@skyrocket/store';
import type { ReplicationStatus } from './ha-server';

export interface SlaveReplication {
  waitForSlave(endOffset: number, timeoutMs: number): Promise<ReplicationStatus>;
}

/** WAIT=false: the producer does not wait for the flush or the slave (MessageConst.PROPERTY_WAIT_STORE_MSG_OK). */
function waitsForStore(message: MessageToStore): boolean {
  return decodeProperties(message.properties).get(MessageConst.PROPERTY_WAIT_STORE_MSG_OK) !== 'false';
}

/**
 * A SYNC_MASTER's store: every put (sends, retries, re-put delayed and transaction messages alike) also waits until a
 * slave holds its bytes, as CommitLog.handleHA does for every put in RocketMQ. A put whose message says WAIT=false
 * does not wait. When the wait fails the status says how (FLUSH_SLAVE_TIMEOUT, SLAVE_NOT_AVAILABLE) and the append
 * stays: the message is stored, only the replication goal was missed. Everything else goes straight to the store.
 */
export class SyncMasterStore implements MessageStore {
  readonly #store: MessageStore;
  readonly #replication: SlaveReplication;
  readonly #timeoutMs: number;

  constructor(store: MessageStore, replication: SlaveReplication, timeoutMs: number) {
    this.#store = store;
    this.#replication = replication;
    this.#timeoutMs = timeoutMs;
  }

  putMessage(message: MessageToStore): Promise<PutMessageResult> {
    return this.#store.putMessage(message).then((result) => this.#replicated(result, [message]));
  }

  putMessages(messages: MessageToStore[]): Promise<PutMessageResult> {
    return this.#store.putMessages(messages).then((result) => this.#replicated(result, messages));
  }

  async #replicated(result: PutMessageResult, messages: MessageToStore[]): Promise<PutMessageResult> {
    const append = result.append;
    if (append === undefined || !messages.some(waitsForStore)) return result;
    const status = await this.#replication.waitForSlave(
      append.wroteOffset + append.wroteBytes,
      this.#timeoutMs,
    );
    if (status === 'PUT_OK') return result;
    return {
      status,
      append,
      remark:
        status === 'SLAVE_NOT_AVAILABLE'
          ? 'the message is stored, but no slave is in sync'
          : `the message is stored, but no slave acknowledged it within ${this.#timeoutMs} ms`,
    };
  }

  start(): Promise<void> {
    return this.#store.start();
  }

  shutdown(): Promise<void> {
    return this.#store.shutdown();
  }

  getMessage(
    topic: string,
    queueId: number,
    offset: number,
    options: GetMessageOptions,
  ): Promise<GetMessageResult> {
    return this.#store.getMessage(topic, queueId, offset, options);
  }

  getMaxOffsetInQueue(topic: string, queueId: number): number {
    return this.#store.getMaxOffsetInQueue(topic, queueId);
  }

  getMinOffsetInQueue(topic: string, queueId: number): number {
    return this.#store.getMinOffsetInQueue(topic, queueId);
  }

  getOffsetInQueueByTime(topic: string, queueId: number, timestamp: number): Promise<number> {
    return this.#store.getOffsetInQueueByTime(topic, queueId, timestamp);
  }

  getEarliestMessageTime(topic: string, queueId: number): Promise<number> {
    return this.#store.getEarliestMessageTime(topic, queueId);
  }

  lookMessageByOffset(commitLogOffset: number): Promise<Buffer | undefined> {
    return this.#store.lookMessageByOffset(commitLogOffset);
  }

  queryMessage(
    topic: string,
    key: string,
    maxMessages: number,
    beginTimestamp: number,
    endTimestamp: number,
  ): Promise<Buffer[]> {
    return this.#store.queryMessage(topic, key, maxMessages, beginTimestamp, endTimestamp);
  }

  getMinPhyOffset(): number {
    return this.#store.getMinPhyOffset();
  }

  getMaxPhyOffset(): number {
    return this.#store.getMaxPhyOffset();
  }

  getQueueIds(topic: string): number[] {
    return this.#store.getQueueIds(topic);
  }

  deleteTopics(topics: string[]): Promise<void> {
    return this.#store.deleteTopics(topics);
  }

  deleteMessagesBefore(commitLogOffset: number): Promise<void> {
    return this.#store.deleteMessagesBefore(commitLogOffset);
  }

  onMessageArrival(listener: (arrival: MessageArrival) => void): () => void {
    return this.#store.onMessageArrival(listener);
  }

  stats(): StoreStats {
    return this.#store.stats();
  }

  getCommitLogData(offset: number, maxBytes: number): Buffer | undefined {
    return this.#store.getCommitLogData(offset, maxBytes);
  }

  appendToCommitLog(startOffset: number, data: Uint8Array): void {
    this.#store.appendToCommitLog(startOffset, data);
  }
}
