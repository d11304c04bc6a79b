import { Router } from '@koa/router';
import { errorMessage } from '../errors.ts';
import { depthMessage, isTooDeep } from '../limits.ts';
import type { Logger } from '../logger/types.ts';
import type { StorageDriver, StorageHealth } from '../storage/types.ts';
import type { PluginManager, PluginView } from '../plugins/manager.ts';
import { withTimeout } from '../plugins/timeout.ts';
import type { HealthStatus } from '../plugins/types.ts';
import type { BackendHealth, Backends } from '../app/backends.ts';
import type { NexusMetrics } from './metrics.ts';

const HEALTH_TIMEOUT_MS = 2_000;

/** Every path `systemRoutes` can answer (case-insensitive, optional trailing slash, like the router). */
const SYSTEM_PATH = /^\/(?:health|plugins|metrics|plugins\/[^/]+\/health)\/?$/i;

const SLASH = 0x2f;
const LOWER_H = 0x68;

/** Whether `path` may be a system route; plugin routes skip the system router when it is not. */
export function isSystemPath(path: string): boolean {
  // Most requests go to plugin routes: skip the regex unless the path is short or ends in "h" or "h/".
  const end = path.charCodeAt(path.length - 1) === SLASH ? path.length - 1 : path.length;
  if (end > '/metrics'.length && (path.charCodeAt(end - 1) | 0x20) !== LOWER_H) return false;
  return SYSTEM_PATH.test(path);
}

/** `/health`, `/plugins`, `/plugins/<name>/health` and `/metrics` (the dashboard is in devtools/). */
export function systemRoutes(manager: PluginManager, metrics: NexusMetrics, logger: Logger, store?: StorageDriver, backends?: Pick<Backends, 'health'>): Router {
  const router = new Router();
  router.get('/health', async function health(ctx) {
    const plugins: Record<string, HealthStatus | { healthy: boolean; state: string; error?: string }> = {};
    let healthy = true;
    for (const record of manager.views()) {
      if (record.state === 'disabled') {
        plugins[record.name] = { healthy: true, state: 'disabled' };
        continue;
      }
      const status = await pluginHealth(record, logger, redactor(manager, record.name));
      plugins[record.name] = status;
      healthy &&= status.healthy;
    }
    const storage = await storageHealth(store);
    healthy &&= storage.healthy;
    // The event transport is part of the app's health too: without it no event moves.
    const events = backends ? await eventsHealth(backends) : undefined;
    if (events) healthy &&= events.healthy;
    ctx.status = healthy ? 200 : 503;
    ctx.body = { status: healthy ? 'healthy' : 'unhealthy', storage, ...(events ? { events } : {}), plugins };
  });
  router.get('/plugins', async function listPlugins(ctx) {
    const events = backends ? await backends.health().then((h) => h.events).catch(() => undefined) : undefined;
    const dead = events && 'deadLetters' in events ? events.deadLetters : undefined;
    ctx.body = {
      plugins: manager.list().map((info) => ({ ...info, traffic: metrics.traffic(info.name), ...(dead ? { deadLetters: dead[info.name] ?? 0 } : {}) })),
    };
  });
  router.get('/plugins/:name/health', async function pluginHealthRoute(ctx) {
    const record = manager.get(ctx.params.name!);
    if (!record) {
      ctx.status = 404;
      ctx.body = { error: 'not_found', code: 'NEXUS_ROUTE_NOT_FOUND', message: `No plugin named "${ctx.params.name}"; GET /plugins lists them` };
      return;
    }
    const status = await pluginHealth(record, logger, redactor(manager, record.name));
    ctx.status = status.healthy ? 200 : 503;
    ctx.body = { plugin: record.name, ...status };
  });
  router.get('/metrics', async function prometheus(ctx) {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  return router;
}

/** The plugin's secret config values out of what its health shows (a fake manager in tests has none). */
function redactor(manager: PluginManager, name: string): (text: string) => string {
  return typeof manager.redact === 'function' ? (text) => manager.redact(name, text) : (text) => text;
}

/** The health of one plugin as `GET /plugins/<name>/health` shows it (time-limited, secrets redacted). */
export function healthOf(manager: PluginManager, record: PluginView, logger: Logger): Promise<HealthStatus> {
  return pluginHealth(record, logger, redactor(manager, record.name));
}

async function pluginHealth(record: PluginView, logger: Logger, redact: (text: string) => string): Promise<HealthStatus> {
  const base: HealthStatus = { healthy: false, state: record.state, uptime: 0, components: {}, metrics: {} };
  if (record.error) base.error = record.error;
  if (!record.instance || record.state !== 'running') return base;
  let health: HealthStatus;
  try {
    health = await withTimeout(record.instance.healthCheck(), HEALTH_TIMEOUT_MS, `healthCheck() of plugin "${record.name}"`);
  } catch (error) {
    return { ...base, error: redact(`healthCheck() failed: ${errorMessage(error)}`) };
  }
  const problem = jsonProblem(health);
  if (problem === undefined) {
    const shown = JSON.parse(JSON.stringify(health), (_key, value: unknown) => (typeof value === 'string' ? redact(value) : value)) as HealthStatus;
    return { ...shown, state: record.state };
  }
  const error = `healthCheck() returned a value that cannot be sent as JSON (${problem}); return plain data: booleans, numbers, strings, arrays and objects`;
  logger.error(`[${record.name}] ${error}`);
  return { ...base, state: record.state, error };
}

/** Why `value` cannot be answered as JSON, or undefined when it can. */
function jsonProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return `got ${value === null ? 'null' : typeof value}, expected an object`;
  if (isTooDeep(value)) return depthMessage('it');
  try {
    JSON.stringify(value);
    return undefined;
  } catch (error) {
    return errorMessage(error);
  }
}

async function eventsHealth(backends: Pick<Backends, 'health'>): Promise<BackendHealth['events'] | { transport: 'unknown'; healthy: false; error: string }> {
  try {
    return (await withTimeout(backends.health(), HEALTH_TIMEOUT_MS, 'the event transport health check')).events;
  } catch (error) {
    return { transport: 'unknown', healthy: false, error: errorMessage(error) };
  }
}

async function storageHealth(storage: StorageDriver | undefined): Promise<StorageHealth> {
  if (!storage?.health) return { healthy: true, driver: 'custom' };
  try {
    return await withTimeout(storage.health(), HEALTH_TIMEOUT_MS, 'the storage health check');
  } catch (error) {
    return { healthy: false, driver: 'unknown', error: errorMessage(error) };
  }
}
