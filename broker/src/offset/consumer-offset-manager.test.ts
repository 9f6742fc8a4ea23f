import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '@skyrocket/common';
import { FakeClock } from '../../../common/src/testing/fake-clock';
import { ConsumerOffsetManager } from './consumer-offset-manager';

let storeRoot: string;

beforeEach(() => {
  storeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-offsets-'));
});

afterEach(() => {
  fs.rmSync(storeRoot, { recursive: true, force: true });
});

function manager(): ConsumerOffsetManager {
  return new ConsumerOffsetManager({ storeRoot, clock: new FakeClock(), logger: silentLogger() });
}

describe('ConsumerOffsetManager.replaceAll (a slave copying its master)', () => {
  const masterTable = new Map([
    [
      'Orders@Billing',
      new Map([
        [0, 12],
        [1, 7],
      ]),
    ],
    ['Payments@Audit', new Map([[3, 40]])],
  ]);

  it('makes the table exactly the given offsets and writes it at once', () => {
    const offsets = manager();
    offsets.commit('SlaveOnly', 'Orders', 0, 99);
    offsets.commit('Billing', 'Orders', 0, 1);

    expect(offsets.replaceAll(masterTable)).toBe(true);

    expect(offsets.wrapper()).toEqual({
      offsetTable: { 'Orders@Billing': { '0': 12, '1': 7 }, 'Payments@Audit': { '3': 40 } },
    });
    expect(offsets.query('SlaveOnly', 'Orders', 0)).toBe(-1);
    // Written without waiting for the flush timer: a new manager on the directory reads it back.
    expect(manager().wrapper()).toEqual(offsets.wrapper());
  });

  it('returns false and writes nothing when the offsets are the same', () => {
    const offsets = manager();
    offsets.replaceAll(masterTable);
    const file = path.join(storeRoot, 'config', 'consumerOffset.json');
    fs.rmSync(file);

    expect(offsets.replaceAll(new Map([...masterTable].reverse()))).toBe(false);

    expect(fs.existsSync(file)).toBe(false);
  });

  it('keeps the table as it was when the write fails', () => {
    const offsets = manager();
    offsets.commit('Billing', 'Orders', 0, 1);
    fs.mkdirSync(path.join(storeRoot, 'config', 'consumerOffset.json.tmp'), { recursive: true });

    expect(() => offsets.replaceAll(masterTable)).toThrow();

    expect(offsets.wrapper()).toEqual({ offsetTable: { 'Orders@Billing': { '0': 1 } } });
  });
});
