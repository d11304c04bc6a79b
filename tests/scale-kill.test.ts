/**
 * Several instances as one app (issue 11, item 6): three `nexus start` processes on one PostgreSQL
 * database and one durable transport. A publisher sends EVENTS events (100 in flight) while
 * requests spread over all three write state and publish an event in the same transaction; one
 * instance is SIGKILLed mid-stream and restarted. Every published event and every acknowledged
 * request's event must be handled (lost = 0); duplicates may appear where at-least-once allows and
 * must be gone after the dedupe helper; every instance must read the same state. The counts are
 * printed as one `kill test {...}` line.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { EventBus, PgDatabase, createLogger, createMemorySink, createPostgresTransport, createRedisTransport } from '@nexus/core/host';
import { killChildren, makeApp, manifest, spawnCli, type CliServer, type TempApp } from './helpers/index.ts';
import { POSTGRES_URL, REDIS_URL, services } from './helpers/services.ts';

const EVENTS = Number(process.env.NEXUS_KILL_TEST_EVENTS ?? 10_000);
/** Requests' seqs start here, apart from the publisher's 0..EVENTS-1. */
const REQUEST_SEQ = 1_000_000;

/** A bus on the app's transport in the test process, publishing as the host. */
async function openPublisher(kind: 'postgres' | 'redis', schema: string): Promise<{ bus: EventBus; close(): Promise<void> }> {
  const logger = createLogger({ name: 'publisher', sink: createMemorySink(), level: 'error' });
  if (kind === 'redis') {
    const transport = await createRedisTransport({ url: REDIS_URL, logger, prefix: `nexus-kill:${schema}` });
    const bus = new EventBus({ transport, logger });
    return { bus, close: () => bus.close() };
  }
  const db = await PgDatabase.open({ url: POSTGRES_URL, schema, poolSize: 10 });
  const transport = await createPostgresTransport({ db, logger });
  const bus = new EventBus({ transport, logger });
  return {
    bus,
    async close() {
      await bus.close();
      await db.close();
    },
  };
}

const LEDGER = `
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { BasePlugin, type EventEnvelope, type Router } from '@nexus/core';

const log = path.join(process.env.LEDGER_DIR!, \`handled-\${process.pid}.log\`);

export default class Ledger extends BasePlugin {
  override databaseSchema() {
    return { collections: { entries: { indexes: [{ field: 'seq' }] }, effects: { indexes: [{ field: 'eventId' }] } } };
  }

  override initialize(): boolean {
    this.subscribeToEvent('ledger.entry', async (event: EventEnvelope) => {
      const { seq } = event.data as { seq: number };
      // Every handler run, before dedupe, outside any transaction: what a crash cannot take back.
      appendFileSync(log, \`\${event.id} \${seq}\\n\`);
      await this.handleOnce(event, () => this.db.collection('effects').insert({ eventId: event.id, seq }));
    });
    return true;
  }

  override routes(router: Router): void {
    router.post('/entries', async (ctx) => {
      const { seq } = ctx.request.body as { seq: number };
      await this.db.collection('entries').insert({ seq });
      await this.publishEvent('ledger.entry', { seq });
      ctx.body = { ok: true };
    });
    router.get('/stats', async (ctx) => {
      const effects = await this.db.collection('effects').find();
      ctx.body = {
        entries: await this.db.collection('entries').count(),
        effects: effects.length,
        effectIds: new Set(effects.map((e) => e.eventId)).size,
        effectSeqs: [...new Set(effects.map((e) => e.seq as number))],
      };
    });
  }
}
`;

interface Stats {
  entries: number;
  effects: number;
  effectIds: number;
  effectSeqs: number[];
}

const transports = [
  { kind: 'postgres' as const, available: services.postgres },
  { kind: 'redis' as const, available: services.redis && services.postgres },
];

afterAll(killChildren);

