import path from 'node:path';
import type { AppConfig } from '../config/app.ts';
import { NexusError } from '../errors.ts';
import { createMittTransport } from '../events/mitt-transport.ts';
import type { DurableTransport, EventTransport, TransportHealth } from '../events/types.ts';
import type { Logger } from '../logger/types.ts';
import { PgDatabase, redactUrl } from '../storage/pg-database.ts';
import { createSqliteStorage } from '../storage/sqlite.ts';
import type { StorageDriver } from '../storage/types.ts';

/** Which storage and transport an app uses, after nexus.config and the environment. */
export interface BackendChoice {
  storage: { driver: 'sqlite'; file: string } | { driver: 'postgres'; url: string; poolSize?: number; schema?: string };
  events: { transport: 'memory' } | { transport: 'postgres' | 'redis'; url: string };
}

/** What `/health` says about storage and events. */
export interface BackendHealth {
  storage: { driver: string; healthy: boolean; url?: string; file?: string; error?: string; pool?: { total: number; idle: number; waiting: number } };
  events: TransportHealth | { transport: 'memory'; healthy: true };
}

/** The opened storage and transport of an app. */
export interface Backends {
  choice: BackendChoice;
  storage: StorageDriver;
  transport: EventTransport | DurableTransport;
  health(): Promise<BackendHealth>;
  /** Close what storage.close() does not (a transport's own pool). */
  close(): Promise<void>;
}

/** Pick storage and transport from nexus.config's `storage`/`events` and NEXUS_DATABASE_URL / NEXUS_EVENTS_URL. */
export function chooseBackends(appDir: string, config: AppConfig, environ: NodeJS.ProcessEnv): BackendChoice {
  const storageUrl = environ.NEXUS_DATABASE_URL || config.storage?.url;
  const driver = config.storage?.driver ?? (storageUrl ? 'postgres' : 'sqlite');
  let storage: BackendChoice['storage'];
  if (driver === 'postgres') {
    if (!storageUrl) throw configError('"storage.driver" is "postgres" but no URL is set: add "storage.url" to nexus.config.json or set NEXUS_DATABASE_URL.');
    storage = { driver, url: storageUrl, poolSize: config.storage?.poolSize, schema: config.storage?.schema };
  } else {
    storage = { driver: 'sqlite', file: path.join(appDir, config.dataDir ?? '.nexus', 'nexus.db') };
  }
  const eventsUrl = environ.NEXUS_EVENTS_URL || config.events?.url;
  const transport = config.events?.transport ?? (eventsUrl ? (/^rediss?:/.test(eventsUrl) ? 'redis' : 'postgres') : 'memory');
  if (transport === 'memory') return { storage, events: { transport } };
  const url = eventsUrl ?? (transport === 'postgres' && storage.driver === 'postgres' ? storage.url : undefined);
  if (!url) throw configError(`"events.transport" is "${transport}" but no URL is set: add "events.url" to nexus.config.json or set NEXUS_EVENTS_URL${transport === 'postgres' ? ' (or use PostgreSQL storage, whose URL it then shares)' : ''}.`);
  return { storage, events: { transport, url } };
}

/** Open the chosen storage and transport; a server that does not answer is a NexusError naming it. */
export async function openBackends(
  appDir: string,
  config: AppConfig,
  environ: NodeJS.ProcessEnv,
  logger: Logger,
  given: { storage?: StorageDriver; transport?: EventTransport | DurableTransport } = {},
): Promise<Backends> {
  const choice = chooseBackends(appDir, config, environ);
  const closers: (() => Promise<void>)[] = [];
  let storage: StorageDriver;
  let storageDb: PgDatabase | undefined;
  if (given.storage) {
    storage = given.storage;
    storageDb = (given.storage as { db?: PgDatabase }).db;
  } else if (choice.storage.driver === 'postgres') {
    const { createPostgresStorage } = await import('../storage/postgres.ts');
    const opened = await createPostgresStorage(choice.storage);
    storage = opened;
    storageDb = opened.db;
  } else {
    storage = createSqliteStorage({ file: choice.storage.file });
  }
  let transport: EventTransport | DurableTransport;
  try {
    transport = given.transport ?? (await openTransport(choice, config, storageDb, logger, closers));
  } catch (error) {
    await storage.close();
    throw error;
  }
  const storageChoice = choice.storage;
  return {
    choice,
    storage,
    transport,
    async health() {
      const events = 'health' in transport ? await transport.health() : ({ transport: 'memory', healthy: true } as const);
      const db = storageDb;
      if (!db) return { storage: { driver: given.storage ? 'custom' : 'sqlite', healthy: true, ...(given.storage ? {} : { file: storageChoice.driver === 'sqlite' ? storageChoice.file : undefined }) }, events };
      try {
        await db.pool.query('SELECT 1');
        return { storage: { driver: 'postgres', healthy: true, url: db.url, pool: db.poolStats() }, events };
      } catch (error) {
        return { storage: { driver: 'postgres', healthy: false, url: db.url, error: (error as Error).message }, events };
      }
    },
    async close() {
      for (const close of closers) await close();
    },
  };
}

