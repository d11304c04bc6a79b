import type { RouterMiddleware, Router } from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import type { PluginManager, PluginRecord } from '../../plugins/manager.ts';
import type { NexusMetrics } from '../metrics.ts';

const PREFIX = /^\/plugins\/([^/]+)(?:\/|$)/;

/** Options of the plugin route dispatcher. */
export interface DispatchOptions {
  manager: PluginManager;
  metrics: NexusMetrics;
  /** How long a request waits for a plugin that is starting or swapping before a 503. */
  waitMs: number;
  /** Parses a request body; only run for requests that reach a running plugin's routes. */
  parseBody: Middleware;
  /**
   * Runs a request as one storage transaction (PostgreSQL): its writes and the events it publishes
   * commit before the answer is sent, or not at all when the route throws.
   */
  transaction?: <T>(work: () => Promise<T>) => Promise<T>;
}

/**
 * Send `/plugins/<name>/...` to the live instance of that plugin. While the plugin swaps the
 * request waits at its gate, then goes to the new instance; it is never sent to a retired one.
 */
export function pluginDispatch({ manager, metrics, waitMs, parseBody, transaction }: DispatchOptions) {
  const mounted = new WeakMap<Router, RouterMiddleware>();
  return async function nexusPluginRoutes(ctx: Context, next: Next): Promise<void> {
    const match = PREFIX.exec(ctx.path);
    if (!match) return next();
    const name = decodeURIComponent(match[1]!);
    const record = manager.get(name);
    if (!record) return next();
    ctx.state.plugin = name;
    if (!record.gate.isOpen && !(await record.gate.wait(waitMs))) {
      unavailable(ctx, record, `Plugin "${name}" is still ${record.state}; retry shortly`);
      ctx.set('Retry-After', '1');
      return;
    }
    if (record.state !== 'running' || !record.router) {
      if (record.state !== 'running') unavailable(ctx, record, reason(record));
      else await next();
      return;
    }
    let routes = mounted.get(record.router);
    if (!routes) mounted.set(record.router, (routes = record.router.routes()));
    const began = performance.now();
    record.gate.enter();
    try {
      if (transaction) await transaction(() => serve(ctx, next, routes!, parseBody));
      else await serve(ctx, next, routes, parseBody);
    } finally {
      record.gate.leave();
      metrics.requestServed(name, ctx.method, ctx.status, (performance.now() - began) / 1000);
    }
  };
}

/** Parse the body only when the method carries one: a GET skips a middleware round trip. */
function serve(ctx: Context, next: Next, routes: RouterMiddleware, parseBody: Middleware): Promise<unknown> {
  const routed = ctx as Parameters<RouterMiddleware>[0];
  if (!BODY_METHODS.has(ctx.method)) return routes(routed, next);
  return parseBody(ctx, () => routes(routed, next));
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

function reason(record: PluginRecord): string {
  if (record.state === 'disabled') return `Plugin "${record.name}" is disabled in nexus.config`;
  if (record.state === 'failed') return `Plugin "${record.name}" failed: ${record.error ?? 'unknown error'}`;
  return `Plugin "${record.name}" is ${record.state}`;
}

function unavailable(ctx: Context, record: PluginRecord, message: string): void {
  ctx.status = 503;
  ctx.body = { error: 'plugin_unavailable', plugin: record.name, state: record.state, message };
}
