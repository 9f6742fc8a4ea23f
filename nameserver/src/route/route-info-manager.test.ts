import { FakeClock } from '../../../common/src/testing/fake-clock';
import { RouteInfoManager, type RegisterBrokerInput } from './route-info-manager';
import { TopicConfigSchema } from './route-data';

const topic = (name: string, queues = 4, perm = 6) =>
  TopicConfigSchema.parse({ topicName: name, readQueueNums: queues, writeQueueNums: queues, perm });

function registration(overrides: Partial<RegisterBrokerInput> = {}): RegisterBrokerInput {
  return {
    clusterName: 'DefaultCluster',
    brokerName: 'broker-a',
    brokerAddr: '10.0.0.1:10911',
    brokerId: 0,
    haServerAddr: '10.0.0.1:10912',
    dataVersion: { stateVersion: 0, timestamp: 1, counter: 1 },
    topicConfigs: [topic('TopicA'), topic('TBW102', 8, 7)],
    filterServerList: [],
    ...overrides,
  };
}

describe('RouteInfoManager', () => {
  let clock: FakeClock;
  let routes: RouteInfoManager;
  beforeEach(() => {
    clock = new FakeClock();
    routes = new RouteInfoManager(clock);
  });

  it('builds topic routes from a master registration', () => {
    expect(routes.registerBroker(registration())).toEqual({ ok: true });
    expect(routes.getTopicRoute('TopicA')).toEqual({
      orderTopicConf: null,
      queueDatas: [{ brokerName: 'broker-a', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }],
      brokerDatas: [
        {
          cluster: 'DefaultCluster',
          brokerName: 'broker-a',
          brokerAddrs: { '0': '10.0.0.1:10911' },
          zoneName: null,
          enableActingMaster: false,
        },
      ],
      filterServerTable: {},
    });
    expect(routes.getTopicRoute('Nope')).toBeUndefined();
    expect(routes.getAllTopics()).toEqual(['TBW102', 'TopicA']);
    expect(routes.getClusterInfo().clusterAddrTable).toEqual({ DefaultCluster: ['broker-a'] });
  });

  it('lists slaves by brokerId and tells a slave where its master and HA port are', () => {
    routes.registerBroker(registration());
    const slave = routes.registerBroker(
      registration({
        brokerId: 1,
        brokerAddr: '10.0.0.2:10911',
        haServerAddr: '10.0.0.2:10912',
        topicConfigs: [],
      }),
    );
    expect(slave).toEqual({ ok: true, masterAddr: '10.0.0.1:10911', haServerAddr: '10.0.0.1:10912' });
    expect(routes.getTopicRoute('TopicA')?.brokerDatas[0]?.brokerAddrs).toEqual({
      '0': '10.0.0.1:10911',
      '1': '10.0.0.2:10911',
    });
  });

  it('ignores topic configs from slaves', () => {
    routes.registerBroker(registration({ brokerId: 1, topicConfigs: [topic('FromSlave'), topic('Other')] }));
    expect(routes.getTopicRoute('FromSlave')).toBeUndefined();
  });

  it('refuses a first registration that carries exactly one topic', () => {
    expect(routes.registerBroker(registration({ topicConfigs: [topic('Only')] }))).toEqual({
      ok: false,
      reason: 'register broker failed',
    });
    expect(routes.getClusterInfo().brokerAddrTable).toEqual({});
  });

  it('updates queue data when the data version changes, keeps it otherwise', () => {
    routes.registerBroker(registration());
    routes.registerBroker(registration({ topicConfigs: [topic('TopicA', 8), topic('TBW102', 8, 7)] }));
    expect(routes.getTopicRoute('TopicA')?.queueDatas[0]?.writeQueueNums).toBe(4);
    routes.registerBroker(
      registration({
        dataVersion: { stateVersion: 0, timestamp: 2, counter: 2 },
        topicConfigs: [topic('TopicA', 8), topic('TBW102', 8, 7)],
      }),
    );
    expect(routes.getTopicRoute('TopicA')?.queueDatas[0]?.writeQueueNums).toBe(8);
  });

  it('moves an address that changed role from its old id', () => {
    routes.registerBroker(registration({ brokerId: 1, topicConfigs: [] }));
    routes.registerBroker(registration({ brokerId: 0 }));
    expect(routes.getClusterInfo().brokerAddrTable['broker-a']?.brokerAddrs).toEqual({
      '0': '10.0.0.1:10911',
    });
  });

  it('drops brokers silent past their heartbeat timeout, each with its own timeout', () => {
    routes.registerBroker(registration());
    routes.registerBroker(
      registration({
        brokerName: 'broker-b',
        brokerAddr: '10.0.0.3:10911',
        heartbeatTimeoutMillis: 10_000,
        topicConfigs: [topic('TopicA'), topic('TopicB')],
      }),
    );
    clock.advance(10_001);
    expect(routes.scanNotActiveBrokers().map((b) => b.brokerName)).toEqual(['broker-b']);
    expect(routes.getTopicRoute('TopicB')).toBeUndefined();
    expect(routes.getTopicRoute('TopicA')?.brokerDatas.map((b) => b.brokerName)).toEqual(['broker-a']);
    clock.advance(100_000);
    routes.touch('DefaultCluster', '10.0.0.1:10911');
    clock.advance(100_000);
    expect(routes.scanNotActiveBrokers()).toEqual([]);
    clock.advance(20_001);
    expect(routes.scanNotActiveBrokers().map((b) => b.brokerName)).toEqual(['broker-a']);
    expect(routes.getAllTopics()).toEqual([]);
    expect(routes.getClusterInfo()).toEqual({ brokerAddrTable: {}, clusterAddrTable: {} });
  });

  it('drops the brokers of a closed connection, keeping a group alive while a slave remains', () => {
    routes.registerBroker(registration({ connectionId: 1 }));
    routes.registerBroker(
      registration({ brokerId: 1, brokerAddr: '10.0.0.2:10911', topicConfigs: [], connectionId: 2 }),
    );
    expect(routes.onConnectionClosed(1).map((b) => b.brokerAddr)).toEqual(['10.0.0.1:10911']);
    expect(routes.getTopicRoute('TopicA')?.brokerDatas[0]?.brokerAddrs).toEqual({ '1': '10.0.0.2:10911' });
    routes.onConnectionClosed(2);
    expect(routes.getTopicRoute('TopicA')).toBeUndefined();
  });

  it('registers and deletes single topics, per cluster too', () => {
    routes.registerBroker(registration());
    routes.registerBroker(
      registration({ clusterName: 'Other', brokerName: 'broker-x', brokerAddr: '10.0.0.9:10911' }),
    );
    routes.registerTopic('Added', [
      { brokerName: 'broker-a', readQueueNums: 2, writeQueueNums: 2, perm: 6, topicSysFlag: 0 },
      { brokerName: 'unknown-broker', readQueueNums: 2, writeQueueNums: 2, perm: 6, topicSysFlag: 0 },
    ]);
    expect(routes.getTopicRoute('Added')?.queueDatas.map((q) => q.brokerName)).toEqual(['broker-a']);
    expect(routes.getTopicsByCluster('Other')).toEqual(['TBW102', 'TopicA']);
    routes.deleteTopic('TopicA', 'Other');
    expect(routes.getTopicRoute('TopicA')?.brokerDatas.map((b) => b.brokerName)).toEqual(['broker-a']);
    routes.deleteTopic('TopicA');
    expect(routes.getTopicRoute('TopicA')).toBeUndefined();
  });

  it('wipes and restores write permission of a broker', () => {
    routes.registerBroker(registration());
    expect(routes.setBrokerWritePermission('broker-a', false)).toBe(2);
    expect(routes.getTopicRoute('TopicA')?.queueDatas[0]?.perm).toBe(4);
    routes.setBrokerWritePermission('broker-a', true);
    expect(routes.getTopicRoute('TopicA')?.queueDatas[0]?.perm).toBe(6);
  });
});

describe('RouteInfoManager.routeVersion', () => {
  it('changes with every mutation of the route tables and not on reads or touches', () => {
    const clock = new FakeClock();
    const routes = new RouteInfoManager(clock);
    const v0 = routes.routeVersion;
    routes.registerBroker(registration());
    const v1 = routes.routeVersion;
    expect(v1).not.toBe(v0);
    routes.getTopicRoute('TopicA');
    routes.touch('DefaultCluster', '10.0.0.1:10911');
    expect(routes.routeVersion).toBe(v1);
    for (const mutate of [
      () => routes.setBrokerWritePermission('broker-a', false),
      () => routes.registerTopic('X', []),
      () => routes.deleteTopic('X'),
      () =>
        routes.unregisterBroker({
          clusterName: 'DefaultCluster',
          brokerName: 'broker-a',
          brokerAddr: '10.0.0.1:10911',
          brokerId: 0,
        }),
    ]) {
      const before = routes.routeVersion;
      mutate();
      expect(routes.routeVersion).not.toBe(before);
    }
  });
});
