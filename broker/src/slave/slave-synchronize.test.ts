import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger, type Logger } from '@skyrocket/common';
import {
  createResponse,
  encodeHeader,
  RemotingClient,
  RemotingServer,
  RequestCode,
  ResponseCode,
  type RequestProcessor,
} from '@skyrocket/remoting';
import { MemoryMessageStore } from '@skyrocket/store';
import { FakeClock } from '../../../common/src/testing/fake-clock';
import { waitFor } from '../../../test/harness/wait-for';
import { ConsumerOffsetManager } from '../offset/consumer-offset-manager';
import { getAllConsumerOffsetProcessor } from '../processors/admin-consumer.processor';
import { getAllSubscriptionGroupProcessor } from '../processors/admin-subscription-group.processor';
import { getAllTopicConfigProcessor } from '../processors/admin-topic.processor';
import { getAllDelayOffsetProcessor } from '../processors/get-all-delay-offset.processor';
import type { BrokerContext } from '../processors/processor';
import { DELAY_OFFSET_FILE, ScheduleMessageService } from '../schedule/schedule-message-service';
import { subscriptionGroup, SubscriptionGroupManager } from '../subscription/subscription-group-manager';
import { Perm, topicConfig, TopicConfigManager } from '../topic/topic-config-manager';
import { SlaveSynchronize, type SlaveSynchronizeOptions } from './slave-synchronize';

const LEVELS = [1000, 5000, 10_000];
const STORE_HOST = { address: '127.0.0.1', port: 10911 };
const MASTER_VERSION = { stateVersion: 0, timestamp: 1_700_000_000_321, counter: 7 };

/** One broker's metadata managers over their own store directory. */
interface BrokerMetadata {
  storeRoot: string;
  clock: FakeClock;
  topics: TopicConfigManager;
  offsets: ConsumerOffsetManager;
  groups: SubscriptionGroupManager;
  schedule: ScheduleMessageService;
}

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function metadata(storeRoot: string, autoCreateTopicEnable: boolean): BrokerMetadata {
  const clock = new FakeClock();
  const logger = silentLogger();
  return {
    storeRoot,
    clock,
    topics: new TopicConfigManager({
      storeRoot,
      clock,
      logger,
      clusterName: 'DefaultCluster',
      brokerName: 'broker-a',
      autoCreateTopicEnable,
      defaultTopicQueueNums: 8,
      delayLevels: LEVELS.length,
    }),
    offsets: new ConsumerOffsetManager({ storeRoot, clock, logger }),
    groups: new SubscriptionGroupManager({ storeRoot, autoCreate: true, retryMaxTimes: 16, logger }),
    schedule: new ScheduleMessageService({
      store: new MemoryMessageStore({ storeHost: STORE_HOST, clock }),
      delayLevels: LEVELS,
      storeRoot,
      clock,
      logger,
    }),
  };
}

function tempDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `skyrocket-${name}-`));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * The master: real managers behind a real RemotingServer answering with the broker's own GET_ALL_* processors.
 * Its delay progress is what a running master persisted: its schedule service is started over that file, on a
 * fake clock that never moves, so no delivery turn changes it.
 */
class Master {
  readonly storeRoot = tempDir('master');
  readonly requests: number[] = [];
  meta: BrokerMetadata;
  server: RemotingServer;
  port = 0;

