/**
 * Several instances as one app (issue 11): durable event transports against their raw clients, in
 * one run, plus route throughput with PostgreSQL storage against SQLite.
 *
 * Events: "publish on one instance, handled on another" = two EventBus instances in this process,
 * each with its own transport and connections (instance `a` publishes as the host, instance `b`
 * handles as plugin `bench`). Beside each, the raw client doing the same work, as in
 * ../shared/baselines/scale/:
 *   redis     XADD (auto-pipelined) -> XREADGROUP COUNT 100 BLOCK -> handler -> one XACK per batch
 *   postgres  BEGIN; UPDATE state; INSERT outbox; COMMIT; NOTIFY (after commit) -> LISTEN, claim
 *             with FOR UPDATE SKIP LOCKED -> handler -> DELETE; Nexus does the same state change
 *             with setData inside storage.transaction() and publishes into it (the outbox row)
 *   memory    raw mitt against the Nexus in-process bus (the default transport)
 * Measured: events/s end to end with at most 100 published but not yet handled, and publish ->
 * handled latency one at a time (p50/p99). Median of BENCH_RUNS runs, raw and Nexus interleaved.
 * Targets: >= 50% of the raw client's events/s; Redis >= 4,081 events/s (Moleculer channels);
 * p50 < 5 ms (Redis) and < 10 ms (PostgreSQL).
 *
 * Routes: a plugin route that inserts a document and one that reads it, served by createApp with
 * SQLite and with PostgreSQL storage, loaded with 32 connections (bench/lib/load.ts), interleaved.
 *
 * Env: BENCH_RUNS (3), BENCH_REDIS_EVENTS (20000), BENCH_PG_EVENTS (3000), BENCH_MEMORY_EVENTS
 * (200000), BENCH_LATENCY (500), BENCH_ROUND_MS (2000), BENCH_DATABASE_URL, BENCH_REDIS_URL.
 */
import { randomUUID } from 'node:crypto';
import mittImport from 'mitt';
import {
  EventBus,
  PgDatabase,
  createApp,
  createLogger,
  createMemorySink,
  createPostgresStorage,
  createPostgresTransport,
  createRedisTransport,
  type DurableTransport,
  type PostgresStorage,
} from '@nexus/core/host';
import type { EventEnvelope, EventTransport } from '@nexus/core';
import { runLoad } from './lib/load.ts';
import { fmt, median, percentile } from './lib/stats.ts';
import { printTable } from './lib/table.ts';
import { removeDir, tempDir, writeApp } from './lib/temp-app.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const N = { redis: Number(process.env.BENCH_REDIS_EVENTS ?? 20_000), postgres: Number(process.env.BENCH_PG_EVENTS ?? 3_000), memory: Number(process.env.BENCH_MEMORY_EVENTS ?? 200_000) };
const LATENCY = Number(process.env.BENCH_LATENCY ?? 500);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 2_000);
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const WINDOW = 100;
const logger = createLogger({ name: 'bench', sink: createMemorySink(), level: 'error' });

type MittFactory = typeof mittImport.default;
const mitt: MittFactory = typeof mittImport === 'function' ? (mittImport as MittFactory) : mittImport.default;

/** One side of a comparison: publish(seq) and a handler callback that reports handled seqs. */
interface Pipe {
  publish(seq: number): Promise<unknown>;
  onHandled(listener: (seq: number) => void): void;
  close(): Promise<void>;
}

interface Result {
  evps: number;
  p50: number;
  p99: number;
}

const payload = (seq: number) => ({ type: 'plugin.record.updated', seq, at: Date.now(), body: 'x'.repeat(120) });

// Closed loop: keep at most WINDOW published-but-unhandled events; rate = n / (first publish -> last handled).
async function throughput(pipe: Pipe, n: number): Promise<number> {
  let sent = 0;
  let handled = 0;
  let fail: (error: unknown) => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    fail = reject;
    pipe.onHandled(() => {
      handled++;
      if (handled >= n) resolve();
      else pump();
    });
  });
  const pump = (): void => {
    while (sent < n && sent - handled < WINDOW) pipe.publish(sent++).catch(fail);
  };
  const guard = setTimeout(() => fail(new Error(`throughput: ${handled}/${n} handled after 180 s`)), 180_000);
  const t0 = performance.now();
  pump();
  await done;
  clearTimeout(guard);
  return n / ((performance.now() - t0) / 1000);
}

