import type { PoolClient } from 'pg';
import { errorMessage, type NexusError } from '../errors.ts';
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
import { createPgLeases } from '../leases/leases.ts';
import { PgDatabase, pgIdent, quoteIdent, type PgOptions } from './pg-database.ts';
import type { Collection, DatabaseSchema, Document, FindOptions, IndexSpec, StorageDriver, Stored } from './types.ts';

/** The PostgreSQL StorageDriver and the pool it runs on (shared with the outbox and leases). */
export interface PostgresStorage extends StorageDriver {
  readonly db: PgDatabase;
}

type Query = { sql: string; params: unknown[] };

/** A collection's table and the field behind each of its unique indexes. */
interface TableInfo {
  table: string;
  uniqueIndexes: Map<string, string>;
}

/** The tables every app has; collections get one table each, created by ensureSchema. */
const BASE_TABLES = `
  CREATE TABLE IF NOT EXISTS nexus_config (plugin text NOT NULL, key text NOT NULL, value jsonb NOT NULL, PRIMARY KEY (plugin, key));
  CREATE TABLE IF NOT EXISTS nexus_data (plugin text NOT NULL, key text NOT NULL, value jsonb NOT NULL, PRIMARY KEY (plugin, key));
  CREATE TABLE IF NOT EXISTS nexus_handled_events (plugin text NOT NULL, event_id text NOT NULL, handled_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (plugin, event_id));
  CREATE TABLE IF NOT EXISTS nexus_leases (name text PRIMARY KEY, holder text NOT NULL, expires_at timestamptz NOT NULL);
`;

/** Storage in PostgreSQL 15+: JSONB documents, one table per collection, schema changes under an advisory lock. */
export async function createPostgresStorage(options: PgOptions | { db: PgDatabase }): Promise<PostgresStorage> {
  const db = 'db' in options ? options.db : await PgDatabase.open(options);
  await db.ready(async (client) => {
    await client.query(BASE_TABLES);
    // Event ids recorded by handleOnce are kept for a week: far longer than any redelivery.
    await client.query("DELETE FROM nexus_handled_events WHERE handled_at < now() - interval '7 days'");
  });
  const declared = new Map<string, Map<string, TableInfo>>();
  const tableOf = (plugin: string, name: string): TableInfo => {
    const info = declared.get(plugin)?.get(name);
    if (!info) throw unknownCollectionError(plugin, name);
    return info;
  };
  const put = async (table: string, plugin: string, key: string, value: unknown, what: string): Promise<void> => {
    if (value === undefined) {
      await db.query(`DELETE FROM ${table} WHERE plugin = $1 AND key = $2`, [plugin, key]);
      return;
    }
    await db.query(
      `INSERT INTO ${table} (plugin, key, value) VALUES ($1, $2, $3::jsonb) ON CONFLICT (plugin, key) DO UPDATE SET value = excluded.value`,
      [plugin, key, toStoredJson(plugin, what, value)],
    );
  };
  return {
    db,
    async loadConfig(plugin) {
      const { rows } = await db.query<{ key: string; value: unknown }>('SELECT key, value FROM nexus_config WHERE plugin = $1', [plugin]);
      return Object.fromEntries(rows.map((row) => [row.key, row.value]));
    },
    saveConfig: (plugin, key, value) => put('nexus_config', plugin, key, value, `config "${key}"`),
    async getData<T>(plugin: string, key: string): Promise<T | undefined> {
      const { rows } = await db.query<{ value: T }>('SELECT value FROM nexus_data WHERE plugin = $1 AND key = $2', [plugin, key]);
      return rows[0]?.value;
    },
    setData: (plugin, key, value) => put('nexus_data', plugin, key, value, `data "${key}"`),
    async deleteData(plugin, key) {
      return (await db.query('DELETE FROM nexus_data WHERE plugin = $1 AND key = $2', [plugin, key])).rowCount > 0;
    },
    async ensureSchema(plugin, schema) {
      declared.set(plugin, await ensureTables(db, plugin, schema));
    },
    collection<T extends Document = Document>(plugin: string, name: string): Collection<T> {
      return pgCollection(db, plugin, name, tableOf(plugin, name)) as unknown as Collection<T>;
    },
    async wasHandled(plugin, eventId) {
      const { rowCount } = await db.query('SELECT 1 FROM nexus_handled_events WHERE plugin = $1 AND event_id = $2', [plugin, eventId]);
      return rowCount > 0;
    },
    async markHandled(plugin, eventId) {
      const sql = 'INSERT INTO nexus_handled_events (plugin, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING';
      return (await db.query(sql, [plugin, eventId])).rowCount > 0;
    },
    leases: createPgLeases(db),
    async health() {
      try {
        await db.pool.query('SELECT 1');
        return { healthy: true, driver: 'postgres', url: db.url, pool: db.poolStats() };
      } catch (error) {
        return { healthy: false, driver: 'postgres', url: db.url, error: errorMessage(error) };
      }
    },
    transaction: (work) => db.transaction(work),
    afterCommit: (run) => db.afterCommit(run),
    async close() {
      await db.close();
    },
  };
}

