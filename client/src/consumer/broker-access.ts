/**
 * What the consumers need from the client core to talk to brokers, as a narrow interface: the offset stores, the
 * pull path and the rebalance depend on this, not on the ClientInstance class, so they are unit-tested with fakes
 * and `consumer-client.ts` adapts the real ClientInstance to it.
 */
import type { RemotingCommand } from '@skyrocket/remoting';

import type { ClientInstance } from '../core/client-instance';

export interface BrokerAccess {
  /**
   * The address of `brokerName`'s master (brokerId 0), or of the broker id asked for when it is known (pulls follow
   * `suggestWhichBrokerId`). Routes for `topic` are looked up or refreshed when the broker is not known yet.
   * Throws ClientError BROKER_NOT_FOUND when no address is known.
   */
  brokerAddress(brokerName: string, topic: string, brokerId?: number): Promise<string>;
  /** One request, its response or a ClientError (timeout, connection). */
  invoke(address: string, request: RemotingCommand, timeoutMs: number): Promise<RemotingCommand>;
}

/** The BrokerAccess of a running ClientInstance. */
export function brokerAccessOf(instance: ClientInstance): BrokerAccess {
  return {
    brokerAddress: async (brokerName, topic, brokerId) =>
      (await instance.findBrokerAddressOrRefresh(topic, brokerName, brokerId)).address,
    invoke: (address, request, timeoutMs) => instance.invoke(address, request, timeoutMs),
  };
}
