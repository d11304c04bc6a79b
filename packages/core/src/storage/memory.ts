import {
  assertStorageName,
  assertFieldName,
  unknownCollectionError,
  duplicateError,
  toStoredJson,
  withId,
  indexesOf,
  filterEntries,
  fieldMatches,
  uniqueKey,
  compareFieldValues,
  pageOf,
} from './documents.ts';
import type { Collection, DatabaseSchema, Document, FindOptions, StorageDriver, Stored } from './types.ts';

interface Entry {
  doc: Stored<Document>;
  json: string;
}

interface MemoryCollection {
  docs: Map<string, Entry>;
  unique: string[];
}

type ValueTable = Map<string, Map<string, string>>;

/** A StorageDriver kept in memory, with the same rules and errors as SQLite (for tests). */
export function createMemoryStorage(): StorageDriver {
  const config: ValueTable = new Map();
  const data: ValueTable = new Map();
  const collections = new Map<string, MemoryCollection>();
  const declared = new Map<string, ReadonlySet<string>>();
  return {
    async loadConfig(plugin) {
      const values: Record<string, unknown> = {};
      for (const [key, json] of config.get(plugin) ?? []) values[key] = JSON.parse(json);
      return values;
    },
    async saveConfig(plugin, key, value) {
      putValue(config, plugin, key, value, `config "${key}"`);
    },
    async getData<T>(plugin: string, key: string): Promise<T | undefined> {
      const json = data.get(plugin)?.get(key);
      return json === undefined ? undefined : (JSON.parse(json) as T);
    },
    async setData(plugin, key, value) {
      putValue(data, plugin, key, value, `data "${key}"`);
    },
    async deleteData(plugin, key) {
      return data.get(plugin)?.delete(key) ?? false;
    },
    async ensureSchema(plugin, schema) {
      declared.set(plugin, ensureMemorySchema(collections, plugin, schema));
    },
    collection<T extends Document = Document>(plugin: string, name: string): Collection<T> {
      const state = collections.get(`${plugin}/${name}`);
      if (!state || !declared.get(plugin)?.has(name)) throw unknownCollectionError(plugin, name);
      return memoryCollection(plugin, name, state) as unknown as Collection<T>;
    },
    async close() {},
    async health() {
      return { healthy: true, driver: 'memory' };
    },
  };
}

function putValue(table: ValueTable, plugin: string, key: string, value: unknown, what: string): void {
  if (value === undefined) {
    table.get(plugin)?.delete(key);
    return;
  }
  const json = toStoredJson(plugin, what, value);
  let values = table.get(plugin);
  if (!values) table.set(plugin, (values = new Map()));
  values.set(key, json);
}

// Validates and builds everything first, then commits: a failure changes nothing (as a transaction).
function ensureMemorySchema(
  collections: Map<string, MemoryCollection>,
  plugin: string,
  schema: DatabaseSchema,
): Set<string> {
  assertStorageName(plugin);
  const staged = new Map<string, MemoryCollection>();
  for (const [name, spec] of Object.entries(schema.collections)) {
    assertStorageName(plugin, name);
    const unique = indexesOf(plugin, name, spec.indexes).filter((i) => i.unique).map((i) => i.field);
    const existing = collections.get(`${plugin}/${name}`);
    if (existing) {
      assertNoDuplicates(plugin, name, existing, unique);
      staged.set(name, { docs: existing.docs, unique });
    } else {
      staged.set(name, seeded(plugin, name, unique, schema.initialData?.[name] ?? []));
    }
  }
  for (const name of Object.keys(schema.initialData ?? {})) {
    if (!staged.has(name)) throw unknownCollectionError(plugin, name);
  }
  for (const [name, state] of staged) {
    const existing = collections.get(`${plugin}/${name}`);
    if (existing) existing.unique = state.unique;
    else collections.set(`${plugin}/${name}`, state);
  }
  return new Set(staged.keys());
}

function seeded(plugin: string, name: string, unique: string[], docs: readonly Document[]): MemoryCollection {
  const state: MemoryCollection = { docs: new Map(), unique };
  for (const doc of docs) store(plugin, name, state, withId(plugin, name, doc), true);
  return state;
}

function assertNoDuplicates(plugin: string, name: string, state: MemoryCollection, unique: string[]): void {
  for (const field of unique) {
    const seen = new Set<string>();
    for (const { doc } of state.docs.values()) {
      const key = uniqueKey(doc[field]);
      if (key === undefined) continue;
      if (seen.has(key)) throw duplicateError(plugin, name, field, doc[field], true);
      seen.add(key);
    }
  }
}

// Writes a document after checking the primary key (on insert) and every unique field.
function store(plugin: string, name: string, state: MemoryCollection, doc: Stored<Document>, isNew: boolean): string {
  const json = toStoredJson(plugin, `a document in collection "${name}"`, doc);
  const copy = JSON.parse(json) as Stored<Document>;
  if (isNew && state.docs.has(copy.id)) throw duplicateError(plugin, name, 'id', copy.id);
  for (const field of state.unique) {
    const key = uniqueKey(copy[field]);
    if (key === undefined) continue;
    for (const [id, entry] of state.docs) {
      if (id !== copy.id && uniqueKey(entry.doc[field]) === key) {
        throw duplicateError(plugin, name, field, copy[field]);
      }
    }
  }
  state.docs.set(copy.id, { doc: copy, json });
  return json;
}

function memoryCollection(plugin: string, name: string, state: MemoryCollection): Collection {
  const matching = (filter?: object): Entry[] => {
    const entries = filterEntries(plugin, name, filter);
    return [...state.docs.values()].filter(({ doc }) =>
      entries.every(([field, value]) => fieldMatches(doc[field], value)),
    );
  };
  const find = (filter?: object, options: FindOptions<Document> = {}): Stored<Document>[] => {
    if (options.sort) assertFieldName(plugin, name, options.sort.field);
    let matched = matching(filter);
    if (options.sort) matched = sorted(matched, options.sort.field, options.sort.order === 'desc');
    const { limit, offset } = pageOf(options);
    const page = matched.slice(offset, limit < 0 ? undefined : offset + limit);
    return page.map((entry) => JSON.parse(entry.json) as Stored<Document>);
  };
  return {
    async insert(doc) {
      return JSON.parse(store(plugin, name, state, withId(plugin, name, doc), true));
    },
    async get(id) {
      const json = state.docs.get(id)?.json;
      return json === undefined ? undefined : JSON.parse(json);
    },
    async find(filter, options) {
      return find(filter, options);
    },
    async findOne(filter) {
      return find(filter, { limit: 1 })[0];
    },
    async update(id, patch) {
      const entry = state.docs.get(id);
      if (!entry) return undefined;
      return JSON.parse(store(plugin, name, state, { ...entry.doc, ...patch, id }, false));
    },
    async delete(id) {
      return state.docs.delete(id);
    },
    async count(filter) {
      return matching(filter).length;
    },
  };
}

// Array.prototype.sort is stable, so ties keep insertion order, as SQLite's rowid tie-break does.
function sorted(entries: Entry[], field: string, descending: boolean): Entry[] {
  const direction = descending ? -1 : 1;
  return entries.sort((a, b) => direction * compareFieldValues(a.doc[field], b.doc[field]));
}
