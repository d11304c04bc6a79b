import { AsyncLocalStorage } from 'node:async_hooks';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { NexusError, errorMessage } from '../errors.ts';

/** Options of a PostgreSQL connection pool shared by the storage, the outbox and the leases. */
export interface PgOptions {
  /** `postgres://user:password@host:port/database` */
  url: string;
  /** Most connections this instance opens. @default 10 */
  poolSize?: number;
  /** PostgreSQL schema (namespace) holding Nexus's tables; created when missing. @default public */
  schema?: string;
  /** Where the URL was set, named in connection errors. @default the storage settings */
  setting?: string;
}

/** One unit of work: a lazily opened transaction and what runs once it commits. */
interface Unit {
  client?: Promise<PoolClient>;
  afterCommit: (() => unknown)[];
}

/**
 * A `pg` pool plus the ambient transaction of the current route or event handler: queries made
 * inside `transaction()` run on one connection and commit together (state change and outbox row).
 */
export class PgDatabase {
  readonly url: string;
  readonly schema: string;
  readonly pool: Pool;
  readonly #setting: string;
  readonly #units = new AsyncLocalStorage<Unit>();
  #ready: Promise<void> | undefined;

  private constructor(pool: Pool, options: PgOptions) {
    this.pool = pool;
    this.url = redactUrl(options.url);
    this.schema = options.schema ?? 'public';
    this.#setting = options.setting ?? '"storage.url" of nexus.config.json (or NEXUS_DATABASE_URL)';
  }

  /** Open a pool (lazily imports `pg`, so an app on SQLite never loads it). */
  static async open(options: PgOptions): Promise<PgDatabase> {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      ...(options.schema && options.schema !== 'public' ? { options: `-c search_path=${quoteIdent(options.schema)},public` } : {}),
    });
    const db = new PgDatabase(pool, options);
    // An idle client losing its server must not crash the process; the next query reports it.
    pool.on('error', () => {});
    return db;
  }

  /** Runs `setup` once (CREATE ... IF NOT EXISTS), under an advisory lock so instances can start together. */
  ready(setup: (client: PoolClient) => Promise<void>): Promise<void> {
    this.#ready ??= this.withLock('nexus:schema', setup);
    return this.#ready;
  }

  /** Run `work` on one connection holding the transaction-level advisory lock `name`. */
  async withLock<T>(name: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect();
    try {
      await client.query('BEGIN');
      if (this.schema !== 'public') {
        // CREATE SCHEMA IF NOT EXISTS is not safe against a concurrent one: instances starting together queue here.
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`nexus:create-schema:${this.schema}`]);
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.schema)}`);
      }
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${this.schema}:${name}`]);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * A query on the current unit's transaction, or on any pooled connection outside one. A unit's
   * transaction opens at its first write: reads before it need no BEGIN/COMMIT round trips, reads
   * after it see the unit's own writes.
   */
  async query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number }> {
    const unit = this.#units.getStore();
    try {
      const inUnit = unit !== undefined && (unit.client !== undefined || !READ.test(text));
      const result = inUnit ? await (await this.#clientOf(unit)).query<R>(text, values) : await this.pool.query<R>(text, values);
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    } catch (error) {
      throw this.#explain(error);
    }
  }

  /** Whether a unit of work is open in this async context. */
  get inTransaction(): boolean {
    return this.#units.getStore() !== undefined;
  }

  /**
   * Run `work` as one transaction, opened at its first query: it commits when `work` resolves and
   * rolls back when it throws. Nested calls join the outer unit.
   */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.#units.getStore()) return work();
    const unit: Unit = { afterCommit: [] };
    let result: T;
    try {
      result = await this.#units.run(unit, work);
    } catch (error) {
      if (unit.client) await this.#finish(unit.client, 'ROLLBACK');
      throw error;
    }
    if (unit.client) await this.#finish(unit.client, 'COMMIT');
    for (const run of unit.afterCommit) await run();
    return result;
  }

  /** Defer `run` until the current unit commits; false (nothing deferred) outside a unit. */
  afterCommit(run: () => unknown): boolean {
    const unit = this.#units.getStore();
    if (!unit) return false;
    unit.afterCommit.push(run);
    return true;
  }

  /** A dedicated connection (LISTEN, locks); the caller releases it. */
  async connect(): Promise<PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw this.#explain(error);
    }
  }

  /** Connection counts of the pool, for /health and /metrics. */
  poolStats(): { total: number; idle: number; waiting: number } {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  #clientOf(unit: Unit): Promise<PoolClient> {
    unit.client ??= this.connect().then(async (client) => {
      try {
        await client.query('BEGIN');
        return client;
      } catch (error) {
        client.release();
        throw error;
      }
    });
    return unit.client;
  }

  async #finish(pending: Promise<PoolClient>, verb: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    let client: PoolClient;
    try {
      client = await pending;
    } catch {
      return; // BEGIN never happened: the work already failed on that
    }
    try {
      await client.query(verb);
      client.release();
    } catch (error) {
      client.release(error instanceof Error ? error : true);
      if (verb === 'COMMIT') throw this.#explain(error);
    }
  }

  // Connection failures name the server (password hidden); SQL errors pass through unchanged.
  #explain(error: unknown): unknown {
    const code = (error as { code?: string }).code;
    const connection = code === undefined || code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === '57P01' || code === '3D000' || code === '28P01' || code === '28000';
    if (!connection || error instanceof NexusError) return error;
    return new NexusError(
      'NEXUS_STORAGE_UNAVAILABLE',
      `PostgreSQL at ${this.url} cannot be used: ${errorMessage(error)}. Check that the server is running and the URL in ${this.#setting} is right.`,
      { cause: error },
    );
  }
}

const READ = /^\s*SELECT\b/i;

/** `url` with its password replaced by `***`, for messages and /health. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  }
}

/** A PostgreSQL identifier in double quotes. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** PostgreSQL truncates identifiers at 63 bytes: longer names keep a prefix and get a hash. */
export function pgIdent(name: string): string {
  if (Buffer.byteLength(name) <= 63) return name;
  let hash = 0x811c9dc5;
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return `${name.slice(0, 54)}_${hash.toString(16).padStart(8, '0')}`;
}
