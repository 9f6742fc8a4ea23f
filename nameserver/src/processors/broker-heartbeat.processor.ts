import {
  BrokerHeartbeatRequestHeader,
  createResponse,
  decodeHeader,
  ResponseCode,
  type RequestProcessor,
} from '@skyrocket/remoting';
import type { NameServerContext } from './processor';

/**
 * BROKER_HEARTBEAT (904): a lightweight liveness ping, sent every second by brokers with enableSlaveActingMaster.
 * Header: clusterName, brokerAddr, brokerName (and election fields Skyrocket does not use). Only refreshes the
 * broker's timestamp; an unknown broker is ignored, as RocketMQ does.
 */
export function brokerHeartbeatProcessor(context: NameServerContext): RequestProcessor {
  return (request) => {
    const header = decodeHeader(BrokerHeartbeatRequestHeader, request.extFields);
    context.routes.touch(header.clusterName, header.brokerAddr);
    return createResponse(request, ResponseCode.SUCCESS);
  };
}
