import { Command, CommanderError } from 'commander';
import type { CliIo } from './io';
import type { CommandContext } from './context';

export type { CommandContext, GlobalOptions } from './context';
import { ExitCode, mapError } from './errors';
import { registerServerCommands } from './commands/server';
import { registerMessageCommands } from './commands/message';
import { registerBenchCommands } from './commands/bench';
import { registerAdminCommands } from './commands/admin';
import { openAdmin } from './admin-adapter';

const VERSION = '0.1.0';

/** Builds the `skyrocket` command tree; nothing runs until it is parsed. */
export function buildProgram(
  io: CliIo,
  overrides: Partial<Pick<CommandContext, 'openAdmin'>> = {},
): { program: Command; context: CommandContext } {
  const program = new Command('skyrocket')
    .description('Skyrocket: run a RocketMQ-compatible NameServer and broker, administer clusters, benchmark')
    .version(VERSION, '-V, --version')
    .option('--json', 'print results as JSON (one object per line; the last stdout line for bench)')
    .option('--verbose', 'show stack traces of failures')
    .showSuggestionAfterError(true)
    .showHelpAfterError(false);
  configure(program, io);
  const context: CommandContext = { io, exitCode: ExitCode.OK, openAdmin, ...overrides };
  registerServerCommands(program, context);
  registerMessageCommands(program, context);
  registerAdminCommands(program, context);
  registerBenchCommands(program, context);
  return { program, context };
}

/** Applies the settings every (sub)command needs: throw instead of exiting, and print through io. */
export function configure(command: Command, io: CliIo): Command {
  return command.exitOverride().configureOutput({
    writeOut: (text) => io.stdout.write(text),
    writeErr: (text) => io.stderr.write(text),
    // Commander's messages ("error: unknown option '--x'" + a suggestion) become one line with a hint.
    outputError: (text, write) =>
      write(
        `skyrocket: ${text
          .trim()
          .replace(/^error: /, '')
          .replace(/\s*\n\s*/g, ' ')} (see skyrocket --help)\n`,
      ),
  });
}

/**
 * Runs one command line and resolves with the exit code; never throws, never exits the process. Failures print one
 * line on stderr (`--verbose` adds the stack).
 */
export async function run(
  argv: readonly string[],
  io: CliIo,
  overrides: Partial<Pick<CommandContext, 'openAdmin'>> = {},
): Promise<number> {
  const { program, context } = buildProgram(io, overrides);
  for (const command of allCommands(program)) configure(command, io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return context.exitCode;
  } catch (error) {
    const { message, exitCode } = mapError(error);
    if (message) io.stderr.write(`skyrocket: ${message}\n`);
    const verbose = argv.includes('--verbose');
    if (verbose && error instanceof Error && error.stack && !(error instanceof CommanderError)) {
      io.stderr.write(`${error.stack}\n`);
    }
    return exitCode;
  }
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((sub) => [sub, ...allCommands(sub)]);
}