async function latency(pipe: Pipe, m: number): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  let waiting: { seq: number; resolve: () => void } | undefined;
  pipe.onHandled((seq) => {
    if (waiting?.seq === seq) waiting.resolve();
  });
  for (let seq = 0; seq < m; seq++) {
    const handled = new Promise<void>((resolve) => (waiting = { seq, resolve }));
    const t0 = performance.now();
    await Promise.all([pipe.publish(seq), handled]);
    samples.push(performance.now() - t0);
  }
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function measure(open: () => Promise<Pipe>, n: number): Promise<Result> {
  const pipe = await open();
  try {
    await throughput(pipe, Math.min(n, 1_000)); // warm-up
    const evps = await throughput(pipe, n);
    const { p50, p99 } = await latency(pipe, LATENCY);
    return { evps, p50, p99 };
  } finally {
    await pipe.close();
  }
}

// ---------------------------------------------------------------- Nexus pipes

function busPipe(publisherTransport: EventTransport | DurableTransport, handlerTransport: EventTransport | DurableTransport | undefined, wrap?: (work: () => Promise<unknown>) => Promise<unknown>, extra?: () => Promise<void>, state?: PostgresStorage): Promise<Pipe> {
  const a = new EventBus({ transport: publisherTransport, logger, ...(state ? { afterCommit: state.afterCommit } : {}) });
  const b = handlerTransport ? new EventBus({ transport: handlerTransport, logger }) : a;
  b.registerPlugin({ name: 'bench', version: '1.0.0', permissions: ['events.subscribe'], events: { subscribes: ['bench.event'] } } as never);
  let listener: (seq: number) => void = () => {};
  b.subscribe('bench', 'bench.event', async (event: EventEnvelope) => {
    listener((event.data as { seq: number }).seq);
  });
  return b.ready().then(() => ({
    publish: (seq: number) => (wrap ? wrap(() => a.publish('nexus', 'bench.event', payload(seq))) : a.publish('nexus', 'bench.event', payload(seq))),
    onHandled: (l: (seq: number) => void) => void (listener = l),
    async close() {
      await a.close();
      if (b !== a) await b.close();
      await extra?.();
    },
  }));
}

async function nexusRedis(): Promise<Pipe> {
  const prefix = `nexus-bench:${randomUUID().slice(0, 8)}`;
  const a = await createRedisTransport({ url: REDIS_URL, logger, prefix, instance: 'a' });
  const b = await createRedisTransport({ url: REDIS_URL, logger, prefix, instance: 'b' });
  return busPipe(a, b, undefined, () => cleanRedis(prefix));
}

async function nexusPostgres(): Promise<Pipe> {
  const schema = `nexus_bench_${randomUUID().slice(0, 8)}`;
  const dbA = await PgDatabase.open({ url: PG_URL, schema, poolSize: 10 });
  const dbB = await PgDatabase.open({ url: PG_URL, schema, poolSize: 10 });
  const storage = await createPostgresStorage({ db: dbA });
  const a = await createPostgresTransport({ db: dbA, logger, instance: 'a' });
  const b = await createPostgresTransport({ db: dbB, logger, instance: 'b' });
  // The state change and the outbox row commit together (NOTIFY after commit), as a route would.
  const wrap = (publish: () => Promise<unknown>) => storage.transaction!(async () => {
    await storage.setData('bench', `row${Math.floor(Math.random() * 1000)}`, { at: Date.now() });
    return publish();
  });
  return busPipe(a, b, wrap, async () => {
    await dbB.close();
    await dbA.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dbA.close();
  }, storage);
}

async function nexusMemory(): Promise<Pipe> {
  const { createMittTransport } = await import('@nexus/core/host');
  return busPipe(createMittTransport(), undefined);
}

// ---------------------------------------------------------------- raw pipes

async function rawRedis(): Promise<Pipe> {
  const { Redis } = await import('ioredis');
  const key = `nexus-bench:raw:${randomUUID().slice(0, 8)}`;
  const prod = new Redis(REDIS_URL, { enableAutoPipelining: true });
  const cons = new Redis(REDIS_URL);
  await prod.xgroup('CREATE', key, 'g', '$', 'MKSTREAM');
  let listener: (seq: number) => void = () => {};
  let running = true;
  const loop = (async () => {
    while (running) {
      const reply = (await cons.call('XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', 100, 'BLOCK', 200, 'STREAMS', key, '>').catch(() => null)) as unknown[] | null;
      if (!reply || reply.length === 0) continue;
      const entries = (typeof reply[0] === 'string' ? reply[1] : (reply[0] as unknown[])[1]) as [string, string[]][];
      const ids: string[] = [];
      const seqs: number[] = [];
      for (const [id, fields] of entries) {
        const event = JSON.parse(fields[1]!) as { seq: number };
        await (async () => {})();
        ids.push(id);
        seqs.push(event.seq);
      }
      if (ids.length > 0) await cons.xack(key, 'g', ...ids);
      for (const seq of seqs) listener(seq);
    }
  })();
  return {
    publish: (seq) => prod.xadd(key, '*', 'e', JSON.stringify(payload(seq))),
    onHandled: (l) => void (listener = l),
    async close() {
      running = false;
      await loop;
      await prod.del(key);
      prod.disconnect();
      cons.disconnect();
    },
  };
}

