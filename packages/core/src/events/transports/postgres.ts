import type { PoolClient } from 'pg';
import { errorMessage } from '../../errors.ts';
import type { Logger } from '../../logger/types.ts';
import type { PgDatabase } from '../../storage/pg-database.ts';
import type { ConsumerSpec, DeadLetter, DeliveryHandler, DurableTransport, EventEnvelope, TransportHealth } from '../types.ts';
import { instanceId } from '../../leases/instance.ts';
import { DEFAULT_RETRY, backoff, type RetryPolicy } from './retry.ts';

/** Options of the PostgreSQL transport. */
export interface PostgresTransportOptions {
  /** The pool (shared with PostgreSQL storage when both use one database: outbox rows join its transactions). */
  db: PgDatabase;
  logger: Logger;
  retry?: Partial<RetryPolicy>;
  /** A claimed event not acknowledged for this long goes to another instance. @default 30000 */
  claimTimeoutMs?: number;
  /** Safety poll when no notification arrives (lost NOTIFY, retries coming due). @default 1000 */
  pollMs?: number;
  /** Events claimed per round trip, also the most handled at once. @default 100 */
  batchSize?: number;
  /** This instance's name (broadcast groups, claims). */
  instance?: string;
}

const CHANNEL = 'nexus_events';

/** An instance's broadcast groups not seen for this long are removed, with their events. */
const BROADCAST_EXPIRY_S = 120;
/** A group no instance has consumed for this long (a plugin removed from the app) is removed too. */
const GROUP_EXPIRY_S = 7 * 24 * 3600;

const TABLES = `
  CREATE TABLE IF NOT EXISTS nexus_event_consumers (
    consumer text PRIMARY KEY, group_name text NOT NULL, plugin text NOT NULL, type text NOT NULL,
    mode text NOT NULL, instance text, seen_at timestamptz NOT NULL DEFAULT now());
  CREATE INDEX IF NOT EXISTS nexus_event_consumers_type ON nexus_event_consumers (type);
  CREATE TABLE IF NOT EXISTS nexus_outbox (
    id bigserial PRIMARY KEY, consumer text NOT NULL, plugin text NOT NULL, envelope jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(), available_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0, claimed_by text, claimed_until timestamptz, last_error text);
  CREATE INDEX IF NOT EXISTS nexus_outbox_consumer ON nexus_outbox (consumer, id);
  CREATE TABLE IF NOT EXISTS nexus_dead_letters (
    id bigserial PRIMARY KEY, consumer text NOT NULL, plugin text NOT NULL, type text NOT NULL,
    event_id text NOT NULL, envelope jsonb NOT NULL, attempts integer NOT NULL, error text NOT NULL,
    failed_at timestamptz NOT NULL DEFAULT now());
  CREATE INDEX IF NOT EXISTS nexus_dead_letters_plugin ON nexus_dead_letters (plugin);
`;

interface Claimed {
  id: string;
  consumer: string;
  envelope: EventEnvelope;
  attempts: number;
}

/**
 * Events through a PostgreSQL outbox: publishing inserts one row per consumer group of the type
 * (in the caller's transaction when there is one) and sends NOTIFY after commit; each instance
 * LISTENs, claims rows with FOR UPDATE SKIP LOCKED, runs the handlers and deletes the rows.
 */
