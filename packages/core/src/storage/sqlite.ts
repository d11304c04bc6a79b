import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { errorMessage, NexusError } from '../errors.ts';
import {
  assertFieldName,
  assertStorageName,
  duplicateError,
  filterEntries,
  indexesOf,
  pageOf,
  toStoredJson,
  unknownCollectionError,
  withId,
} from './documents.ts';
import type {
  Collection,
  DatabaseSchema,
  Document,
  FindOptions,
  IndexSpec,
  StorageDriver,
  Stored,
} from './types.ts';

/** The SQLite StorageDriver, plus the query plan of a find for diagnostics and tests. */
export interface SqliteStorage extends StorageDriver {
  /** The steps SQLite plans for `collection(plugin, name).find(filter, options)`, one per line. */
  explainFind(plugin: string, collection: string, filter?: object, options?: FindOptions<Document>): string[];
}

type Db = Database.Database;
type Statement = Pick<Database.Statement<unknown[]>, 'run' | 'all' | 'get'>;
type Prepare = (sql: string) => Statement;
type Query = { sql: string; params: unknown[] };

/** A collection's table and the field behind each of its unique indexes. */
interface TableInfo {
  table: string;
  uniqueIndexes: Map<string, string>;
}

/** Storage on one better-sqlite3 connection (WAL); `file` may be `:memory:`. */
export function createSqliteStorage(options: { file: string }): SqliteStorage {
  const db = openDatabase(options.file);
  const faults = faultTracker(options.file);
  const prepare = statementCache(db, faults.watch);
  const declared = new Map<string, Map<string, TableInfo>>();
  /** The schema each plugin's tables were last made for: a hot swap with the same one skips the DDL. */
  const applied = new Map<string, string>();
  const tableOf = (plugin: string, name: string): TableInfo => {
    const info = declared.get(plugin)?.get(name);
    if (!info) throw unknownCollectionError(plugin, name);
    return info;
  };
  return {
    ...stateStore(prepare),
    async ensureSchema(plugin, schema) {
      const signature = JSON.stringify(schema);
      if (applied.get(plugin) === signature && declared.has(plugin)) return;
      declared.set(plugin, ensureTables(db, prepare, plugin, schema));
      applied.set(plugin, signature);
    },
    collection<T extends Document = Document>(plugin: string, name: string): Collection<T> {
      return sqliteCollection(prepare, plugin, name, tableOf(plugin, name)) as unknown as Collection<T>;
    },
    explainFind(plugin, name, filter, findOptions) {
      const query = findQuery(plugin, name, tableOf(plugin, name).table, filter, findOptions);
      const rows = db.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...query.params);
      return (rows as { detail: string }[]).map((row) => row.detail);
    },
    async close() {
      if (db.open) db.close();
    },
    async health() {
      if (!db.open) return { healthy: false, driver: 'sqlite', error: `the database ${options.file} is closed` };
      try {
        faults.watch(() => db.prepare('SELECT count(*) FROM sqlite_master').get(), false);
      } catch {
        // recorded by watch() when it is the database's fault
      }
      const fault = faults.current();
      return fault ? { healthy: false, driver: 'sqlite', error: fault } : { healthy: true, driver: 'sqlite' };
    },
  };
}

function openDatabase(file: string): Db {
  try {
    if (file !== ':memory:' && file !== '' && !file.startsWith('file:')) {
      mkdirSync(dirname(file), { recursive: true });
    }
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 5000');
      for (const table of ['nexus_config', 'nexus_data']) {
        db.exec(
          `CREATE TABLE IF NOT EXISTS ${table} (plugin TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (plugin, key)) WITHOUT ROWID`,
        );
      }
    } catch (error) {
      db.close();
      throw error;
    }
    return db;
  } catch (error) {
    throw new NexusError('NEXUS_STORAGE_OPEN_FAILED', `Cannot open the database ${file}: ${errorMessage(error)}. ${openAdvice(error)}`, { cause: error });
  }
}

