/**
 * Test helpers for the consumer tests (not part of the build): raw requests that create topics, produce messages
 * onto chosen queues and read a group's stored offsets, so consumer tests do not depend on the producer.
 */
import { randomBytes } from 'node:crypto';
import {
  createRequest,
  decodeHeader,
  encodeHeader,
  encodeProperties,
  QueryConsumerOffsetResponseHeader,
  RemotingClient,
  RequestCode,
  ResponseCode,
  SendMessageResponseHeader,
} from '@skyrocket/remoting';

export class TestCluster {
  readonly client = new RemotingClient();
  constructor(
    readonly namesrvAddr: string,
    readonly brokerAddr: string,
  ) {}

  async createTopic(topic: string, queues: number, extra: Record<string, string> = {}): Promise<void> {
    const response = await this.client.invoke(
      this.brokerAddr,
      createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, {
        extFields: encodeHeader({
          topic,
          defaultTopic: 'TBW102',
          readQueueNums: queues,
          writeQueueNums: queues,
          perm: 6,
          topicFilterType: 'SINGLE_TAG',
          topicSysFlag: 0,
          order: false,
          ...extra,
        }),
      }),
      5000,
    );
    if (response.code !== ResponseCode.SUCCESS)
      throw new Error(`create ${topic}: ${response.code} ${response.remark}`);
    await this.waitForRoute(topic);
  }

  /** Waits until the NameServer has a route for `topic`. */
  async waitForRoute(topic: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const response = await this.client.invoke(
        this.namesrvAddr,
        createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: encodeHeader({ topic }) }),
        5000,
      );
      if (response.code === ResponseCode.SUCCESS) return;
      if (Date.now() > deadline) throw new Error(`no route for ${topic} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Sends one message to `queueId` (SEND_MESSAGE_V2); returns its queue offset. */
  async send(
    topic: string,
    queueId: number,
    body: string,
    options: { tags?: string; keys?: string; properties?: Record<string, string> } = {},
  ): Promise<{ queueOffset: number; msgId: string }> {
    const properties: Record<string, string> = { ...options.properties };
    if (options.tags !== undefined) properties.TAGS = options.tags;
    if (options.keys !== undefined) properties.KEYS = options.keys;
    properties.UNIQ_KEY = randomBytes(16).toString('hex').toUpperCase();
    const response = await this.client.invoke(
      this.brokerAddr,
      createRequest(RequestCode.SEND_MESSAGE_V2, {
        extFields: encodeHeader({
          a: 'test_producer',
          b: topic,
          c: 'TBW102',
          d: 4,
          e: queueId,
          f: 0,
          g: Date.now(),
          h: 0,
          i: encodeProperties(properties),
        }),
        body: Buffer.from(body),
      }),
      5000,
    );
    if (response.code !== ResponseCode.SUCCESS)
      throw new Error(`send to ${topic}: ${response.code} ${response.remark}`);
    const header = decodeHeader(SendMessageResponseHeader, response.extFields);
    return { queueOffset: header.queueOffset, msgId: header.msgId };
  }

  /** Sends `count` messages "<prefix>-<i>" round robin over `queues` queues. */
  async sendMany(
    topic: string,
    queues: number,
    count: number,
    prefix: string,
    options: { tags?: (i: number) => string | undefined } = {},
  ): Promise<string[]> {
    const bodies: string[] = [];
    for (let i = 0; i < count; i++) {
      const body = `${prefix}-${i}`;
      const tags = options.tags?.(i);
      await this.send(topic, i % queues, body, tags === undefined ? {} : { tags });
      bodies.push(body);
    }
    return bodies;
  }

  /** The group's stored offset of a queue, -1 when none. */
  async consumerOffset(group: string, topic: string, queueId: number): Promise<number> {
    const response = await this.client.invoke(
      this.brokerAddr,
      createRequest(RequestCode.QUERY_CONSUMER_OFFSET, {
        extFields: encodeHeader({ consumerGroup: group, topic, queueId, setZeroIfNotFound: false }),
      }),
      5000,
    );
    if (response.code !== ResponseCode.SUCCESS) return -1;
    return decodeHeader(QueryConsumerOffsetResponseHeader, response.extFields).offset;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
