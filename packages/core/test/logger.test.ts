import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createConsoleSink, createLogger, createMemorySink } from '../src/logger/logger.ts';
import type { LogRecord } from '../src/logger/types.ts';

const SECRET = 'sk_live_123456';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let out = '';
  stream.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  return { stream, text: () => out };
}

const record = (overrides: Partial<LogRecord> = {}): LogRecord => ({
  level: 'info',
  name: 'shop',
  message: 'hello',
  time: new Date(2024, 0, 2, 9, 5, 7),
  ...overrides,
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('createLogger', () => {
  it('redacts secrets in the message, deeply in meta, and in errors', () => {
    const sink = createMemorySink();
    const logger = createLogger({ name: 'shop', sink, secrets: () => [SECRET, ''] });
    const meta = { key: SECRET, nested: { list: [`Bearer ${SECRET}`, 3] }, count: 2 };
    logger.info(`using ${SECRET} twice: ${SECRET}`, meta);
    const error = new Error(`auth failed for ${SECRET}`, { cause: new Error(`inner ${SECRET}`) });
    logger.error('request failed', error);
    logger.warn('with error in meta', { error, url: `https://x/?k=${SECRET}` });

    const [info, failed, warned] = sink.records;
    expect(info.message).toBe('using [redacted] twice: [redacted]');
    expect(info.meta).toEqual({ key: '[redacted]', nested: { list: ['Bearer [redacted]', 3] }, count: 2 });
    expect(failed.error).toBeInstanceOf(Error);
    expect(failed.error?.message).toBe('auth failed for [redacted]');
    expect(failed.error?.stack).not.toContain(SECRET);
    expect((failed.error?.cause as Error).message).toBe('inner [redacted]');
    expect(warned.error?.message).toBe('auth failed for [redacted]');
    expect(warned.meta).toEqual({ url: 'https://x/?k=[redacted]' });
    expect(JSON.stringify(sink.records)).not.toContain(SECRET);
    // The caller's objects are untouched.
    expect(meta.key).toBe(SECRET);
    expect(error.message).toContain(SECRET);
  });

  it('reads the secrets at every call and survives cyclic meta', () => {
    const sink = createMemorySink();
    let secrets: string[] = [];
    const logger = createLogger({ name: 'shop', sink, secrets: () => secrets });
    logger.info('token abcd');
    secrets = ['abcd'];
    const cyclic: Record<string, unknown> = { token: 'abcd' };
    cyclic.self = cyclic;
    logger.info('token abcd', cyclic);
    expect(sink.records.map((r) => r.message)).toEqual(['token abcd', 'token [redacted]']);
    const meta = sink.records[1].meta!;
    expect(meta.token).toBe('[redacted]');
    expect(meta.self).toBe(meta);
  });

  it('leaves secrets shorter than 4 characters alone (they would garble every line)', () => {
    const sink = createMemorySink();
    createLogger({ name: 'shop', sink, secrets: () => ['t'] }).info('the total');
    expect(sink.records[0]!.message).toBe('the total');
  });

  it('filters by level: option, then NEXUS_LOG_LEVEL, then info', () => {
    const levels = (logger: ReturnType<typeof createLogger>, sink: ReturnType<typeof createMemorySink>): string[] => {
      logger.debug('d');
      logger.info('i');
      logger.warn('w');
      logger.error('e');
      return sink.records.map((r) => r.level);
    };
    const byDefault = createMemorySink();
    expect(levels(createLogger({ name: 'a', sink: byDefault }), byDefault)).toEqual(['info', 'warn', 'error']);
    const byOption = createMemorySink();
    expect(levels(createLogger({ name: 'a', sink: byOption, level: 'warn' }), byOption)).toEqual(['warn', 'error']);
    vi.stubEnv('NEXUS_LOG_LEVEL', 'debug');
    const byEnv = createMemorySink();
    expect(levels(createLogger({ name: 'a', sink: byEnv }), byEnv)).toEqual(['debug', 'info', 'warn', 'error']);
    const optionWins = createMemorySink();
    expect(levels(createLogger({ name: 'a', sink: optionWins, level: 'error' }), optionWins)).toEqual(['error']);
  });
});

describe('createConsoleSink', () => {
  it('prints time, padded level, name, message and meta', () => {
    const { stream, text } = capture();
    createConsoleSink({ stream, color: false })(record({ meta: { port: 3000 } }));
    expect(text()).toBe('09:05:07 INFO  [shop] hello {"port":3000}\n');
  });

  it('prints the stack of an error', () => {
    const { stream, text } = capture();
    const error = new Error('boom');
    createConsoleSink({ stream, color: false })(record({ level: 'error', message: 'failed', error }));
    expect(text().startsWith('09:05:07 ERROR [shop] failed\nError: boom\n    at ')).toBe(true);
  });

  it('colors only when asked or on a terminal, and never with NO_COLOR', () => {
    vi.stubEnv('NO_COLOR', '');
    const colored = capture();
    createConsoleSink({ stream: colored.stream, color: true })(record());
    expect(colored.text()).toContain('\u001b[');

    const plain = capture();
    createConsoleSink({ stream: plain.stream })(record());
    expect(plain.text()).not.toContain('\u001b[');

    const tty = capture();
    Object.assign(tty.stream, { isTTY: true });
    createConsoleSink({ stream: tty.stream })(record());
    expect(tty.text()).toContain('\u001b[');

    vi.stubEnv('NO_COLOR', '1');
    const noColor = capture();
    Object.assign(noColor.stream, { isTTY: true });
    createConsoleSink({ stream: noColor.stream, color: true })(record());
    expect(noColor.text()).toBe('09:05:07 INFO  [shop] hello\n');
  });
});