// The plugin name's length keeps the mapping one-to-one although both names may contain "_".
function tableName(plugin: string, collection: string): string {
  return pgIdent(`nx${plugin.length}_${plugin}__${collection}`);
}

function indexName(table: string, index: IndexSpec): string {
  return pgIdent(`${table}__${index.unique ? 'u' : 'i'}_${index.field}`);
}

// A JSON null and a missing field are both SQL NULL: they match a null filter and never collide.
function fieldExpression(field: string): string {
  return field === 'id' ? 'id' : `nullif(doc -> '${field}', 'null'::jsonb)`;
}

async function ensureTables(db: PgDatabase, plugin: string, schema: DatabaseSchema): Promise<Map<string, TableInfo>> {
  assertStorageName(plugin);
  const specs = Object.entries(schema.collections).map(([name, spec]) => {
    assertStorageName(plugin, name);
    return { name, indexes: indexesOf(plugin, name, spec.indexes) };
  });
  for (const name of Object.keys(schema.initialData ?? {})) {
    if (!(name in schema.collections)) throw unknownCollectionError(plugin, name);
  }
  return db.withLock(`schema:${plugin}`, async (client) => {
    const tables = new Map<string, TableInfo>();
    for (const { name, indexes } of specs) {
      const table = tableName(plugin, name);
      const { rows } = await client.query<{ found: string | null }>('SELECT to_regclass($1) AS found', [quoteIdent(table)]);
      const created = rows[0]?.found === null;
      await client.query(`CREATE TABLE IF NOT EXISTS ${quoteIdent(table)} (seq bigserial NOT NULL, id text PRIMARY KEY, doc jsonb NOT NULL)`);
      const info: TableInfo = { table, uniqueIndexes: await syncIndexes(client, plugin, name, table, indexes) };
      tables.set(name, info);
      if (!created) continue;
      for (const doc of schema.initialData?.[name] ?? []) await insertDoc((sql, params) => client.query(sql, params), plugin, name, info, doc);
    }
    return tables;
  });
}

// Creates the declared indexes and drops the ones a previous schema declared and this one does not.
async function syncIndexes(client: PoolClient, plugin: string, name: string, table: string, indexes: IndexSpec[]): Promise<Map<string, string>> {
  const wanted = new Map(indexes.map((index) => [indexName(table, index), index]));
  const { rows } = await client.query<{ indexname: string }>(
    'SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1 AND indexname <> $2',
    [table, `${table}_pkey`],
  );
  for (const { indexname } of rows) {
    if (!wanted.has(indexname)) await client.query(`DROP INDEX ${quoteIdent(indexname)}`);
  }
  const unique = new Map<string, string>();
  for (const [index, spec] of wanted) {
    if (spec.unique) unique.set(index, spec.field);
    await client.query('SAVEPOINT nexus_index');
    try {
      await client.query(`CREATE ${spec.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${quoteIdent(index)} ON ${quoteIdent(table)} ((${fieldExpression(spec.field)}))`);
      await client.query('RELEASE SAVEPOINT nexus_index');
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      await client.query('ROLLBACK TO SAVEPOINT nexus_index');
      throw await existingDuplicate(client, plugin, name, table, spec.field);
    }
  }
  return unique;
}

async function existingDuplicate(client: PoolClient, plugin: string, name: string, table: string, field: string): Promise<NexusError> {
  const expression = fieldExpression(field);
  const { rows } = await client.query<{ value: unknown }>(
    `SELECT ${expression} AS value FROM ${quoteIdent(table)} WHERE ${expression} IS NOT NULL GROUP BY 1 HAVING count(*) > 1 LIMIT 1`,
  );
  return duplicateError(plugin, name, field, rows[0]?.value, true);
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === '23505';
}