async function rawPostgres(): Promise<Pipe> {
  const { default: pg } = await import('pg');
  const schema = `nexus_bench_raw_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA "${schema}"; SET search_path TO "${schema}";
    CREATE TABLE state (id int PRIMARY KEY, version int NOT NULL DEFAULT 0, updated_at timestamptz);
    INSERT INTO state (id) SELECT g FROM generate_series(0, 999) g;
    CREATE TABLE outbox (id bigserial PRIMARY KEY, payload jsonb NOT NULL, claimed_by text, claimed_until timestamptz);`);
  const options = { connectionString: PG_URL, options: `-c search_path="${schema}"` };
  const pool = new pg.Pool({ ...options, max: 10 });
  const listenerClient = new pg.Client(options);
  const claimer = new pg.Client(options);
  await Promise.all([listenerClient.connect(), claimer.connect()]);
  let listener: (seq: number) => void = () => {};
  let draining: Promise<void> | undefined;
  let again = false;
  let closed = false;
  const drain = (): void => {
    if (draining) return void (again = true);
    draining = (async () => {
      do {
        again = false;
        for (;;) {
          const { rows } = await claimer.query<{ id: string; payload: { seq: number } }>(
            `UPDATE outbox SET claimed_by = 'raw', claimed_until = now() + interval '30 seconds'
              WHERE id IN (SELECT id FROM outbox WHERE claimed_until IS NULL OR claimed_until < now() ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 100)
              RETURNING id, payload`,
          );
          if (rows.length === 0) break;
          for (const row of rows) await (async () => {})();
          await claimer.query('DELETE FROM outbox WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
          for (const row of rows) listener(row.payload.seq);
        }
      } while (again && !closed);
    })().finally(() => (draining = undefined));
  };
  listenerClient.on('notification', drain);
  await listenerClient.query('LISTEN outbox');
  const poll = setInterval(drain, 1_000);
  return {
    async publish(seq) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query({ name: 'upd', text: 'UPDATE state SET version = version + 1, updated_at = now() WHERE id = $1', values: [seq % 1000] });
        await client.query({ name: 'ins', text: 'INSERT INTO outbox (payload) VALUES ($1)', values: [JSON.stringify(payload(seq))] });
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      await pool.query('NOTIFY outbox');
    },
    onHandled: (l) => void (listener = l),
    async close() {
      closed = true;
      clearInterval(poll);
      await draining;
      await Promise.all([listenerClient.end(), claimer.end(), pool.end()]);
      await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
      await admin.end();
    },
  };
}

async function rawMemory(): Promise<Pipe> {
  const emitter = mitt<{ e: { seq: number } }>();
  let listener: (seq: number) => void = () => {};
  emitter.on('e', async (event) => {
    await null;
    listener(event.seq);
  });
  return { publish: async (seq) => emitter.emit('e', payload(seq)), onHandled: (l) => void (listener = l), close: async () => emitter.all.clear() };
}

async function cleanRedis(prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}

// ---------------------------------------------------------------- routes: PostgreSQL vs SQLite storage

const ROUTE_PLUGIN = {
  name: 'p',
  manifest: { name: 'p', version: '1.0.0', nexus_version: '>=0.1.0', permissions: ['database.read', 'database.write'] },
  source: `import { BasePlugin, type Router } from '@nexus/core';
export default class P extends BasePlugin {
  override databaseSchema() { return { collections: { items: { indexes: [{ field: 'n' }] } }, initialData: { items: [{ id: 'one', n: 1 }] } }; }
  override routes(router: Router): void {
    router.get('/read', async (ctx) => { ctx.body = await this.db.collection('items').get('one'); });
    router.get('/write', async (ctx) => { ctx.body = await this.db.collection('items').insert({ n: Math.random() }); });
  }
}
`,
};

