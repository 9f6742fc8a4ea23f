/**
 * Custom headers of the NameServer request codes (RocketMQ remoting/.../protocol/header/namesrv/*.java).
 * Field names are the Java field names; extFields carries them as strings.
 */
import { z } from 'zod';
import { bool, int32, int64, str } from './fields';

/** REGISTER_BROKER (103). */
export const RegisterBrokerRequestHeader = z.object({
  brokerName: str(),
  brokerAddr: str(),
  clusterName: str(),
  haServerAddr: str().optional(),
  brokerId: int64(),
  heartbeatTimeoutMillis: int64().optional(),
  enableActingMaster: bool().optional(),
  compressed: bool().optional(),
  bodyCrc32: int32().optional(),
});

/** Reply to REGISTER_BROKER: filled for a slave whose master is alive. */
export const RegisterBrokerResponseHeader = z.object({
  haServerAddr: str().optional(),
  masterAddr: str().optional(),
});

/** UNREGISTER_BROKER (104). */
export const UnregisterBrokerRequestHeader = z.object({
  brokerName: str(),
  brokerAddr: str(),
  clusterName: str(),
  brokerId: int64(),
});

/** QUERY_DATA_VERSION (322); the body is the broker's DataVersion JSON. */
export const QueryDataVersionRequestHeader = z.object({
  brokerName: str(),
  brokerAddr: str(),
  clusterName: str(),
  brokerId: int64(),
});

export const QueryDataVersionResponseHeader = z.object({ changed: bool() });

/** BROKER_HEARTBEAT (904); the election fields are optional and unused by Skyrocket. */
export const BrokerHeartbeatRequestHeader = z.object({
  clusterName: str(),
  brokerAddr: str(),
  brokerName: str(),
  brokerId: int64().optional(),
  epoch: int32().optional(),
  maxOffset: int64().optional(),
  confirmOffset: int64().optional(),
  heartbeatTimeoutMills: int64().optional(),
  electionPriority: int32().optional(),
});

/** GET_ROUTEINFO_BY_TOPIC (105). */
export const GetRouteInfoRequestHeader = z.object({
  topic: str(),
  acceptStandardJsonOnly: bool().optional(),
});

/** GET_TOPICS_BY_CLUSTER (224). */
export const GetTopicsByClusterRequestHeader = z.object({ cluster: str() });

/** REGISTER_TOPIC_IN_NAMESRV (217); the body is a TopicRouteData JSON. */
export const RegisterTopicRequestHeader = z.object({ topic: str() });

/** DELETE_TOPIC_IN_NAMESRV (216). */
export const DeleteTopicFromNamesrvRequestHeader = z.object({
  topic: str(),
  clusterName: str().optional(),
});

/** WIPE_WRITE_PERM_OF_BROKER (205) and ADD_WRITE_PERM_OF_BROKER (327). */
export const WipeWritePermOfBrokerRequestHeader = z.object({ brokerName: str() });

/** PUT_KV_CONFIG (100). */
export const PutKVConfigRequestHeader = z.object({ namespace: str(), key: str(), value: str() });
/** GET_KV_CONFIG (101). */
export const GetKVConfigRequestHeader = z.object({ namespace: str(), key: str() });
export const GetKVConfigResponseHeader = z.object({ value: str().optional() });
/** DELETE_KV_CONFIG (102). */
export const DeleteKVConfigRequestHeader = z.object({ namespace: str(), key: str() });
/** GET_KVLIST_BY_NAMESPACE (219). */
export const GetKVListByNamespaceRequestHeader = z.object({ namespace: str() });
