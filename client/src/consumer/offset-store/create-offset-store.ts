import type { BrokerAccess } from '../broker-access';
import { LocalFileOffsetStore } from './local-file-offset-store';
import type { OffsetStore } from './offset-store';
import { RemoteBrokerOffsetStore } from './remote-broker-offset-store';

export interface ConsumerOffsetStoreOptions {
  consumerGroup: string;
  messageModel: 'CLUSTERING' | 'BROADCASTING';
  consumeFromWhere: 'LAST_OFFSET' | 'FIRST_OFFSET' | 'TIMESTAMP';
  clientId: string;
  brokers: BrokerAccess;
  requestTimeoutMillis: number;
  /** For BROADCASTING; default DEFAULT_LOCAL_OFFSET_STORE_DIR. */
  localOffsetStoreDir?: string | undefined;
}

/**
 * The offset store of a push or lite pull consumer, as the Java consumers choose it at start: the brokers' for
 * CLUSTERING, a local file per client for BROADCASTING. Asking with setZeroIfNotFound=false unless the group starts
 * from the first offset makes "last" mean the queue's end even while it still starts at 0 (see
 * RemoteBrokerOffsetStore).
 */
export function createConsumerOffsetStore(options: ConsumerOffsetStoreOptions): OffsetStore {
  return options.messageModel === 'CLUSTERING'
    ? new RemoteBrokerOffsetStore({
        consumerGroup: options.consumerGroup,
        brokers: options.brokers,
        requestTimeoutMillis: options.requestTimeoutMillis,
        setZeroIfNotFound: options.consumeFromWhere === 'FIRST_OFFSET' ? undefined : false,
      })
    : new LocalFileOffsetStore({
        consumerGroup: options.consumerGroup,
        clientId: options.clientId,
        baseDir: options.localOffsetStoreDir,
      });
}
