import type { Connection } from '@skyrocket/remoting';
import { silentLogger } from '@skyrocket/common';
import { FakeClock } from '../../../common/src/testing/fake-clock';
import { ConsumerManager, ProducerManager } from './client-managers';

function fakeConnection(): Connection & { closed: boolean } {
  const connection = { closed: false, isOpen: true, close: () => (connection.closed = true) };
  return connection as unknown as Connection & { closed: boolean };
}

const sub = (topic: string, subVersion = 1) => ({
  topic,
  subString: '*',
  tagsSet: [],
  codeSet: [],
  subVersion,
  expressionType: 'TAG',
});

describe('ConsumerManager', () => {
  it('reports membership changes, keeps the newest subscription, and expires silent channels after 120 s', () => {
    const clock = new FakeClock();
    const consumers = new ConsumerManager(clock, silentLogger());
    const changes: string[] = [];
    consumers.onMembershipChanged((group) => changes.push(group));
    const a = fakeConnection();
    const b = fakeConnection();
    const channel = (clientId: string, connection: Connection) => ({
      clientId,
      connection,
      language: 'JAVA',
      version: 479,
    });

    expect(
      consumers.register(
        'G',
        channel('c1', a),
        'CONSUME_PASSIVELY',
        'CLUSTERING',
        'CONSUME_FROM_LAST_OFFSET',
        [sub('T', 5)],
      ),
    ).toBe(true);
    expect(
      consumers.register(
        'G',
        channel('c1', a),
        'CONSUME_PASSIVELY',
        'CLUSTERING',
        'CONSUME_FROM_LAST_OFFSET',
        [sub('T', 3)],
      ),
    ).toBe(false);
    expect(consumers.get('G')?.subscriptions.get('T')?.subVersion).toBe(5);
    consumers.register('G', channel('c2', b), 'CONSUME_PASSIVELY', 'CLUSTERING', 'CONSUME_FROM_LAST_OFFSET', [
      sub('T', 6),
    ]);
    expect(consumers.clientIds('G').sort()).toEqual(['c1', 'c2']);
    expect(changes).toEqual(['G', 'G']);

    clock.advance(100_000);
    consumers.register('G', channel('c2', b), 'CONSUME_PASSIVELY', 'CLUSTERING', 'CONSUME_FROM_LAST_OFFSET', [
      sub('T', 6),
    ]);
    clock.advance(30_000);
    consumers.expire(120_000);
    expect(consumers.clientIds('G')).toEqual(['c2']);
    expect(a.closed).toBe(true);
    expect(changes).toHaveLength(3);

    consumers.removeConnection(b);
    expect(consumers.get('G')).toBeUndefined();
    expect(changes).toHaveLength(4);
  });
});

describe('ProducerManager', () => {
  it('offers a live channel of a group and forgets expired or closed ones', () => {
    const clock = new FakeClock();
    const producers = new ProducerManager(clock);
    const connection = fakeConnection();
    producers.register('PG', { clientId: 'p1', connection, language: 'JAVA', version: 479 });
    expect(producers.anyChannel('PG')?.clientId).toBe('p1');
    clock.advance(120_001);
    producers.expire(120_000);
    expect(producers.anyChannel('PG')).toBeUndefined();
    producers.register('PG', { clientId: 'p1', connection, language: 'JAVA', version: 479 });
    producers.removeConnection(connection);
    expect(producers.groups()).toEqual([]);
  });
});
