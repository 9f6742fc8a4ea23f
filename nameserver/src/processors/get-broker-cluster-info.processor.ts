import { createResponse, ResponseCode, type RequestProcessor } from '@skyrocket/remoting';
import { jsonBody, type NameServerContext } from './processor';

/**
 * GET_BROKER_CLUSTER_INFO (106): no header. Body: ClusterInfo
 * {"brokerAddrTable":{brokerName: BrokerData}, "clusterAddrTable":{clusterName: [brokerName]}}.
 * `mqadmin updateTopic -c` uses it to find every master of a cluster.
 */
export function getBrokerClusterInfoProcessor(context: NameServerContext): RequestProcessor {
  return (request) =>
    createResponse(request, ResponseCode.SUCCESS, { body: jsonBody(context.routes.getClusterInfo()) });
}
