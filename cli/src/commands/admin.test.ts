import type { AdminPort, MessageView } from '../admin-port';
import { run } from '../program';
import { memoryIo } from '../testing/memory-io';
import { parseTimestamp } from './admin';

/** A fake cluster: one topic on two brokers, one group. Records what the commands asked for. */
function fakeAdmin(): AdminPort & { calls: string[]; closed: number } {
  const calls: string[] = [];
  const message: MessageView = {
    msgId: 'ID1',
    topic: 'Orders',
    tags: 'A',
    keys: 'k1',
    brokerName: 'broker-a',
    queueId: 1,
    queueOffset: 7,
    bornTimestamp: 0,
    storeTimestamp: 1000,
    properties: { color: 'red' },
    body: Buffer.from('hello'),
  };
  const admin = {
    calls,
    closed: 0,
    putTopic: (input: { topic: string; clusterName?: string | undefined }) => {
      calls.push(`put ${input.topic} ${input.clusterName ?? '-'}`);
      return Promise.resolve(['127.0.0.1:10911']);
    },
    topicExists: (topic: string) => Promise.resolve(topic === 'Orders'),
    deleteTopic: (topic: string) => {
      calls.push(`delete ${topic}`);
      return Promise.resolve();
    },
    listTopics: () => Promise.resolve(['Orders', 'Audit']),
    topicRoute: (topic: string) =>
      Promise.resolve({
        topic,
        brokers: [{ cluster: 'C', brokerName: 'broker-a', brokerId: 0, address: '127.0.0.1:10911' }],
        queues: [{ brokerName: 'broker-a', readQueueNums: 8, writeQueueNums: 8, perm: 6, topicSysFlag: 0 }],
      }),
    topicStatus: () =>
      Promise.resolve([
        { brokerName: 'broker-b', queueId: 0, minOffset: 0, maxOffset: 5, lastUpdateTimestamp: 0 },
        { brokerName: 'broker-a', queueId: 1, minOffset: 2, maxOffset: 10, lastUpdateTimestamp: 1000 },
      ]),
    clusters: () =>
      Promise.resolve([
        { cluster: 'C', brokerName: 'broker-a', brokerId: 1, address: '10.0.0.2:10911' },
        { cluster: 'C', brokerName: 'broker-a', brokerId: 0, address: '10.0.0.1:10911' },
      ]),
    groups: () => Promise.resolve(['g2', 'g1']),
    groupProgress: () =>
      Promise.resolve([
        { topic: 'Orders', brokerName: 'broker-a', queueId: 1, brokerOffset: 10, consumerOffset: 4, lag: 6 },
        { topic: 'Orders', brokerName: 'broker-a', queueId: 0, brokerOffset: 5, consumerOffset: 5, lag: 0 },
      ]),
    resetOffsetByTimestamp: (group: string, topic: string, timestamp: number) => {
      calls.push(`reset ${group} ${topic} ${timestamp}`);
      return Promise.resolve([{ brokerName: 'broker-a', queueId: 0, offset: 3 }]);
    },
    queryMessageById: () => Promise.resolve(message),
    queryMessagesByKey: () => Promise.resolve([] as MessageView[]),
    close() {
      admin.closed++;
      return Promise.resolve();
    },
  };
  return admin;
}

async function cli(argv: string[], env: Record<string, string> = {}) {
  const io = memoryIo(env);
  const admin = fakeAdmin();
  const addresses: string[] = [];
  const code = await run(argv, io, {
    openAdmin: (namesrvAddr) => {
      addresses.push(namesrvAddr);
      return Promise.resolve(admin);
    },
  });
  return { code, out: io.out(), err: io.err(), admin, addresses };
}