// PostgreSQL names the violated index (or `<table>_pkey`) in `constraint`.
function saveError(error: unknown, plugin: string, name: string, info: TableInfo, doc: Stored<Document>): unknown {
  if (!isUniqueViolation(error)) return error;
  const index = (error as { constraint?: string }).constraint;
  const field = index === `${info.table}_pkey` ? 'id' : index === undefined ? undefined : info.uniqueIndexes.get(index);
  return field === undefined ? error : duplicateError(plugin, name, field, doc[field]);
}

type Run = (sql: string, params: unknown[]) => Promise<unknown>;

async function insertDoc(run: Run, plugin: string, name: string, info: TableInfo, doc: Document): Promise<Stored<Document>> {
  const stored = withId(plugin, name, doc);
  const json = toStoredJson(plugin, `a document in collection "${name}"`, stored);
  try {
    await run(`INSERT INTO ${quoteIdent(info.table)} (id, doc) VALUES ($1, $2::jsonb)`, [stored.id, json]);
  } catch (error) {
    throw saveError(error, plugin, name, info, stored);
  }
  return JSON.parse(json) as Stored<Document>;
}

// jsonb equality is type-exact: 1 is not true and "30" is not 30, as in the memory driver.
function whereClause(plugin: string, name: string, filter: object | undefined, first = 1): Query {
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const [field, value] of filterEntries(plugin, name, filter)) {
    const expression = fieldExpression(field);
    if (field === 'id') {
      if (typeof value !== 'string') parts.push('false');
      else parts.push(`id = $${first + params.push(value) - 1}`);
    } else if (value === null) {
      parts.push(`${expression} IS NULL`);
    } else {
      parts.push(`${expression} = $${first + params.push(JSON.stringify(value)) - 1}::jsonb`);
    }
  }
  return { sql: parts.length === 0 ? '' : ` WHERE ${parts.join(' AND ')}`, params };
}

function findQuery(plugin: string, name: string, table: string, filter: object | undefined, options: FindOptions<Document> = {}): Query {
  const where = whereClause(plugin, name, filter);
  let order = 'seq';
  if (options.sort) {
    assertFieldName(plugin, name, options.sort.field);
    const desc = options.sort.order === 'desc';
    order = `${fieldExpression(options.sort.field)} ${desc ? 'DESC NULLS LAST' : 'ASC NULLS FIRST'}, seq`;
  }
  const { limit, offset } = pageOf(options);
  const params = [...where.params];
  let page = '';
  if (limit >= 0) page += ` LIMIT $${params.push(limit)}`;
  if (offset > 0) page += ` OFFSET $${params.push(offset)}`;
  return { sql: `SELECT doc FROM ${quoteIdent(table)}${where.sql} ORDER BY ${order}${page}`, params };
}

function pgCollection(db: PgDatabase, plugin: string, name: string, info: TableInfo): Collection {
  const table = quoteIdent(info.table);
  const find = async (filter?: object, options?: FindOptions<Document>): Promise<Stored<Document>[]> => {
    const query = findQuery(plugin, name, info.table, filter, options);
    return (await db.query<{ doc: Stored<Document> }>(query.sql, query.params)).rows.map((row) => row.doc);
  };
  return {
    insert: (doc) => insertDoc((sql, params) => db.query(sql, params), plugin, name, info, doc),
    async get(id) {
      return (await db.query<{ doc: Stored<Document> }>(`SELECT doc FROM ${table} WHERE id = $1`, [id])).rows[0]?.doc;
    },
    find,
    async findOne(filter) {
      return (await find(filter, { limit: 1 }))[0];
    },
    // One statement: a concurrent update on another instance cannot be lost between read and write.
    async update(id, patch) {
      const json = toStoredJson(plugin, `a document in collection "${name}"`, patch);
      const removed = Object.entries(patch).filter(([, value]) => value === undefined).map(([key]) => key);
      try {
        const { rows } = await db.query<{ doc: Stored<Document> }>(
          `UPDATE ${table} SET doc = (doc - $3::text[]) || $2::jsonb || jsonb_build_object('id', id) WHERE id = $1 RETURNING doc`,
          [id, json, removed],
        );
        return rows[0]?.doc;
      } catch (error) {
        throw saveError(error, plugin, name, info, { ...(patch as Document), id });
      }
    },
    async delete(id) {
      return (await db.query(`DELETE FROM ${table} WHERE id = $1`, [id])).rowCount > 0;
    },
    async count(filter) {
      const where = whereClause(plugin, name, filter);
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}${where.sql}`, where.params);
      return rows[0]?.n ?? 0;
    },
  };
}
