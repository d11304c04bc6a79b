import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalLeases, createPgLeases, type LeaseStore } from '../src/leases/leases.ts';
import { runWithLease } from '../src/leases/once.ts';
import { createLogger, createMemorySink } from '../src/logger/logger.ts';
import { createPostgresStorage, type PostgresStorage } from '../src/storage/postgres.ts';
import { POSTGRES_URL, services } from '../../../tests/helpers/services.ts';
import { eventually } from '../../../tests/helpers/http.ts';

const logger = createLogger({ name: 'test', sink: createMemorySink(), level: 'error' });

const stores = {
  local: { available: true },
  postgres: { available: services.postgres },
};

describe.each(Object.keys(stores) as (keyof typeof stores)[])('leases: %s', (kind) => {
  const { available } = stores[kind];
  let leases: LeaseStore;
  let storage: PostgresStorage | undefined;
  const schema = `nexus_lease_${process.pid}_${randomUUID().slice(0, 8)}`;
  beforeEach(async () => {
    if (kind === 'postgres' && available) {
      storage = await createPostgresStorage({ url: POSTGRES_URL, schema, poolSize: 3 });
      leases = createPgLeases(storage.db);
    } else leases = createLocalLeases();
  });
  afterEach(async () => {
    if (storage) {
      await storage.db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await storage.close();
      storage = undefined;
    }
  });

  it.skipIf(!available)('one holder at a time; a lease renews for its holder and passes on when released', async () => {
    expect(await leases.acquire('digest', 'a', 10_000)).toBe(true);
    expect(await leases.acquire('digest', 'b', 10_000)).toBe(false);
    expect(await leases.acquire('digest', 'a', 10_000)).toBe(true);
    await leases.release('digest', 'b');
    expect(await leases.acquire('digest', 'b', 10_000)).toBe(false);
    await leases.release('digest', 'a');
    expect(await leases.acquire('digest', 'b', 10_000)).toBe(true);
  });

  it.skipIf(!available)('a holder that dies without releasing loses the lease once it expires', async () => {
    expect(await leases.acquire('migrate', 'dead', 200)).toBe(true);
    expect(await leases.acquire('migrate', 'b', 10_000)).toBe(false);
    await eventually(() => leases.acquire('migrate', 'b', 10_000), 5_000, 'the expired lease');
  });

  it.skipIf(!available)('runWithLease runs the task on one holder; the standby takes over when it stops', async () => {
    const running: string[] = [];
    const stopA = new AbortController();
    const stopB = new AbortController();
    const task = (name: string) => async (signal: AbortSignal) => {
      running.push(name);
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    };
    const a = runWithLease({ leases, holder: 'a', logger }, 'p:job', 300, stopA.signal, task('a'));
    await eventually(() => running.includes('a'), 5_000, 'a runs');
    const b = runWithLease({ leases, holder: 'b', logger }, 'p:job', 300, stopB.signal, task('b'));
    stopA.abort();
    await a;
    await eventually(() => running.includes('b'), 5_000, 'b takes over');
    expect(running).toEqual(['a', 'b']);
    stopB.abort();
    await b;
  });
});
