/**
 * The core client paths of the Apache RocketMQ 5.3.3 Java client against Skyrocket's NameServer and broker only
 * (both in-process, shared by every test; each test has its own topics and groups):
 *
 * - DefaultMQProducer sync, async, oneway and batch sends with tags, keys, flag and user properties, every body
 *   and property received intact;
 * - tag filtering ("TagA || TagB") by push and lite-pull consumers, and by the broker itself;
 * - DefaultMQPushConsumer clustering: two consumers of one group share the queues, then one leaves and the other
 *   takes over what it left (NOTIFY_CONSUMER_IDS_CHANGED; the periodic rebalance is switched off);
 * - broadcasting: every consumer of the group gets every message;
 * - DefaultLitePullConsumer with assign + seek and with subscribe, offsets committed to the broker;
 * - orderly consumption (MessageListenerOrderly, queues locked at the broker) keeping per-key order.
 *
 * The Java programs are under test/compat/java (SendVariants, PushConsumers, LitePull, OrderlyConsume).
 */
import * as fs from 'node:fs';
import type { Broker } from '@skyrocket/broker';
import type { NameServer } from '@skyrocket/nameserver';
import {
  createRequest,
  decodeRecords,
  encodeHeader,
  MessageSysFlag,
  PullSysFlag,
  RemotingClient,
  RequestCode,
  ResponseCode,
} from '@skyrocket/remoting';
import { startBroker } from '../harness/broker';
import { startNameServer } from '../harness/nameserver';
import { uniqueName } from '../harness/names';
import { waitFor } from '../harness/wait-for';
import {
  ensureCompatBuild,
  killAllJavaProcesses,
  produce,
  runJava,
  type RunJavaOptions,
  type RunJavaResult,
} from './harness/java';

/** A message as SendVariants put it on the wire ("expect" line). */
interface Expected {
  id: string;
  mode: 'sync' | 'async' | 'oneway' | 'batch';
  topic: string;
  tags: string;
  keys: string;
  flag: number;
  bodyB64: string;
  properties: Record<string, string>;
}

/** A send result line. */
interface SendLine {
  id: string;
  mode?: string;
  status?: string;
  msgId: string;
  offsetMsgId?: string;
  queueId: number;
  queueOffset: number;
}

/** A delivery as ClientKit.received prints it. */
interface Received {
  consumer: number;
  id: string | null;
  topic: string;
  tags: string | null;
  keys: string | null;
  flag: number;
  body: string;
  bodyB64: string;
  properties: Record<string, string>;
  msgId: string;
  offsetMsgId: string | null;
  queueId: number;
  queueOffset: number;
  sysFlag: number;
  reconsumeTimes: number;
  stage?: number;
  contextQueueId?: number;
}

/**
 * Properties a consumer sees on top of what the producer sent: CLUSTER is added by the broker (as RocketMQ's
 * SendMessageProcessor does), MIN_OFFSET / MAX_OFFSET and CONSUME_START_TIME by the consumer client itself.
 */
const ADDED_ON_THE_WAY = new Set(['CLUSTER', 'MIN_OFFSET', 'MAX_OFFSET', 'CONSUME_START_TIME']);

function events<T>(run: RunJavaResult, event: string): T[] {
  return run.lines.filter(
    (l): l is T => typeof l === 'object' && l !== null && (l as { event?: unknown }).event === event,
  );
}

function describeRun(program: string, run: RunJavaResult): string {
  return (
    `${program} exited ${String(run.code)}${run.timedOut ? ' (killed: timeout)' : ''}\n` +
    `stdout (tail):\n${run.stdout.slice(-12_000)}\nstderr (tail):\n${run.stderr.slice(-8_000)}`
  );
}

/** Runs a helper program and throws with its output unless it exited 0. */
async function runOk(program: string, args: string[], opts: RunJavaOptions = {}): Promise<RunJavaResult> {
  const run = await runJava(program, args, { timeoutMs: 150_000, ...opts });
  if (run.code !== 0) throw new Error(describeRun(program, run));
  return run;
}

