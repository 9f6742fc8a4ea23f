import { createResponse, ResponseCode, type RequestProcessor } from '@skyrocket/remoting';
import { BrokerRuntimeInfo } from '../admin/runtime-info';
import { jsonBody, type BrokerContext } from './processor';

/**
 * GET_BROKER_RUNTIME_INFO (28): no header. Body KVTable {"table": {key: value}} with the keys `mqadmin
 * brokerStatus` prints and `clusterList` / `exportMetrics` parse (admin/runtime-info.ts lists them): message totals
 * today and yesterday, put/get rates, commit-log min/max offsets, disk usage, earliest message time, version.
 */
export function getBrokerRuntimeInfoProcessor(context: BrokerContext): RequestProcessor {
  const runtimeInfo = new BrokerRuntimeInfo(context);
  return async (request) =>
    createResponse(request, ResponseCode.SUCCESS, { body: jsonBody({ table: await runtimeInfo.table() }) });
}
