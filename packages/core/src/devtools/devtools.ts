import path from 'node:path';
import { Router } from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import type { EventBus } from '../events/bus.ts';
import { createHotReloader, type HotReloader } from '../hot/reloader.ts';
import type { SwapReport } from '../hot/types.ts';
import type { NexusMetrics } from '../http/metrics.ts';
import type { LogRecord, Logger } from '../logger/types.ts';
import type { ModuleLoader } from '../plugins/loader.ts';
import type { PluginManager } from '../plugins/manager.ts';
import type { ServiceRegistry } from '../services/registry.ts';
import { NEXUS_VERSION } from '../version.ts';
import { DASHBOARD_BASE, dashboardAssets, type DashboardAssets } from './assets.ts';
import { buildCatalog } from './catalog.ts';
import { configView } from './config-view.ts';
import { sameOrigin } from './guard.ts';
import { History } from './history.ts';
import { Hub } from './hub.ts';
import type { RuntimeObserver } from './observer.ts';
import { Tracer, type Trace } from './tracer.ts';
import type { ActionResult, ApiError, AppInfo, DashboardApi, PluginAction } from './wire.ts';

/** The parts of a running app the dashboard reads and drives. */
export interface DevtoolsApp {
  appDir: string;
  manager: PluginManager;
  services: ServiceRegistry;
  metrics: NexusMetrics;
  bus: EventBus;
  loader: ModuleLoader;
  logger: Logger;
  /** The host the server listens on (the dashboard also answers to loopback names). */
  host: string;
  /** The config environment (`development`). */
  envName: string;
}

/** Options of the dashboard. */
export interface DevtoolsOptions {
  mode: AppInfo['mode'];
  /** Record request and event traces (dev only: it costs a little on every request). */
  traces: boolean;
  /** The app's secret config values, scrubbed from everything shown. */
  secrets: () => readonly string[];
}

const API = `${DASHBOARD_BASE}api`;
/** How often the plugins' states are compared while a page is open (changes are pushed, not polled by the page). */
const STATE_CHECK_MS = 250;
const TRAFFIC_REFRESH_MS = 2_000;
/**
 * The heap is sampled (after a full gc) this long after the last swap of a burst, and only while a
 * page is open: with a forced gc 50 ms after each swap, the next swap's load phase took 14-16 ms
 * instead of ~10 in the hot-reload bench (code and caches gone cold), so `nexus dev` with no
 * dashboard open never forces one.
 */
const HEAP_SAMPLE_DELAY_MS = 1_000;

/**
 * The dev dashboard: the page at `/_nexus/`, its JSON under `/_nexus/api/`, live updates over
 * Server-Sent Events, and the recorders behind them (traces, logs, swaps, heap).
 */
export class Devtools {
  readonly tracer: Tracer | undefined;
  readonly history: History;
  readonly hub = new Hub();
  readonly options: DevtoolsOptions;
  readonly #assets: DashboardAssets;
  readonly #router = new Router({ prefix: API });
  #app: DevtoolsApp | undefined;
  #hot: HotReloader | undefined;
  #ownHot = false;
  #dirty = new Set<Trace>();
  #flush: NodeJS.Immediate | undefined;
  #stateTimer: NodeJS.Timeout | undefined;
  #stateSignature = '';
  #trafficTimer: NodeJS.Timeout | undefined;
  #heapTimer: NodeJS.Timeout | undefined;

  constructor(options: DevtoolsOptions, assets: DashboardAssets = dashboardAssets()) {
    this.options = options;
    this.#assets = assets;
    this.history = new History(options.secrets);
    if (options.traces) {
      this.tracer = new Tracer({
        secrets: options.secrets,
        onChange: (trace) => this.#traceChanged(trace),
        withoutContext: () => this.#app?.manager.swapping === true,
      });
    }
    this.#routes();
  }

  /** What the event bus and service registry report to (traces); undefined when traces are off. */
  get observer(): RuntimeObserver | undefined {
    const tracer = this.tracer;
    if (!tracer) return undefined;
    // The tracer itself, bound: no wrapper call on the hot path.
    return {
      published: tracer.published.bind(tracer),
      handle: tracer.handle.bind(tracer),
      service: tracer.service.bind(tracer),
      logged: (record) => this.logged(record),
    };
  }

  /** Give the dashboard the app it shows (once the app is built). */
  attach(app: DevtoolsApp): void {
    this.#app = app;
  }