describe.each(transports)('three instances, one killed: $kind transport', ({ kind, available }) => {
  it.skipIf(!available)(`handles every acknowledged event of ${EVENTS} once after dedupe, with one instance SIGKILLed and restarted`, async () => {
    const schema = `nexus_kill_${kind}_${randomUUID().slice(0, 8)}`;
    const app: TempApp = makeApp({
      config: {
        storage: { url: POSTGRES_URL, schema, poolSize: 8 },
        events: { transport: kind, ...(kind === 'redis' ? { url: REDIS_URL, prefix: `nexus-kill:${schema}` } : {}), claimTimeoutMs: 3_000, pollMs: 200 },
      },
      plugins: {
        ledger: {
          manifest: manifest('ledger', {
            permissions: ['database.read', 'database.write', 'events.publish', 'events.subscribe'],
            events: { publishes: ['ledger.entry'], subscribes: ['ledger.entry'] },
          }),
          source: LEDGER,
        },
      },
    });
    const env = { LEDGER_DIR: app.dir, NEXUS_LOG_LEVEL: 'warn' };
    // Three servers starting at once on a busy two-core machine may take longer than startCli's 30 s.
    const start = async (): Promise<CliServer> => {
      const proc = spawnCli(['start', app.dir, '--port', '0'], { env });
      const match = await proc.waitFor(/Local:\s+(http:\/\/[^\s/]+:\d+)\/?\n[\s\S]*?Plugins: .*\n/, 120_000);
      return Object.assign(proc, { url: match[1]! });
    };
    try {
      const began = Date.now();
      const instances = await Promise.all([start(), start(), start()]);
      const started = Date.now();
      const live = new Set(instances);
      const expected = new Set<number>();
      let failures = 0;
      let killed = false;
      let restarted: Promise<void> | undefined;
      const killOne = (): void => {
        if (killed) return;
        killed = true;
        const victim = instances[1]!;
        live.delete(victim);
        victim.child.kill('SIGKILL');
        restarted = victim.exited.then(async () => void live.add(await start()));
      };

      // The publisher: EVENTS events straight onto the transport, at most 100 in flight.
      const publisher = await openPublisher(kind, schema);
      let published = 0;
      const publish = async (): Promise<void> => {
        while (published < EVENTS) {
          const seq = published++;
          if (seq >= EVENTS * 0.3) killOne();
          await publisher.bus.publish('nexus', 'ledger.entry', { seq });
          expected.add(seq);
        }
      };
      // Requests writing state (and publishing in the same transaction) through every live instance.
      const REQUESTS = Math.ceil(EVENTS / 10);
      let requested = 0;
      const request = async (): Promise<void> => {
        while (requested < REQUESTS) {
          const seq = REQUEST_SEQ + requested++;
          for (let attempt = 0; ; attempt++) {
            const pool = [...live];
            const target = pool[(seq + attempt) % pool.length]!;
            try {
              const response = await fetch(`${target.url}/plugins/ledger/entries`, {
                method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seq }),
              });
              await response.arrayBuffer();
              if (response.ok) break;
            } catch {
              // the instance died under the request: its transaction never committed, or its answer was lost
            }
            failures++;
            if (attempt > 50) throw new Error(`request ${seq} failed ${attempt} times`);
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          expected.add(seq);
        }
      };
      await Promise.all([...Array.from({ length: 100 }, publish), ...Array.from({ length: 8 }, request)]);
      await restarted;
      await publisher.close();
      const sentAt = Date.now();
      expect(expected.size).toBe(EVENTS + REQUESTS);

      // Wait (bounded) until every acknowledged request's event has an effect.
      const any = [...live][0]!;
      const stats = async (server: CliServer): Promise<Stats> => (await (await fetch(`${server.url}/plugins/ledger/stats`)).json()) as Stats;
      let final: Stats | undefined;
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline) {
        final = await stats(any);
        if (final.effectSeqs.length >= expected.size) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const handledSeqs = new Set(final!.effectSeqs);
      const lost = [...expected].filter((seq) => !handledSeqs.has(seq));

      const runs = readdirSync(app.dir).filter((f) => f.startsWith('handled-')).flatMap((f) => readFileSync(app.path(f), 'utf8').trim().split('\n'));
      const runIds = new Set(runs.map((line) => line.split(' ')[0]));
      const perInstance = readdirSync(app.dir).filter((f) => f.startsWith('handled-')).map((f) => readFileSync(app.path(f), 'utf8').trim().split('\n').length);
      const counts = {
        transport: kind,
        sent: expected.size,
        published: EVENTS,
        requests: REQUESTS,
        failedRequests: failures,
        handlerRuns: runs.length,
        perInstance,
        duplicatesBeforeDedupe: runs.length - runIds.size,
        effects: final!.effects,
        duplicatesAfterDedupe: final!.effects - final!.effectIds,
        lost: lost.length,
        seconds: { start: (started - began) / 1000, send: (sentAt - started) / 1000, drain: (Date.now() - sentAt) / 1000 },
      };
      console.log(`kill test ${JSON.stringify(counts)}`);
      expect(lost).toEqual([]);
      expect(counts.duplicatesAfterDedupe).toBe(0);
      // State read through any instance agrees.
      const views = await Promise.all([...live].map(stats));
      for (const view of views) expect({ entries: view.entries, effects: view.effects }).toEqual({ entries: views[0]!.entries, effects: views[0]!.effects });
      expect(views[0]!.entries).toBeGreaterThanOrEqual(REQUESTS);
    } finally {
      await killChildren();
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
      app.remove();
    }
  }, 240_000);
});
