import { format } from 'node:util';
import pc from 'picocolors';
import { writeLine } from './output.ts';
import type { LogLevel, LogMeta, LogRecord, Logger } from './types.ts';

/** Receives every record a logger lets through, secrets already redacted. */
export type LogSink = (record: LogRecord) => void;

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const REDACTED = '[redacted]';

function isLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && Object.hasOwn(LEVELS, value);
}

/** Secrets shorter than this are not scrubbed from log text. */
const MIN_SECRET_LENGTH = 4;

/** A Logger named `name`; level from the option, else NEXUS_LOG_LEVEL, else `info`. */
export function createLogger(options: {
  name: string;
  level?: LogLevel;
  sink?: LogSink;
  secrets?: () => readonly string[];
}): Logger {
  const fromEnv = process.env.NEXUS_LOG_LEVEL?.toLowerCase();
  const threshold = LEVELS[options.level ?? (isLevel(fromEnv) ? fromEnv : 'info')];
  const sink = options.sink ?? createConsoleSink();
  const log = (level: LogLevel, message: string, meta?: LogMeta | Error): void => {
    if (LEVELS[level] < threshold) return;
    const record = buildRecord(level, options.name, message, meta);
    // Very short values (a 1-letter test secret) would garble every line without protecting anything.
    const secrets = options.secrets?.().filter((secret) => typeof secret === 'string' && secret.length >= MIN_SECRET_LENGTH);
    sink(secrets && secrets.length > 0 ? redactRecord(record, secrets) : record);
  };
  return {
    debug: (message, meta) => log('debug', message, meta),
    info: (message, meta) => log('info', message, meta),
    warn: (message, meta) => log('warn', message, meta),
    error: (message, meta) => log('error', message, meta),
  };
}

// An Error passed as meta, or under meta.error, becomes the record's `error` (its stack is printed).
function buildRecord(level: LogLevel, name: string, message: string, meta?: LogMeta | Error): LogRecord {
  const record: LogRecord = { level, name, message: String(message), time: new Date() };
  if (meta instanceof Error) {
    record.error = meta;
  } else if (meta !== undefined) {
    const { error, ...rest } = meta;
    if (error instanceof Error) {
      record.error = error;
      if (Object.keys(rest).length > 0) record.meta = rest;
    } else {
      record.meta = meta;
    }
  }
  return record;
}

function redactRecord(record: LogRecord, secrets: readonly string[]): LogRecord {
  // Longest first, so a secret that contains another is replaced whole.
  const sorted = [...secrets].sort((a, b) => b.length - a.length);
  const seen = new WeakMap<object, unknown>();
  const redacted: LogRecord = { ...record, message: redactText(record.message, sorted) };
  if (record.meta) redacted.meta = redactValue(record.meta, sorted, seen) as LogMeta;
  if (record.error) redacted.error = redactValue(record.error, sorted, seen) as Error;
  return redacted;
}

function redactText(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (result.includes(secret)) result = result.replaceAll(secret, REDACTED);
  }
  return result;
}

// Copies plain objects, arrays and errors with their strings redacted; `seen` handles cycles.
function redactValue(value: unknown, secrets: readonly string[], seen: WeakMap<object, unknown>): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (typeof value !== 'object' || value === null) return value;
  const done = seen.get(value);
  if (done !== undefined) return done;
  if (value instanceof Error) return redactError(value, secrets, seen);
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    seen.set(value, copy);
    for (const item of value) copy.push(redactValue(item, secrets, seen));
    return copy;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  const copy: Record<string, unknown> = {};
  seen.set(value, copy);
  for (const [key, item] of Object.entries(value)) copy[key] = redactValue(item, secrets, seen);
  return copy;
}

// A copy keeps the class (for `instanceof`) but never touches the caller's error object.
function redactError(error: Error, secrets: readonly string[], seen: WeakMap<object, unknown>): Error {
  const copy = Object.create(Object.getPrototypeOf(error)) as Error;
  seen.set(error, copy);
  for (const key of Object.getOwnPropertyNames(error)) {
    const value: unknown = (error as unknown as Record<string, unknown>)[key];
    Object.defineProperty(copy, key, {
      value: redactValue(value, secrets, seen),
      writable: true,
      configurable: true,
      enumerable: Object.prototype.propertyIsEnumerable.call(error, key),
    });
  }
  return copy;
}

const LEVEL_COLORS = { debug: 'gray', info: 'green', warn: 'yellow', error: 'red' } as const;

/** A sink printing `HH:MM:SS INFO  [name] message {meta}`; errors add their stack. */
export function createConsoleSink(options: { color?: boolean; stream?: NodeJS.WritableStream } = {}): LogSink {
  return (record) => {
    const stream = options.stream ?? (LEVELS[record.level] >= LEVELS.warn ? process.stderr : process.stdout);
    writeLine(stream, formatRecord(record, useColor(options.color, stream)));
  };
}

// NO_COLOR (https://no-color.org) wins over everything, then the option, then "is it a terminal".
function useColor(option: boolean | undefined, stream: NodeJS.WritableStream): boolean {
  if (process.env.NO_COLOR) return false;
  return option ?? (stream as { isTTY?: boolean }).isTTY === true;
}

function formatRecord(record: LogRecord, color: boolean): string {
  const c = pc.createColors(color);
  const time = record.time.toTimeString().slice(0, 8);
  const level = record.level.toUpperCase().padEnd(5);
  const paint = c[LEVEL_COLORS[record.level]];
  let line = `${c.dim(time)} ${paint(level)} ${c.cyan(`[${record.name}]`)} ${record.message}`;
  if (record.meta && Object.keys(record.meta).length > 0) line += ` ${c.dim(safeJson(record.meta))}`;
  if (record.error) line += `\n${paint(record.error.stack ?? format(record.error))}`;
  return line;
}

function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(value, (_key, item: unknown) => {
      if (typeof item === 'bigint') return item.toString();
      if (item instanceof Error) return { name: item.name, message: item.message };
      if (typeof item === 'object' && item !== null) {
        if (seen.has(item)) return '[circular]';
        seen.add(item);
      }
      return item;
    });
  } catch {
    return format(value);
  }
}

/** A sink that keeps every record in `records` (for tests). */
export function createMemorySink(): LogSink & { records: LogRecord[] } {
  const records: LogRecord[] = [];
  const sink = (record: LogRecord): void => {
    records.push(record);
  };
  return Object.assign(sink, { records });
}
