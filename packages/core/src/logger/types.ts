import type { LogLevel } from '../devtools/wire.ts';

export type { LogLevel } from '../devtools/wire.ts';

/** Structured extra data for a log record. */
export type LogMeta = Record<string, unknown>;

/** One log record, as handed to a sink. */
export interface LogRecord {
  level: LogLevel;
  /** Who logged: a plugin name, or `nexus` for the host. */
  name: string;
  message: string;
  meta?: LogMeta;
  error?: Error;
  time: Date;
}

/** The logger a plugin gets on `this.logger`; secrets are redacted before anything is written. */
export interface Logger {
  debug(message: string, meta?: LogMeta): void;
  info(message: string, meta?: LogMeta): void;
  warn(message: string, meta?: LogMeta | Error): void;
  error(message: string, meta?: LogMeta | Error): void;
}
