import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BackendHealth, Backends } from '../app/backends.ts';
import type { PluginTraffic } from '../devtools/wire.ts';
import type { PluginManager } from '../plugins/manager.ts';
import type { PluginState } from '../plugins/types.ts';

export type { PluginTraffic } from '../devtools/wire.ts';

const STATES: PluginState[] = ['discovered', 'loading', 'initializing', 'running', 'swapping', 'stopping', 'stopped', 'failed', 'disabled'];

/** The app's Prometheus metrics, served at `/metrics`. */
export interface NexusMetrics {
  registry: Registry;
  /** Count one answered plugin request and its latency. */
  requestServed(plugin: string, method: string, status: number, seconds: number): void;
  eventPublished(type: string, source: string): void;
  handlerError(plugin: string, type: string): void;
  reloaded(plugin: string, outcome: 'ok' | 'rolled_back'): void;
  /** Count a durable delivery the dedupe helper found already handled. */
  eventDeduplicated(plugin: string, type: string): void;
  /** Totals of one plugin, read without a scrape. */
  traffic(plugin: string): PluginTraffic;
}

/** Upper bounds of the request latency histogram, in seconds. */
const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** What one plugin's requests and events add up to. */
interface Tally {
  requests: number;
  serverErrors: number;
  seconds: number;
  events: number;
  /** Requests per latency bucket (not cumulative; slower than the last bound in none). */
  buckets: number[];
  /** Requests per method, then per status: no key string is built per request. */
  answers: Map<string, Map<number, number>>;
}

interface HistogramEntry {
  labels: Record<string, string>;
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

/** Create the metrics of one app; plugin states and plugin-reported metrics are read at scrape time. */
export function createMetrics(getManager: () => PluginManager | undefined, backends?: Pick<Backends, 'health'>): NexusMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'nexus_' });
  // A request only adds to plain tallies (a few ns); the Prometheus series are filled from them
  // at scrape time. prom-client's labelled observe() hashes its labels on every call (~0.7 µs a
  // request for the counter and the histogram), a measurable share of a plugin route's cost.
  const tallies = new Map<string, Tally>();
  const tally = (plugin: string): Tally => {
    let found = tallies.get(plugin);
    if (!found) tallies.set(plugin, (found = { requests: 0, serverErrors: 0, seconds: 0, events: 0, buckets: BUCKETS.map(() => 0), answers: new Map() }));
    return found;
  };
  new Counter({
    name: 'nexus_http_requests_total',
    help: 'HTTP requests served by plugin routes',
    labelNames: ['plugin', 'method', 'status'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [plugin, { answers }] of tallies) {
        for (const [method, statuses] of answers) {
          for (const [status, count] of statuses) this.inc({ plugin, method, status: String(status) }, count);
        }
      }
    },
  });
  new Histogram({
    name: 'nexus_http_request_duration_seconds',
    help: 'Latency of plugin routes',
    labelNames: ['plugin'] as const,
    buckets: BUCKETS,
    registers: [registry],
    collect() {
      this.reset();
      for (const [plugin, { requests, seconds, buckets }] of tallies) {
        if (requests === 0) continue;
        this.zero({ plugin });
        // prom-client keeps one entry per label set with per-bucket (not cumulative) counts.
        const entry = Object.values((this as unknown as { hashMap: Record<string, HistogramEntry> }).hashMap).find((e) => e.labels.plugin === plugin)!;
        BUCKETS.forEach((bound, i) => (entry.bucketValues[bound] = buckets[i]!));
        entry.sum = seconds;
        entry.count = requests;
      }
    },
  });
  const published = new Counter({ name: 'nexus_events_published_total', help: 'Events published', labelNames: ['type', 'source'] as const, registers: [registry] });
  const handlerErrors = new Counter({ name: 'nexus_event_handler_errors_total', help: 'Event handlers that threw', labelNames: ['plugin', 'type'] as const, registers: [registry] });
  const deduplicated = new Counter({ name: 'nexus_events_deduplicated_total', help: 'Deliveries of an already handled event, skipped by handleOnce', labelNames: ['plugin', 'type'] as const, registers: [registry] });
  if (backends) registerBackendMetrics(registry, backends);
  const reloads = new Counter({ name: 'nexus_plugin_reloads_total', help: 'Hot swaps by outcome', labelNames: ['plugin', 'outcome'] as const, registers: [registry] });
  new Gauge({
    name: 'nexus_plugin_state',
    help: 'Plugin lifecycle state (1 for the current state)',
    labelNames: ['plugin', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const info of getManager()?.list() ?? []) {
        for (const state of STATES) this.set({ plugin: info.name, state }, info.state === state ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'nexus_plugin_metric',
    help: 'Values a plugin reports from getMetrics()',
    labelNames: ['plugin', 'metric'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const record of getManager()?.views() ?? []) {
        if (record.state !== 'running' || !record.instance) continue;
        for (const [metric, value] of Object.entries(safeMetrics(record.instance))) {
          if (Number.isFinite(value)) this.set({ plugin: record.name, metric }, value);
        }
      }
    },
  });
  return {
    registry,
    requestServed(plugin, method, status, seconds) {
      const totals = tally(plugin);
      totals.requests++;
      totals.seconds += seconds;
      if (status >= 500) totals.serverErrors++;
      let bucket = 0;
      while (bucket < BUCKETS.length - 1 && seconds > BUCKETS[bucket]!) bucket++;
      if (seconds <= BUCKETS[bucket]!) totals.buckets[bucket]!++;
      let statuses = totals.answers.get(method);
      if (!statuses) totals.answers.set(method, (statuses = new Map()));
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    },
    eventPublished(type, source) {
      tally(source).events++;
      published.inc({ type, source });
    },
    handlerError: (plugin, type) => handlerErrors.inc({ plugin, type }),
    reloaded: (plugin, outcome) => reloads.inc({ plugin, outcome }),
    eventDeduplicated: (plugin, type) => deduplicated.inc({ plugin, type }),
    traffic(plugin) {
      const { requests = 0, serverErrors = 0, seconds = 0, events = 0 } = tallies.get(plugin) ?? {};
      return { requests, serverErrors, meanMs: requests > 0 ? Math.round((seconds / requests) * 1e5) / 100 : 0, events };
    },
  };
}

