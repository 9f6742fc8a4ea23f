/**
 * Broker write-permission admin headers (`header/namesrv/WipeWritePermOfBroker*.java`,
 * `AddWritePermOfBroker*.java`), admin → NameServer: how a broker is drained before maintenance.
 *
 * WIPE_WRITE_PERM_OF_BROKER (205): brokerName. Response: wipeTopicCount (topics whose write bit was cleared).
 * ADD_WRITE_PERM_OF_BROKER (327): brokerName. Response: addTopicCount (topics whose write bit was set again).
 */
import { z } from 'zod';

import { int32, str } from './fields';

export const WipeWritePermOfBrokerRequestHeader = z.object({
  brokerName: str(),
});
export type WipeWritePermOfBrokerRequestHeader = z.infer<typeof WipeWritePermOfBrokerRequestHeader>;

export const WipeWritePermOfBrokerResponseHeader = z.object({
  wipeTopicCount: int32(),
});
export type WipeWritePermOfBrokerResponseHeader = z.infer<typeof WipeWritePermOfBrokerResponseHeader>;

export const AddWritePermOfBrokerRequestHeader = z.object({
  brokerName: str(),
});
export type AddWritePermOfBrokerRequestHeader = z.infer<typeof AddWritePermOfBrokerRequestHeader>;

export const AddWritePermOfBrokerResponseHeader = z.object({
  addTopicCount: int32(),
});
export type AddWritePermOfBrokerResponseHeader = z.infer<typeof AddWritePermOfBrokerResponseHeader>;
