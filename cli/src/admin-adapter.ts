import { Admin } from '@skyrocket/client';
import type { AdminPort, MessageView } from './admin-port';
import { CliError } from './errors';

/** The AdminPort on @skyrocket/client's Admin: started here, shut down by close(). */
export async function openAdmin(namesrvAddr: string): Promise<AdminPort> {
  const admin = new Admin({ namesrvAddr });
  await admin.start();
  return new SdkAdmin(admin);
}

/** A stored message as the SDK's Admin returns it. */
type MessageExt = Awaited<ReturnType<Admin['queryMessageById']>>;

class SdkAdmin implements AdminPort {
  readonly #admin: Admin;

  constructor(admin: Admin) {
    this.#admin = admin;
  }

  putTopic(input: Parameters<AdminPort['putTopic']>[0]): Promise<string[]> {
    return this.#admin.createTopic({
      topic: input.topic,
      readQueueNums: input.readQueueNums,
      writeQueueNums: input.writeQueueNums,
      perm: input.perm,
      order: input.order,
      ...(input.clusterName === undefined ? {} : { clusterName: input.clusterName }),
      ...(input.brokerAddr === undefined ? {} : { brokerAddr: input.brokerAddr }),
    });
  }

  async topicExists(topic: string): Promise<boolean> {
    // The NameServers' topic list is authoritative and avoids treating "no route" errors as absence.
    return (await this.#admin.listTopics()).includes(topic);
  }

  deleteTopic(topic: string, clusterName?: string): Promise<void> {
    return this.#admin.deleteTopic(topic, clusterName === undefined ? {} : { clusterName });
  }

  listTopics(): Promise<string[]> {
    return this.#admin.listTopics();
  }

  async topicRoute(topic: string): Promise<Awaited<ReturnType<AdminPort['topicRoute']>>> {
    const { route } = await this.#admin.topicRoute(topic);
    return {
      topic,
      orderTopicConf: route.orderTopicConf,
      brokers: route.brokerDatas.flatMap((b) =>
        [...b.brokerAddrs.entries()].map(([brokerId, address]) => ({
          cluster: b.cluster,
          brokerName: b.brokerName,
          brokerId,
          address,
        })),
      ),
      queues: route.queueDatas.map((q) => ({ ...q })),
    };
  }

  async topicStatus(topic: string): Promise<Awaited<ReturnType<AdminPort['topicStatus']>>> {
    return (await this.#admin.topicStats(topic)).map((s) => ({
      brokerName: s.queue.brokerName,
      queueId: s.queue.queueId,
      minOffset: s.minOffset,
      maxOffset: s.maxOffset,
      lastUpdateTimestamp: s.lastUpdateTimestamp,
    }));
  }

  async clusters(): Promise<Awaited<ReturnType<AdminPort['clusters']>>> {
    const info = await this.#admin.listClusters();
    return info.clusters.flatMap((c) =>
      c.brokers.flatMap((b) =>
        Object.entries(b.addresses).map(([id, address]) => ({
          cluster: c.clusterName,
          brokerName: b.brokerName,
          brokerId: Number(id),
          address,
        })),
      ),
    );
  }

  async groups(): Promise<string[]> {
    return (await this.#admin.listConsumerGroups()).map((g) => g.group);
  }

  async groupProgress(
    group: string,
    topic?: string,
  ): Promise<Awaited<ReturnType<AdminPort['groupProgress']>>> {
    const progress = await this.#admin.consumeProgress(group, topic);
    return progress.queues.map((q) => ({
      topic: q.queue.topic,
      brokerName: q.queue.brokerName,
      queueId: q.queue.queueId,
      brokerOffset: q.brokerOffset,
      consumerOffset: q.consumerOffset,
      lag: q.lag,
    }));
  }

  async resetOffsetByTimestamp(
    group: string,
    topic: string,
    timestamp: number,
  ): Promise<Awaited<ReturnType<AdminPort['resetOffsetByTimestamp']>>> {
    const results = await this.#admin.resetOffsetByTimestamp(group, topic, timestamp);
    return results.map((r) => ({
      brokerName: r.queue.brokerName,
      queueId: r.queue.queueId,
      offset: r.offset,
    }));
  }

  async queryMessageById(topic: string | undefined, msgId: string): Promise<MessageView> {
    return messageView(await this.#admin.queryMessageById(msgId, topic === undefined ? {} : { topic }));
  }

  async queryMessagesByKey(topic: string, key: string, maxCount: number): Promise<MessageView[]> {
    return (await this.#admin.queryMessageByKey(topic, key, { maxNum: maxCount })).map(messageView);
  }

  close(): Promise<void> {
    return this.#admin.shutdown();
  }
}

/** What the CLI prints of a stored message. */
export function messageView(m: MessageExt): MessageView {
  if (m.bodyCompressed) {
    throw new CliError(`message ${m.msgId} has a body compressed with a codec this client cannot read`);
  }
  return {
    msgId: m.msgId,
    offsetMsgId: m.offsetMsgId,
    topic: m.topic,
    tags: m.tags,
    keys: m.keys.length > 0 ? m.keys.join(' ') : undefined,
    brokerName: m.brokerName,
    queueId: m.queueId,
    queueOffset: m.queueOffset,
    bornTimestamp: m.bornTimestamp,
    storeTimestamp: m.storeTimestamp,
    bornHost: m.bornHost,
    storeHost: m.storeHost,
    reconsumeTimes: m.reconsumeTimes,
    properties: { ...m.properties },
    body: m.body,
  };
}