function openAdvice(error: unknown): string {
  const code = (error as { code?: string }).code ?? '';
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return 'The file is not a SQLite database or is damaged: restore it from a backup, or move it (and its -wal and -shm files) aside to start with empty state.';
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return 'Make the folder and the file writable by the user running Nexus, or set "dataDir" in nexus.config to a writable folder.';
  }
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') return 'The disk is full: free some space and start again.';
  if (code === 'ENOTDIR' || code === 'EEXIST') return 'A file stands where the data folder should be: move it, or set "dataDir" in nexus.config.';
  return 'Check the file and its folder, or set "dataDir" in nexus.config to another folder.';
}

/** SQLite error codes that are the database's fault, not the caller's. */
const FATAL = /^SQLITE_(FULL|IOERR|CORRUPT|NOTADB|READONLY|CANTOPEN|PERM)/;
const STICKY = /^SQLITE_(CORRUPT|NOTADB)/;

/**
 * Remembers the last failure that was the database's own (disk full, damaged page, read-only file)
 * for `/health`. A later successful write clears it, except damage, which stays until restart.
 */
function faultTracker(file: string): { watch: <T>(run: () => T, write: boolean) => T; current: () => string | undefined } {
  let fault: { message: string; sticky: boolean } | undefined;
  return {
    watch(run, write) {
      try {
        const result = run();
        if (write && fault && !fault.sticky) fault = undefined;
        return result;
      } catch (error) {
        const code = (error as { code?: string }).code ?? '';
        if (FATAL.test(code) && !fault?.sticky) {
          fault = { message: `${code} on ${file}: ${errorMessage(error)}; ${openAdvice(error)}`, sticky: STICKY.test(code) };
        }
        throw error;
      }
    },
    current: () => fault?.message,
  };
}

function statementCache(db: Db, watch: <T>(run: () => T, write: boolean) => T): Prepare {
  const statements = new Map<string, Statement>();
  return (sql) => {
    let statement = statements.get(sql);
    if (!statement) {
      const prepared = watch(() => db.prepare<unknown[]>(sql), false);
      statement = {
        run: (...params) => watch(() => prepared.run(...params), true),
        all: (...params) => watch(() => prepared.all(...params), false),
        get: (...params) => watch(() => prepared.get(...params), false),
      };
      statements.set(sql, statement);
    }
    return statement;
  };
}

type StateMethods = Pick<StorageDriver, 'loadConfig' | 'saveConfig' | 'getData' | 'setData' | 'deleteData'>;

// Saving `undefined` removes the key, as in the memory driver.
function stateStore(prepare: Prepare): StateMethods {
  const put = (table: string, plugin: string, key: string, value: unknown, what: string): void => {
    if (value === undefined) {
      prepare(`DELETE FROM ${table} WHERE plugin = ? AND key = ?`).run(plugin, key);
      return;
    }
    prepare(
      `INSERT INTO ${table} (plugin, key, value) VALUES (?, ?, ?) ON CONFLICT (plugin, key) DO UPDATE SET value = excluded.value`,
    ).run(plugin, key, toStoredJson(plugin, what, value));
  };
  return {
    async loadConfig(plugin) {
      const rows = prepare('SELECT key, value FROM nexus_config WHERE plugin = ?').all(plugin);
      const values: Record<string, unknown> = {};
      for (const row of rows as { key: string; value: string }[]) values[row.key] = JSON.parse(row.value);
      return values;
    },
    async saveConfig(plugin, key, value) {
      put('nexus_config', plugin, key, value, `config "${key}"`);
    },
    async getData<T>(plugin: string, key: string): Promise<T | undefined> {
      const row = prepare('SELECT value FROM nexus_data WHERE plugin = ? AND key = ?').get(plugin, key);
      return row === undefined ? undefined : (JSON.parse((row as { value: string }).value) as T);
    },
    async setData(plugin, key, value) {
      put('nexus_data', plugin, key, value, `data "${key}"`);
    },
    async deleteData(plugin, key) {
      return prepare('DELETE FROM nexus_data WHERE plugin = ? AND key = ?').run(plugin, key).changes > 0;
    },
  };
}

// The plugin name's length keeps the mapping one-to-one although both names may contain "_".
function tableName(plugin: string, collection: string): string {
  return `nx${plugin.length}_${plugin}__${collection}`;
}

