import type { PgDatabase } from '../storage/pg-database.ts';

/**
 * Named leases for work that must run on one instance of the app at a time. A holder renews
 * its lease before it expires; when the holder dies, the lease expires and passes on.
 */
export interface LeaseStore {
  /** Take or renew `name` for `holder` for `ttlMs`; false when another holder has it. */
  acquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Give `name` up if `holder` has it. */
  release(name: string, holder: string): Promise<void>;
}

/** Leases in this process only: right for one instance (SQLite storage, tests). */
export function createLocalLeases(): LeaseStore {
  const leases = new Map<string, { holder: string; expires: number }>();
  return {
    async acquire(name, holder, ttlMs) {
      const now = Date.now();
      const lease = leases.get(name);
      if (lease && lease.holder !== holder && lease.expires > now) return false;
      leases.set(name, { holder, expires: now + ttlMs });
      return true;
    },
    async release(name, holder) {
      if (leases.get(name)?.holder === holder) leases.delete(name);
    },
  };
}

/** Leases in PostgreSQL (table `nexus_leases`), with the server's clock as the only clock. */
export function createPgLeases(db: PgDatabase): LeaseStore {
  return {
    async acquire(name, holder, ttlMs) {
      const { rowCount } = await db.pool.query(
        `INSERT INTO nexus_leases (name, holder, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE nexus_leases.holder = excluded.holder OR nexus_leases.expires_at < now()`,
        [name, holder, ttlMs],
      );
      return (rowCount ?? 0) > 0;
    },
    async release(name, holder) {
      await db.pool.query('DELETE FROM nexus_leases WHERE name = $1 AND holder = $2', [name, holder]);
    },
  };
}
