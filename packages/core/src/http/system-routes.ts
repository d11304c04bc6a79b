import { Router } from '@koa/router';
import { errorMessage } from '../errors.ts';
import type { PluginManager, PluginView } from '../plugins/manager.ts';
import { withTimeout } from '../plugins/timeout.ts';
import type { HealthStatus } from '../plugins/types.ts';
import type { Backends } from '../app/backends.ts';
import { dashboard } from './dashboard.ts';
import type { NexusMetrics } from './metrics.ts';

const HEALTH_TIMEOUT_MS = 2_000;

/** Every path `systemRoutes` can answer (case-insensitive, optional trailing slash, like the router). */
const SYSTEM_PATH = /^\/(?:health|plugins|metrics|plugins\/[^/]+\/health)?\/?$/i;

/** Whether `path` may be a system route; plugin routes skip the system router when it is not. */
export function isSystemPath(path: string): boolean {
  return SYSTEM_PATH.test(path);
}

/** `/` (dashboard), `/health`, `/plugins`, `/plugins/<name>/health` and `/metrics`. */
export function systemRoutes(manager: PluginManager, metrics: NexusMetrics, backends?: Pick<Backends, 'health'>): Router {
  const router = new Router();
  router.get('/', dashboard);
  router.get('/health', async function health(ctx) {
    const plugins: Record<string, HealthStatus | { healthy: boolean; state: string; error?: string }> = {};
    let healthy = true;
    for (const record of manager.views()) {
      if (record.state === 'disabled') {
        plugins[record.name] = { healthy: true, state: 'disabled' };
        continue;
      }
      const status = await pluginHealth(record);
      plugins[record.name] = status;
      healthy &&= status.healthy;
    }
    // Storage and the event transport are part of the app's health: without them nothing works.
    const shared = backends ? await withTimeout(backends.health(), HEALTH_TIMEOUT_MS, 'the storage and event transport health check').catch((error: unknown) => ({ error: errorMessage(error) })) : undefined;
    if (shared) healthy &&= 'storage' in shared ? shared.storage.healthy && shared.events.healthy : false;
    ctx.status = healthy ? 200 : 503;
    ctx.body = { status: healthy ? 'healthy' : 'unhealthy', plugins, ...(shared && 'storage' in shared ? shared : shared ? { backends: shared } : {}) };
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
    const status = await pluginHealth(record);
    ctx.status = status.healthy ? 200 : 503;
    ctx.body = { plugin: record.name, ...status };
  });
  router.get('/metrics', async function prometheus(ctx) {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  return router;
}

async function pluginHealth(record: PluginView): Promise<HealthStatus> {
  const base: HealthStatus = { healthy: false, state: record.state, uptime: 0, components: {}, metrics: {} };
  if (record.error) base.error = record.error;
  if (!record.instance || record.state !== 'running') return base;
  try {
    const health = await withTimeout(record.instance.healthCheck(), HEALTH_TIMEOUT_MS, `healthCheck() of plugin "${record.name}"`);
    return { ...health, state: record.state };
  } catch (error) {
    return { ...base, error: `healthCheck() failed: ${errorMessage(error)}` };
  }
}
