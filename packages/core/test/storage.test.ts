import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isNexusError } from '../src/errors.ts';
import { createMemoryStorage } from '../src/storage/memory.ts';
import { createSqliteStorage } from '../src/storage/sqlite.ts';
import { createPostgresStorage } from '../src/storage/postgres.ts';
import type { DatabaseSchema, Document, StorageDriver } from '../src/storage/types.ts';
import { POSTGRES_URL, services } from '../../../tests/helpers/services.ts';
import { rejection, thrown } from './fixtures.ts';

interface User extends Document {
  email: string;
  name: string;
  age?: number;
  admin?: boolean;
  tags?: string[];
}

const schema: DatabaseSchema = {
  collections: {
    users: { indexes: [{ field: 'email', unique: true }, { field: 'age' }] },
    notes: {},
  },
  initialData: {
    users: [{ id: 'root', email: 'root@example.com', name: 'Root', age: 99, admin: true }],
  },
};

interface Fixture {
  open(): StorageDriver | Promise<StorageDriver>;
  /** Another driver over the same data, or undefined when the driver cannot persist. */
  reopen?(): StorageDriver | Promise<StorageDriver>;
  /** Removes what the fixture made outside `dir`. */
  cleanup?(): Promise<void>;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'nexus-storage-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const fixtures: Record<string, () => Fixture> = {
  sqlite: () => {
    const file = path.join(dir, 'nested', '.nexus', 'nexus.db');
    return { open: () => createSqliteStorage({ file }), reopen: () => createSqliteStorage({ file }) };
  },
  memory: () => ({ open: () => createMemoryStorage() }),
  ...(services.postgres ? { postgres: postgresFixture } : {}),
};

