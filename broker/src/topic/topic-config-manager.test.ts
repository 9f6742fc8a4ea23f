import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '@skyrocket/common';
import { FakeClock } from '../../../common/src/testing/fake-clock';
import { Perm, topicConfig, TopicConfigManager } from './topic-config-manager';
import { SCHEDULE_TOPIC } from './topic-validator';

let storeRoot: string;
const clock = new FakeClock();

beforeEach(() => {
  storeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-topics-'));
});

afterEach(() => {
  fs.rmSync(storeRoot, { recursive: true, force: true });
});

function manager(): TopicConfigManager {
  return new TopicConfigManager({
    storeRoot,
    clock,
    logger: silentLogger(),
    clusterName: 'DefaultCluster',
    brokerName: 'broker-a',
    autoCreateTopicEnable: true,
    defaultTopicQueueNums: 8,
    delayLevels: 18,
  });
}

describe('TopicConfigManager.replaceAll (a slave copying its master)', () => {
  const masterTable = [
    { ...topicConfig('Orders', 4, Perm.READ), order: true, attributes: { 'message.type': 'FIFO' } },
    { ...topicConfig('Payments', 2), readQueueNums: 3, topicFilterType: 'MULTI_TAG' as const },
    topicConfig(SCHEDULE_TOPIC, 18),
  ];

  it('makes the table exactly the given topics, built-ins included, persists it and bumps the data version', () => {
    const topics = manager();
    const changes: unknown[] = [];
    topics.onChange((topic) => changes.push(topic));
    const before = topics.dataVersion;

    expect(topics.replaceAll(masterTable)).toBe(true);

    expect(topics.all()).toEqual(masterTable);
    expect(topics.get('TBW102')).toBeUndefined();
    expect(topics.dataVersion.counter).toBe(before.counter + 1);
    expect(changes).toEqual([undefined]);
    const reread = manager();
    expect(reread.get('Orders')).toEqual(masterTable[0]);
    expect(reread.get('Payments')).toEqual(masterTable[1]);
    expect(reread.dataVersion).toEqual(topics.dataVersion);
  });

  it('changes nothing, not even the data version, when the table is the same', () => {
    const topics = manager();
    topics.replaceAll(masterTable);
    const version = topics.dataVersion;
    const changes: unknown[] = [];
    topics.onChange((topic) => changes.push(topic));

    expect(topics.replaceAll([...masterTable].reverse().map((config) => ({ ...config })))).toBe(false);

    expect(topics.dataVersion).toEqual(version);
    expect(changes).toEqual([]);
  });

  it('leaves table, file and data version as they were when the write fails', () => {
    const topics = manager();
    topics.upsert(topicConfig('Kept', 2));
    const table = topics.table();
    const version = topics.dataVersion;
    // A directory where the temporary file goes makes the atomic write fail.
    fs.mkdirSync(path.join(storeRoot, 'config', 'topics.json.tmp'));

    expect(() => topics.replaceAll(masterTable)).toThrow();

    expect(topics.table()).toEqual(table);
    expect(topics.dataVersion).toEqual(version);
    expect(manager().get('Kept')).toEqual(topicConfig('Kept', 2));
  });
});
