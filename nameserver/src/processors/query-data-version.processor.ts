import {
  createResponse,
  decodeHeader,
  encodeHeader,
  QueryDataVersionRequestHeader,
  ResponseCode,
  type RequestProcessor,
} from '@skyrocket/remoting';
import { DataVersionSchema, sameDataVersion } from '../route/route-data';
import { jsonBody, type NameServerContext } from './processor';

/**
 * QUERY_DATA_VERSION (322): sent instead of a full registration when a broker runs with forceRegister=false.
 * Header: brokerName, brokerAddr, clusterName, brokerId; body: the broker's DataVersion JSON.
 * Reply header `changed` (whether the broker must register again); body: the version this NameServer holds.
 * The query also counts as a heartbeat.
 */
export function queryDataVersionProcessor(context: NameServerContext): RequestProcessor {
  return (request) => {
    const header = decodeHeader(QueryDataVersionRequestHeader, request.extFields);
    let brokerVersion: ReturnType<typeof DataVersionSchema.parse> | undefined;
    if (request.body && request.body.length > 0) {
      try {
        brokerVersion = DataVersionSchema.parse(JSON.parse(request.body.toString('utf8')));
      } catch {
        brokerVersion = undefined;
      }
    }
    const live = context.routes.liveInfo(header.clusterName, header.brokerAddr);
    const changed = !live || !sameDataVersion(live.dataVersion, brokerVersion);
    context.routes.touch(header.clusterName, header.brokerAddr);
    return createResponse(request, ResponseCode.SUCCESS, {
      extFields: encodeHeader({ changed }),
      body: live?.dataVersion ? jsonBody(live.dataVersion) : undefined,
    });
  };
}