  constructor() {
    // A master without autoCreateTopicEnable has no TBW102, which the slave's own built-ins include.
    this.meta = metadata(this.storeRoot, false);
    this.server = this.#server();
    cleanups.push(() => this.stop());
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async listen(port = 0): Promise<void> {
    this.port = (await this.server.listen()).port;
    if (port !== 0 && port !== this.port) throw new Error(`master came back on ${this.port}, not ${port}`);
  }

  async stop(): Promise<void> {
    await this.server.close();
    await this.meta.schedule.stop();
  }

  /** Closes the socket; a later restart() listens on the same port again. */
  async restart(): Promise<void> {
    await this.server.close();
    this.server = this.#server(this.port);
    await this.listen(this.port);
  }

  /** Replaces the master's delay progress as if its schedule service had delivered up to there. */
  async setDelayOffsets(offsetTable: Record<string, number>, counter: number): Promise<void> {
    await this.meta.schedule.stop();
    const file = path.join(this.storeRoot, DELAY_OFFSET_FILE);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ offsetTable, dataVersion: { ...MASTER_VERSION, counter } }));
    this.meta = { ...this.meta, schedule: metadata(this.storeRoot, false).schedule };
    this.meta.schedule.start();
  }

  #server(port = 0): RemotingServer {
    const server = new RemotingServer({ name: 'master', host: '127.0.0.1', port });
    // The GET_ALL_* processors read only these fields of the context. Getters: they see the managers of the moment.
    const meta = (): BrokerMetadata => this.meta;
    const context: Pick<BrokerContext, 'topics' | 'offsets' | 'groups' | 'clock'> = {
      get topics() {
        return meta().topics;
      },
      get offsets() {
        return meta().offsets;
      },
      get groups() {
        return meta().groups;
      },
      clock: this.meta.clock,
    };
    const processors: Array<[number, RequestProcessor]> = [
      [RequestCode.GET_ALL_TOPIC_CONFIG, getAllTopicConfigProcessor(context as BrokerContext)],
      [RequestCode.GET_ALL_CONSUMER_OFFSET, getAllConsumerOffsetProcessor(context as BrokerContext)],
      [
        RequestCode.GET_ALL_DELAY_OFFSET,
        getAllDelayOffsetProcessor({ wrapper: () => meta().schedule.wrapper() }),
      ],
      [
        RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG,
        getAllSubscriptionGroupProcessor(context as BrokerContext),
      ],
    ];
    for (const [code, processor] of processors) {
      server.registerProcessor(code, (request, connection) => {
        this.requests.push(code);
        return processor(request, connection);
      });
    }
    return server;
  }
}

/** Topics, offsets, groups and delay progress as a master has them after some use. */
async function populate(master: Master): Promise<void> {
  const { topics, offsets, groups } = master.meta;
  topics.upsert({ ...topicConfig('Orders', 4, Perm.READ | Perm.WRITE), order: true });
  topics.upsert({ ...topicConfig('Audit', 2, Perm.READ), readQueueNums: 3, topicFilterType: 'MULTI_TAG' });
  topics.upsert({ ...topicConfig('Fifo', 1), attributes: { 'message.type': 'FIFO' } });
  offsets.commit('Billing', 'Orders', 0, 12);
  offsets.commit('Billing', 'Orders', 3, 40);
  offsets.commit('Reports', 'Audit', 1, 5);
  groups.upsert({ ...subscriptionGroup('Billing', 3), consumeBroadcastEnable: false });
  groups.upsert({ ...subscriptionGroup('Reports', 16), brokerId: 1, whichBrokerWhenConsumeSlowly: 1 });
  await master.setDelayOffsets({ '1': 4, '3': 9 }, 7);
}

/** A logger whose children (the sync logs through one) record their warn and info calls. */
function spiedLogger(): { logger: Logger; warn: jest.Mock; info: jest.Mock } {
  const logger = silentLogger();
  const warn = jest.fn();
  const info = jest.fn();
  const child = logger.child.bind(logger);
  jest.spyOn(logger, 'child').mockImplementation((bindings, options) => {
    const created = child(bindings, options);
    jest.spyOn(created, 'warn').mockImplementation(warn);
    jest.spyOn(created, 'info').mockImplementation(info);
    return created;
  });
  return { logger, warn, info };
}

function slaveOf(options: Partial<SlaveSynchronizeOptions> = {}) {
  const meta = metadata(tempDir('slave'), true);
  const client = new RemotingClient({ connectTimeoutMs: 2000 });
  cleanups.push(() => client.close());
  const { logger, warn, info } = spiedLogger();
  const sync = new SlaveSynchronize({
    client,
    topics: meta.topics,
    offsets: meta.offsets,
    schedule: meta.schedule,
    groups: meta.groups,
    clock: meta.clock,
    logger,
    requestTimeoutMs: 2000,
    ...options,
  });
  cleanups.push(() => sync.stop());
  return { meta, client, sync, warn, info };
}

/** A populated master and a slave that has synced from it once. */
async function syncedPair() {
  const master = new Master();
  await master.listen();
  await populate(master);
  const slave = slaveOf();
  slave.sync.setMasterAddress(master.address);
  await slave.sync.syncAll();
  return { master, slave };
}

/** A built-in topic of the slave's config that the master's config does not have. */
function slaveBuiltIn(name: 'TBW102') {
  return topicConfig(name, 8, Perm.INHERIT | Perm.READ | Perm.WRITE);
}

/** Everything a slave serves, as plain values. */
function tables(meta: BrokerMetadata) {
  return {
    topics: meta.topics.table(),
    offsets: meta.offsets.wrapper(),
    delayOffsets: meta.schedule.wrapper(),
    groups: meta.groups.all(),
  };
}

