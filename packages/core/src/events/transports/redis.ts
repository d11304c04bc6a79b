import type { Redis as RedisClient } from 'ioredis';
import { NexusError, errorMessage } from '../../errors.ts';
import type { Logger } from '../../logger/types.ts';
import { redactUrl } from '../../storage/pg-database.ts';
import type { ConsumerSpec, DeadLetter, DeliveryHandler, DurableTransport, EventEnvelope, TransportHealth } from '../types.ts';
import { instanceId } from '../../leases/instance.ts';
import { DEFAULT_RETRY, backoff, type RetryPolicy } from './retry.ts';

/** Options of the Redis Streams transport. */
export interface RedisTransportOptions {
  /** `redis://[:password@]host:port[/db]` */
  url: string;
  logger: Logger;
  /** Key prefix: apps sharing one Redis need different ones. @default 'nexus' */
  prefix?: string;
  retry?: Partial<RetryPolicy>;
  /** A delivered event not acknowledged for this long is claimed by another instance (XAUTOCLAIM). @default 30000 */
  claimTimeoutMs?: number;
  /** Entries kept per event type (XADD MAXLEN ~). @default 1000000 */
  maxLength?: number;
  /** Entries read per XREADGROUP, also the most handled at once per consumer. @default 100 */
  batchSize?: number;
  instance?: string;
}

type Entry = [id: string, fields: string[] | null];
// RESP2 answers [[key, entries]]; RESP3 (ioredis 6's default) a map, flattened to [key, entries].
type ReadReply = [key: string, entries: Entry[]][] | [key: string, entries: Entry[]] | null;

function entriesOf(reply: ReadReply): Entry[] {
  if (!reply || reply.length === 0) return [];
  return typeof reply[0] === 'string' ? ((reply[1] as Entry[] | undefined) ?? []) : (reply as [string, Entry[]][])[0]![1];
}

const BLOCK_MS = 1_000;
const DEAD_MAXLEN = 10_000;

/**
 * Events through Redis Streams: one stream per event type, one consumer group per plugin
 * (`group` mode) or per plugin and instance (`broadcast`); XACK after the handlers succeed, XAUTOCLAIM
 * takes over a dead instance's pending entries, streams are capped with MAXLEN ~.
 */
