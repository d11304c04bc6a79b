import { type LogLevel, type LogRecord, type Logger } from '@nexus/core';
import { createLogger } from '@nexus/core/host';

/** A logger that keeps what it is given; secrets are redacted exactly as in production. */
export interface MockLogger extends Logger {
  /** Every record, oldest first, secrets already replaced by `[redacted]`. */
  readonly records: LogRecord[];
  /**
   * The messages logged, oldest first, optionally only those of one level.
   * @example expect(logger.messages('warn')).toContain('Action failed: Unknown action: x')
   */
  messages(level?: LogLevel): string[];
  /** Forget every record. */
  clear(): void;
}

/** Options of createMockLogger. */
export interface MockLoggerOptions {
  /**
   * Name on each record, as a plugin's logger is named after the plugin.
   * @default 'test'
   */
  name?: string;
  /**
   * Values never to be shown (the plugin's secret config values): replaced by `[redacted]`.
   * @default []
   */
  secrets?: readonly string[] | (() => readonly string[]);
  /**
   * Lowest level kept.
   * @default 'debug'
   */
  level?: LogLevel;
}

/**
 * A Logger built by @nexus/core's own `createLogger` (same record shape, same redaction) that
 * keeps its records in memory.
 *
 * @example
 * const logger = createMockLogger({ name: 'my_plugin', secrets: ['s3cret'] });
 * logger.info('key is s3cret');
 * logger.messages(); // ['key is [redacted]']
 */
export function createMockLogger(options: MockLoggerOptions = {}): MockLogger {
  return mockLogger(options, []);
}

/** A MockLogger writing into `records` (shared by the loggers of one harness). */
export function mockLogger(options: MockLoggerOptions, records: LogRecord[]): MockLogger {
  const secrets = options.secrets;
  const logger = createLogger({
    name: options.name ?? 'test',
    level: options.level ?? 'debug',
    sink: (record) => records.push(record),
    secrets: typeof secrets === 'function' ? secrets : () => secrets ?? [],
  });
  return {
    ...logger,
    records,
    messages: (level) => records.filter((r) => level === undefined || r.level === level).map((r) => r.message),
    clear: () => {
      records.length = 0;
    },
  };
}
