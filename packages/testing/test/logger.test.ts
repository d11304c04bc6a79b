import { describe, expect, it } from 'vitest';
import { createMockLogger, createTestHarness } from '../src/index.ts';
import { Counter, counterManifest } from './_plugins.ts';

describe('createMockLogger', () => {
  it('captures records by level', () => {
    const logger = createMockLogger({ name: 'counter' });
    logger.debug('one');
    logger.warn('two', { retry: 1 });
    expect(logger.messages()).toEqual(['one', 'two']);
    expect(logger.messages('warn')).toEqual(['two']);
    expect(logger.records[1]).toMatchObject({ level: 'warn', name: 'counter', meta: { retry: 1 } });
    logger.clear();
    expect(logger.records).toEqual([]);
  });

  it('redacts secrets in messages, meta and errors as production does', () => {
    const logger = createMockLogger({ secrets: ['s3cret'] });
    logger.error('token s3cret rejected', { token: 's3cret', error: new Error('bad s3cret') });
    const [record] = logger.records;
    expect(record?.message).toBe('token [redacted] rejected');
    expect(record?.meta).toEqual({ token: '[redacted]' });
    expect(record?.error?.message).toBe('bad [redacted]');
  });

  it("redacts the harness plugin's secret config values", async () => {
    const harness = await createTestHarness(Counter, { manifest: counterManifest, config: { token: 'tok-123' } });
    await harness.initialize();
    expect(harness.logs.messages('info')).toContain('counter starts with token [redacted]');
    expect(JSON.stringify(harness.logs.records)).not.toContain('tok-123');
    await harness.shutdown();
  });
});