// Each test gets its own PostgreSQL schema (namespace), dropped afterwards.
function postgresFixture(): Fixture {
  const schema = `nexus_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const open = () => createPostgresStorage({ url: POSTGRES_URL, schema, poolSize: 3 });
  return {
    open,
    reopen: open,
    async cleanup() {
      const admin = await createPostgresStorage({ url: POSTGRES_URL, poolSize: 1 });
      await admin.db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.close();
    },
  };
}

describe.each(Object.keys(fixtures))('storage contract: %s', (kind) => {
  let fixture: Fixture;
  let storage: StorageDriver;
  beforeEach(async () => {
    fixture = fixtures[kind]!();
    storage = await fixture.open();
  });
  afterEach(async () => {
    await storage.close();
    await fixture.cleanup?.();
  });

  it('round-trips config and data per plugin', async () => {
    await storage.saveConfig('shop', 'retries', 3);
    await storage.saveConfig('shop', 'mode', { fast: true });
    await storage.saveConfig('other', 'retries', 5);
    expect(await storage.loadConfig('shop')).toEqual({ retries: 3, mode: { fast: true } });
    await storage.saveConfig('shop', 'retries', 4);
    expect((await storage.loadConfig('shop')).retries).toBe(4);
    expect(await storage.loadConfig('nobody')).toEqual({});

    await storage.setData('shop', 'state', { count: 2, list: [1, 'a', null] });
    expect(await storage.getData('shop', 'state')).toEqual({ count: 2, list: [1, 'a', null] });
    expect(await storage.getData('other', 'state')).toBeUndefined();
    expect(await storage.deleteData('shop', 'state')).toBe(true);
    expect(await storage.deleteData('shop', 'state')).toBe(false);
    expect(await storage.getData('shop', 'state')).toBeUndefined();
  });

  it('returns copies: callers cannot change what is stored', async () => {
    await storage.ensureSchema('shop', schema);
    const users = storage.collection<User>('shop', 'users');
    const doc: User = { email: 'a@example.com', name: 'A', tags: ['x'] };
    const stored = await users.insert(doc);
    doc.tags!.push('mutated-input');
    stored.tags!.push('mutated-output');
    const read = await users.get(stored.id);
    read!.tags!.push('mutated-read');
    expect((await users.get(stored.id))!.tags).toEqual(['x']);

    const value = { nested: { n: 1 } };
    await storage.setData('shop', 'v', value);
    value.nested.n = 2;
    const out = await storage.getData<typeof value>('shop', 'v');
    out!.nested.n = 3;
    expect(await storage.getData('shop', 'v')).toEqual({ nested: { n: 1 } });
  });

  it('does CRUD on collections and assigns ids', async () => {
    await storage.ensureSchema('shop', schema);
    const users = storage.collection<User>('shop', 'users');
    const ada = await users.insert({ email: 'ada@example.com', name: 'Ada', age: 36 });
    expect(ada.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await users.get(ada.id)).toEqual(ada);
    const given = await users.insert({ id: 'u-2', email: 'bob@example.com', name: 'Bob' });
    expect(given.id).toBe('u-2');

    const updated = await users.update(ada.id, { age: 37, id: 'ignored' });
    expect(updated).toEqual({ ...ada, age: 37 });
    expect(await users.get(ada.id)).toEqual(updated);
    expect(await users.update('missing', { age: 1 })).toBeUndefined();

    expect(await users.count()).toBe(3);
    expect(await users.delete(ada.id)).toBe(true);
    expect(await users.delete(ada.id)).toBe(false);
    expect(await users.get(ada.id)).toBeUndefined();
    expect(await users.count()).toBe(2);
  });

  it('finds by equality with sort, limit and offset', async () => {
    await storage.ensureSchema('shop', schema);
    const users = storage.collection<User>('shop', 'users');
    await users.insert({ email: 'c@x', name: 'C', age: 30, admin: false });
    await users.insert({ email: 'a@x', name: 'A', age: 20, admin: true });
    await users.insert({ email: 'b@x', name: 'B', age: 30, admin: false, tags: ['t'] });
    await users.insert({ email: 'd@x', name: 'D' });

    const names = (list: User[]): string[] => list.map((u) => u.name);
    expect(names(await users.find())).toEqual(['Root', 'C', 'A', 'B', 'D']);
    expect(names(await users.find({ age: 30 }))).toEqual(['C', 'B']);
    expect(names(await users.find({ age: 30, name: 'B' }))).toEqual(['B']);
    expect(names(await users.find({ admin: true }))).toEqual(['Root', 'A']);
    expect(names(await users.find({ admin: false }))).toEqual(['C', 'B']);
    expect(names(await users.find({ tags: ['t'] }))).toEqual(['B']);
    expect(names(await users.find({ age: undefined, name: 'A' }))).toEqual(['A']);
    expect(names(await users.find({ name: 'nobody' }))).toEqual([]);
    expect(names(await users.find({}, { sort: { field: 'age' } }))).toEqual(['D', 'A', 'C', 'B', 'Root']);
    expect(names(await users.find({}, { sort: { field: 'age', order: 'desc' } }))).toEqual(['Root', 'C', 'B', 'A', 'D']);
    expect(names(await users.find({}, { sort: { field: 'name' }, limit: 2 }))).toEqual(['A', 'B']);
    expect(names(await users.find({}, { sort: { field: 'name' }, limit: 2, offset: 3 }))).toEqual(['D', 'Root']);
    expect(names(await users.find({}, { sort: { field: 'name' }, offset: 4 }))).toEqual(['Root']);
    expect((await users.findOne({ email: 'b@x' }))?.name).toBe('B');
    expect(await users.findOne({ email: 'zz' })).toBeUndefined();
    expect(await users.count({ age: 30 })).toBe(2);
    expect(await users.count({ id: 'root' })).toBe(1);
  });

  it('does not confuse types when matching: 1 is not true, "30" is not 30', async () => {
    await storage.ensureSchema('shop', { collections: { things: {} } });
    const things = storage.collection('shop', 'things');
    await things.insert({ id: 'a', v: 1 });
    await things.insert({ id: 'b', v: true });
    await things.insert({ id: 'c', v: '1' });
    await things.insert({ id: 'd', v: null });
    await things.insert({ id: 'e' });
    const ids = async (filter: Document): Promise<string[]> => (await things.find(filter)).map((d) => d.id);
    expect(await ids({ v: 1 })).toEqual(['a']);
    expect(await ids({ v: true })).toEqual(['b']);
    expect(await ids({ v: '1' })).toEqual(['c']);
    expect(await ids({ v: null })).toEqual(['d', 'e']);
  });

  it('rejects a duplicate value of a unique field, naming plugin, collection, field and value', async () => {
    await storage.ensureSchema('shop', schema);
    const users = storage.collection<User>('shop', 'users');
    const first = await users.insert({ email: 'dup@example.com', name: 'One' });
    const error = await rejection(users.insert({ email: 'dup@example.com', name: 'Two' }));
    expect(isNexusError(error, 'NEXUS_DB_CONSTRAINT')).toBe(true);
    expect(error.message).toBe(
      'Plugin "shop" cannot save to collection "users": field "email" must be unique and another document already has the value "dup@example.com". Use another value, or drop "unique: true" from the "email" index in databaseSchema().',
    );
    const other = await users.insert({ email: 'other@example.com', name: 'Three' });
    const onUpdate = await rejection(users.update(other.id, { email: 'dup@example.com' }));
    expect(isNexusError(onUpdate, 'NEXUS_DB_CONSTRAINT')).toBe(true);
    expect((await users.get(other.id))!.email).toBe('other@example.com');
    expect(await users.update(first.id, { email: 'dup@example.com', name: 'Same' })).toMatchObject({ name: 'Same' });

    const sameId = await rejection(users.insert({ id: first.id, email: 'new@example.com', name: 'X' }));
    expect(isNexusError(sameId, 'NEXUS_DB_CONSTRAINT')).toBe(true);
    expect(sameId.message).toContain(`a document with id "${first.id}" already exists`);
  });

  it('refuses a unique index over existing duplicates and changes nothing', async () => {
    await storage.ensureSchema('shop', { collections: { tags: {} } });
    const tags = storage.collection('shop', 'tags');
    await tags.insert({ label: 'x' });
    await tags.insert({ label: 'x' });
    const error = await rejection(
      storage.ensureSchema('shop', { collections: { tags: { indexes: [{ field: 'label', unique: true }] } } }),
    );
    expect(isNexusError(error, 'NEXUS_DB_CONSTRAINT')).toBe(true);
    expect(error.message).toContain('cannot add a unique index on field "label" of collection "tags"');
    await tags.insert({ label: 'x' });
    expect(await tags.count({ label: 'x' })).toBe(3);
  });

  it('rejects a collection that ensureSchema did not create', async () => {
    await storage.ensureSchema('shop', schema);
    const error = thrown(() => storage.collection('shop', 'orders'));
    expect(isNexusError(error, 'NEXUS_DB_UNKNOWN_COLLECTION')).toBe(true);
    expect(error.message).toBe(
      'Plugin "shop" has no collection "orders": declare it in databaseSchema() (collections: { orders: {} }) so Nexus creates it before initialize().',
    );
    expect(isNexusError(thrown(() => storage.collection('other', 'users')), 'NEXUS_DB_UNKNOWN_COLLECTION')).toBe(true);
  });

  it('rejects unsafe collection names and field names', async () => {
    const badName = await rejection(storage.ensureSchema('shop', { collections: { 'Users; DROP': {} } }));
    expect(isNexusError(badName, 'NEXUS_DB_INVALID')).toBe(true);
    expect(badName.message).toContain('collection "Users; DROP", which is not a valid name');
    const badPlugin = await rejection(storage.ensureSchema('Shop', { collections: { users: {} } }));
    expect(isNexusError(badPlugin, 'NEXUS_DB_INVALID')).toBe(true);
    const badField = await rejection(
      storage.ensureSchema('shop', { collections: { users: { indexes: [{ field: "x') --" }] } } }),
    );
    expect(isNexusError(badField, 'NEXUS_DB_INVALID')).toBe(true);
    await storage.ensureSchema('shop', schema);
    const badFilter = await rejection(storage.collection('shop', 'users').find({ "a'b": 1 }));
    expect(isNexusError(badFilter, 'NEXUS_DB_INVALID')).toBe(true);
  });

  it('seeds initialData only when the collection is created', async () => {
    await storage.ensureSchema('shop', schema);
    const users = storage.collection<User>('shop', 'users');
    await users.delete('root');
    await storage.ensureSchema('shop', schema);
    expect(await users.count()).toBe(0);
    expect(await storage.collection('shop', 'notes').count()).toBe(0);
  });

  it.skipIf(kind === 'memory')('keeps everything across close and reopen', async () => {
    await storage.ensureSchema('shop', schema);
    await storage.saveConfig('shop', 'retries', 7);
    await storage.setData('shop', 'state', { n: 1 });
    const inserted = await storage.collection<User>('shop', 'users').insert({ email: 'p@x', name: 'P' });
    await storage.close();

    storage = await fixture.reopen!();
    expect(await storage.loadConfig('shop')).toEqual({ retries: 7 });
    expect(await storage.getData('shop', 'state')).toEqual({ n: 1 });
    await storage.ensureSchema('shop', schema);
    const users = storage.collection<User>('shop', 'users');
    expect(await users.get(inserted.id)).toEqual(inserted);
    expect(await users.count()).toBe(2);
    await expect(users.insert({ email: 'p@x', name: 'Again' })).rejects.toMatchObject({ code: 'NEXUS_DB_CONSTRAINT' });
  });
});

describe('sqlite storage', () => {
  it('answers equality filters from the expression index', async () => {
    const storage = createSqliteStorage({ file: ':memory:' });
    await storage.ensureSchema('shop', { collections: { users: { indexes: [{ field: 'email', unique: true }, { field: 'createdAt' }] } } });
    const plan = storage.explainFind('shop', 'users', { email: 'a@x' }).join('\n');
    expect(plan).toMatch(/USING INDEX \S*__u_email/);
    const camel = storage.explainFind('shop', 'users', { createdAt: 5 }).join('\n');
    expect(camel).toMatch(/USING INDEX \S*__i_createdat_[0-9a-f]+/);
    expect(storage.explainFind('shop', 'users', { id: 'x' }).join('\n')).toMatch(/USING INDEX sqlite_autoindex/);
    await storage.close();
  });

  it('drops an index the schema no longer declares', async () => {
    const storage = createSqliteStorage({ file: ':memory:' });
    await storage.ensureSchema('shop', { collections: { users: { indexes: [{ field: 'email', unique: true }] } } });
    await storage.ensureSchema('shop', { collections: { users: {} } });
    const users = storage.collection('shop', 'users');
    await users.insert({ email: 'same' });
    await users.insert({ email: 'same' });
    expect(storage.explainFind('shop', 'users', { email: 'same' }).join('\n')).toMatch(/SCAN/);
    await storage.close();
  });
});
