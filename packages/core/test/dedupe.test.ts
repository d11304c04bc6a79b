import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handleOnce } from '../src/events/dedupe.ts';
import type { EventEnvelope } from '../src/events/types.ts';
import { createMemoryStorage } from '../src/storage/memory.ts';
import { createPostgresStorage } from '../src/storage/postgres.ts';
import type { StorageDriver } from '../src/storage/types.ts';
import { POSTGRES_URL, services } from '../../../tests/helpers/services.ts';

const event = (): EventEnvelope => ({ id: randomUUID(), type: 'shop.order', data: {}, source: 'shop', timestamp: new Date().toISOString() });

describe('handleOnce', () => {
  it('runs work once per event id and plugin; a failed run is retried', async () => {
    const storage = createMemoryStorage();
    const e = event();
    let runs = 0;
    await expect(handleOnce(storage, 'shop', e, () => { runs++; throw new Error('boom'); })).rejects.toThrow('boom');
    expect(await handleOnce(storage, 'shop', e, () => void runs++)).toBe(true);
    expect(await handleOnce(storage, 'shop', e, () => void runs++)).toBe(false);
    expect(await handleOnce(storage, 'audit', e, () => void runs++)).toBe(true);
    expect(runs).toBe(3);
  });

  it.skipIf(!services.postgres)('on PostgreSQL, two concurrent deliveries of one event apply its writes once; a rolled-back run leaves no mark', async () => {
    const schema = `nexus_dedupe_${randomUUID().slice(0, 8)}`;
    const storage = (await createPostgresStorage({ url: POSTGRES_URL, schema, poolSize: 4 })) as StorageDriver & { db: { query(sql: string): Promise<unknown> } };
    try {
      await storage.ensureSchema('shop', { collections: { effects: {} } });
      const e = event();
      await expect(storage.transaction!(() => handleOnce(storage, 'shop', e, async () => {
        await storage.collection('shop', 'effects').insert({ eventId: e.id });
        throw new Error('handler failed');
      }))).rejects.toThrow('handler failed');
      const deliver = () => storage.transaction!(() => handleOnce(storage, 'shop', e, async () => {
        await storage.collection('shop', 'effects').insert({ eventId: e.id });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }));
      const outcomes = await Promise.all([deliver(), deliver()]);
      expect(outcomes.sort()).toEqual([false, true]);
      expect(await storage.collection('shop', 'effects').count({ eventId: e.id })).toBe(1);
    } finally {
      await storage.db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await storage.close();
    }
  });
});
