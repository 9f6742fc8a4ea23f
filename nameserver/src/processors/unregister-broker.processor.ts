import {
  createResponse,
  decodeHeader,
  ResponseCode,
  UnregisterBrokerRequestHeader,
  type RequestProcessor,
} from '@skyrocket/remoting';
import type { NameServerContext } from './processor';

/**
 * UNREGISTER_BROKER (104): a broker leaving on shutdown. Header: brokerName, brokerAddr, clusterName, brokerId.
 * Removes its live info and address; when a group loses its last address the group and its queue data go too.
 * Always SUCCESS (RocketMQ queues the removal and answers at once).
 */
export function unregisterBrokerProcessor(context: NameServerContext): RequestProcessor {
  return (request) => {
    const header = decodeHeader(UnregisterBrokerRequestHeader, request.extFields);
    if (context.routes.unregisterBroker(header)) {
      context.logger.info(header, 'broker unregistered');
    }
    return createResponse(request, ResponseCode.SUCCESS);
  };
}