async function openTransport(
  choice: BackendChoice,
  config: AppConfig,
  storageDb: PgDatabase | undefined,
  logger: Logger,
  closers: (() => Promise<void>)[],
): Promise<EventTransport | DurableTransport> {
  const events = config.events ?? {};
  const retry = { ...(events.maxAttempts ? { maxAttempts: events.maxAttempts } : {}), ...(events.backoffMs !== undefined ? { backoffMs: events.backoffMs } : {}) };
  if (choice.events.transport === 'memory') return createMittTransport();
  if (choice.events.transport === 'redis') {
    const { createRedisTransport } = await import('../events/transports/redis.ts');
    return createRedisTransport({ url: choice.events.url, logger, prefix: events.prefix, retry, claimTimeoutMs: events.claimTimeoutMs, maxLength: events.maxLength });
  }
  const { createPostgresTransport } = await import('../events/transports/postgres.ts');
  // Same database as the storage: one pool, and outbox rows join the storage's transactions.
  let db = storageDb && sameDatabase(storageDb.url, choice.events.url) ? storageDb : undefined;
  if (!db) {
    db = await PgDatabase.open({ url: choice.events.url, poolSize: 5, setting: '"events.url" of nexus.config.json (or NEXUS_EVENTS_URL)' });
    const own = db;
    closers.push(() => own.close());
  }
  return createPostgresTransport({ db, logger, retry, claimTimeoutMs: events.claimTimeoutMs, pollMs: events.pollMs });
}

function sameDatabase(redacted: string, url: string): boolean {
  return redacted === redactUrl(url);
}

function configError(message: string): NexusError {
  return new NexusError('NEXUS_APP_CONFIG_INVALID', `nexus.config: ${message}`);
}

/** One line per configured server: what answered, or what is wrong and how to fix it. */
export interface ConnectionReport {
  ok: string[];
  problems: string[];
}

/** Connect to the configured PostgreSQL and Redis without changing anything (`nexus validate --connect`). */
export async function checkConnections(appDir: string, config: AppConfig, environ: NodeJS.ProcessEnv): Promise<ConnectionReport> {
  const report: ConnectionReport = { ok: [], problems: [] };
  let choice: BackendChoice;
  try {
    choice = chooseBackends(appDir, config, environ);
  } catch (error) {
    report.problems.push((error as Error).message);
    return report;
  }
  if (choice.storage.driver === 'sqlite') report.ok.push(`storage: SQLite at ${path.relative(appDir, choice.storage.file)}`);
  else await checkPostgres(choice.storage.url, 'storage', report);
  if (choice.events.transport === 'memory') report.ok.push('events: in-process (one instance)');
  else if (choice.events.transport === 'postgres') await checkPostgres(choice.events.url, 'events', report);
  else await checkRedis(choice.events.url, report);
  return report;
}

async function checkPostgres(url: string, role: 'storage' | 'events', report: ConnectionReport): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  const setting = role === 'storage' ? '"storage.url" (or NEXUS_DATABASE_URL)' : '"events.url" (or NEXUS_EVENTS_URL)';
  try {
    await client.connect();
    const { rows } = await client.query<{ v: string; n: string }>("SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS n");
    const version = rows[0]!;
    if (Number(version.n) < 150000) report.problems.push(`${role}: PostgreSQL at ${redactUrl(url)} is version ${version.v}; Nexus needs 15 or newer`);
    else report.ok.push(`${role}: PostgreSQL ${version.v} at ${redactUrl(url)}`);
  } catch (error) {
    report.problems.push(`${role}: PostgreSQL at ${redactUrl(url)} does not answer: ${(error as Error).message}. Start it, or fix ${setting} in nexus.config.json.`);
  } finally {
    await client.end().catch(() => {});
  }
}

async function checkRedis(url: string, report: ConnectionReport): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 5_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const version = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
    const [major = 0, minor = 0] = version.split('.').map(Number);
    if (major < 6 || (major === 6 && minor < 2)) report.problems.push(`events: Redis at ${redactUrl(url)} is version ${version}; Nexus needs 6.2 or newer (XAUTOCLAIM)`);
    else report.ok.push(`events: Redis ${version} at ${redactUrl(url)}`);
  } catch (error) {
    report.problems.push(`events: Redis at ${redactUrl(url)} does not answer: ${(error as Error).message}. Start it, or fix "events.url" (or NEXUS_EVENTS_URL) in nexus.config.json.`);
  } finally {
    redis.disconnect();
  }
}
