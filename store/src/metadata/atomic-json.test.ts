import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isSkyrocketError } from '@skyrocket/common';
import { readJson, writeJsonAtomic } from './atomic-json';

describe('writeJsonAtomic / readJson (metadata files)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skyrocket-atomic-json-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const caught = (f: () => unknown): unknown => {
    try {
      f();
    } catch (error) {
      return error;
    }
    throw new Error('expected a throw');
  };

  it('writes, replaces and reads back, creating the directory, leaving no temp file', () => {
    const file = path.join(dir, 'config', 'topics.json');
    expect(readJson(file)).toBeUndefined();
    writeJsonAtomic(file, { version: 1, topics: { A: { queues: 4 } } });
    expect(readJson(file)).toEqual({ version: 1, topics: { A: { queues: 4 } } });
    writeJsonAtomic(file, { version: 2 });
    expect(readJson(file)).toEqual({ version: 2 });
    expect(fs.readdirSync(path.dirname(file))).toEqual(['topics.json']);
  });

  // A process that dies between two steps leaves the files as they were after the last step it finished; a step
  // that throws leaves them the same way. So each step is made to fail in turn: before the rename the old content
  // must be whole, from the rename on the new one, and the next write must succeed over whatever was left.
  const steps: Array<['openSync' | 'writeSync' | 'fsyncSync' | 'renameSync', 'old' | 'new', number]> = [
    ['openSync', 'old', 1],
    ['writeSync', 'old', 1],
    ['fsyncSync', 'old', 1],
    ['renameSync', 'old', 1],
    ['fsyncSync', 'new', 2], // the directory's fsync, after the rename
  ];
  it.each(steps)('a crash at %s leaves the %s content whole', (step, expected, call) => {
    const file = path.join(dir, 'topics.json');
    const before = { version: 1, topics: Object.fromEntries(range(300).map((i) => [`T${i}`, i])) };
    const after = { version: 2, topics: Object.fromEntries(range(400).map((i) => [`U${i}`, i * 2])) };
    writeJsonAtomic(file, before);
    let calls = 0;
    // The module object itself, which atomic-json.ts reads at every call.
    const nodeFs = jest.requireActual<typeof fs>('node:fs');
    const original = nodeFs[step] as (...args: unknown[]) => unknown;
    const spy = jest.spyOn(nodeFs, step).mockImplementation(((...args: unknown[]) => {
      if (++calls === call) throw Object.assign(new Error(`simulated crash in ${step}`), { code: 'EIO' });
      return original(...args);
    }) as never);
    try {
      const error = caught(() => writeJsonAtomic(file, after));
      expect(isSkyrocketError(error, 'STORE_IO_ERROR')).toBe(true);
    } finally {
      spy.mockRestore();
    }
    expect(readJson(file)).toEqual(expected === 'old' ? before : after);
    writeJsonAtomic(file, { version: 3 });
    expect(readJson(file)).toEqual({ version: 3 });
  });

  it('ignores the temp file a crash left before the rename: the old content stays', () => {
    const file = path.join(dir, 'consumerOffset.json');
    writeJsonAtomic(file, { offsets: { 'T@G': { 0: 41 } } });
    fs.writeFileSync(`${file}.tmp`, '{"offsets": {"T@G": {"0": 4'); // torn
    expect(readJson(file)).toEqual({ offsets: { 'T@G': { 0: 41 } } });
    writeJsonAtomic(file, { offsets: { 'T@G': { 0: 42 } } });
    expect(readJson(file)).toEqual({ offsets: { 'T@G': { 0: 42 } } });
  });

  it('reports a file that does not parse as STORE_CORRUPTED, not as absent', () => {
    const file = path.join(dir, 'delayOffset.json');
    fs.writeFileSync(file, '{"offsetTable": {');
    const error = caught(() => readJson(file));
    expect(isSkyrocketError(error, 'STORE_CORRUPTED')).toBe(true);
    expect((error as Error).message).toContain(file);
  });

  it('fails with STORE_IO_ERROR naming the file, and keeps the old content, when it cannot write', () => {
    const file = path.join(dir, 'subscriptionGroup.json');
    writeJsonAtomic(file, { groups: ['G'] });
    // Where the temp file must go there is a directory: the write fails before anything is replaced (tests run as
    // root, so a read-only directory would not stop them).
    fs.mkdirSync(`${file}.tmp`);
    const error = caught(() => writeJsonAtomic(file, { groups: ['G', 'H'] }));
    expect(isSkyrocketError(error, 'STORE_IO_ERROR')).toBe(true);
    expect((error as Error).message).toContain(`write ${file}`);
    expect(readJson(file)).toEqual({ groups: ['G'] });
  });
});
