import type { Server } from 'node:http';
import path from 'node:path';
import type Koa from 'koa';
import { appDirProblem, dashboardEnabled, loadAppConfig, type AppConfig } from '../config/app.ts';
import { resolveEnvName } from '../config/env.ts';
import { NexusError } from '../errors.ts';
import type { Devtools } from '../devtools/devtools.ts';
import { EventBus } from '../events/bus.ts';
import type { DurableTransport, EventTransport } from '../events/types.ts';
import { createMetrics, type NexusMetrics } from '../http/metrics.ts';
import { isLoopbackHost } from '../http/middlewares/host-check.ts';
import { createHttpApp } from '../http/server.ts';
import { createConsoleSink, createLogger, type LogSink } from '../logger/logger.ts';
import type { LogLevel, Logger } from '../logger/types.ts';
import { installFaultHandlers } from '../plugins/attribution.ts';
import { createModuleLoader, type ModuleLoader } from '../plugins/loader.ts';
import { PluginManager } from '../plugins/manager.ts';
import { ServiceRegistry } from '../services/registry.ts';
import type { StorageDriver } from '../storage/types.ts';
import { NEXUS_VERSION } from '../version.ts';
import { openBackends, type Backends } from './backends.ts';
import { close, HTTP_TIMEOUTS, listen, type HttpTimeouts } from './listen.ts';

/** How to run a Nexus app. */
export interface CreateAppOptions {
  /** Folder with `plugins/` and an optional `nexus.config.json`. */
  appDir: string;
  /** `dev` or `start`: picks the default environment (development / production). @default 'start' */
  mode?: 'dev' | 'start';
  /** Overrides nexus.config's port; 0 picks a free one. */
  port?: number;
  /** Overrides nexus.config's host. */
  host?: string;
  /** Environment variables for `NEXUS_*` lookups. @default process.env */
  environ?: NodeJS.ProcessEnv;
  /** Where log records go. @default the console */
  logSink?: LogSink;
  logLevel?: LogLevel;
  /** Storage driver. @default from nexus.config `storage`, else SQLite in `<appDir>/.nexus/nexus.db` */
  storage?: StorageDriver;
  /** Event transport. @default from nexus.config `events`, else in-process (mitt) */
  transport?: EventTransport | DurableTransport;
  /** Catch errors escaping plugin code at process level. @default true */
  catchPluginFaults?: boolean;
  /** HTTP server timeouts. @default HTTP_TIMEOUTS (15 s headers, 60 s request, 5 s keep-alive) */
  httpTimeouts?: Partial<HttpTimeouts>;
}

/** A running (or ready to run) Nexus app. */
export interface NexusApp {
  readonly appDir: string;
  readonly config: AppConfig;
  readonly manager: PluginManager;
  readonly bus: EventBus;
  readonly services: ServiceRegistry;
  readonly storage: StorageDriver;
  /** Storage and transport as configured, with their health. */
  readonly backends: Backends;
  readonly loader: ModuleLoader;
  readonly metrics: NexusMetrics;
  readonly http: Koa;
  readonly logger: Logger;
  /** The dashboard at `/_nexus/` (on in dev unless nexus.config says `"dashboard": false`, off in start unless true). */
  readonly devtools?: Devtools;
  /** Set once listening. */
  url?: string;
  server?: Server;
  /** Listen, then start every plugin; resolves to the URL. */
  start(): Promise<string>;
  /** Stop every plugin (dependents first), then close the server and storage. */
  stop(): Promise<void>;
}

