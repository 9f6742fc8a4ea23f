/**
 * MQVersion ordinals: the `version` of a RemotingCommand is the sender's `MQVersion.Version` ordinal (PROTOCOL.md
 * §1.2). Only the ordinals where a server changes behaviour are named; values counted from the enum in apache/rocketmq
 * `common/.../MQVersion.java` at 8fc57f1468 (V3_0_0_SNAPSHOT = 0).
 */
export const MQVersion = {
  // REGISTER_BROKER bodies are RegisterBrokerBody JSON from this version on.
  V3_0_11: 37,
  // maxReconsumeTimes in send and send-back headers is honoured from this version on; ali-ons sends 121.
  V3_4_9: 121,
  V4_0_0: 213,
  // GET_ROUTEINFO_BY_TOPIC answers standard JSON (quoted map keys) from this version on.
  V4_9_4: 401,
  // Compressed RegisterBrokerBody carries TopicQueueMappingInfo from this version on.
  V5_0_0: 413,
  // GO_AWAY (1500) is sent only to clients above this version.
  V5_3_1: 475,
  V5_3_3: 479,
} as const;

export type MQVersionName = keyof typeof MQVersion;

/** The version Skyrocket puts in the commands it sends, like a 5.3.3 Java broker and NameServer. */
export const CURRENT_VERSION = MQVersion.V5_3_3;
