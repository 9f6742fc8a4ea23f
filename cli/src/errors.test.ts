import { CommanderError } from 'commander';
import { SkyrocketError } from '@skyrocket/common';
import { CliError, ExitCode, mapError, UsageError } from './errors';

describe('mapError', () => {
  it('gives usage errors exit 2 and other CLI errors exit 1', () => {
    expect(mapError(new UsageError('bad --size'))).toEqual({ message: 'bad --size', exitCode: 2 });
    expect(mapError(new CliError('no such topic'))).toEqual({ message: 'no such topic', exitCode: 1 });
  });

  it('treats commander parse errors as usage errors and help as success', () => {
    expect(mapError(new CommanderError(1, 'commander.unknownOption', 'x')).exitCode).toBe(ExitCode.USAGE);
    expect(mapError(new CommanderError(0, 'commander.helpDisplayed', '')).exitCode).toBe(ExitCode.OK);
  });

  it('adds a hint to connection failures and keeps one line', () => {
    const { message, exitCode } = mapError(
      new SkyrocketError('CONNECT_FAILED', 'connect ECONNREFUSED 127.0.0.1:1\nmore'),
    );
    expect(exitCode).toBe(1);
    expect(message).not.toContain('\n');
    expect(message).toMatch(/ECONNREFUSED 127\.0\.0\.1:1 more \(is it running\? set the NameServer address/);
  });

  it('describes anything else by its message', () => {
    expect(mapError(new Error('boom'))).toEqual({ message: 'boom', exitCode: 1 });
    expect(mapError('text')).toEqual({ message: 'text', exitCode: 1 });
  });
});
