import { InvalidArgumentError, type Command } from 'commander';
import { resolveNamesrv } from './namesrv';
import type { CliIo } from './io';

/** Commander argument parsers that refuse bad values with a message commander prints as a usage error (exit 2). */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    }
    return n;
  };
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError('expected a number above 0');
  }
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError('expected a number ≥ 0');
  return n;
}

export function choice<T extends string>(...values: T[]): (value: string) => T {
  return (value) => {
    if (!(values as string[]).includes(value))
      throw new InvalidArgumentError(`expected one of ${values.join(', ')}`);
    return value as T;
  };
}

/** `-n, --namesrv`: every command that talks to a cluster has it. */
export function withNamesrv(command: Command): Command {
  return command.option(
    '-n, --namesrv <addresses>',
    'NameServers as host:port;host:port (default: $NAMESRV_ADDR, else 127.0.0.1:9876)',
  );
}

/** The NameServer list for a command: its -n flag, NAMESRV_ADDR, or the default. */
export function namesrvOf(options: { namesrv?: string }, io: CliIo): string {
  return resolveNamesrv(options.namesrv, io.env);
}
