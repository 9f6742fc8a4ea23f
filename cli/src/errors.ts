import { CommanderError } from 'commander';
import { describeError, isSkyrocketError } from '@skyrocket/common';

/** Exit codes: 0 success, 1 the operation failed (server unreachable, remote error), 2 bad command line. */
export const ExitCode = { OK: 0, FAILED: 1, USAGE: 2 } as const;

/** A failure the CLI reports as one line; `exitCode` 2 for usage errors. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.FAILED,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.USAGE);
    this.name = 'UsageError';
  }
}

/** One readable line (no trailing newline) and an exit code for anything a command threw. */
export function mapError(error: unknown): { message: string; exitCode: number } {
  if (error instanceof CliError) return { message: oneLine(error.message), exitCode: error.exitCode };
  if (error instanceof CommanderError) {
    // Commander already printed its message through configureOutput; help and --version are not failures.
    const ok = error.code === 'commander.helpDisplayed' || error.code === 'commander.version';
    return { message: '', exitCode: ok ? ExitCode.OK : ExitCode.USAGE };
  }
  // SkyrocketError (servers, remoting) and the SDK's ClientError both carry a catalog name.
  if (isSkyrocketError(error) || hasErrorName(error)) {
    const hint = CONNECTION_HINTS[error.errorName];
    const message = oneLine(describeError(error));
    return { message: hint ? `${message} (${hint})` : message, exitCode: ExitCode.FAILED };
  }
  if (isSystemError(error)) {
    return { message: oneLine(`${error.message}`), exitCode: ExitCode.FAILED };
  }
  return { message: oneLine(describeError(error)), exitCode: ExitCode.FAILED };
}

const NOT_RUNNING = 'is it running? set the NameServer address with -n host:port or NAMESRV_ADDR';
const CONNECTION_HINTS: Partial<Record<string, string>> = {
  CONNECT_FAILED: NOT_RUNNING,
  NAMESERVER_UNAVAILABLE: NOT_RUNNING,
  CONNECTION_FAILED: NOT_RUNNING,
  REQUEST_TIMEOUT: 'the server did not answer in time',
};

function hasErrorName(error: unknown): error is Error & { errorName: string } {
  return error instanceof Error && typeof (error as { errorName?: unknown }).errorName === 'string';
}

function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string';
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