/** Ids delivered more than once, with their counts. */
function duplicates(received: Received[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const m of received) counts.set(m.id ?? m.msgId, (counts.get(m.id ?? m.msgId) ?? 0) + 1);
  return Object.fromEntries([...counts].filter(([, n]) => n > 1));
}

describe('Apache RocketMQ Java client against Skyrocket (core paths)', () => {
  let nameServer: NameServer;
  let namesrvAddr: string;
  let broker: Broker;
  let brokerAddr: string;
  let storeDir: string;
  let client: RemotingClient;

  beforeAll(async () => {
    await ensureCompatBuild();
    ({ nameServer, address: namesrvAddr } = await startNameServer());
    ({ broker, storeDir, address: brokerAddr } = await startBroker(namesrvAddr));
    client = new RemotingClient();
  }, 600_000);

  afterAll(async () => {
    await killAllJavaProcesses();
    await client?.close();
    await broker?.stop();
    await nameServer?.stop();
    if (storeDir) fs.rmSync(storeDir, { recursive: true, force: true });
  }, 60_000);

  /** Creates a topic on the broker directly and waits until the NameServer routes it. */
  async function createTopic(topic: string, queues: number): Promise<void> {
    broker.context.topics.upsert({
      topicName: topic,
      readQueueNums: queues,
      writeQueueNums: queues,
      perm: 6,
      topicFilterType: 'SINGLE_TAG',
      topicSysFlag: 0,
      order: false,
      attributes: {},
    });
    await routed(topic);
  }

  function routed(topic: string) {
    return waitFor(`a route for ${topic} on the NameServer`, () => nameServer.routes.getTopicRoute(topic), {
      timeoutMs: 30_000,
    });
  }

  /** Waits until the broker holds `expected` as the group's committed offset of every queue. */
  async function expectCommittedOffsets(group: string, topic: string, expected: Record<number, number>) {
    const read = () =>
      Object.fromEntries(
        Object.keys(expected).map((q) => [Number(q), broker.context.offsets.query(group, topic, Number(q))]),
      );
    await waitFor(
      `committed offsets of ${group} on ${topic} to be ${JSON.stringify(expected)}`,
      () => Object.entries(expected).every(([q, offset]) => read()[Number(q)] === offset),
      { timeoutMs: 20_000 },
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; broker has ${JSON.stringify(read())}`);
    });
  }

  /** PULL_MESSAGE with the subscription in the header, no suspension: the records the broker returns. */
  async function rawPull(
    topic: string,
    queueId: number,
    queueOffset: number,
    subscription: string,
    max: number,
  ) {
    const response = await client.invoke(
      brokerAddr,
      createRequest(RequestCode.PULL_MESSAGE, {
        extFields: encodeHeader({
          consumerGroup: uniqueName('RawPullGroup'),
          topic,
          queueId,
          queueOffset,
          maxMsgNums: max,
          sysFlag: PullSysFlag.FLAG_SUBSCRIPTION,
          commitOffset: 0,
          suspendTimeoutMillis: 0,
          subscription,
          subVersion: 0,
          expressionType: 'TAG',
        }),
      }),
      10_000,
    );
    if (response.code !== ResponseCode.SUCCESS) {
      expect([ResponseCode.PULL_NOT_FOUND, ResponseCode.PULL_RETRY_IMMEDIATELY]).toContain(response.code);
      return [];
    }
    return decodeRecords(response.body ?? Buffer.alloc(0));
  }

  // One SendVariants run feeds the send, filter and lite-pull-with-tags tests; the first test to need it runs it.
  let variants: Promise<{ topic: string; expected: Expected[]; sends: SendLine[] }> | undefined;
  const sendVariants = () => {
    variants ??= (async () => {
      const topic = uniqueName('SendVariants');
      // The topic does not exist: the first sync send creates it through TBW102 (auto-create).
      const run = await runOk('SendVariants', [namesrvAddr, topic, '6']);
      await routed(topic);
      return { topic, expected: events<Expected>(run, 'expect'), sends: events<SendLine>(run, 'send') };
    })();
    return variants;
  };

  function expectIntact(expected: Expected, got: Received): void {
    const context = `message ${expected.id}`;
    expect({ context, topic: got.topic, tags: got.tags, keys: got.keys, flag: got.flag }).toEqual({
      context,
      topic: expected.topic,
      tags: expected.tags,
      keys: expected.keys,
      flag: expected.flag,
    });
    expect({ context, body: got.bodyB64 }).toEqual({ context, body: expected.bodyB64 });
    const sentProps = Object.fromEntries(
      Object.keys(expected.properties).map((k) => [k, got.properties[k] ?? '<missing>']),
    );
    expect({ context, properties: sentProps }).toEqual({ context, properties: expected.properties });
    const extra = Object.keys(got.properties).filter(
      (k) => !(k in expected.properties) && !ADDED_ON_THE_WAY.has(k),
    );
    expect({ context, extra }).toEqual({ context, extra: [] });
    expect(got.properties.CLUSTER).toBe(broker.context.config.brokerClusterName);
    // The consumer's msgId is the producer's UNIQ_KEY.
    expect(got.msgId).toBe(expected.properties.UNIQ_KEY);
  }

  test('sync, async, oneway and batch sends with tags, keys and properties are received intact', async () => {
    const { topic, expected, sends } = await sendVariants();
    expect(expected.map((e) => e.id).sort()).toEqual(
      ['sync', 'async', 'oneway', 'batch'].flatMap((m) => [0, 1, 2, 3, 4, 5].map((i) => `${m}-${i}`)).sort(),
    );
    // Results: 6 sync + 6 async + 1 batch, all SEND_OK with the offset msgId(s) and the UNIQ_KEY(s).
    expect(sends.map((s) => s.status)).toEqual(Array(13).fill('SEND_OK'));
    const batch = sends.find((s) => s.id === 'batch');
    const batchExpected = expected.filter((e) => e.mode === 'batch').sort((a, b) => a.id.localeCompare(b.id));
    expect(batch?.msgId.split(',')).toEqual(batchExpected.map((e) => e.properties.UNIQ_KEY));
    expect(batch?.offsetMsgId?.split(',')).toHaveLength(6);

    const group = uniqueName('VariantsGroup');
    const run = await runOk('PushConsumers', [namesrvAddr, topic, group, '1', 'CLUSTERING', '*', '24', '90']);
    const received = events<Received>(run, 'message');
    expect(duplicates(received)).toEqual({});
    const byId = new Map(received.map((m) => [m.id, m]));
    expect([...byId.keys()].sort()).toEqual(expected.map((e) => e.id).sort());
    for (const e of expected) expectIntact(e, byId.get(e.id) as Received);

    // The 8 KiB bodies were stored compressed (sysFlag COMPRESSED_FLAG, which the consumer clears when it
    // inflates the body) and came back as sent.
    for (const mode of ['sync', 'async', 'oneway']) {
      const got = byId.get(`${mode}-0`) as Received;
      const [stored] = await rawPull(topic, got.queueId, got.queueOffset, '*', 1);
      expect({ mode, compressed: (stored?.sysFlag ?? 0) & MessageSysFlag.COMPRESSED_FLAG }).toEqual({
        mode,
        compressed: MessageSysFlag.COMPRESSED_FLAG,
      });
      expect(stored?.body.length).toBeLessThan(Buffer.from(got.bodyB64, 'base64').length);
      expect(stored?.properties.get('UNIQ_KEY')).toBe(got.msgId);
    }
    // What the send results said is where the messages are.
    for (const s of sends.filter((s) => s.mode === 'sync' || s.mode === 'async')) {
      const got = byId.get(s.id);
      expect({
        id: s.id,
        queueId: got?.queueId,
        queueOffset: got?.queueOffset,
        offsetMsgId: got?.offsetMsgId,
      }).toEqual({
        id: s.id,
        queueId: s.queueId,
        queueOffset: s.queueOffset,
        offsetMsgId: s.offsetMsgId,
      });
    }
    const batchGot = batchExpected.map((e) => byId.get(e.id) as Received);
    expect(batchGot.map((m) => m.queueOffset)).toEqual(batchGot.map((_, i) => (batch?.queueOffset ?? 0) + i));
    expect(batchGot.map((m) => m.offsetMsgId)).toEqual(batch?.offsetMsgId?.split(','));
    expect(new Set(batchGot.map((m) => m.queueId))).toEqual(new Set([batch?.queueId]));
  }, 240_000);

  test('tag filtering: "TagA || TagB" gets exactly the TagA and TagB messages, the broker filters too', async () => {
    const { topic, expected } = await sendVariants();
    const wanted = expected.filter((e) => e.tags === 'TagA' || e.tags === 'TagB');
    expect(wanted.length).toBeGreaterThan(0);
    expect(wanted.length).toBeLessThan(expected.length);

    // Push consumer (subscription from the heartbeat).
    const pushGroup = uniqueName('TagPushGroup');
    const push = await runOk('PushConsumers', [
      namesrvAddr,
      topic,
      pushGroup,
      '1',
      'CLUSTERING',
      'TagA || TagB',
      String(wanted.length),
      '90',
    ]);
    const pushed = events<Received>(push, 'message');
    expect(duplicates(pushed)).toEqual({});
    expect(pushed.map((m) => m.id).sort()).toEqual(wanted.map((e) => e.id).sort());

    // Lite pull consumer (subscription in every LITE_PULL_MESSAGE header).
    const liteGroup = uniqueName('TagLiteGroup');
    const lite = await runOk('LitePull', [
      namesrvAddr,
      topic,
      liteGroup,
      'subscribe',
      String(wanted.length),
      '90',
      'TagA || TagB',
    ]);
    const pulled = events<Received>(lite, 'message');
    expect(duplicates(pulled)).toEqual({});
    expect(pulled.map((m) => m.id).sort()).toEqual(wanted.map((e) => e.id).sort());

    // The broker itself filters by tag hash code: a raw pull with the subscription returns no TagC record.
    const route = await routed(topic);
    const tags: string[] = [];
    for (let queueId = 0; queueId < (route.queueDatas[0]?.readQueueNums ?? 0); queueId++) {
      for (const record of await rawPull(topic, queueId, 0, 'TagA || TagB', 32)) {
        tags.push(record.properties.get('TAGS') ?? '');
      }
    }
    expect(tags.sort()).toEqual(wanted.map((e) => e.tags).sort());
  }, 240_000);

  test('clustering: two push consumers share the queues; one leaves and the other takes over', async () => {
    const topic = uniqueName('ClusterTopic');
    const group = uniqueName('ClusterGroup');
    await createTopic(topic, 4);
    const run = await runOk(
      'PushConsumers',
      [namesrvAddr, topic, group, '2', 'CLUSTERING', '*', '0', '120', 'produce=40', 'leave=80'],
      // No periodic rebalance within the test: the consumers rebalance only when the broker tells them the
      // group changed (NOTIFY_CONSUMER_IDS_CHANGED) and at start.
      { systemProperties: { 'rocketmq.client.rebalance.waitInterval': '600000' } },
    );
    const [assignment] = events<{ queues: Record<string, number[]> }>(run, 'assignment');
    const { 0: own0 = [], 1: own1 = [] } = assignment?.queues ?? {};
    expect(own0.length).toBeGreaterThan(0);
    expect(own1.length).toBeGreaterThan(0);
    expect([...own0, ...own1].sort()).toEqual([0, 1, 2, 3]);

    const received = events<Received>(run, 'message');
    const phaseA = received.filter((m) => m.id?.startsWith('A-'));
    const phaseB = received.filter((m) => m.id?.startsWith('B-'));
    // Phase A: each consumer got a non-empty share, only from its own queues; together everything, once.
    expect(duplicates(received)).toEqual({});
    const ids = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`).sort();
    expect(phaseA.map((m) => m.id).sort()).toEqual(ids(40, 'A'));
    for (const [consumer, owned] of [own0, own1].entries()) {
      const mine = phaseA.filter((m) => m.consumer === consumer);
      expect(mine.length).toBeGreaterThan(0);
      expect(mine.filter((m) => !owned.includes(m.queueId))).toEqual([]);
    }

    // Phase B: consumer 1 stopped pulling, B messages were sent, consumer 1 left with some of its queues' B
    // messages unconsumed; consumer 0 took over its queues and consumed exactly those.
    const [leaving] = events<{ queues: number[]; consumedB: string[] }>(run, 'leaving');
    expect(leaving?.queues).toEqual(own1);
    expect(events(run, 'takeover')).toHaveLength(1);
    const [after] = events<{ queues: Record<string, number[]> }>(run, 'assignment-after-leave');
    expect(after?.queues).toEqual({ 0: [0, 1, 2, 3] });
    expect(phaseB.map((m) => m.id).sort()).toEqual(ids(80, 'B'));
    const byLeaver = phaseB.filter((m) => m.consumer === 1);
    expect(byLeaver.map((m) => m.id).sort()).toEqual([...(leaving?.consumedB ?? [])].sort());
    expect(byLeaver.filter((m) => !own1.includes(m.queueId))).toEqual([]);
    const takenOver = phaseB.filter((m) => m.consumer === 0 && own1.includes(m.queueId));
    expect(takenOver.length).toBeGreaterThan(0);

    // Both left in the end with their offsets committed: the group is empty and every queue fully consumed.
    await expectCommittedOffsets(group, topic, { 0: 30, 1: 30, 2: 30, 3: 30 });
    await waitFor(
      'the group to have no consumer left',
      () => broker.context.consumers.get(group) === undefined,
    );
  }, 240_000);

  test('broadcasting: every consumer of the group gets every message', async () => {
    const topic = uniqueName('BroadcastTopic');
    const group = uniqueName('BroadcastGroup');
    await createTopic(topic, 4);
    const run = await runOk('PushConsumers', [
      namesrvAddr,
      topic,
      group,
      '2',
      'BROADCASTING',
      '*',
      '0',
      '90',
      'produce=20',
    ]);
    const [assignment] = events<{ queues: Record<string, number[]> }>(run, 'assignment');
    expect(assignment?.queues).toEqual({ 0: [0, 1, 2, 3], 1: [0, 1, 2, 3] });
    const received = events<Received>(run, 'message');
    const ids = Array.from({ length: 20 }, (_, i) => `A-${i}`).sort();
    for (const consumer of [0, 1]) {
      const mine = received.filter((m) => m.consumer === consumer);
      expect(duplicates(mine)).toEqual({});
      expect(mine.map((m) => m.id).sort()).toEqual(ids);
    }
  }, 240_000);

  test('lite pull consumer: assign + seek, and subscribe, with offsets committed to the broker', async () => {
    const topic = uniqueName('LiteTopic');
    await createTopic(topic, 4);
    const sent = await produce(namesrvAddr, topic, 40);
    if (sent.run.code !== 0) throw new Error(describeRun('Produce', sent.run));
    const maxOffsets: Record<number, number> = {};
    for (const s of sent.sends)
      maxOffsets[s.queueId] = Math.max(maxOffsets[s.queueId] ?? 0, s.queueOffset + 1);
    expect(Object.keys(maxOffsets)).toHaveLength(4);

    // assign: all queues, seek each to offset 3 → exactly the messages at offsets ≥ 3; then queue rewound to 0.
    const seek = 3;
    const afterSeek = sent.sends.filter((s) => s.queueOffset >= seek);
    const assignGroup = uniqueName('LiteAssignGroup');
    const assigned = await runOk('LitePull', [
      namesrvAddr,
      topic,
      assignGroup,
      'assign',
      String(afterSeek.length),
      '90',
      String(seek),
    ]);
    const queueLines = events<{ queueId: number; offsetForTimestamp0: number }>(assigned, 'queue');
    expect(queueLines.map((q) => q.offsetForTimestamp0)).toEqual([0, 0, 0, 0]);
    const stage1 = events<Received>(assigned, 'message').filter((m) => m.stage === 1);
    expect(duplicates(stage1)).toEqual({});
    expect(stage1.map((m) => m.body).sort()).toEqual(afterSeek.map((s) => s.body).sort());
    expect(stage1.filter((m) => m.queueOffset < seek)).toEqual([]);
    const [rewind] = events<{ queueId: number; until: number }>(assigned, 'rewind');
    const again = events<Received>(assigned, 'message').filter(
      (m) => m.stage === 2 && m.queueId === rewind?.queueId,
    );
    expect([...new Set(again.map((m) => m.queueOffset))].sort((a, b) => a - b)).toEqual(
      Array.from({ length: maxOffsets[rewind?.queueId ?? -1] ?? -1 }, (_, i) => i),
    );
    await expectCommittedOffsets(assignGroup, topic, maxOffsets);

    // subscribe: a new group reads everything from the first offset.
    const subscribeGroup = uniqueName('LiteSubscribeGroup');
    const subscribed = await runOk('LitePull', [namesrvAddr, topic, subscribeGroup, 'subscribe', '40', '90']);
    const got = events<Received>(subscribed, 'message');
    expect(duplicates(got)).toEqual({});
    expect(got.map((m) => m.body).sort()).toEqual(sent.sends.map((s) => s.body).sort());
    await expectCommittedOffsets(subscribeGroup, topic, maxOffsets);
  }, 240_000);

  test('orderly consumption keeps the order of every sharding key', async () => {
    const topic = uniqueName('OrderTopic');
    const group = uniqueName('OrderGroup');
    await createTopic(topic, 4);
    const keys = 6;
    const perKey = 15;
    const run = await runOk('OrderlyConsume', [
      namesrvAddr,
      topic,
      group,
      '2',
      String(keys),
      String(perKey),
      '120',
    ]);
    const [assignment] = events<{ queues: Record<string, number[]> }>(run, 'assignment');
    const { 0: own0 = [], 1: own1 = [] } = assignment?.queues ?? {};
    expect(own0.length).toBeGreaterThan(0);
    expect(own1.length).toBeGreaterThan(0);
    expect([...own0, ...own1].sort()).toEqual([0, 1, 2, 3]);

    const sends = events<SendLine & { shard: string; seq: number }>(run, 'send');
    expect(sends).toHaveLength(keys * perKey);
    const received = events<Received>(run, 'message');
    expect(duplicates(received)).toEqual({});
    expect(received).toHaveLength(keys * perKey);
    for (let k = 0; k < keys; k++) {
      const shard = `k${k}`;
      const queueOfKey = new Set(sends.filter((s) => s.shard === shard).map((s) => s.queueId));
      expect(queueOfKey.size).toBe(1);
      const mine = received.filter((m) => m.properties.shard === shard);
      // Delivered in send order, by the one consumer that owns (and locked) the key's queue.
      expect({ shard, seqs: mine.map((m) => Number(m.properties.seq)) }).toEqual({
        shard,
        seqs: Array.from({ length: perKey }, (_, i) => i),
      });
      const [queueId] = [...queueOfKey];
      const owner = own0.includes(queueId ?? -1) ? 0 : 1;
      expect(new Set(mine.map((m) => m.consumer))).toEqual(new Set([owner]));
      expect(mine.every((m) => m.contextQueueId === queueId)).toBe(true);
    }
  }, 240_000);
});