  /** Use `nexus dev`'s hot reloader for the reload, disable and enable actions. */
  connect(hot: HotReloader): void {
    this.#hot = hot;
  }

  /** Every log record the app writes. */
  logged(record: LogRecord): void {
    this.tracer?.logged(record);
    const entry = this.history.log(record);
    this.hub.send({ type: 'log', data: entry });
  }

  /** A hot swap (or disable, remove...) finished. */
  swapped(report: SwapReport): void {
    const entry = this.history.swap(report);
    this.hub.send({ type: 'swap', data: entry });
    this.hub.send({ type: 'catalog', data: { reason: 'swap' } });
    this.#sampleHeap(entry.seq, HEAP_SAMPLE_DELAY_MS);
  }

  /** The middleware serving `/_nexus/...`, redirecting `GET /` there, and tracing plugin requests. */
  middleware(): Middleware {
    const api = this.#router.routes();
    const trace = this.tracer?.middleware();
    return async (ctx: Context, next: Next) => {
      const { path: urlPath } = ctx;
      if (urlPath === '/' && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
        ctx.redirect(DASHBOARD_BASE);
        return;
      }
      if (urlPath === '/_nexus') {
        ctx.redirect(DASHBOARD_BASE);
        return;
      }
      if (!urlPath.startsWith(DASHBOARD_BASE)) return trace ? trace(ctx, next) : next();
      // The Host header was checked before this middleware (allowed hosts, see http/server.ts).
      if (urlPath.startsWith(`${API}/`) || urlPath === API) {
        await api(ctx as Parameters<typeof api>[0], async () => undefined);
        if (ctx.body === undefined && ctx.status === 404) ctx.body = { error: 'not_found', message: `No dashboard API ${ctx.method} ${urlPath}` } satisfies ApiError;
        return;
      }
      if (!(await this.#assets.serve(ctx))) await next();
    };
  }

  /** End the event streams (so the server can close) and stop what the dashboard started. */
  async close(): Promise<void> {
    this.hub.close();
    if (this.#stateTimer) clearInterval(this.#stateTimer);
    if (this.#trafficTimer) clearTimeout(this.#trafficTimer);
    if (this.#flush) clearImmediate(this.#flush);
    if (this.#heapTimer) clearTimeout(this.#heapTimer);
    if (this.#ownHot) await this.#hot?.close();
    await this.#assets.close();
  }

  /** Sample the heap after `delayMs` (a later call restarts the wait), if a page is open then. */
  #sampleHeap(swap: number | undefined, delayMs: number): void {
    if (this.hub.size === 0) return;
    clearTimeout(this.#heapTimer);
    this.#heapTimer = setTimeout(() => {
      this.#heapTimer = undefined;
      if (this.hub.size === 0) return;
      const sample = this.history.sampleHeap(swap);
      if (sample) this.hub.send({ type: 'heap', data: sample });
    }, delayMs).unref();
  }

  #traceChanged(trace: Trace): void {
    if (this.hub.size === 0) return;
    this.#dirty.add(trace);
    this.#flush ??= setImmediate(() => {
      this.#flush = undefined;
      for (const changed of this.#dirty) this.hub.send({ type: 'trace', data: this.tracer!.view(changed) });
      this.#dirty.clear();
    });
    this.#trafficTimer ??= setTimeout(() => {
      this.#trafficTimer = undefined;
      this.hub.send({ type: 'catalog', data: { reason: 'traffic' } });
    }, TRAFFIC_REFRESH_MS).unref();
  }

  #requireApp(): DevtoolsApp {
    if (!this.#app) throw new Error('The dashboard is not attached to an app yet');
    return this.#app;
  }

  #routes(): void {
    const router = this.#router;
    router.get('/app', (ctx) => {
      const app = this.#requireApp();
      ctx.body = {
        version: NEXUS_VERSION,
        mode: this.options.mode,
        app: path.basename(app.appDir),
        appDir: app.appDir,
        envName: app.envName,
        appConfigFile: app.manager.appConfigFile ?? null,
        traces: this.tracer !== undefined,
        actions: true,
        uptime: process.uptime(),
      } satisfies DashboardApi['/app'];
    });
    router.get('/catalog', async (ctx) => {
      const app = this.#requireApp();
      const plugins = await buildCatalog({
        manager: app.manager,
        services: app.services,
        metrics: app.metrics,
        logger: app.logger,
        servicesUsed: () => this.tracer?.servicesUsed() ?? {},
      });
      ctx.body = { plugins, order: app.manager.order, services: app.services.list() } satisfies DashboardApi['/catalog'];
    });
    router.get('/traces', (ctx) => {
      ctx.body = { enabled: this.tracer !== undefined, traces: this.tracer?.list() ?? [] } satisfies DashboardApi['/traces'];
    });
    router.get('/traces/:id', (ctx) => {
      const trace = this.tracer?.get(ctx.params.id!);
      ctx.status = trace ? 200 : 404;
      ctx.body = trace ?? ({ error: 'not_found', message: `No trace "${ctx.params.id}" (only the latest are kept)` } satisfies ApiError);
    });
    router.get('/swaps', (ctx) => {
      ctx.body = { swaps: this.history.swaps.items, heap: this.history.heap.items } satisfies DashboardApi['/swaps'];
    });
    router.get('/logs', (ctx) => {
      ctx.body = { logs: this.history.logs.items } satisfies DashboardApi['/logs'];
    });
    router.get('/config', async (ctx) => {
      ctx.body = { plugins: await configView(this.#requireApp().manager) } satisfies DashboardApi['/config'];
    });
    router.get('/stream', (ctx) => {
      this.hub.connect(ctx);
      this.#watchStates();
      // The chart's first point: the heap as the page opens, before any swap it shows.
      if (this.history.heap.items.length === 0) this.#sampleHeap(undefined, 0);
    });
    router.post('/plugins/:name/:action', async (ctx) => {
      if (!sameOrigin(ctx)) {
        ctx.status = 403;
        ctx.body = { error: 'cross_origin', message: 'Dashboard actions are accepted only from the dashboard page itself (same origin); send an Origin header equal to this server' } satisfies ApiError;
        return;
      }
      const { name, action } = ctx.params as { name: string; action: string };
      if (action !== 'reload' && action !== 'disable' && action !== 'enable') {
        ctx.status = 404;
        ctx.body = { error: 'not_found', message: `No action "${action}"; use reload, disable or enable` } satisfies ApiError;
        return;
      }
      const record = this.#requireApp().manager.get(name);
      if (!record) {
        ctx.status = 404;
        ctx.body = { error: 'not_found', message: `No plugin named "${name}"` } satisfies ApiError;
        return;
      }
      await this.#act(name, action);
      const after = this.#requireApp().manager.get(name);
      ctx.body = { plugin: name, action, state: after?.state ?? 'removed', error: after?.error ?? null } satisfies ActionResult;
    });
  }

  /**
   * Reload: as if the plugin's files were saved. Disable / enable: as if nexus.config changed its
   * `enabled` (kept in memory until nexus.config itself changes or the app restarts).
   */
  async #act(name: string, action: PluginAction): Promise<void> {
    const app = this.#requireApp();
    const hot = this.#reloader();
    const record = app.manager.get(name)!;
    if (action === 'reload') {
      hot.notify(record.location.dir, []);
    } else {
      const { appConfig, appConfigFile } = app.manager;
      const enabled = action === 'enable';
      const plugins = { ...appConfig.plugins, [name]: { ...appConfig.plugins?.[name], enabled } };
      app.manager.setAppConfig({ ...appConfig, plugins }, appConfigFile);
      hot.notify(record.location.dir, [path.join(app.appDir, appConfigFile ?? 'nexus.config.json')]);
    }
    await hot.idle();
    this.hub.send({ type: 'catalog', data: { reason: action } });
  }

  #reloader(): HotReloader {
    if (this.#hot) return this.#hot;
    // `nexus start` with the dashboard on: the same swaps as `nexus dev`, started from the page only.
    this.#ownHot = true;
    return (this.#hot = createHotReloader(this.#requireApp(), { onReport: (report) => this.swapped(report) }));
  }

  /** Push a catalog refresh whenever a plugin's state, reload count or error changes, while a page is open. */
  #watchStates(): void {
    if (this.#stateTimer) return;
    this.#stateTimer = setInterval(() => {
      if (this.hub.size === 0) {
        clearInterval(this.#stateTimer);
        this.#stateTimer = undefined;
        return;
      }
      const signature = this.#requireApp()
        .manager.views()
        .map((r) => `${r.name}:${r.state}:${r.reloads}:${r.error ?? ''}`)
        .join('|');
      if (signature === this.#stateSignature) return;
      this.#stateSignature = signature;
      this.hub.send({ type: 'catalog', data: { reason: 'state' } });
    }, STATE_CHECK_MS).unref();
  }
}
