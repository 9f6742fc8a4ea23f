import { crc32 } from 'node:zlib';
import { SkyrocketError } from '@skyrocket/common';
import {
  createResponse,
  decodeHeader,
  encodeHeader,
  RegisterBrokerRequestHeader,
  ResponseCode,
  type RequestProcessor,
} from '@skyrocket/remoting';
import { ORDER_TOPIC_CONFIG_NAMESPACE } from '../kv/kv-config-manager';
import { decodeRegisterBrokerBody } from '../route/register-broker-body';
import { jsonBody, type NameServerContext } from './processor';

/**
 * REGISTER_BROKER (103): a broker's registration, sent at start and every 30 s as its heartbeat.
 * Header: brokerName, brokerAddr, clusterName, haServerAddr, brokerId (0 master, ≥1 slave), and optional
 * heartbeatTimeoutMillis, enableActingMaster, compressed, bodyCrc32; extFields `zoneName`.
 * A non-zero bodyCrc32 must equal crc32(body) & 0x7FFFFFFF (UtilAll.crc32), else SYSTEM_ERROR "crc32 not match".
 * Reply header: masterAddr and haServerAddr for a slave whose master is alive; body: the ORDER_TOPIC_CONFIG KV table.
 */
export function registerBrokerProcessor(context: NameServerContext): RequestProcessor {
  return (request, connection) => {
    const header = decodeHeader(RegisterBrokerRequestHeader, request.extFields);
    if (header.bodyCrc32 !== undefined && header.bodyCrc32 !== 0) {
      const actual = (crc32(request.body ?? Buffer.alloc(0)) & 0x7fffffff) | 0;
      if (actual !== header.bodyCrc32) {
        context.logger.warn({ peer: connection.remoteAddress }, 'REGISTER_BROKER crc32 not match');
        throw new SkyrocketError('CRC32_MISMATCH', 'crc32 not match');
      }
    }
    const body = decodeRegisterBrokerBody(request.body, {
      compressed: header.compressed ?? false,
      version: request.version,
    });
    const result = context.routes.registerBroker({
      clusterName: header.clusterName,
      brokerAddr: header.brokerAddr,
      brokerName: header.brokerName,
      brokerId: header.brokerId,
      haServerAddr: header.haServerAddr ?? '',
      heartbeatTimeoutMillis: header.heartbeatTimeoutMillis,
      enableActingMaster: header.enableActingMaster,
      zoneName: request.extFields.zoneName,
      dataVersion: body.dataVersion,
      topicConfigs: body.topicConfigs,
      filterServerList: body.filterServerList,
      connectionId: connection.id,
    });
    if (!result.ok) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: result.reason });
    }
    const orderTopicConfig = context.returnOrderTopicConfigToBroker
      ? context.kv.list(ORDER_TOPIC_CONFIG_NAMESPACE)
      : undefined;
    return createResponse(request, ResponseCode.SUCCESS, {
      extFields: encodeHeader({ masterAddr: result.masterAddr, haServerAddr: result.haServerAddr }),
      body: orderTopicConfig ? jsonBody({ table: orderTopicConfig }) : undefined,
    });
  };
}
