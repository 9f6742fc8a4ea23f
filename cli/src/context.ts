import type { Command } from 'commander';
import type { AdminPort } from './admin-port';
import type { CliIo } from './io';

/** Global flags every command sees (through `optsWithGlobals()`). */
export interface GlobalOptions {
  json?: boolean;
  verbose?: boolean;
}

/** What each command module needs: the io, the exit code to return, and how to reach a cluster's admin API. */
export interface CommandContext {
  readonly io: CliIo;
  /** What `run` returns when the action finishes without throwing (a command may set a failure code). */
  exitCode: number;
  /** Opens an admin client on a NameServer list (tests may pass a fake). */
  openAdmin(namesrvAddr: string): Promise<AdminPort>;
}

/** The global options as seen from a subcommand's action. */
export function globals(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}
