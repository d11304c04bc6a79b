import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../src/events/bus.ts';
import { createPostgresTransport } from '../src/events/transports/postgres.ts';
import { createRedisTransport } from '../src/events/transports/redis.ts';
import type { DurableTransport, EventEnvelope } from '../src/events/types.ts';
import { createLogger, createMemorySink } from '../src/logger/logger.ts';
import type { PluginManifest } from '../src/manifest/types.ts';
import { PgDatabase } from '../src/storage/pg-database.ts';
import { createPostgresStorage, type PostgresStorage } from '../src/storage/postgres.ts';
import { POSTGRES_URL, REDIS_URL, services } from '../../../tests/helpers/services.ts';
import { eventually } from '../../../tests/helpers/http.ts';

const shop: PluginManifest = {
  name: 'shop',
  version: '1.0.0',
  description: 'test',
  permissions: ['events.publish', 'events.subscribe'],
} as PluginManifest;

interface Instance {
  bus: EventBus;
  transport: DurableTransport;
  name: string;
}

interface Harness {
  /** A new "instance" of the app: its own transport connections and bus. */
  instance(name: string, tuning?: { maxAttempts?: number; claimTimeoutMs?: number; maxLength?: number }): Promise<Instance>;
  storage?: PostgresStorage;
  prefix?: string;
  close(): Promise<void>;
}

const logger = createLogger({ name: 'test', sink: createMemorySink(), level: 'error' });

/** An instance of the app on `transport`: its bus, with the shop plugin registered, added to `instances`. */
function started(instances: Instance[], name: string, transport: DurableTransport, options: Partial<ConstructorParameters<typeof EventBus>[0]> = {}): Instance {
  const bus = new EventBus({ transport, logger, ...options });
  bus.registerPlugin(shop);
  const instance = { bus, transport, name };
  instances.push(instance);
  return instance;
}

async function postgresHarness(): Promise<Harness> {
  const schema = `nexus_tr_${process.pid}_${randomUUID().slice(0, 8)}`;
  const dbs: PgDatabase[] = [];
  const storageDb = await PgDatabase.open({ url: POSTGRES_URL, schema, poolSize: 4 });
  const storage = await createPostgresStorage({ db: storageDb });
  const instances: Instance[] = [];
  return {
    storage,
    async instance(name, tuning = {}) {
      const db = instances.length === 0 ? storageDb : await PgDatabase.open({ url: POSTGRES_URL, schema, poolSize: 4 });
      if (db !== storageDb) dbs.push(db);
      const transport = await createPostgresTransport({
        db, logger, instance: name, pollMs: 100,
        retry: { maxAttempts: tuning.maxAttempts ?? 3, backoffMs: 10 }, claimTimeoutMs: tuning.claimTimeoutMs ?? 30_000,
      });
      return started(instances, name, transport, db === storageDb ? { transaction: storage.transaction, afterCommit: storage.afterCommit } : {});
    },
    async close() {
      for (const { bus } of instances) await bus.close();
      await storageDb.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      for (const db of dbs) await db.close();
      await storage.close();
    },
  };
}

