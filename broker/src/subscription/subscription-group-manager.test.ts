import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '@skyrocket/common';
import { subscriptionGroup, SubscriptionGroupManager } from './subscription-group-manager';

let storeRoot: string;

beforeEach(() => {
  storeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-groups-'));
});

afterEach(() => {
  fs.rmSync(storeRoot, { recursive: true, force: true });
});

function manager(): SubscriptionGroupManager {
  return new SubscriptionGroupManager({
    storeRoot,
    autoCreate: true,
    retryMaxTimes: 16,
    logger: silentLogger(),
  });
}

describe('SubscriptionGroupManager.replaceAll (a slave copying its master)', () => {
  const masterGroups = [
    { ...subscriptionGroup('Billing', 3), consumeBroadcastEnable: false, brokerId: 1 },
    subscriptionGroup('Audit', 16),
  ];

  it('makes the table exactly the given groups, persists it and moves the data version', () => {
    const groups = manager();
    groups.findOrCreate('SlaveOnly');
    const before = groups.wrapper().dataVersion;

    expect(groups.replaceAll(masterGroups)).toBe(true);

    expect(groups.all()).toEqual(masterGroups);
    expect(groups.get('SlaveOnly')).toBeUndefined();
    expect(groups.wrapper().dataVersion.counter).toBe(before.counter + 1);
    expect(manager().all()).toEqual(masterGroups);
  });

  it('returns false and changes nothing when the groups are the same', () => {
    const groups = manager();
    groups.replaceAll(masterGroups);
    const version = groups.wrapper().dataVersion;

    expect(groups.replaceAll([...masterGroups].reverse())).toBe(false);

    expect(groups.wrapper().dataVersion).toEqual(version);
  });

  it('keeps the table as it was when the write fails', () => {
    const groups = manager();
    groups.findOrCreate('Kept');
    fs.mkdirSync(path.join(storeRoot, 'config', 'subscriptionGroup.json.tmp'));

    expect(() => groups.replaceAll(masterGroups)).toThrow();

    expect(groups.all().map((group) => group.groupName)).toEqual(['Kept']);
    expect(
      manager()
        .all()
        .map((group) => group.groupName),
    ).toEqual(['Kept']);
  });
});
