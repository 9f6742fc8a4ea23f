import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SkyrocketError } from './errors';

/**
 * Configuration loading, in one order for every component: defaults (in the zod schema) ← file ← environment ←
 * command-line flags, then parse, then cross-field checks, then freeze. A bad value fails at start with a message
 * that names the field and where it came from.
 *
 * Config objects are flat, as RocketMQ's broker.conf / namesrv.conf are, so every field has one env name and one
 * flag: field `listenPort` with env prefix `SKYROCKET_NAMESERVER_` is `SKYROCKET_NAMESERVER_LISTEN_PORT` and
 * `--listen-port` (also `--listenPort`).
 */

/** An integer config field that also accepts its decimal string form (env, flags, properties files). */
export function configInt(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
  return z.preprocess(
    (v) => (typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : v),
    z
      .number({ error: (issue) => `expected an integer, got ${JSON.stringify(issue.input)}` })
      .int()
      .min(min)
      .max(max),
  );
}

/** A boolean config field that also accepts "true"/"false". */
export function configBoolean() {
  return z.preprocess(
    (v) => (v === 'true' ? true : v === 'false' ? false : v),
    z.boolean({ error: (issue) => `expected true or false, got ${JSON.stringify(issue.input)}` }),
  );
}

export interface ConfigSources {
  /** Path of a JSON file or a Java-style `key=value` properties file. */
  file?: string | undefined;
  env?: Record<string, string | undefined>;
  envPrefix?: string;
  /** Flags as `--name value`, `--name=value`, or bare `--flag` for true. */
  argv?: readonly string[];
  /** Extra cross-field checks run after parsing; return error messages. */
  check?: (config: Record<string, unknown>) => string[];
}

export function camelToScreamingSnake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

function kebabToCamel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export function parseProperties(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const eq = line.search(/[=:]/);
    if (eq < 0) result[line] = '';
    else result[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return result;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SkyrocketError('INVALID_CONFIG', `cannot read config file ${path}: ${String(error)}`, {
      cause: error,
    });
  }
  if (text.trimStart().startsWith('{')) {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      throw new SkyrocketError('INVALID_CONFIG', `config file ${path} is not valid JSON: ${String(error)}`);
    }
  }
  return parseProperties(text);
}

export function parseFlags(argv: readonly string[]): Record<string, string | boolean> {
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) {
      throw new SkyrocketError(
        'INVALID_CONFIG',
        `unexpected argument "${arg}" (flags look like --name value)`,
      );
    }
    const body = arg.slice(2);
    const eq = body.indexOf('=');
    if (eq >= 0) {
      flags[kebabToCamel(body.slice(0, eq))] = body.slice(eq + 1);
    } else {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        flags[kebabToCamel(body)] = next;
        i++;
      } else {
        flags[kebabToCamel(body)] = true;
      }
    }
  }
  return flags;
}

export function loadConfig<S extends z.ZodObject>(
  schema: S,
  sources: ConfigSources = {},
): Readonly<z.infer<S>> {
  const fields = Object.keys(schema.shape);
  const merged: Record<string, unknown> = {};
  const origin: Record<string, string> = {};
  const unknown: string[] = [];
  const put = (key: string, value: unknown, from: string) => {
    if (!fields.includes(key)) {
      unknown.push(`${from} sets unknown field "${key}"`);
      return;
    }
    merged[key] = value;
    origin[key] = from;
  };

  if (sources.file) {
    for (const [key, value] of Object.entries(readConfigFile(sources.file))) put(key, value, sources.file);
  }
  if (sources.env && sources.envPrefix) {
    for (const field of fields) {
      const name = sources.envPrefix + camelToScreamingSnake(field);
      const value = sources.env[name];
      if (value !== undefined) put(field, value, `env ${name}`);
    }
  }
  if (sources.argv) {
    for (const [key, value] of Object.entries(parseFlags(sources.argv)))
      put(key, value, `flag --${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  }
  if (unknown.length > 0) {
    throw new SkyrocketError('INVALID_CONFIG', `invalid configuration: ${unknown.join('; ')}`);
  }

  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = String(issue.path[0] ?? '');
      const from = origin[field] ? ` (from ${origin[field]})` : '';
      return `${field}: ${issue.message}${from}`;
    });
    throw new SkyrocketError('INVALID_CONFIG', `invalid configuration: ${problems.join('; ')}`);
  }
  const config = parsed.data as Record<string, unknown>;
  const crossFieldProblems = sources.check?.(config) ?? [];
  if (crossFieldProblems.length > 0) {
    throw new SkyrocketError('INVALID_CONFIG', `invalid configuration: ${crossFieldProblems.join('; ')}`);
  }
  return Object.freeze(parsed.data);
}

/** Markdown table of a flat config schema (field, env, default, description) for docs/configuration.md. */
export function describeConfig(schema: z.ZodObject, envPrefix: string): string {
  const rows = ['| field / flag | environment | default | description |', '|---|---|---|---|'];
  const defaults = schema.parse({}) as Record<string, unknown>;
  for (const [field, type] of Object.entries(schema.shape)) {
    const description = (type as z.ZodType).description ?? '';
    const flag = field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const def = defaults[field] === undefined ? '' : `\`${JSON.stringify(defaults[field])}\``;
    rows.push(
      `| \`${field}\` / \`--${flag}\` | \`${envPrefix}${camelToScreamingSnake(field)}\` | ${def} | ${description} |`,
    );
  }
  return rows.join('\n');
}
