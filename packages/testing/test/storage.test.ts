import { isNexusError } from '@nexus/core';
import { describe, expect, it } from 'vitest';
import { createMockStorage, createTestHarness } from '../src/index.ts';
import { Counter, counterManifest } from './_plugins.ts';

describe('createMockStorage', () => {
  it('keeps plugin data as JSON, per plugin', async () => {
    const storage = createMockStorage();
    const value = { at: new Date(0) };
    await storage.data('counter').set('last', value);
    value.at = new Date(1);
    expect(await storage.data('counter').get('last')).toEqual({ at: '1970-01-01T00:00:00.000Z' });
    expect(await storage.data('clock').get('last')).toBeUndefined();
    expect(await storage.data('counter').delete('last')).toBe(true);
  });

  it('has the runtime rules for collections: declared first, unique indexes enforced', async () => {
    const storage = createMockStorage();
    expect(() => storage.db('counter').collection('increments')).toThrow(
      'Plugin "counter" has no collection "increments": declare it in databaseSchema()',
    );
    await storage.ensureSchema('counter', { collections: { users: { indexes: [{ field: 'email', unique: true }] } } });
    const users = storage.db('counter').collection('users');
    await users.insert({ email: 'a@x' });
    const error = await users.insert({ email: 'a@x' }).catch((e: unknown) => e);
    expect(isNexusError(error, 'NEXUS_DB_CONSTRAINT')).toBe(true);
  });

  it('is what the harness plugin reads and writes', async () => {
    const harness = await createTestHarness(Counter, { manifest: counterManifest, config: { token: 'tok-123' } });
    await harness.initialize();
    await harness.request('POST', '/increment', { by: 2 });
    expect(await harness.db.collection('increments').find({ via: 'http' })).toEqual([
      { id: expect.any(String), via: 'http', by: 2, at: expect.any(Number) },
    ]);
    await harness.shutdown();
  });

  it('enforces the database permissions as the runtime does', async () => {
    const harness = await createTestHarness(Counter, {
      manifest: { ...counterManifest, permissions: ['events.publish', 'events.subscribe', 'database.read'] },
      config: { token: 'tok-123' },
    });
    await harness.initialize();
    const response = await harness.request('POST', '/increment', {});
    expect(response.status).toBe(500);
    expect(response.error?.message).toContain(
      'cannot call db.collection("increments").insert(): it lacks the "database.write" permission. Add "database.write" to "permissions" in plugins/counter/manifest.json.',
    );
    await harness.shutdown();
  });
});