// SQLite identifiers ignore case, JSON fields do not: a field with capitals gets a hash suffix.
function indexName(table: string, index: IndexSpec): string {
  const kind = index.unique ? 'u' : 'i';
  const field = index.field;
  if (field === field.toLowerCase()) return `${table}__${kind}_${field}`;
  let hash = 0x811c9dc5;
  for (const char of field) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return `${table}__${kind}_${field.toLowerCase()}_${hash.toString(16)}`;
}

function fieldExpression(field: string): string {
  return field === 'id' ? 'id' : `json_extract(doc, '$.${field}')`;
}

function ensureTables(db: Db, prepare: Prepare, plugin: string, schema: DatabaseSchema): Map<string, TableInfo> {
  assertStorageName(plugin);
  const specs = Object.entries(schema.collections).map(([name, spec]) => {
    assertStorageName(plugin, name);
    return { name, indexes: indexesOf(plugin, name, spec.indexes) };
  });
  for (const name of Object.keys(schema.initialData ?? {})) {
    if (!(name in schema.collections)) throw unknownCollectionError(plugin, name);
  }
  const create = db.transaction(() => {
    const tables = new Map<string, TableInfo>();
    for (const { name, indexes } of specs) {
      const info = ensureTable(db, plugin, name, indexes);
      tables.set(name, info.info);
      if (!info.created) continue;
      for (const doc of schema.initialData?.[name] ?? []) insertDoc(prepare, plugin, name, info.info, doc);
    }
    return tables;
  });
  return create();
}

function ensureTable(
  db: Db,
  plugin: string,
  name: string,
  indexes: IndexSpec[],
): { info: TableInfo; created: boolean } {
  const table = tableName(plugin, name);
  const created = !db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table);
  db.exec(`CREATE TABLE IF NOT EXISTS "${table}" (id TEXT PRIMARY KEY, doc TEXT NOT NULL)`);
  return { info: { table, uniqueIndexes: syncIndexes(db, plugin, name, table, indexes) }, created };
}

// Creates the declared indexes and drops the ones a previous schema declared and this one does not.
function syncIndexes(db: Db, plugin: string, name: string, table: string, indexes: IndexSpec[]): Map<string, string> {
  const wanted = new Map(indexes.map((index) => [indexName(table, index), index]));
  const existing = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND substr(name, 1, ?) = ?")
    .all(table, table.length + 2, `${table}__`) as { name: string }[];
  for (const { name: index } of existing) {
    if (!wanted.has(index)) db.exec(`DROP INDEX "${index}"`);
  }
  const unique = new Map<string, string>();
  for (const [index, spec] of wanted) {
    if (spec.unique) unique.set(index, spec.field);
    const sql = `CREATE ${spec.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS "${index}" ON "${table}" (${fieldExpression(spec.field)})`;
    try {
      db.exec(sql);
    } catch (error) {
      throw isUniqueViolation(error) ? existingDuplicate(db, plugin, name, table, spec.field) : error;
    }
  }
  return unique;
}

function existingDuplicate(db: Db, plugin: string, name: string, table: string, field: string): NexusError {
  const expression = fieldExpression(field);
  const row = db
    .prepare(`SELECT ${expression} AS value FROM "${table}" WHERE ${expression} IS NOT NULL GROUP BY 1 HAVING count(*) > 1 LIMIT 1`)
    .get() as { value: unknown } | undefined;
  return duplicateError(plugin, name, field, row?.value, true);
}

function isUniqueViolation(error: unknown): boolean {
  const code = error instanceof Database.SqliteError ? error.code : '';
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

// Maps SQLite's "UNIQUE constraint failed: index '<name>'" (or "<table>.id") to the field.
function saveError(error: unknown, plugin: string, name: string, info: TableInfo, doc: Stored<Document>): unknown {
  if (!isUniqueViolation(error)) return error;
  const index = /index '([^']+)'/.exec((error as Error).message)?.[1];
  const field = index === undefined ? 'id' : info.uniqueIndexes.get(index);
  return field === undefined ? error : duplicateError(plugin, name, field, doc[field]);
}