function expectSameTables(slave: BrokerMetadata, master: BrokerMetadata): void {
  expect(slave.topics.table()).toEqual(master.topics.table());
  expect(slave.offsets.wrapper()).toEqual(master.offsets.wrapper());
  expect(slave.schedule.wrapper()).toEqual(master.schedule.wrapper());
  expect(slave.groups.all()).toEqual(master.groups.all());
}

describe('SlaveSynchronize', () => {
  test('copies topics, consumer offsets, delay offsets and subscription groups from the master, and persists them', async () => {
    const master = new Master();
    await master.listen();
    await populate(master);
    const slave = slaveOf();
    slave.meta.groups.findOrCreate('SlaveOnlyGroup');
    slave.meta.offsets.commit('SlaveOnlyGroup', 'Orders', 0, 99);
    const builtInBefore = slave.meta.topics.get('TBW102');
    const versionBefore = slave.meta.topics.dataVersion;
    const registrations: unknown[] = [];
    slave.meta.topics.onChange((topic) => registrations.push(topic));
    slave.sync.setMasterAddress(master.address);

    await slave.sync.syncAll();

    expectSameTables(slave.meta, master.meta);
    expect(slave.meta.topics.get('Audit')).toEqual({
      ...topicConfig('Audit', 2, Perm.READ),
      readQueueNums: 3,
      topicFilterType: 'MULTI_TAG',
    });
    // The slave's own built-in the master lacks is gone, as SlaveSynchronize.syncTopicConfig removes it.
    expect(builtInBefore).toEqual(slaveBuiltIn('TBW102'));
    expect(slave.meta.topics.get('TBW102')).toBeUndefined();
    expect(slave.meta.topics.dataVersion.counter).toBe(versionBefore.counter + 1);
    expect(registrations).toHaveLength(1);
    expect(slave.meta.schedule.wrapper().dataVersion).toEqual({ ...MASTER_VERSION, counter: 7 });
    expect(slave.sync.status()).toMatchObject({ masterAddress: master.address, failures: {} });
    expect(slave.warn).not.toHaveBeenCalled();

    // A broker restarted on the slave's directory reads every table back. Its topic manager adds back the built-ins
    // its own config asks for (TBW102 here) until the next sync removes them again.
    const topicsFile = JSON.parse(
      fs.readFileSync(path.join(slave.meta.storeRoot, 'config', 'topics.json'), 'utf8'),
    ) as { topicConfigTable: unknown };
    expect(topicsFile.topicConfigTable).toEqual(master.meta.topics.table());
    const reread = metadata(slave.meta.storeRoot, true);
    reread.schedule.start();
    cleanups.push(() => reread.schedule.stop());
    expect(reread.topics.table()).toEqual({ ...master.meta.topics.table(), TBW102: slaveBuiltIn('TBW102') });
    expect(reread.offsets.wrapper()).toEqual(master.meta.offsets.wrapper());
    expect(reread.schedule.wrapper()).toEqual(master.meta.schedule.wrapper());
    expect(reread.groups.all()).toEqual(master.meta.groups.all());
  });

  test('a second sync picks up what changed on the master, and an unchanged master changes nothing', async () => {
    const { master, slave } = await syncedPair();

    const version = slave.meta.topics.dataVersion;
    await slave.sync.syncAll();
    expect(slave.meta.topics.dataVersion).toEqual(version);

    master.meta.topics.delete('Fifo');
    master.meta.topics.upsert(topicConfig('Orders', 8, Perm.READ));
    master.meta.topics.upsert(topicConfig('Refunds', 2));
    master.meta.offsets.commit('Billing', 'Orders', 0, 30);
    master.meta.offsets.removeGroup('Reports');
    master.meta.groups.delete('Reports');
    master.meta.groups.upsert({ ...subscriptionGroup('Billing', 5), consumeEnable: false });
    await master.setDelayOffsets({ '1': 6, '2': 1, '3': 9 }, 8);

    await slave.sync.syncAll();

    expectSameTables(slave.meta, master.meta);
    expect(slave.meta.topics.get('Fifo')).toBeUndefined();
    expect(slave.meta.topics.get('Orders')).toMatchObject({
      readQueueNums: 8,
      writeQueueNums: 8,
      perm: Perm.READ,
    });
    expect(slave.meta.offsets.query('Reports', 'Audit', 1)).toBe(-1);
    expect(slave.meta.offsets.query('Billing', 'Orders', 0)).toBe(30);
    expect(slave.meta.schedule.wrapper().offsetTable).toEqual({ '1': 6, '2': 1, '3': 9 });
    expect(slave.meta.topics.dataVersion.counter).toBe(version.counter + 1);
  });

  test('a master that is down leaves the tables unchanged, is logged once per failure streak, and is retried', async () => {
    const { master, slave } = await syncedPair();
    const before = tables(slave.meta);
    master.meta.topics.upsert(topicConfig('AddedWhileDown', 1));
    await master.server.close();

    await slave.sync.syncAll();
    await slave.sync.syncAll();

    expect(tables(slave.meta)).toEqual(before);
    expect(slave.warn).toHaveBeenCalledTimes(1);
    const [fields, message] = slave.warn.mock.calls[0] as [{ failures: Record<string, string> }, string];
    expect(message).toMatch(/metadata sync with the master failed/);
    expect(Object.keys(fields.failures).sort()).toEqual([
      'consumerOffsets',
      'delayOffsets',
      'subscriptionGroups',
      'topics',
    ]);
    // The connection the first sync used is closed under it, or it cannot connect.
    expect(fields.failures.topics).toMatch(/connect.* 127\.0\.0\.1:\d+ /);
    expect(slave.sync.status().failures.topics).toMatch(/connect.* 127\.0\.0\.1:\d+ /);

    await master.restart();
    slave.info.mockClear();
    await slave.sync.syncAll();

    expectSameTables(slave.meta, master.meta);
    expect(slave.meta.topics.get('AddedWhileDown')).toBeDefined();
    expect(slave.info).toHaveBeenCalledWith(expect.anything(), 'metadata sync with the master works again');
    expect(slave.sync.status().failures).toEqual({});
  });

  test.each([
    [
      'bodies that are not what the request code answers',
      {
        [RequestCode.GET_ALL_TOPIC_CONFIG]: { body: 'not json at all' },
        [RequestCode.GET_ALL_CONSUMER_OFFSET]: { body: '{"offsetTable":{"Orders@Billing":{"0":"twelve"}}}' },
        [RequestCode.GET_ALL_DELAY_OFFSET]: { body: '{"offsetTable":{"0":5}}' },
        [RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG]: { body: '[]' },
      },
      {
        topics: /not JSON/,
        consumerOffsets: /offsetTable\["Orders@Billing"\]\["0"\]/,
        delayOffsets: /offsetTable\["0"\]: the key is not an integer of at least 1/,
        subscriptionGroups: /body is not an object/,
      },
    ],
    [
      'tables with one bad entry among good ones (nothing is half-replaced)',
      {
        [RequestCode.GET_ALL_TOPIC_CONFIG]: {
          body: JSON.stringify({
            topicConfigTable: { Good: topicConfig('Good', 4), Bad: { ...topicConfig('Bad', 4), perm: 'rw' } },
          }),
        },
        [RequestCode.GET_ALL_CONSUMER_OFFSET]: {
          body: '{"offsetTable":{"Orders@Billing":{"0":1},"no-at-sign":{"0":1}}}',
        },
        [RequestCode.GET_ALL_DELAY_OFFSET]: { body: '{"offsetTable":{"1":1,"2":-4}}' },
        [RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG]: {
          body: JSON.stringify({
            subscriptionGroupTable: {
              Good: subscriptionGroup('Good', 16),
              Renamed: subscriptionGroup('Other', 16),
            },
          }),
        },
      },
      {
        topics: /topicConfigTable\["Bad"\]\.perm/,
        consumerOffsets: /"no-at-sign" is not topic@group/,
        delayOffsets: /offsetTable\["2"\]/,
        subscriptionGroups: /subscriptionGroupTable\["Renamed"\] is named "Other"/,
      },
    ],
    [
      'one page of a split table, error codes and a body cut short',
      {
        [RequestCode.GET_ALL_TOPIC_CONFIG]: {
          body: JSON.stringify({ topicConfigTable: { Good: topicConfig('Good', 4) } }),
          extFields: { totalTopicNum: '2' },
        },
        [RequestCode.GET_ALL_CONSUMER_OFFSET]: { body: '{"offsetTable":{"Orders@Billing":{0:12}' },
        [RequestCode.GET_ALL_DELAY_OFFSET]: { code: ResponseCode.SYSTEM_ERROR, remark: 'disk on fire' },
        [RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG]: { body: '' },
      },
      {
        topics: /totalTopicNum is 2 but the body holds 1/,
        consumerOffsets: /not JSON/,
        delayOffsets: /GET_ALL_DELAY_OFFSET answered code 1: disk on fire/,
        subscriptionGroups: /no body/,
      },
    ],
  ])('a malformed answer changes nothing: %s', async (_what, answers, reasons) => {
    const { slave } = await syncedPair();
    const before = tables(slave.meta);
    const files = fs.readdirSync(path.join(slave.meta.storeRoot, 'config')).map((file) => {
      const full = path.join(slave.meta.storeRoot, 'config', file);
      return [file, fs.readFileSync(full, 'utf8')] as const;
    });

    const fake = new RemotingServer({ name: 'fake-master', host: '127.0.0.1', port: 0 });
    cleanups.push(() => fake.close());
    for (const [code, answer] of Object.entries(answers)) {
      const {
        body,
        code: responseCode,
        remark,
        extFields,
      } = answer as {
        body?: string;
        code?: number;
        remark?: string;
        extFields?: Record<string, string>;
      };
      fake.registerProcessor(Number(code), (request) =>
        createResponse(request, responseCode ?? ResponseCode.SUCCESS, {
          body: body === undefined ? undefined : Buffer.from(body),
          remark,
          extFields: extFields ? encodeHeader(extFields) : undefined,
        }),
      );
    }
    const { port } = await fake.listen();
    slave.sync.setMasterAddress(`127.0.0.1:${port}`);

    await slave.sync.syncAll();

    expect(tables(slave.meta)).toEqual(before);
    for (const [file, content] of files) {
      expect(fs.readFileSync(path.join(slave.meta.storeRoot, 'config', file), 'utf8')).toBe(content);
    }
    const failures = slave.sync.status().failures;
    for (const [table, reason] of Object.entries(reasons)) {
      expect(failures[table as keyof typeof failures]).toMatch(reason);
    }
    expect(slave.warn).toHaveBeenCalledTimes(1);
  });

  test("reads a Java master's fastjson bodies, whose offset tables have unquoted integer keys", async () => {
    const slave = slaveOf();
    const java = new RemotingServer({ name: 'java-master', host: '127.0.0.1', port: 0 });
    cleanups.push(() => java.close());
    const answers: Record<number, string> = {
      [RequestCode.GET_ALL_TOPIC_CONFIG]: JSON.stringify({
        topicConfigTable: { Orders: topicConfig('Orders', 4) },
      }),
      // As fastjson writes ConcurrentMap<Integer, Long> (ConsumerOffsetManager, ScheduleMessageService).
      [RequestCode.GET_ALL_CONSUMER_OFFSET]: '{"offsetTable":{"Orders@Billing":{0:12,3:40}}}',
      [RequestCode.GET_ALL_DELAY_OFFSET]:
        '{"dataVersion":{"counter":1,"stateVersion":0,"timestamp":1700000000000},"offsetTable":{1:5,3:9}}',
      [RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG]: JSON.stringify({ subscriptionGroupTable: {} }),
    };
    for (const [code, body] of Object.entries(answers)) {
      java.registerProcessor(Number(code), (request) =>
        createResponse(request, ResponseCode.SUCCESS, { body: Buffer.from(body) }),
      );
    }
    const { port } = await java.listen();
    slave.sync.setMasterAddress(`127.0.0.1:${port}`);

    await slave.sync.syncAll();

    expect(slave.sync.status().failures).toEqual({});
    expect(slave.meta.offsets.query('Billing', 'Orders', 3)).toBe(40);
    expect(slave.meta.schedule.wrapper().offsetTable).toEqual({ 1: 5, 3: 9 });
  });

  test('the timer syncs only while a master is known, at most once per interval, and at once for a new master', async () => {
    const master = new Master();
    await master.listen();
    await populate(master);
    const slave = slaveOf({ checkIntervalMs: 1000, syncIntervalMs: 10_000 });
    const invoke = jest.spyOn(slave.client, 'invoke');
    const clock = slave.meta.clock;
    slave.sync.start();

    clock.advance(5000);
    expect(invoke).not.toHaveBeenCalled();

    slave.sync.setMasterAddress(master.address);
    clock.advance(1000);
    expect(invoke).toHaveBeenCalledTimes(4);
    await waitFor('the first sync', () => slave.sync.status().lastSyncTimestamp !== undefined);
    expectSameTables(slave.meta, master.meta);

    master.meta.topics.upsert(topicConfig('LateTopic', 2));
    clock.advance(9000);
    expect(invoke).toHaveBeenCalledTimes(4);
    clock.advance(1000);
    expect(invoke).toHaveBeenCalledTimes(8);
    await waitFor('the topic created on the master', () => slave.meta.topics.get('LateTopic'));

    // The master is gone from the NameServer's answer: no sync, however long.
    slave.sync.setMasterAddress('');
    clock.advance(60_000);
    expect(invoke).toHaveBeenCalledTimes(8);

    await slave.sync.stop();
    slave.sync.setMasterAddress(master.address);
    clock.advance(60_000);
    expect(invoke).toHaveBeenCalledTimes(8);
    expect(master.requests).toHaveLength(8);
  });
});
