// The skyrocket CLI's programmatic surface: run(argv, io) for tests and embedding.
export { run, buildProgram } from './program';
export type { CliIo, OutputStream } from './io';
export { ExitCode, CliError, UsageError, mapError } from './errors';
export { renderTable, renderFields } from './table';
export { resolveNamesrv, DEFAULT_NAMESRV } from './namesrv';
