import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { configBoolean, configInt, describeConfig, loadConfig, parseFlags } from './config';

const schema = z.object({
  listenPort: configInt(0, 65535).default(9876).describe('port'),
  enabled: configBoolean().default(false),
  name: z.string().default('x'),
});

describe('loadConfig', () => {
  it('applies defaults, then file, env and flags in that order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'ns.conf');
    writeFileSync(file, '# comment\nlistenPort=1000\nname = fromfile\n');
    expect(loadConfig(schema, {})).toEqual({ listenPort: 9876, enabled: false, name: 'x' });
    expect(loadConfig(schema, { file })).toEqual({ listenPort: 1000, enabled: false, name: 'fromfile' });
    const env = { P_LISTEN_PORT: '2000', P_ENABLED: 'true' };
    expect(loadConfig(schema, { file, env, envPrefix: 'P_' })).toEqual({
      listenPort: 2000,
      enabled: true,
      name: 'fromfile',
    });
    expect(
      loadConfig(schema, { file, env, envPrefix: 'P_', argv: ['--listen-port', '3000'] }).listenPort,
    ).toBe(3000);
  });

  it('reads JSON files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'ns.json');
    writeFileSync(file, JSON.stringify({ listenPort: 1234 }));
    expect(loadConfig(schema, { file }).listenPort).toBe(1234);
  });

  it('names the field and its source when a value is bad', () => {
    expect(() => loadConfig(schema, { env: { P_LISTEN_PORT: 'abc' }, envPrefix: 'P_' })).toThrow(
      /listenPort: .*\(from env P_LISTEN_PORT\)/,
    );
    expect(() => loadConfig(schema, { argv: ['--listen-port=70000'] })).toThrow(/listenPort/);
    expect(() => loadConfig(schema, { argv: ['--lisen-port=1'] })).toThrow(/unknown field "lisenPort"/);
    expect(() => loadConfig(schema, { file: '/nonexistent/file.conf' })).toThrow(/cannot read config file/);
  });

  it('runs cross-field checks and freezes the result', () => {
    expect(() =>
      loadConfig(schema, { check: (c) => (c.listenPort === 9876 ? ['port is taken'] : []) }),
    ).toThrow(/port is taken/);
    const config = loadConfig(schema);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('parses flag forms', () => {
    expect(parseFlags(['--a', '1', '--b=2', '--c', '--d-e', 'x'])).toEqual({
      a: '1',
      b: '2',
      c: true,
      dE: 'x',
    });
    expect(() => parseFlags(['oops'])).toThrow(/unexpected argument/);
  });

  it('documents every field', () => {
    const table = describeConfig(schema, 'P_');
    expect(table).toContain('`listenPort` / `--listen-port` | `P_LISTEN_PORT` | `9876` | port');
  });
});
