import type { CliIo } from '../io';

/** An in-memory CliIo for tests: captured stdout/stderr and a shutdown the test triggers. */
export function memoryIo(env: Record<string, string | undefined> = {}): CliIo & {
  out(): string;
  err(): string;
  requestShutdown(signal?: string): void;
} {
  let stdout = '';
  let stderr = '';
  let trigger: ((signal: string) => void) | undefined;
  const shutdown = new Promise<string>((resolve) => (trigger = resolve));
  return {
    stdout: { write: (text: string) => (stdout += text), isTTY: false },
    stderr: { write: (text: string) => (stderr += text), isTTY: false },
    env,
    shutdownRequested: () => shutdown,
    out: () => stdout,
    err: () => stderr,
    requestShutdown: (signal = 'SIGTERM') => trigger?.(signal),
  };
}
