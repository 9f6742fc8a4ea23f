/**
 * What the admin commands need from a cluster, in the shapes the tables show. `cli/src/admin-adapter.ts` implements
 * it on @skyrocket/client's Admin; tests may implement it with fakes. Keeping the commands on this port keeps
 * rendering, validation and exit codes independent of the SDK's types.
 */
export interface TopicConfigInput {
  topic: string;
  readQueueNums: number;
  writeQueueNums: number;
  /** 2 = read, 4 = write, 6 = read+write (RocketMQ PermName). */
  perm: number;
  order: boolean;
  /** Target: every master of a cluster, or one broker address. */
  clusterName?: string | undefined;
  brokerAddr?: string | undefined;
}

export interface RouteBrokerRow {
  cluster: string;
  brokerName: string;
  brokerId: number;
  address: string;
}

export interface RouteQueueRow {
  brokerName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicSysFlag: number;
}

export interface TopicRouteView {
  topic: string;
  orderTopicConf?: string | undefined;
  brokers: RouteBrokerRow[];
  queues: RouteQueueRow[];
}

export interface TopicStatusRow {
  brokerName: string;
  queueId: number;
  minOffset: number;
  maxOffset: number;
  /** Store time of the last message, ms since the epoch; 0 when the queue is empty. */
  lastUpdateTimestamp: number;
}

export interface ClusterBrokerRow {
  cluster: string;
  brokerName: string;
  brokerId: number;
  address: string;
}

export interface GroupProgressRow {
  topic: string;
  brokerName: string;
  queueId: number;
  brokerOffset: number;
  consumerOffset: number;
  lag: number;
}

export interface OffsetResetRow {
  brokerName: string;
  queueId: number;
  offset: number;
}

export interface MessageView {
  msgId: string;
  offsetMsgId?: string | undefined;
  topic: string;
  tags?: string | undefined;
  keys?: string | undefined;
  brokerName?: string | undefined;
  queueId: number;
  queueOffset: number;
  bornTimestamp: number;
  storeTimestamp: number;
  bornHost?: string | undefined;
  storeHost?: string | undefined;
  reconsumeTimes?: number | undefined;
  properties: Record<string, string>;
  body: Buffer;
}

export interface AdminPort {
  /** Creates or updates the topic on the target brokers; returns the broker addresses written to. */
  putTopic(input: TopicConfigInput): Promise<string[]>;
  /** Whether any NameServer has a route for the topic. */
  topicExists(topic: string): Promise<boolean>;
  /** Deletes the topic from the brokers of a cluster (default: every cluster holding it) and the NameServers. */
  deleteTopic(topic: string, clusterName?: string): Promise<void>;
  listTopics(): Promise<string[]>;
  topicRoute(topic: string): Promise<TopicRouteView>;
  topicStatus(topic: string): Promise<TopicStatusRow[]>;
  clusters(): Promise<ClusterBrokerRow[]>;
  /** Subscription groups known to the brokers. */
  groups(): Promise<string[]>;
  groupProgress(group: string, topic?: string): Promise<GroupProgressRow[]>;
  resetOffsetByTimestamp(group: string, topic: string, timestamp: number): Promise<OffsetResetRow[]>;
  queryMessageById(topic: string | undefined, msgId: string): Promise<MessageView>;
  queryMessagesByKey(topic: string, key: string, maxCount: number): Promise<MessageView[]>;
  close(): Promise<void>;
}