async function routes(): Promise<void> {
  const schema = `nexus_bench_routes_${randomUUID().slice(0, 8)}`;
  const apps: Record<string, { url: string; stop: () => Promise<void>; dir: string }> = {};
  for (const storage of ['sqlite', 'postgres'] as const) {
    const dir = tempDir('nexus-bench-scale-');
    writeApp(dir, [ROUTE_PLUGIN as never], storage === 'postgres' ? { storage: { url: PG_URL, schema } } : {});
    const app = await createApp({ appDir: dir, port: 0, logSink: createMemorySink(), environ: {} });
    apps[storage] = { url: await app.start(), stop: () => app.stop(), dir };
  }
  const samples: Record<string, { rps: number[]; p50: number[]; p99: number[] }> = {};
  for (let round = 0; round < RUNS; round++) {
    for (const route of ['read', 'write']) {
      for (const storage of round % 2 === 0 ? ['sqlite', 'postgres'] : ['postgres', 'sqlite']) {
        const load = await runLoad({ url: `${apps[storage]!.url}/plugins/p/${route}`, durationMs: ROUND_MS, connections: 32 });
        const key = `${route} ${storage}`;
        samples[key] ??= { rps: [], p50: [], p99: [] };
        samples[key].rps.push(load.rps);
        samples[key].p50.push(load.latency.p50);
        samples[key].p99.push(load.latency.p99);
      }
    }
  }
  const rows = ['read', 'write'].flatMap((route) => {
    const sqlite = median(samples[`${route} sqlite`]!.rps);
    return ['sqlite', 'postgres'].map((storage) => {
      const s = samples[`${route} ${storage}`]!;
      return [`GET /plugins/p/${route} (${route === 'read' ? 'collection.get' : 'collection.insert'})`, storage === 'sqlite' ? 'SQLite (.nexus/nexus.db)' : 'PostgreSQL (pool of 10)', fmt(median(s.rps)), fmt(median(s.p50), 2), fmt(median(s.p99), 2), `${fmt((median(s.rps) / sqlite) * 100)}%`];
    });
  });
  printTable(['route', 'storage', 'req/s', 'p50 ms', 'p99 ms', 'vs SQLite'], rows, `Route throughput, one instance, 32 connections, median of ${RUNS} rounds of ${ROUND_MS} ms`);
  for (const { stop, dir } of Object.values(apps)) {
    await stop();
    removeDir(dir);
  }
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
}

// ---------------------------------------------------------------- main

const cases = [
  { transport: 'redis' as const, raw: rawRedis, nexus: nexusRedis, n: N.redis, target: { p50: 5, floor: 4_081 } },
  { transport: 'postgres' as const, raw: rawPostgres, nexus: nexusPostgres, n: N.postgres, target: { p50: 10, floor: 0 } },
  { transport: 'memory' as const, raw: rawMemory, nexus: nexusMemory, n: N.memory, target: { p50: Number.POSITIVE_INFINITY, floor: 0 } },
];
const rows: (string | number)[][] = [];
for (const c of cases) {
  const raw: Result[] = [];
  const nexus: Result[] = [];
  for (let run = 0; run < RUNS; run++) {
    raw.push(await measure(c.raw, c.n));
    nexus.push(await measure(c.nexus, c.n));
    console.error(`${c.transport} run ${run + 1}: raw ${fmt(raw.at(-1)!.evps)} ev/s, nexus ${fmt(nexus.at(-1)!.evps)} ev/s`);
  }
  const med = (list: Result[], field: keyof Result) => median(list.map((r) => r[field]));
  const ratio = med(nexus, 'evps') / med(raw, 'evps');
  const ok = ratio >= 0.5 && med(nexus, 'evps') >= c.target.floor && med(nexus, 'p50') < c.target.p50;
  const digits = c.transport === 'memory' ? 4 : 2;
  rows.push([`${c.transport}: raw client`, fmt(med(raw, 'evps')), fmt(med(raw, 'p50'), digits), fmt(med(raw, 'p99'), digits), '', '']);
  // The in-process bus has no raw-ratio target: it must keep its own speed (envelope, rules, copy-on-write dispatch).
  const verdict = c.transport === 'memory' ? 'reference' : ok ? 'met' : 'MISSED';
  rows.push([`${c.transport}: Nexus`, fmt(med(nexus, 'evps')), fmt(med(nexus, 'p50'), digits), fmt(med(nexus, 'p99'), digits), `${fmt(ratio * 100)}%`, verdict]);
}
printTable(
  ['transport', 'events/s, 100 in flight', 'p50 ms, 1 at a time', 'p99 ms, 1 at a time', 'Nexus / raw', 'target'],
  rows,
  `Events published on one instance, handled on another (two buses, separate connections); median of ${RUNS} runs; events per run: redis ${N.redis}, postgres ${N.postgres}, memory ${N.memory}; latency over ${LATENCY} events. Targets: >= 50% of raw; redis >= 4,081 ev/s and p50 < 5 ms; postgres p50 < 10 ms`,
);
await routes();
