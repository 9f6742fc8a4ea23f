/**
 * Response codes of the RocketMQ remoting protocol: the `code` of a response RemotingCommand.
 *
 * 0–4 come from apache/rocketmq `remoting/.../protocol/RemotingSysResponseCode.java`, the rest from
 * `ResponseCode.java` (which extends it) at 8fc57f1468. Negative RPC_* codes are never sent on the wire: the Java
 * client uses them for local failures, and they are listed so that such values read well in logs.
 */
export const ResponseCode = {
  SUCCESS: 0,
  SYSTEM_ERROR: 1,
  SYSTEM_BUSY: 2,
  REQUEST_CODE_NOT_SUPPORTED: 3,
  TRANSACTION_FAILED: 4,

  // Put results that still mean "stored": the Java client maps 10/11/12 to SendStatus values, not exceptions.
  FLUSH_DISK_TIMEOUT: 10,
  SLAVE_NOT_AVAILABLE: 11,
  FLUSH_SLAVE_TIMEOUT: 12,
  MESSAGE_ILLEGAL: 13,
  SERVICE_NOT_AVAILABLE: 14,
  VERSION_NOT_SUPPORTED: 15,
  NO_PERMISSION: 16,
  TOPIC_NOT_EXIST: 17,
  TOPIC_EXIST_ALREADY: 18,
  // Pull results (PROTOCOL.md §2.5): clients map 19/20/21 to NO_NEW_MSG / NO_MATCHED_MSG / OFFSET_ILLEGAL.
  PULL_NOT_FOUND: 19,
  PULL_RETRY_IMMEDIATELY: 20,
  PULL_OFFSET_MOVED: 21,
  // QUERY_CONSUMER_OFFSET with no stored offset: the Java client reads it as offset -1.
  QUERY_NOT_FOUND: 22,
  SUBSCRIPTION_PARSE_FAILED: 23,
  SUBSCRIPTION_NOT_EXIST: 24,
  SUBSCRIPTION_NOT_LATEST: 25,
  SUBSCRIPTION_GROUP_NOT_EXIST: 26,
  FILTER_DATA_NOT_EXIST: 27,
  FILTER_DATA_NOT_LATEST: 28,
  INVALID_PARAMETER: 29,

  TRANSACTION_SHOULD_COMMIT: 200,
  TRANSACTION_SHOULD_ROLLBACK: 201,
  // Spelled as in RocketMQ.
  TRANSACTION_STATE_UNKNOW: 202,
  TRANSACTION_STATE_GROUP_WRONG: 203,
  NO_BUYER_ID: 204,
  NOT_IN_CURRENT_UNIT: 205,
  CONSUMER_NOT_ONLINE: 206,
  CONSUME_MSG_TIMEOUT: 207,
  NO_MESSAGE: 208,
  POLLING_FULL: 209,
  POLLING_TIMEOUT: 210,
  BROKER_NOT_EXIST: 211,
  BROKER_DISPATCH_NOT_COMPLETE: 212,
  BROADCAST_CONSUMPTION: 213,
  FLOW_CONTROL: 215,
  NOT_LEADER_FOR_QUEUE: 501,
  ILLEGAL_OPERATION: 604,

  RPC_UNKNOWN: -1000,
  RPC_ADDR_IS_NULL: -1002,
  RPC_SEND_TO_CHANNEL_FAILED: -1004,
  RPC_TIME_OUT: -1006,

  // Sent by a shutting-down server, and only to clients above V5_3_1 (NettyRemotingAbstract).
  GO_AWAY: 1500,

  CONTROLLER_FENCED_MASTER_EPOCH: 2000,
  CONTROLLER_FENCED_SYNC_STATE_SET_EPOCH: 2001,
  CONTROLLER_INVALID_MASTER: 2002,
  CONTROLLER_INVALID_REPLICAS: 2003,
  CONTROLLER_MASTER_NOT_AVAILABLE: 2004,
  CONTROLLER_INVALID_REQUEST: 2005,
  CONTROLLER_BROKER_NOT_ALIVE: 2006,
  CONTROLLER_NOT_LEADER: 2007,
  CONTROLLER_BROKER_METADATA_NOT_EXIST: 2008,
  CONTROLLER_INVALID_CLEAN_BROKER_METADATA: 2009,
  CONTROLLER_BROKER_NEED_TO_BE_REGISTERED: 2010,
  CONTROLLER_MASTER_STILL_EXIST: 2011,
  CONTROLLER_ELECT_MASTER_FAILED: 2012,
  CONTROLLER_ALTER_SYNC_STATE_SET_FAILED: 2013,
  CONTROLLER_BROKER_ID_INVALID: 2014,
  CONTROLLER_JRAFT_INTERNAL_ERROR: 2015,
  CONTROLLER_BROKER_LIVE_INFO_NOT_EXISTS: 2016,

  USER_NOT_EXIST: 3001,
  POLICY_NOT_EXIST: 3002,
} as const;

export type ResponseCodeName = keyof typeof ResponseCode;
export type ResponseCodeValue = (typeof ResponseCode)[ResponseCodeName];

const RESPONSE_CODE_NAMES: ReadonlyMap<number, ResponseCodeName> = new Map(
  (Object.keys(ResponseCode) as ResponseCodeName[]).map((name) => [ResponseCode[name], name]),
);

/** The RocketMQ name of a response code, or `UNKNOWN_<code>` for a code this table does not know. */
export function responseCodeName(code: number): string {
  return RESPONSE_CODE_NAMES.get(code) ?? `UNKNOWN_${code}`;
}

/** Whether `code` is a response code of the table above. */
export function isResponseCode(code: number): code is ResponseCodeValue {
  return RESPONSE_CODE_NAMES.has(code);
}