export async function createPostgresTransport(options: PostgresTransportOptions): Promise<DurableTransport> {
  const { db, logger } = options;
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const claimTimeoutMs = options.claimTimeoutMs ?? 30_000;
  const pollMs = options.pollMs ?? 1_000;
  const batchSize = options.batchSize ?? 100;
  const me = options.instance ?? instanceId();
  await db.withLock('events:schema', async (client) => {
    await client.query(TABLES);
  });

  const handlers = new Map<string, DeliveryHandler>();
  const broadcast = new Set<string>();
  let redeliveries = 0;
  let closed = false;
  let draining: Promise<void> | undefined;
  let again = false;
  let notifyQueued = false;
  const inflight = new Set<Promise<void>>();

  const notify = async (): Promise<void> => {
    // One NOTIFY per tick however many events were published in it.
    if (notifyQueued) return;
    notifyQueued = true;
    await Promise.resolve();
    notifyQueued = false;
    await db.pool.query(`NOTIFY ${CHANNEL}`).catch((error: unknown) => logger.warn(`NOTIFY failed (the poll will deliver): ${errorMessage(error)}`));
  };

  const claim = async (): Promise<Claimed[]> => {
    const { rows } = await db.pool.query<Claimed>(
      `UPDATE nexus_outbox o SET claimed_by = $1, claimed_until = now() + $2 * interval '1 millisecond', attempts = o.attempts + 1
        WHERE o.id IN (SELECT id FROM nexus_outbox
                        WHERE consumer = ANY($3) AND available_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
                        ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED)
        RETURNING o.id, o.consumer, o.envelope, o.attempts`,
      [me, claimTimeoutMs, [...handlers.keys()], batchSize],
    );
    return rows;
  };

  const settle = async (done: string[], failed: { row: Claimed; error: unknown }[], released: string[]): Promise<void> => {
    if (done.length > 0) await db.pool.query('DELETE FROM nexus_outbox WHERE id = ANY($1::bigint[])', [done]);
    if (released.length > 0) {
      await db.pool.query(
        `UPDATE nexus_outbox SET claimed_by = NULL, claimed_until = NULL, attempts = attempts - 1, available_at = now() + interval '1 second' WHERE id = ANY($1::bigint[])`,
        [released],
      );
    }
    for (const { row, error } of failed) {
      const message = errorMessage(error);
      if (row.attempts >= retry.maxAttempts) {
        await db.pool.query(
          `WITH gone AS (DELETE FROM nexus_outbox WHERE id = $1 RETURNING consumer, plugin, envelope, attempts)
           INSERT INTO nexus_dead_letters (consumer, plugin, type, event_id, envelope, attempts, error)
           SELECT consumer, plugin, envelope->>'type', envelope->>'id', envelope, attempts, $2 FROM gone`,
          [row.id, message],
        );
        logger.error(`Event "${row.envelope.type}" (${row.envelope.id}) failed ${row.attempts} times in plugin "${row.consumer.split('|')[0]}": kept as a dead letter (GET /plugins shows the count)`, { eventId: row.envelope.id });
      } else {
        await db.pool.query(
          `UPDATE nexus_outbox SET claimed_by = NULL, claimed_until = NULL, last_error = $2, available_at = now() + $3 * interval '1 millisecond' WHERE id = $1`,
          [row.id, message, backoff(retry, row.attempts)],
        );
      }
    }
  };

  const handleBatch = async (rows: Claimed[]): Promise<void> => {
    const done: string[] = [];
    const released: string[] = [];
    const failed: { row: Claimed; error: unknown }[] = [];
    await Promise.all(
      rows.map(async (row) => {
        const handle = handlers.get(row.consumer);
        if (row.attempts > 1) redeliveries++;
        if (!handle) return void released.push(row.id);
        try {
          const outcome = await handle(row.envelope, row.attempts);
          (outcome === 'handled' ? done : released).push(row.id);
        } catch (error) {
          failed.push({ row, error });
        }
      }),
    );
    await settle(done, failed, released);
  };

  // Claims and handles until nothing is ready; a wake-up during a pass adds one more pass.
  const drain = (): Promise<void> => {
    if (draining) {
      again = true;
      return draining;
    }
    draining = (async () => {
      do {
        again = false;
        for (;;) {
          if (closed || handlers.size === 0) break;
          const rows = await claim();
          if (rows.length === 0) break;
          const batch = handleBatch(rows);
          inflight.add(batch);
          await batch.finally(() => inflight.delete(batch));
        }
      } while (again && !closed);
    })()
      .catch((error: unknown) => logger.error(`The postgres event transport could not deliver: ${errorMessage(error)}`, { error }))
      .finally(() => (draining = undefined));
    return draining;
  };

  let listener: PoolClient | undefined;
  const listen = async (): Promise<void> => {
    if (closed) return;
    try {
      const client = await db.connect();
      client.on('notification', () => void drain());
      client.on('error', () => {
        client.release(true);
        if (listener === client) listener = undefined;
        setTimeout(() => void listen(), 1_000).unref();
      });
      await client.query(`LISTEN ${CHANNEL}`);
      listener = client;
    } catch (error) {
      logger.warn(`LISTEN failed, polling every ${pollMs} ms until it works: ${errorMessage(error)}`);
      setTimeout(() => void listen(), 1_000).unref();
    }
  };
  await listen();

  const heartbeat = async (): Promise<void> => {
    if (handlers.size > 0) await db.pool.query('UPDATE nexus_event_consumers SET seen_at = now() WHERE consumer = ANY($1)', [[...handlers.keys()]]);
    await db.pool.query(
      `WITH gone AS (DELETE FROM nexus_event_consumers
                      WHERE seen_at < now() - (CASE mode WHEN 'broadcast' THEN $1 ELSE $2 END) * interval '1 second' RETURNING consumer)
       DELETE FROM nexus_outbox WHERE consumer IN (SELECT consumer FROM gone)`,
      [BROADCAST_EXPIRY_S, GROUP_EXPIRY_S],
    );
  };
  let beats = 0;
  const poll = setInterval(() => {
    void drain();
    if (++beats % 10 === 0) heartbeat().catch((error: unknown) => logger.warn(`Event consumer heartbeat failed: ${errorMessage(error)}`));
  }, pollMs);
  poll.unref();

  return {
    name: 'postgres',
    transactional: true,
    async publish(envelope) {
      await db.query(
        `INSERT INTO nexus_outbox (consumer, plugin, envelope)
         SELECT consumer, plugin, $2::jsonb FROM nexus_event_consumers WHERE type = $1`,
        [envelope.type, JSON.stringify(envelope)],
      );
      // NOTIFY after COMMIT: inside the transaction it would serialise every committing publisher.
      if (!db.afterCommit(notify)) await notify();
    },
    async consume(spec: ConsumerSpec, handle: DeliveryHandler) {
      const group = spec.mode === 'broadcast' ? `${spec.plugin}@${me}` : spec.plugin;
      const consumer = `${group}|${spec.type}`;
      await db.pool.query(
        `INSERT INTO nexus_event_consumers (consumer, group_name, plugin, type, mode, instance) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (consumer) DO UPDATE SET seen_at = now()`,
        [consumer, group, spec.plugin, spec.type, spec.mode, spec.mode === 'broadcast' ? me : null],
      );
      handlers.set(consumer, handle);
      if (spec.mode === 'broadcast') broadcast.add(consumer);
      void drain();
      return async () => {
        if (handlers.get(consumer) !== handle) return;
        handlers.delete(consumer);
        if (broadcast.delete(consumer)) {
          await db.pool.query('DELETE FROM nexus_event_consumers WHERE consumer = $1', [consumer]);
          await db.pool.query('DELETE FROM nexus_outbox WHERE consumer = $1', [consumer]);
        }
      };
    },
    async health(): Promise<TransportHealth> {
      const base = { transport: 'postgres' as const, url: db.url, redeliveries };
      try {
        const { rows } = await db.pool.query<{ pending: number; lag: number }>(
          `SELECT count(*)::int AS pending, coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS lag FROM nexus_outbox`,
        );
        const dead = await db.pool.query<{ plugin: string; n: number }>('SELECT plugin, count(*)::int AS n FROM nexus_dead_letters GROUP BY plugin');
        return {
          ...base,
          healthy: listener !== undefined,
          ...(listener ? {} : { error: 'not listening for notifications; polling' }),
          pending: rows[0]?.pending ?? 0,
          lagSeconds: rows[0]?.lag ?? 0,
          deadLetters: Object.fromEntries(dead.rows.map((row) => [row.plugin, row.n])),
        };
      } catch (error) {
        return { ...base, healthy: false, error: errorMessage(error), pending: 0, lagSeconds: 0, deadLetters: {} };
      }
    },
    async deadLetters(plugin, limit = 100): Promise<DeadLetter[]> {
      const { rows } = await db.pool.query<{ plugin: string; type: string; event_id: string; attempts: number; error: string; failed_at: Date }>(
        'SELECT plugin, type, event_id, attempts, error, failed_at FROM nexus_dead_letters WHERE plugin = $1 ORDER BY id DESC LIMIT $2',
        [plugin, limit],
      );
      return rows.map((row) => ({ plugin: row.plugin, type: row.type, eventId: row.event_id, attempts: row.attempts, error: row.error, failedAt: row.failed_at.toISOString() }));
    },
    async close() {
      closed = true;
      clearInterval(poll);
      await draining;
      await Promise.all(inflight);
      if (broadcast.size > 0) {
        await db.pool.query('DELETE FROM nexus_outbox WHERE consumer = ANY($1)', [[...broadcast]]).catch(() => {});
        await db.pool.query('DELETE FROM nexus_event_consumers WHERE consumer = ANY($1)', [[...broadcast]]).catch(() => {});
      }
      if (listener) {
        await listener.query(`UNLISTEN ${CHANNEL}`).catch(() => {});
        listener.release();
        listener = undefined;
      }
    },
  };
}
