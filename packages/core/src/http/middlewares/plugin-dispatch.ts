import type { RouterMiddleware, Router } from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import { shownLocation, whereOf } from '../../plugins/failure.ts';
import type { PluginManager, PluginView } from '../../plugins/manager.ts';
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
  /** Answer with the failure's location and code frame (`nexus dev` only). @default false */
  dev?: boolean;
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
export function pluginDispatch({ manager, metrics, waitMs, parseBody, dev = false, transaction }: DispatchOptions) {
  const mounted = new WeakMap<Router, RouterMiddleware>();
  return async function nexusPluginRoutes(ctx: Context, next: Next): Promise<void> {
    const match = PREFIX.exec(ctx.path);
    if (!match) return next();
    const name = decodePathSegment(match[1]!);
    if (name === undefined) {
      ctx.status = 400;
      ctx.body = { error: 'bad_request', code: 'NEXUS_BAD_REQUEST', message: `Malformed %-escape in the path ${JSON.stringify(ctx.path)}: encode "%" as %25` };
      return;
    }
    const view = manager.get(name);
    if (!view) return next();
    ctx.state.plugin = name;
    if (!view.gate.isOpen && !(await view.gate.wait(waitMs))) {
      unavailable(ctx, view, `Plugin "${name}" is still ${view.state}; retry shortly`);
      ctx.set('Retry-After', '1');
      return;
    }
    if (view.state !== 'running' || !view.router) {
      if (view.state !== 'running') unavailable(ctx, view, reason(view), dev ? manager.appDir : undefined);
      else await next();
      return;
    }
    let routes = mounted.get(view.router);
    if (!routes) mounted.set(view.router, (routes = view.router.routes()));
    const began = performance.now();
    view.gate.enter();
    try {
      if (transaction) await transaction(() => serve(ctx, next, routes!, parseBody));
      else await serve(ctx, next, routes, parseBody);
    } finally {
      view.gate.leave();
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

function decodePathSegment(segment: string): string | undefined {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function reason(view: PluginView): string {
  if (view.state === 'disabled') return `Plugin "${view.name}" is disabled in nexus.config`;
  if (view.state === 'failed') return `Plugin "${view.name}" failed: ${view.error ?? 'unknown error'}`;
  return `Plugin "${view.name}" is ${view.state}`;
}

/** A 503; `appDir` given (under `nexus dev`), with where the failure points and its code frame. */
function unavailable(ctx: Context, view: PluginView, message: string, appDir?: string): void {
  ctx.status = 503;
  const body: Record<string, unknown> = { error: 'plugin_unavailable', code: 'NEXUS_PLUGIN_UNAVAILABLE', plugin: view.name, state: view.state, message };
  const location = view.failure && whereOf(view.failure);
  if (appDir !== undefined && location) body.location = shownLocation(location, appDir, true);
  ctx.body = body;
}