async function redisHarness(): Promise<Harness> {
  const prefix = `nexus-test:${process.pid}:${randomUUID().slice(0, 8)}`;
  const instances: Instance[] = [];
  return {
    prefix,
    async instance(name, tuning = {}) {
      const transport = await createRedisTransport({
        url: REDIS_URL, logger, prefix, instance: name,
        retry: { maxAttempts: tuning.maxAttempts ?? 3, backoffMs: 10 },
        claimTimeoutMs: tuning.claimTimeoutMs ?? 30_000, maxLength: tuning.maxLength,
      });
      return started(instances, name, transport);
    },
    async close() {
      for (const { bus } of instances) await bus.close();
      const { Redis } = await import('ioredis');
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
  };
}

const harnesses = {
  postgres: { available: services.postgres, open: postgresHarness },
  redis: { available: services.redis, open: redisHarness },
};

describe.each(Object.keys(harnesses) as (keyof typeof harnesses)[])('durable transport: %s', (kind) => {
  const { available, open } = harnesses[kind];
  let harness: Harness;
  beforeEach(async () => {
    if (available) harness = await open();
  });
  afterEach(async () => {
    await harness?.close();
  });

  it.skipIf(!available)('group: each event is handled by one of the instances, every event handled', async () => {
    const a = await harness.instance('a');
    const b = await harness.instance('b');
    const handled = new Map<number, string[]>();
    for (const instance of [a, b]) {
      instance.bus.subscribe('shop', 'shop.order', (event: EventEnvelope) => {
        const n = (event.data as { n: number }).n;
        handled.set(n, [...(handled.get(n) ?? []), instance.name]);
      });
      await instance.bus.ready();
    }
    for (let n = 0; n < 200; n++) await a.bus.publish('shop', 'shop.order', { n });
    await eventually(() => handled.size === 200, 15_000, 'all 200 events handled');
    const byBoth = [...handled.values()].filter((names) => names.length > 1);
    expect(byBoth).toEqual([]);
  });

  it.skipIf(!available)('broadcast: every instance handles every event', async () => {
    const a = await harness.instance('a');
    const b = await harness.instance('b');
    const seen: Record<string, number[]> = { a: [], b: [] };
    for (const instance of [a, b]) {
      instance.bus.subscribe('shop', 'shop.price', (event: EventEnvelope) => void seen[instance.name]!.push((event.data as { n: number }).n), { mode: 'broadcast' });
      await instance.bus.ready();
    }
    for (let n = 0; n < 20; n++) await b.bus.publish('shop', 'shop.price', { n });
    await eventually(() => seen.a!.length === 20 && seen.b!.length === 20, 10_000, 'both instances got 20 events');
    expect([...seen.a!].sort((x, y) => x - y)).toEqual([...seen.b!].sort((x, y) => x - y));
  });

  it.skipIf(!available)('retries a failing handler with backoff and acknowledges once it succeeds', async () => {
    const a = await harness.instance('a');
    let calls = 0;
    a.bus.subscribe('shop', 'shop.order', () => {
      calls++;
      if (calls < 3) throw new Error(`flaky ${calls}`);
    });
    await a.bus.ready();
    await a.bus.publish('shop', 'shop.order', { n: 1 });
    await eventually(() => calls === 3, 10_000, 'three attempts');
    const health = await eventually(async () => {
      const h = await a.transport.health();
      return h.pending === 0 && h;
    }, 10_000, 'nothing pending');
    expect(health.deadLetters).toEqual({});
  });

  it.skipIf(!available)('keeps an event that fails every attempt as a dead letter, counted per plugin', async () => {
    const a = await harness.instance('a', { maxAttempts: 3 });
    let calls = 0;
    a.bus.subscribe('shop', 'shop.order', () => {
      calls++;
      throw new Error('card declined');
    });
    await a.bus.ready();
    const sent = await a.bus.publish('shop', 'shop.order', { n: 1 });
    const health = await eventually(async () => {
      const h = await a.transport.health();
      return h.deadLetters.shop === 1 && h;
    }, 10_000, 'one dead letter');
    const letters = await a.transport.deadLetters('shop');
    // One assertion, so a failure shows every figure.
    expect({ calls, pending: health.pending, letters }).toMatchObject({
      calls: 3,
      pending: 0,
      letters: [{ plugin: 'shop', type: 'shop.order', eventId: sent.id, attempts: 3, error: 'card declined' }],
    });
  });

  it.skipIf(!available || kind !== 'postgres')('an instance that stops answering loses its events to another after the claim timeout', async () => {
    const a = await harness.instance('a', { claimTimeoutMs: 400 });
    const b = await harness.instance('b', { claimTimeoutMs: 400 });
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const byB: string[] = [];
    a.bus.subscribe('shop', 'shop.order', () => stuck);
    await a.bus.ready();
    const sent = await a.bus.publish('shop', 'shop.order', { n: 1 });
    // a holds the event (its handler hangs); b joins afterwards and must get it once a's claim expires.
    await eventually(async () => (await a.transport.health()).pending >= 1 || undefined, 5_000, 'a claimed it');
    b.bus.subscribe('shop', 'shop.order', (event: EventEnvelope) => void byB.push(event.id));
    await b.bus.ready();
    await eventually(() => byB.length > 0, 10_000, 'b handled the abandoned event');
    expect(byB[0]).toBe(sent.id);
    expect((await b.transport.health()).redeliveries).toBeGreaterThanOrEqual(1);
    release();
  });

  it.skipIf(!available)('a hot swap acknowledges an event only once the old handler finished; events arriving during the swap go to the new one', async () => {
    const a = await harness.instance('a');
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const oldSeen: number[] = [];
    const newSeen: number[] = [];
    const offOld = a.bus.subscribe('shop', 'shop.order', async (event: EventEnvelope) => {
      oldSeen.push((event.data as { n: number }).n);
      await slow;
    });
    await a.bus.ready();
    await a.bus.publish('shop', 'shop.order', { n: 1 });
    await eventually(() => oldSeen.length === 1, 10_000, 'the old handler started');
    // The swap, as the manager does it: pause, retire the old instance, subscribe the new one.
    a.bus.pause('shop');
    offOld();
    a.bus.subscribe('shop', 'shop.order', (event: EventEnvelope) => void newSeen.push((event.data as { n: number }).n));
    await a.bus.publish('shop', 'shop.order', { n: 2 });
    expect((await a.transport.health()).pending).toBeGreaterThanOrEqual(1);
    await a.bus.resume('shop');
    release();
    await eventually(async () => (await a.transport.health()).pending === 0 && newSeen.length === 1, 10_000, 'both acknowledged');
    expect(oldSeen).toEqual([1]);
    expect(newSeen).toEqual([2]);
  });

  if (kind === 'postgres') {
    it.skipIf(!available)('the outbox row commits or rolls back with the state change', async () => {
      const a = await harness.instance('a');
      const storage = harness.storage!;
      const got: string[] = [];
      a.bus.subscribe('shop', 'shop.order', (event: EventEnvelope) => void got.push((event.data as { label: string }).label));
      await a.bus.ready();
      await expect(
        storage.transaction!(async () => {
          await storage.setData('shop', 'last', 'rolled back');
          await a.bus.publish('shop', 'shop.order', { label: 'rolled back' });
          throw new Error('route failed');
        }),
      ).rejects.toThrow('route failed');
      await storage.transaction!(async () => {
        await storage.setData('shop', 'last', 'committed');
        await a.bus.publish('shop', 'shop.order', { label: 'committed' });
      });
      await eventually(() => got.length > 0, 10_000, 'the committed event');
      await a.bus.idle();
      expect(got).toEqual(['committed']);
      expect(await storage.getData('shop', 'last')).toBe('committed');
    });
  }

  if (kind === 'redis') {
    it.skipIf(!available)('takes over the pending entries of a consumer that died (XAUTOCLAIM)', async () => {
      const { Redis } = await import('ioredis');
      const raw = new Redis(REDIS_URL);
      const stream = `${harness.prefix}:events:shop.order`;
      await raw.xgroup('CREATE', stream, 'shop', '$', 'MKSTREAM');
      const publisher = await harness.instance('publisher');
      const sent = await publisher.bus.publish('shop', 'shop.order', { n: 1 });
      // A consumer of the group reads the entry and dies before XACK: the entry stays pending.
      await raw.xreadgroup('GROUP', 'shop', 'dead-instance', 'COUNT', 10, 'STREAMS', stream, '>');
      await raw.quit();
      const b = await harness.instance('b', { claimTimeoutMs: 400 });
      const byB: string[] = [];
      b.bus.subscribe('shop', 'shop.order', (event: EventEnvelope) => void byB.push(event.id));
      await b.bus.ready();
      await eventually(() => byB.length > 0, 10_000, 'b handled the dead consumer\'s event');
      expect(byB).toEqual([sent.id]);
      expect((await b.transport.health()).redeliveries).toBe(1);
    });

    it.skipIf(!available)('counts unacknowledged entries trimmed by the length cap', async () => {
      const a = await harness.instance('a', { maxLength: 100, claimTimeoutMs: 200 });
      let release!: () => void;
      const stuck = new Promise<void>((resolve) => (release = resolve));
      a.bus.subscribe('shop', 'shop.order', () => stuck);
      await a.bus.ready();
      for (let n = 0; n < 1_000; n++) await a.bus.publish('shop', 'shop.order', { n });
      const health = await eventually(async () => {
        const h = await a.transport.health();
        return (h.trimmedUnacked ?? 0) > 0 && h;
      }, 10_000, 'trimmed entries counted');
      expect(health.trimmedUnacked).toBeGreaterThan(0);
      release();
    });
  }
});