function insertDoc(prepare: Prepare, plugin: string, name: string, info: TableInfo, doc: Document): string {
  const stored = withId(plugin, name, doc);
  const json = toStoredJson(plugin, `a document in collection "${name}"`, stored);
  try {
    prepare(`INSERT INTO "${info.table}" (id, doc) VALUES (?, ?)`).run(stored.id, json);
  } catch (error) {
    throw saveError(error, plugin, name, info, stored);
  }
  return json;
}

// Mirrors fieldMatches() in memory.ts; the json_type() checks keep `1` from matching `true` or "1".
function condition(field: string, value: unknown): Query {
  if (field === 'id') return typeof value === 'string' ? { sql: 'id = ?', params: [value] } : { sql: '0', params: [] };
  const expression = fieldExpression(field);
  const type = `json_type(doc, '$.${field}')`;
  if (value === null) return { sql: `${expression} IS NULL`, params: [] };
  switch (typeof value) {
    case 'string':
      return { sql: `${expression} = ? AND ${type} = 'text'`, params: [value] };
    case 'number':
      return { sql: `${expression} = ? AND ${type} IN ('integer', 'real')`, params: [value] };
    case 'boolean':
      return { sql: `${expression} = ? AND ${type} = '${value}'`, params: [value ? 1 : 0] };
    default:
      return { sql: `${expression} = ? AND ${type} IN ('object', 'array')`, params: [JSON.stringify(value)] };
  }
}

function whereClause(plugin: string, name: string, filter: object | undefined): Query {
  const parts = filterEntries(plugin, name, filter).map(([field, value]) => condition(field, value));
  if (parts.length === 0) return { sql: '', params: [] };
  return { sql: ` WHERE ${parts.map((part) => part.sql).join(' AND ')}`, params: parts.flatMap((part) => part.params) };
}

function findQuery(
  plugin: string,
  name: string,
  table: string,
  filter: object | undefined,
  options: FindOptions<Document> = {},
): Query {
  const where = whereClause(plugin, name, filter);
  let order = 'rowid';
  if (options.sort) {
    assertFieldName(plugin, name, options.sort.field);
    order = `${fieldExpression(options.sort.field)} ${options.sort.order === 'desc' ? 'DESC' : 'ASC'}, rowid`;
  }
  const { limit, offset } = pageOf(options);
  const page = limit < 0 && offset === 0 ? '' : ' LIMIT ? OFFSET ?';
  const params = page ? [...where.params, limit, offset] : where.params;
  return { sql: `SELECT doc FROM "${table}"${where.sql} ORDER BY ${order}${page}`, params };
}

function sqliteCollection(prepare: Prepare, plugin: string, name: string, info: TableInfo): Collection {
  const parse = (row: unknown): Stored<Document> => JSON.parse((row as { doc: string }).doc);
  const find = (filter?: object, options?: FindOptions<Document>): Stored<Document>[] => {
    const query = findQuery(plugin, name, info.table, filter, options);
    return prepare(query.sql).all(...query.params).map(parse);
  };
  const get = (id: string): Stored<Document> | undefined => {
    const row = prepare(`SELECT doc FROM "${info.table}" WHERE id = ?`).get(id);
    return row === undefined ? undefined : parse(row);
  };
  return {
    async insert(doc) {
      return JSON.parse(insertDoc(prepare, plugin, name, info, doc));
    },
    async get(id) {
      return get(id);
    },
    async find(filter, options) {
      return find(filter, options);
    },
    async findOne(filter) {
      return find(filter, { limit: 1 })[0];
    },
    async update(id, patch) {
      const current = get(id);
      if (!current) return undefined;
      const next = { ...current, ...patch, id };
      const json = toStoredJson(plugin, `a document in collection "${name}"`, next);
      try {
        prepare(`UPDATE "${info.table}" SET doc = ? WHERE id = ?`).run(json, id);
      } catch (error) {
        throw saveError(error, plugin, name, info, next);
      }
      return JSON.parse(json);
    },
    async delete(id) {
      return prepare(`DELETE FROM "${info.table}" WHERE id = ?`).run(id).changes > 0;
    },
    async count(filter) {
      const where = whereClause(plugin, name, filter);
      const row = prepare(`SELECT count(*) AS n FROM "${info.table}"${where.sql}`).get(...where.params);
      return (row as { n: number }).n;
    },
  };
}
