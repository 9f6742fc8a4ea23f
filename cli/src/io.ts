/**
 * Everything a command touches outside itself, so `run(argv, io)` is testable in-process: main.ts passes the real
 * process streams, environment and signals; tests pass buffers and a promise they resolve.
 */
export interface OutputStream {
  write(text: string): unknown;
  /** True when a person is watching (live progress lines are drawn only then). */
  readonly isTTY?: boolean | undefined;
}

export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Resolves with the signal name when the user asks a long-running command to stop (SIGINT/SIGTERM). */
  shutdownRequested(): Promise<string>;
}

/** Writes a value as one line of JSON (bigints as decimal strings, so offsets never lose precision). */
export function writeJson(io: CliIo, value: unknown): void {
  io.stdout.write(
    `${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`,
  );
}