export async function createRedisTransport(options: RedisTransportOptions): Promise<DurableTransport> {
  const { logger } = options;
  const url = redactUrl(options.url);
  const prefix = options.prefix ?? 'nexus';
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const claimTimeoutMs = options.claimTimeoutMs ?? 30_000;
  const maxLength = options.maxLength ?? 1_000_000;
  const batchSize = options.batchSize ?? 100;
  const me = options.instance ?? instanceId();
  const { Redis } = await import('ioredis');
  const connect = async (pipelining: boolean): Promise<RedisClient> => {
    const client = new Redis(options.url, { lazyConnect: true, enableAutoPipelining: pipelining, maxRetriesPerRequest: 3 });
    client.on('error', () => {}); // reconnects on its own; commands report failures
    try {
      await client.connect();
    } catch (error) {
      client.disconnect();
      throw new NexusError(
        'NEXUS_EVENTS_UNAVAILABLE',
        `Redis at ${url} cannot be used: ${errorMessage(error)}. Check that the server is running and "events.url" in nexus.config.json (or NEXUS_EVENTS_URL) is right.`,
        { cause: error },
      );
    }
    return client;
  };
  const cmd = await connect(true);
  const streamKey = (type: string): string => `${prefix}:events:${type}`;
  const deadKey = `${prefix}:dead`;
  const deadCountKey = `${prefix}:dead:count`;
  const trimmedKey = `${prefix}:trimmed`;
  const consumers = new Map<string, { key: string; group: string }>();
  let redeliveries = 0;

  const deadLetter = async (key: string, group: string, plugin: string, id: string, envelope: EventEnvelope, attempts: number, error: string): Promise<void> => {
    await cmd
      .multi()
      .xadd(deadKey, 'MAXLEN', '~', DEAD_MAXLEN, '*', 'plugin', plugin, 'type', envelope.type, 'id', envelope.id, 'attempts', String(attempts), 'error', error, 'at', new Date().toISOString())
      .hincrby(deadCountKey, plugin, 1)
      .xack(key, group, id)
      .exec();
    logger.error(`Event "${envelope.type}" (${envelope.id}) failed ${attempts} times in plugin "${plugin}": kept as a dead letter (GET /plugins shows the count)`, { eventId: envelope.id });
  };

  return {
    name: 'redis',
    transactional: false,
    async publish(envelope) {
      await cmd.xadd(streamKey(envelope.type), 'MAXLEN', '~', maxLength, '*', 'e', JSON.stringify(envelope));
    },
    async consume(spec: ConsumerSpec, handle: DeliveryHandler) {
      const key = streamKey(spec.type);
      const group = spec.mode === 'broadcast' ? `${spec.plugin}@${me}` : spec.plugin;
      try {
        await cmd.xgroup('CREATE', key, group, '$', 'MKSTREAM');
      } catch (error) {
        if (!errorMessage(error).includes('BUSYGROUP')) throw error;
      }
      const reader = await connect(false);
      const handle1 = `${key}\0${group}`;
      consumers.set(handle1, { key, group });
      let running = true;
      const held = new Set<string>();
      const retries = new Set<NodeJS.Timeout>();
      const inflight = new Set<Promise<void>>();

      // Handles entries at once; acknowledges the successes with one XACK; failures retry later.
      const deliver = async (entries: { id: string; envelope: EventEnvelope; attempt: number }[]): Promise<void> => {
        const acks: string[] = [];
        await Promise.all(
          entries.map(async ({ id, envelope, attempt }) => {
            held.add(id);
            try {
              if ((await handle(envelope, attempt)) === 'handled') {
                acks.push(id);
                held.delete(id);
              } else held.delete(id); // left pending: another instance claims it
            } catch (error) {
              if (attempt >= retry.maxAttempts) {
                held.delete(id);
                await deadLetter(key, group, spec.plugin, id, envelope, attempt, errorMessage(error));
              } else if (running) {
                const timer = setTimeout(() => {
                  retries.delete(timer);
                  track(deliver([{ id, envelope, attempt: attempt + 1 }]));
                }, backoff(retry, attempt));
                retries.add(timer);
              } else held.delete(id);
            }
          }),
        );
        if (acks.length > 0) await cmd.xack(key, group, ...acks);
      };
      const track = (work: Promise<void>): void => {
        const guarded = work.catch((error: unknown) => logger.error(`The redis event transport could not deliver "${spec.type}" to "${spec.plugin}": ${errorMessage(error)}`, { error }));
        inflight.add(guarded);
        void guarded.finally(() => inflight.delete(guarded));
      };
      const parse = (entries: Entry[], attempt: (id: string) => number) =>
        entries.filter((entry): entry is [string, string[]] => entry[1] !== null).map(([id, fields]) => ({ id, envelope: JSON.parse(fields[1]!) as EventEnvelope, attempt: attempt(id) }));

      const loop = (async () => {
        while (running) {
          let reply: ReadReply;
          try {
            reply = (await reader.call('XREADGROUP', 'GROUP', group, me, 'COUNT', batchSize, 'BLOCK', BLOCK_MS, 'STREAMS', key, '>')) as ReadReply;
          } catch (error) {
            if (!running) break;
            logger.warn(`XREADGROUP on ${key} failed, retrying: ${errorMessage(error)}`);
            await new Promise((resolve) => setTimeout(resolve, 1_000));
            continue;
          }
          const entries = entriesOf(reply);
          if (entries.length === 0) continue;
          const batch = deliver(parse(entries, () => 1));
          track(batch);
          await batch.catch(() => {});
        }
      })();

      // Entries a dead (or slow) consumer left pending longer than the claim timeout.
      const reclaim = async (): Promise<void> => {
        let cursor = '0-0';
        do {
          const [next, entries, deleted] = (await cmd.call('XAUTOCLAIM', key, group, me, claimTimeoutMs, cursor, 'COUNT', batchSize)) as [string, Entry[], string[]?];
          cursor = next;
          if (deleted && deleted.length > 0) {
            await cmd.incrby(trimmedKey, deleted.length);
            logger.warn(`${deleted.length} unacknowledged "${spec.type}" event(s) were trimmed from ${key} before plugin "${spec.plugin}" handled them; raise events.maxLength`);
          }
          const fresh = entries.filter(([id, fields]) => fields !== null && !held.has(id));
          if (fresh.length === 0) continue;
          const pending = (await cmd.xpending(key, group, fresh[0]![0], fresh.at(-1)![0], fresh.length, me)) as [string, string, number, number][];
          const counts = new Map(pending.map(([id, , , deliveries]) => [id, deliveries]));
          redeliveries += fresh.length;
          const parsed = parse(fresh, (id) => counts.get(id) ?? 2);
          const ready = [];
          for (const entry of parsed) {
            if (entry.attempt > retry.maxAttempts) await deadLetter(key, group, spec.plugin, entry.id, entry.envelope, entry.attempt - 1, 'its consumer stopped before acknowledging it');
            else ready.push(entry);
          }
          track(deliver(ready));
        } while (cursor !== '0-0' && running);
      };
      const reclaimTimer = setInterval(() => {
        reclaim().catch((error: unknown) => logger.warn(`XAUTOCLAIM on ${key} failed: ${errorMessage(error)}`));
      }, Math.max(200, Math.floor(claimTimeoutMs / 2)));
      reclaimTimer.unref();

      return async () => {
        if (!running) return;
        running = false;
        clearInterval(reclaimTimer);
        for (const timer of retries) clearTimeout(timer);
        reader.disconnect();
        await loop;
        await Promise.all(inflight);
        consumers.delete(handle1);
        if (spec.mode === 'broadcast') await cmd.xgroup('DESTROY', key, group).catch(() => {});
      };
    },
    async health(): Promise<TransportHealth> {
      const base = { transport: 'redis' as const, url, redeliveries };
      try {
        let pending = 0;
        let oldest = Number.POSITIVE_INFINITY;
        for (const { key, group } of consumers.values()) {
          const groups = (await cmd.call('XINFO', 'GROUPS', key)) as (string | number | null)[][];
          const info = groups.map((g) => Object.fromEntries(pairs(g))).find((g) => g.name === group);
          if (!info) continue;
          pending += Number(info.pending ?? 0) + Number(info.lag ?? 0);
          const summary = (await cmd.xpending(key, group)) as [number, string | null, string | null, unknown];
          if (summary[1]) oldest = Math.min(oldest, Number(summary[1].split('-')[0]));
        }
        const dead = await cmd.hgetall(deadCountKey);
        const trimmed = Number((await cmd.get(trimmedKey)) ?? 0);
        return {
          ...base,
          healthy: cmd.status === 'ready',
          pending,
          lagSeconds: Number.isFinite(oldest) ? Math.max(0, (Date.now() - oldest) / 1000) : 0,
          deadLetters: Object.fromEntries(Object.entries(dead).map(([plugin, n]) => [plugin, Number(n)])),
          trimmedUnacked: trimmed,
        };
      } catch (error) {
        return { ...base, healthy: false, error: errorMessage(error), pending: 0, lagSeconds: 0, deadLetters: {} };
      }
    },
    async deadLetters(plugin, limit = 100): Promise<DeadLetter[]> {
      const entries = (await cmd.xrevrange(deadKey, '+', '-', 'COUNT', DEAD_MAXLEN)) as [string, string[]][];
      const letters: DeadLetter[] = [];
      for (const [, fields] of entries) {
        const f = Object.fromEntries(pairs(fields));
        if (f.plugin !== plugin) continue;
        letters.push({ plugin, type: String(f.type), eventId: String(f.id), attempts: Number(f.attempts), error: String(f.error), failedAt: String(f.at) });
        if (letters.length >= limit) break;
      }
      return letters;
    },
    async close() {
      await cmd.quit().catch(() => cmd.disconnect());
    },
  };
}

function pairs<T>(flat: T[]): [string, T][] {
  const out: [string, T][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([String(flat[i]), flat[i + 1]!]);
  return out;
}