describe('admin commands (fake cluster)', () => {
  it('topic list: sorted table, JSON with --json, NameServer from NAMESRV_ADDR', async () => {
    const table = await cli(['topic', 'list'], { NAMESRV_ADDR: 'ns:9876' });
    expect(table.code).toBe(0);
    expect(table.out).toBe('topic\nAudit\nOrders\n');
    expect(table.addresses).toEqual(['ns:9876']);
    expect(table.admin.closed).toBe(1);
    const json = await cli(['topic', 'list', '--json', '-n', 'a:1;b:2']);
    expect(JSON.parse(json.out)).toEqual({ topics: ['Audit', 'Orders'] });
    expect(json.addresses).toEqual(['a:1;b:2']);
  });

  it('topic create refuses an existing topic; update refuses a missing one; both exit 1', async () => {
    const create = await cli(['topic', 'create', 'Orders']);
    expect(create.code).toBe(1);
    expect(create.err).toBe(
      'skyrocket: topic Orders already exists (use skyrocket topic update to change it)\n',
    );
    expect(create.admin.closed).toBe(1);
    const update = await cli(['topic', 'update', 'Nope']);
    expect(update.code).toBe(1);
    const ok = await cli(['topic', 'create', 'New', '-c', 'C', '-r', '4', '-w', '4']);
    expect(ok.code).toBe(0);
    expect(ok.admin.calls).toEqual(['put New C']);
    expect(ok.out).toBe('created topic New on 1 broker(s): 127.0.0.1:10911\n');
  });

  it('refuses bad flag values as usage errors', async () => {
    expect((await cli(['topic', 'create', 'X', '-r', '0'])).code).toBe(2);
    expect((await cli(['topic', 'create', 'X', '-c', 'C', '-b', 'h:1'])).code).toBe(2);
    expect((await cli(['topic', 'list', '-n', 'nohost'])).code).toBe(2);
    expect((await cli(['offset', 'reset', '-g', 'g'])).code).toBe(2);
  });

  it('topic route and status render aligned tables', async () => {
    const route = await cli(['topic', 'route', 'Orders']);
    expect(route.out).toContain(
      'brokerName  brokerId  address          cluster\nbroker-a           0  127.0.0.1:10911  C\n',
    );
    expect(route.out).toContain('broker-a             8            8  RW');
    const status = await cli(['topic', 'status', 'Orders']);
    const rows = status.out.trim().split('\n');
    expect(rows[0]).toMatch(/^brokerName\s+queueId\s+minOffset\s+maxOffset\s+messages\s+lastUpdated$/);
    expect(rows[1]).toMatch(/^broker-a\s+1\s+2\s+10\s+8\s+1970-01-01T00:00:01.000Z$/);
    expect(rows[2]).toMatch(/^broker-b\s+0\s+0\s+5\s+5\s+-$/);
  });

  it('cluster list orders by broker and id and names the role', async () => {
    const { out } = await cli(['cluster', 'list']);
    expect(out.split('\n')[1]).toMatch(/broker-a\s+0\s+MASTER\s+10\.0\.0\.1:10911/);
    expect(out.split('\n')[2]).toMatch(/broker-a\s+1\s+SLAVE/);
  });

  it('group progress shows lag per queue and the total', async () => {
    const table = await cli(['group', 'progress', 'g1']);
    expect(table.out).toMatch(/Orders\s+broker-a\s+0\s+5\s+5\s+0/);
    expect(table.out).toMatch(/total lag: 6\n$/);
    const json = await cli(['--json', 'group', 'progress', 'g1']);
    expect((JSON.parse(json.out) as { totalLag: number }).totalLag).toBe(6);
  });

  it('offset reset passes the parsed timestamp', async () => {
    const { code, admin } = await cli([
      'offset',
      'reset',
      '-g',
      'g1',
      '-t',
      'Orders',
      '-s',
      '1970-01-01T00:00:05Z',
    ]);
    expect(code).toBe(0);
    expect(admin.calls).toEqual(['reset g1 Orders 5000']);
  });

  it('message query needs exactly one of --id and --key, and --key needs --topic', async () => {
    expect((await cli(['message', 'query'])).code).toBe(2);
    expect((await cli(['message', 'query', '--id', 'x', '--key', 'y'])).code).toBe(2);
    expect((await cli(['message', 'query', '--key', 'y'])).err).toMatch(/--key needs --topic/);
    const found = await cli(['message', 'query', '--id', 'ID1']);
    expect(found.out).toMatch(/msgId:\s+ID1\n/);
    expect(found.out).toMatch(/body:\s+hello\n/);
    expect(found.out).toMatch(/properties:\s+color=red\n/);
    const none = await cli(['message', 'query', '--key', 'k9', '--topic', 'Orders']);
    expect(none.code).toBe(1);
    expect(none.err).toBe('skyrocket: no message of Orders has key k9\n');
  });
});

describe('parseTimestamp', () => {
  it('takes epoch ms, ISO dates, now and earliest', () => {
    expect(parseTimestamp('1700000000000', 5)).toBe(1_700_000_000_000);
    expect(parseTimestamp('2026-01-31T12:00:00Z', 5)).toBe(Date.parse('2026-01-31T12:00:00Z'));
    expect(parseTimestamp('now', 5)).toBe(5);
    expect(parseTimestamp('earliest', 5)).toBe(0);
    expect(() => parseTimestamp('yesterday', 5)).toThrow(/not epoch milliseconds/);
  });
});
