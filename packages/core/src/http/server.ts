import Koa, { type Middleware } from 'koa';
import type { Backends } from '../app/backends.ts';
import type { ErrorLocation } from '../errors.ts';
import type { Logger } from '../logger/types.ts';
import type { StorageDriver } from '../storage/types.ts';
import { locateError } from '../plugins/code-frame.ts';
import { shownLocation } from '../plugins/failure.ts';
import type { PluginManager } from '../plugins/manager.ts';
import { createMetrics, type NexusMetrics } from './metrics.ts';
import { errorAnswers, errorBoundary } from './middlewares/errors.ts';
import { createHostFilter, hostCheck, refuseHost } from './middlewares/host-check.ts';
import { jsonBody } from './middlewares/json-body.ts';
import { notFound } from './middlewares/not-found.ts';
import { pluginDispatch } from './middlewares/plugin-dispatch.ts';
import { isSystemPath, systemRoutes } from './system-routes.ts';

/** Options of the HTTP host. */
export interface HttpAppOptions {
  manager: PluginManager;
  /** Prometheus metrics. @default a fresh registry for this app */
  metrics?: NexusMetrics;
  logger: Logger;
  /** Largest JSON body accepted. @default '1mb' */
  bodyLimit?: string;
  /** How long a request waits for a swapping plugin. @default 15000 */
  waitMs?: number;
  /** Storage and transport health for /health. */
  backends?: Pick<Backends, 'health'>;
  /** Runs each plugin request as one storage transaction (PostgreSQL). */
  transaction?: <T>(work: () => Promise<T>) => Promise<T>;
  /** The host the server listens on: requests may name it in their Host header. */
  listenHost?: string;
  /** Host names allowed besides localhost and IP addresses (nexus.config `allowedHosts`). @default [] */
  allowedHosts?: readonly string[] | true;
  /** The app's storage: `/health` includes whether it works. */
  storage?: StorageDriver;
  /** `nexus dev`: error answers say where in the plugin's code, with a code frame. @default false */
  dev?: boolean;
  /** The dashboard's middleware (`/_nexus/`, `GET /`, request traces); it runs first. */
  devtools?: Middleware;
}

/** The one Koa app of a Nexus host: the dashboard (when on), system routes, then plugin routes, then a JSON 404. */
export function createHttpApp(options: HttpAppOptions): Koa {
  const app = new Koa();
  app.silent = true;
  const metrics = options.metrics ?? createMetrics(() => options.manager);
  const systemRouter = systemRoutes(options.manager, metrics, options.logger, options.storage, options.backends).routes();
  const parseBody = jsonBody(options.bodyLimit ?? '1mb');
  const { manager, dev = false } = options;
  const locate = (plugin: string, error: unknown): ErrorLocation | undefined => {
    const dir = manager.get(plugin)?.location.dir;
    const location = dir === undefined ? undefined : locateError(error, dir);
    return location && shownLocation(location, manager.appDir, true);
  };
  const hostAllowed = options.allowedHosts === true ? undefined : createHostFilter(options.listenHost, options.allowedHosts ?? []);
  const answers = errorAnswers({ logger: options.logger, locate: dev ? locate : undefined });
  const errors = errorBoundary(answers);
  const plugins = pluginDispatch({ manager, metrics, waitMs: options.waitMs ?? 15_000, parseBody, dev, transaction: options.transaction, orElse: notFound, answers });
  const system = (ctx: Koa.Context, path: string): Promise<void> => systemRouter(ctx as Parameters<typeof systemRouter>[0], () => plugins(ctx, path));
  const routes = (ctx: Koa.Context): Promise<void> => {
    // Read once: ctx.path is one of Koa's delegated getters (two megamorphic lookups each time).
    const path = ctx.request.path;
    if (isSystemPath(path)) return errors(ctx, (c) => system(c, path));
    // A plugin route runs in one async frame that answers its own errors (plugin-dispatch.ts); the
    // other answers of the dispatcher (404, 400, 503) are plain objects and throw nothing.
    return plugins(ctx, path);
  };
  if (options.devtools) {
    // The dashboard sits behind the Host check and in front of the error answers (its tracer sees them).
    if (hostAllowed) app.use(hostCheck(hostAllowed));
    app.use(options.devtools);
    app.use(routes);
    return app;
  }
  // One Koa layer, not three: each costs a promise and a dispatch on every request.
  app.use(function nexusHost(ctx): Promise<void> | void {
    if (hostAllowed && !hostAllowed(ctx.req.headers.host)) return refuseHost(ctx);
    return routes(ctx);
  });
  return app;
}
