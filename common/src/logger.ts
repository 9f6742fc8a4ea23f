import pino from 'pino';

export type Logger = pino.Logger;

export interface LoggerOptions {
  level?: string;
  /** Component name, e.g. "nameserver" or "broker.store"; appears as `component` in every line. */
  component: string;
}

/** Structured JSON logs (pino, as fastify uses) on stdout. */
export function createLogger(options: LoggerOptions): Logger {
  return pino({ level: options.level ?? 'info', base: { component: options.component } });
}

/** A logger that drops everything; for tests and library defaults. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