// Read at scrape time from the storage and the transport (one health query per scrape).
function registerBackendMetrics(registry: Registry, backends: Pick<Backends, 'health'>): void {
  let scrape: Promise<BackendHealth | undefined> | undefined;
  const health = (): Promise<BackendHealth | undefined> => {
    scrape ??= backends.health().catch(() => undefined).finally(() => setTimeout(() => (scrape = undefined), 0));
    return scrape;
  };
  const gauge = (name: string, help: string, labelNames: string[], read: (h: BackendHealth, set: (labels: Record<string, string>, value: number) => void) => void): void => {
    new Gauge({
      name, help, labelNames, registers: [registry],
      async collect() {
        this.reset();
        const h = await health();
        if (h) read(h, (labels, value) => this.set(labels, value));
      },
    });
  };
  gauge('nexus_storage_up', 'Whether the storage answers (1) or not (0)', ['driver'], (h, set) => set({ driver: h.storage.driver }, h.storage.healthy ? 1 : 0));
  gauge('nexus_events_transport_up', 'Whether the event transport answers (1) or not (0)', ['transport'], (h, set) => set({ transport: h.events.transport }, h.events.healthy ? 1 : 0));
  gauge('nexus_events_pending', 'Events waiting for a consumer (all instances)', ['transport'], (h, set) => {
    if ('pending' in h.events) set({ transport: h.events.transport }, h.events.pending);
  });
  gauge('nexus_events_lag_seconds', 'Age of the oldest waiting event', ['transport'], (h, set) => {
    if ('lagSeconds' in h.events) set({ transport: h.events.transport }, h.events.lagSeconds);
  });
  gauge('nexus_events_redeliveries', 'Events this instance received again (failure, crash, claim timeout)', ['transport'], (h, set) => {
    if ('redeliveries' in h.events) set({ transport: h.events.transport }, h.events.redeliveries);
  });
  gauge('nexus_events_dead_letters', 'Events that failed every attempt, per plugin', ['plugin'], (h, set) => {
    if ('deadLetters' in h.events) for (const [plugin, n] of Object.entries(h.events.deadLetters)) set({ plugin }, n);
  });
  gauge('nexus_events_trimmed_unacked', 'Redis: entries trimmed from a stream before they were acknowledged', ['transport'], (h, set) => {
    if ('trimmedUnacked' in h.events && h.events.trimmedUnacked !== undefined) set({ transport: h.events.transport }, h.events.trimmedUnacked);
  });
  gauge('nexus_storage_pool_connections', 'PostgreSQL pool connections by state', ['state'], (h, set) => {
    const pool = h.storage.pool;
    if (pool) for (const [state, n] of Object.entries(pool)) set({ state }, n);
  });
}

function safeMetrics(instance: { getMetrics(): Record<string, number> }): Record<string, number> {
  try {
    return instance.getMetrics();
  } catch {
    return {};
  }
}
