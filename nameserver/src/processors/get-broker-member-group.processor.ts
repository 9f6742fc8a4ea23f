import {
  createResponse,
  decodeHeader,
  GetBrokerMemberGroupRequestHeader,
  ResponseCode,
  type RequestProcessor,
} from '@skyrocket/remoting';
import { jsonBody, type NameServerContext } from './processor';

/**
 * GET_BROKER_MEMBER_GROUP (901): header clusterName, brokerName. Body GetBrokerMemberGroupResponseBody
 * {"brokerMemberGroup":{"cluster","brokerName","brokerAddrs":{brokerId: addr}}}; an unknown group has no addresses.
 * Brokers with enableSlaveActingMaster poll it to learn their group's members.
 */
export function getBrokerMemberGroupProcessor(context: NameServerContext): RequestProcessor {
  return (request) => {
    const { clusterName, brokerName } = decodeHeader(GetBrokerMemberGroupRequestHeader, request.extFields);
    const brokerAddrs = context.routes.getBrokerData(brokerName)?.brokerAddrs ?? {};
    return createResponse(request, ResponseCode.SUCCESS, {
      body: jsonBody({ brokerMemberGroup: { cluster: clusterName, brokerName, brokerAddrs } }),
    });
  };
}