/** Build a Nexus app from a folder: config, storage, event bus, services, plugins and HTTP. */
export async function createApp(options: CreateAppOptions): Promise<NexusApp> {
  const appDir = path.resolve(options.appDir);
  const missing = appDirProblem(appDir);
  if (missing) throw new NexusError('NEXUS_APP_NOT_FOUND', missing);
  const environ = options.environ ?? process.env;
  const mode = options.mode ?? 'start';
  const loaded = await loadAppConfig(appDir);
  let manager: PluginManager | undefined;
  const secrets = (): string[] => manager?.secrets() ?? [];
  const devtools =
    // Loaded only when on: the dashboard's modules are a good part of start-up otherwise.
    loaded.errors.length === 0 && dashboardEnabled(loaded.config, mode)
      ? new (await import('../devtools/devtools.ts')).Devtools({ mode, traces: mode === 'dev', secrets })
      : undefined;
  const consoleSink = options.logSink ?? createConsoleSink();
  const sink: LogSink = devtools
    ? (record) => {
        devtools.logged(record);
        consoleSink(record);
      }
    : consoleSink;
  // The host logs plugin failures: it scrubs every plugin's secret config values too.
  const logger = createLogger({ name: 'nexus', sink, level: options.logLevel, secrets });
  if (loaded.errors.length > 0) {
    throw new NexusError('NEXUS_APP_CONFIG_INVALID', loaded.errors.join('\n'), { problems: loaded.errors });
  }
  const config = loaded.config;
  const envName = resolveEnvName(mode, environ);
  // Storage and transport from nexus.config / NEXUS_DATABASE_URL / NEXUS_EVENTS_URL (see app/backends.ts).
  const backends = await openBackends(appDir, config, environ, logger, { storage: options.storage, transport: options.transport });
  const storage = backends.storage;
  const metrics = createMetrics(() => manager, backends);
  const bus = new EventBus({
    transport: backends.transport,
    logger,
    onPublished: (type, source) => metrics.eventPublished(type, source),
    onHandlerError: (plugin, type) => metrics.handlerError(plugin, type),
    observer: devtools?.observer,
    onDuplicate: (plugin, type) => metrics.eventDeduplicated(plugin, type),
    transaction: storage.transaction?.bind(storage),
    afterCommit: storage.afterCommit?.bind(storage),
  });
  const services = new ServiceRegistry({ observer: devtools?.observer });
  const loader = await createModuleLoader(appDir);
  manager = new PluginManager({
    appDir,
    appConfig: config,
    appConfigFile: loaded.file,
    envName,
    storage,
    bus,
    services,
    loader,
    logger,
    pluginLogger: (name, secrets) => createLogger({ name, sink, level: options.logLevel, secrets }),
    coreVersion: NEXUS_VERSION,
    environ,
  });
  if (options.catchPluginFaults !== false) installFaultHandlers(logger);
  const host = options.host ?? config.host ?? '127.0.0.1';
  devtools?.attach({ appDir, manager, services, metrics, bus, loader, logger, host, envName });
  const http = createHttpApp({
    manager, metrics, logger, bodyLimit: config.bodyLimit, waitMs: manager.timeouts.initialize + 5_000, dev: mode === 'dev',
    listenHost: host, allowedHosts: config.allowedHosts, storage, devtools: devtools?.middleware(),
    backends, transaction: storage.transaction?.bind(storage),
  });
  const app: NexusApp = {
    appDir, config, manager, bus, services, storage, backends, loader, metrics, http, logger, devtools,
    async start() {
      const listening = await listen(http, options.port ?? config.port ?? 3000, host, { ...HTTP_TIMEOUTS, ...options.httpTimeouts });
      if (!isLoopbackHost(host)) logger.warn(exposureWarning(host, listening.url, config.allowedHosts));
      app.server = listening.server;
      app.url = listening.url;
      await manager!.startAll();
      await bus.ready();
      return listening.url;
    },
    async stop() {
      await devtools?.close();
      await manager!.stopAll();
      await bus.idle();
      if (app.server) await close(app.server);
      await bus.close();
      await loader.close();
      await storage.close();
      await backends.close();
    },
  };
  return app;
}

/** What binding beyond loopback exposes, and to whom. */
function exposureWarning(host: string, url: string, allowedHosts: AppConfig['allowedHosts']): string {
  const where = host === '0.0.0.0' || host === '::' ? 'every network interface' : `${host}`;
  const hosts = allowedHosts === true ? 'any Host header (allowedHosts: true)' : 'IP addresses, localhost and allowedHosts';
  return (
    `Listening on ${where} (${url}): other machines that can reach it can call every plugin route and read ` +
    `/plugins, /health, /metrics and the dashboard; requests are answered for ${hosts}. ` +
    'Bind 127.0.0.1 (the default) unless the app is meant to be reached from the network, and put it behind a proxy that authenticates.'
  );
}
