#!/usr/bin/env node
import { run } from './program';

/**
 * `skyrocket <command>`: the only place that reads argv, the environment and signals, and exits.
 * Everything else is in run(argv, io), which tests call in-process.
 *
 * Signals: a command that waits for them (servers, consume, bench) gets a graceful stop on the first SIGINT/SIGTERM;
 * any other command, or a second signal, exits at once with 130 (SIGINT) / 143 (SIGTERM), as shells expect.
 */
let onShutdown: ((signal: string) => void) | undefined;
let shutdown: Promise<string> | undefined;
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.on(signal, () => {
    if (!onShutdown) process.exit(code);
    const resolve = onShutdown;
    onShutdown = () => process.exit(code);
    resolve(signal);
  });
}

// `skyrocket topic list | head` closes the pipe early: that is not a failure.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => process.exit(error.code === 'EPIPE' ? 0 : 1));
}

run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  shutdownRequested: () =>
    (shutdown ??= new Promise<string>((resolve) => {
      onShutdown = resolve;
    })),
}).then(
  // Every server, socket and timer a command opened is closed by the time run() resolves; exit without waiting for
  // a stray handle so a finished command never hangs the shell. (stdout/stderr writes are synchronous on Linux
  // pipes and files, so nothing printed is lost.)
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`skyrocket: ${String(error)}\n`);
    process.exit(1);
  },
);
