import { z } from 'zod';

/**
 * The JSON shapes the NameServer reads and writes, with RocketMQ's field names (common/.../TopicConfig.java,
 * DataVersion.java, route/TopicRouteData.java, BrokerData.java, QueueData.java, body/ClusterInfo.java).
 * Bodies from brokers are validated with these schemas; unknown fields are kept out, missing optional ones defaulted.
 */

/** PermName bits. */
export const Perm = { PRIORITY: 8, READ: 4, WRITE: 2, INHERIT: 1 } as const;

export const DataVersionSchema = z.object({
  stateVersion: z.number().int().default(0),
  timestamp: z.number().int(),
  counter: z.number().int(),
});
export type DataVersion = z.infer<typeof DataVersionSchema>;

export const TopicConfigSchema = z.object({
  topicName: z.string().min(1),
  readQueueNums: z.number().int().min(0).default(16),
  writeQueueNums: z.number().int().min(0).default(16),
  perm: z.number().int().min(0).max(15).default(6),
  topicFilterType: z.string().default('SINGLE_TAG'),
  topicSysFlag: z.number().int().default(0),
  order: z.boolean().default(false),
  attributes: z.record(z.string(), z.string()).default({}),
});
export type TopicConfig = z.infer<typeof TopicConfigSchema>;

/** RegisterBrokerBody (uncompressed JSON form). */
export const RegisterBrokerBodySchema = z.object({
  topicConfigSerializeWrapper: z
    .object({
      topicConfigTable: z.record(z.string(), TopicConfigSchema).default({}),
      dataVersion: DataVersionSchema.optional(),
    })
    .default({ topicConfigTable: {} }),
  filterServerList: z.array(z.string()).default([]),
});
export type RegisterBrokerBody = z.infer<typeof RegisterBrokerBodySchema>;

export interface QueueData {
  brokerName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicSysFlag: number;
}

export interface BrokerData {
  cluster: string;
  brokerName: string;
  /** brokerId → "ip:port"; "0" is the master (MixAll.MASTER_ID). Keys are decimal strings in JSON. */
  brokerAddrs: Record<string, string>;
  zoneName: string | null;
  enableActingMaster: boolean;
}

export interface TopicRouteData {
  orderTopicConf: string | null;
  queueDatas: QueueData[];
  brokerDatas: BrokerData[];
  filterServerTable: Record<string, string[]>;
}

export interface ClusterInfo {
  brokerAddrTable: Record<string, BrokerData>;
  clusterAddrTable: Record<string, string[]>;
}

export function sameDataVersion(a: DataVersion | undefined, b: DataVersion | undefined): boolean {
  if (!a || !b) return a === b;
  return a.stateVersion === b.stateVersion && a.timestamp === b.timestamp && a.counter === b.counter;
}
