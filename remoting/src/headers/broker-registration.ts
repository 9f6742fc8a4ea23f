/**
 * Broker → NameServer registration headers (PROTOCOL.md §2.2; `header/namesrv/*.java`).
 *
 * REGISTER_BROKER (103), request:
 *   brokerName, brokerAddr ("ip:port"), clusterName, haServerAddr? ("ip:haPort"), brokerId (0 = master, >0 = slave);
 *   heartbeatTimeoutMillis? (default 120 000 on the NameServer), enableActingMaster?,
 *   compressed (the body is the deflated RegisterBrokerBody; BrokerOuterAPI always sends false),
 *   bodyCrc32 (UtilAll.crc32 of the body; 0 = not checked).
 * REGISTER_BROKER, response: haServerAddr?, masterAddr? (filled only for a slave whose master is alive).
 * UNREGISTER_BROKER (104) and QUERY_DATA_VERSION (322), request: brokerName, brokerAddr, clusterName, brokerId.
 * QUERY_DATA_VERSION, response: changed (whether the body's DataVersion differs from the NameServer's).
 * GET_BROKER_MEMBER_GROUP (901): clusterName, brokerName (the body of the response lists the group's broker ids).
 * BROKER_HEARTBEAT (904, acting-master mode only), request: clusterName, brokerAddr, brokerName, brokerId?, epoch?,
 *   maxOffset?, confirmOffset?, heartbeatTimeoutMills?, electionPriority?.
 */
import { z } from 'zod';

import { bool, int32, int64, str } from './fields';

export const RegisterBrokerRequestHeader = z.object({
  brokerName: str(),
  brokerAddr: str(),
  clusterName: str(),
  // @CFNotNull in Java, but only logged when missing, and the NameServer stores a null haServerAddr as is.
  haServerAddr: str().optional(),
  brokerId: int64(),
  heartbeatTimeoutMillis: int64().optional(),
  enableActingMaster: bool().optional(),
  // Java fields with initializers: `boolean compressed` (false) and `Integer bodyCrc32 = 0`.
  compressed: bool().default(false),
  bodyCrc32: int32().default(0),
});
export type RegisterBrokerRequestHeader = z.infer<typeof RegisterBrokerRequestHeader>;

export const RegisterBrokerResponseHeader = z.object({
  haServerAddr: str().optional(),
  masterAddr: str().optional(),
});
export type RegisterBrokerResponseHeader = z.infer<typeof RegisterBrokerResponseHeader>;

export const UnregisterBrokerRequestHeader = z.object({
  brokerName: str(),
  brokerAddr: str(),
  clusterName: str(),
  brokerId: int64(),
});
export type UnregisterBrokerRequestHeader = z.infer<typeof UnregisterBrokerRequestHeader>;

export const QueryDataVersionRequestHeader = z.object({
  brokerName: str(),
  brokerAddr: str(),
  clusterName: str(),
  brokerId: int64(),
});
export type QueryDataVersionRequestHeader = z.infer<typeof QueryDataVersionRequestHeader>;

export const QueryDataVersionResponseHeader = z.object({
  changed: bool(),
});
export type QueryDataVersionResponseHeader = z.infer<typeof QueryDataVersionResponseHeader>;

export const BrokerHeartbeatRequestHeader = z.object({
  clusterName: str(),
  brokerAddr: str(),
  brokerName: str(),
  brokerId: int64().optional(),
  epoch: int32().optional(),
  maxOffset: int64().optional(),
  confirmOffset: int64().optional(),
  // Spelled "Mills" in RocketMQ.
  heartbeatTimeoutMills: int64().optional(),
  electionPriority: int32().optional(),
});
export type BrokerHeartbeatRequestHeader = z.infer<typeof BrokerHeartbeatRequestHeader>;

export const GetBrokerMemberGroupRequestHeader = z.object({
  clusterName: str(),
  brokerName: str(),
});
export type GetBrokerMemberGroupRequestHeader = z.infer<typeof GetBrokerMemberGroupRequestHeader>;
