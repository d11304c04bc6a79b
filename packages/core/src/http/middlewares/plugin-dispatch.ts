import type { RouterMiddleware, Router } from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import { shownLocation, whereOf } from '../../plugins/failure.ts';
import type { PluginManager, PluginView } from '../../plugins/manager.ts';
import type { NexusMetrics } from '../metrics.ts';
import type { Answers } from './errors.ts';

const PREFIX = '/plugins/';

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
  /** Answers a request no plugin route took (the JSON 404). */
  orElse: (ctx: Context) => Promise<void>;
  /** Answers what a route threw and sends its JSON body, inside the request's one async frame. */
  answers: Answers;
}

/** Sends a request whose path is `path` to its plugin, or to `orElse`. */
export type PluginDispatch = (ctx: Context, path: string) => Promise<void>;

/**
 * Send `/plugins/<name>/...` to the live instance of that plugin. While the plugin swaps the
 * request waits at its gate, then goes to the new instance; it is never sent to a retired one.
 */
export function pluginDispatch({ manager, metrics, waitMs, parseBody, dev = false, transaction, orElse, answers }: DispatchOptions): PluginDispatch {
  const mounted = new WeakMap<Router, RouterMiddleware>();
  const routesOf = (router: Router): RouterMiddleware => {
    let routes = mounted.get(router);
    if (!routes) mounted.set(router, (routes = router.routes()));
    return routes;
  };
  // The request's one async frame: it answers errors itself, so the tally sees the status sent.
  async function serveLive(ctx: Context, view: PluginView, router: Router): Promise<void> {
    const next = (): Promise<void> => orElse(ctx);
    const routes = routesOf(router);
    const began = performance.now();
    view.gate.enter();
    try {
      if (transaction) await transaction(() => serve(ctx, next, routes, parseBody));
      else await serve(ctx, next, routes, parseBody);
    } catch (error) {
      answers.fail(ctx, error);
    } finally {
      view.gate.leave();
    }
    // ctx.req and ctx.res, not ctx.method and ctx.status: Koa's delegated getters cost more than this whole tally.
    metrics.requestServed(view.name, ctx.req.method!, ctx.res.statusCode, (performance.now() - began) / 1000);
    answers.send(ctx);
  }
  async function serveAfterWait(ctx: Context, view: PluginView): Promise<void> {
    if (!view.gate.isOpen && !(await view.gate.wait(waitMs))) {
      unavailable(ctx, view, `Plugin "${view.name}" is still ${view.state}; retry shortly`);
      ctx.set('Retry-After', '1');
      return;
    }
    if (view.state !== 'running') return unavailable(ctx, view, reason(view), dev ? manager.appDir : undefined);
    if (!view.router) return orElse(ctx);
    return serveLive(ctx, view, view.router);
  }
  return function nexusPluginRoutes(ctx, path) {
    const segment = pluginSegment(path);
    if (segment === undefined) return orElse(ctx);
    const name = decodePathSegment(segment);
    if (name === undefined) {
      ctx.status = 400;
      ctx.body = { error: 'bad_request', code: 'NEXUS_BAD_REQUEST', message: `Malformed %-escape in the path ${JSON.stringify(path)}: encode "%" as %25` };
      return DONE;
    }
    const view = manager.get(name);
    if (!view) return orElse(ctx);
    (ctx.state as { plugin?: string }).plugin = view.name;
    // The common case, an open gate in front of a running plugin, goes straight in.
    if (view.gate.isOpen && view.state === 'running' && view.router) return serveLive(ctx, view, view.router);
    return serveAfterWait(ctx, view);
  };
}

const DONE = Promise.resolve();

/** Parse the body only when the method carries one: a GET skips a middleware round trip. */
function serve(ctx: Context, next: Next, routes: RouterMiddleware, parseBody: Middleware): Promise<unknown> {
  const routed = ctx as Parameters<RouterMiddleware>[0];
  if (!BODY_METHODS.has(ctx.req.method!)) return routes(routed, next);
  return parseBody(ctx, () => routes(routed, next));
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** The `<name>` of `/plugins/<name>` and `/plugins/<name>/...`, still %-encoded. */
export function pluginSegment(path: string): string | undefined {
  if (!path.startsWith(PREFIX)) return undefined;
  const end = path.indexOf('/', PREFIX.length);
  const segment = end === -1 ? path.slice(PREFIX.length) : path.slice(PREFIX.length, end);
  return segment === '' ? undefined : segment;
}

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
