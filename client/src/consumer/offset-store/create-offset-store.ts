import type { BrokerAccess } from '../broker-access';
import { LocalFileOffsetStore } from './local-file-offset-store';
import type { OffsetStore } from './offset-store';
import { RemoteBrokerOffsetStore } from './remote-broker-offset-store';

/** The consumer options that choose the store (both consumers' parsed options have them). */
export interface ConsumerOffsetStoreSettings {
  messageModel: 'CLUSTERING' | 'BROADCASTING';
  consumeFromWhere: 'LAST_OFFSET' | 'FIRST_OFFSET' | 'TIMESTAMP';
  /** For BROADCASTING; default DEFAULT_LOCAL_OFFSET_STORE_DIR. */
  localOffsetStoreDir?: string | undefined;
}

/** What the consumer knows once its client instance has started. */
export interface ConsumerOffsetStoreContext {
  consumerGroup: string;
  clientId: string;
  brokers: BrokerAccess;
  requestTimeoutMillis: number;
}

/**
 * The offset store of a push or lite pull consumer, as the Java consumers choose it at start: the brokers' for
 * CLUSTERING, a local file per client for BROADCASTING. Asking with setZeroIfNotFound=false unless the group starts
 * from the first offset makes "last" mean the queue's end even while it still starts at 0 (see
 * RemoteBrokerOffsetStore).
 */
export function createConsumerOffsetStore(
  settings: ConsumerOffsetStoreSettings,
  context: ConsumerOffsetStoreContext,
): OffsetStore {
  const { consumerGroup, clientId, brokers, requestTimeoutMillis } = context;
  return settings.messageModel === 'CLUSTERING'
    ? new RemoteBrokerOffsetStore({
        consumerGroup,
        brokers,
        requestTimeoutMillis,
        setZeroIfNotFound: settings.consumeFromWhere === 'FIRST_OFFSET' ? undefined : false,
      })
    : new LocalFileOffsetStore({ consumerGroup, clientId, baseDir: settings.localOffsetStoreDir });
}
