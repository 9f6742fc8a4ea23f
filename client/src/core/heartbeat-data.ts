/**
 * The HEART_BEAT body (`heartbeat/HeartbeatData.java`, `ConsumerData.java`, `ProducerData.java`,
 * `SubscriptionData.java`), with the Java field names, because brokers parse it with fastjson into those classes.
 */

export type ConsumeType = 'CONSUME_ACTIVELY' | 'CONSUME_PASSIVELY' | 'CONSUME_POP';
export type MessageModel = 'CLUSTERING' | 'BROADCASTING';
export type ConsumeFromWhere =
  'CONSUME_FROM_LAST_OFFSET' | 'CONSUME_FROM_FIRST_OFFSET' | 'CONSUME_FROM_TIMESTAMP';

export interface SubscriptionData {
  topic: string;
  /** "*" or "TagA || TagB" (TAG), or an SQL92 expression. */
  subString: string;
  tagsSet: string[];
  /** Java String.hashCode of every tag (javaStringHashCode in @skyrocket/remoting). */
  codeSet: number[];
  /** A version the broker compares to ignore stale subscriptions; Java uses System.currentTimeMillis(). */
  subVersion: number;
  expressionType: 'TAG' | 'SQL92';
  classFilterMode?: boolean;
}

export interface ConsumerData {
  groupName: string;
  consumeType: ConsumeType;
  messageModel: MessageModel;
  consumeFromWhere: ConsumeFromWhere;
  subscriptionDataSet: SubscriptionData[];
  unitMode: boolean;
}

export interface ProducerData {
  groupName: string;
}

export interface HeartbeatData {
  clientID: string;
  producerDataSet: ProducerData[];
  consumerDataSet: ConsumerData[];
}
