import pino from 'pino';
import type { Logger } from '../logger';

/** A logger that keeps every entry in memory, parsed, so tests can check what was logged. */
export function memoryLogger(level = 'info'): { logger: Logger; entries: Array<Record<string, unknown>> } {
  const entries: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level },
    { write: (line: string) => void entries.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, entries };
}
