/**
 * Skyrocket's broker admin with the Apache RocketMQ 5.3.3 DefaultMQAdminExt (what mqadmin and dashboards use),
 * against Skyrocket's NameServer only. The Java side parses every body with fastjson, so this is also the proof that
 * ConsumeStats / TopicStatsTable with their MessageQueue-keyed maps are written the way Java reads them.
 */
import * as fs from 'node:fs';
import type { Broker } from '@skyrocket/broker';
import type { NameServer } from '@skyrocket/nameserver';
import { startBroker } from '../harness/broker';
import { startNameServer } from '../harness/nameserver';
import { uniqueName } from '../harness/names';
import { ensureCompatBuild, killAllJavaProcesses, runJava, type RunJavaResult } from './harness/java';

type Event = Record<string, unknown> & { event: string };

function events(run: RunJavaResult): Map<string, Event> {
  const byName = new Map<string, Event>();
  for (const line of run.lines) {
    const event = line as Event;
    if (typeof event.event === 'string') byName.set(event.event, event);
  }
  return byName;
}

describe('Skyrocket broker with the Apache RocketMQ admin (DefaultMQAdminExt)', () => {
  let nameServer: NameServer;
  let namesrvAddr: string;
  let broker: Broker;
  let brokerAddr: string;
  let storeDir: string;

  beforeAll(async () => {
    await ensureCompatBuild();
    ({ nameServer, address: namesrvAddr } = await startNameServer());
    ({ broker, address: brokerAddr, storeDir } = await startBroker(namesrvAddr));
  }, 600_000);

  afterAll(async () => {
    await killAllJavaProcesses();
    await broker?.stop();
    await nameServer?.stop();
    if (storeDir) fs.rmSync(storeDir, { recursive: true, force: true });
  }, 60_000);

  test('creates a topic, reports stats and consumer progress, finds messages, and deletes the topic', async () => {
    const topic = uniqueName('AdminOpsTopic');
    const group = uniqueName('AdminOpsGroup');
    const run = await runJava('AdminOps', [namesrvAddr, 'DefaultCluster', topic, group], {
      timeoutMs: 170_000,
    });
    const got = events(run);
    if (run.code !== 0 || !got.has('done'))
      throw new Error(`AdminOps failed:\n${run.stdout}\n${run.stderr.slice(-20_000)}`);

    expect(got.get('created')).toMatchObject({ brokerAddr });
    expect(got.get('topicList')).toMatchObject({ hasTopic: true });
    expect(got.get('consumed')).toMatchObject({ count: 10 });
    expect(got.get('connection')).toMatchObject({
      clients: 1,
      messageModel: 'CLUSTERING',
      consumeType: 'CONSUME_PASSIVELY',
      subscribed: true,
    });

    // examineConsumeStats: ConsumeStats parsed by fastjson into MessageQueue keys; 10 consumed, 3 left.
    const consumeStats = got.get('consumeStats') as Event & { rows: Array<Record<string, unknown>> };
    // Common.emit sorts arrays by their JSON text, so order rows by queue id here.
    const byQueue = (a: Record<string, unknown>, b: Record<string, unknown>) =>
      Number(a.queueId) - Number(b.queueId);
    const topicRows = consumeStats.rows.filter((row) => row.topic === topic).sort(byQueue);
    expect(topicRows.map((row) => row.queueId)).toEqual([0, 1, 2, 3]);
    expect(topicRows.every((row) => row.brokerName === 'broker-a')).toBe(true);
    expect(topicRows.reduce((sum, row) => sum + Number(row.brokerOffset), 0)).toBe(13);
    expect(topicRows.reduce((sum, row) => sum + Number(row.consumerOffset), 0)).toBe(10);
    expect(consumeStats.diffTotal).toBe(3);
    for (const row of topicRows) {
      if (Number(row.consumerOffset) > 0) expect(Number(row.lastTimestamp)).toBeGreaterThan(0);
    }

    // examineTopicStats: TopicStatsTable (and GET_TOPIC_CONFIG, which the tool asks every broker for).
    const topicStats = got.get('topicStats') as Event & { queues: Array<Record<string, unknown>> };
    expect(topicStats.queues.sort(byQueue).map((queue) => queue.queueId)).toEqual([0, 1, 2, 3]);
    expect(topicStats.queues.reduce((sum, queue) => sum + Number(queue.maxOffset), 0)).toBe(13);
    for (const queue of topicStats.queues) {
      expect(queue.minOffset).toBe(0);
      if (Number(queue.maxOffset) > 0) expect(Number(queue.lastUpdateTimestamp)).toBeGreaterThan(0);
    }

    expect(got.get('queryByKey')).toMatchObject({ bodies: ['msg-3'] });
    expect(Number(got.get('queryByKey')?.indexLastUpdateTimestamp)).toBeGreaterThan(0);
    expect(got.get('queryByUniqKey')).toMatchObject({ bodies: ['msg-4'] });
    // MQAdminImpl turns "nothing from any broker" into NO_MESSAGE (208).
    expect(got.get('queryNoMatch')).toMatchObject({ outcome: 'responseCode 208' });
    const viewed = got.get('viewByOffsetMsgId');
    expect(viewed).toMatchObject({ body: 'msg-5', keys: 'key-5' });
    expect(viewed?.msgId).toBe(viewed?.expectedMsgId);

    const runtime = got.get('runtime') as Event & { table: Record<string, string> };
    expect(Number(runtime.table.msgPutTotalTodayNow)).toBeGreaterThanOrEqual(13);
    expect(runtime.table.brokerVersionDesc).toBe('V5_3_3');
    expect(Number(runtime.table.commitLogMaxOffset)).toBe(broker.context.store.getMaxPhyOffset());

    expect(got.get('topicConfigs')).toMatchObject({ readQueueNums: 4, perm: 6 });
    expect(got.get('subscriptionGroup')).toMatchObject({ retryMaxTimes: 5, consumerGroupKnown: true });

    // deleteTopic: DELETE_TOPIC_IN_BROKER here, DELETE_TOPIC_IN_NAMESRV at the NameServer.
    expect(got.get('deleted')).toMatchObject({ inTopicList: false, hasRoute: false });
    expect(broker.context.topics.get(topic)).toBeUndefined();
    expect(nameServer.routes.getTopicRoute(topic)).toBeUndefined();
  }, 240_000);
});
