// @nexus/core/host: the pieces that run plugins, for the CLI, @nexus/testing and other drivers.
// Plugins import `@nexus/core` instead.

// Running an app
export { createApp } from './app/create.ts';
export type { CreateAppOptions, NexusApp } from './app/create.ts';
export { checkConnections, chooseBackends } from './app/backends.ts';
export type { BackendChoice, BackendHealth, Backends, ConnectionReport } from './app/backends.ts';
export { PluginManager, describeLeftovers } from './plugins/manager.ts';
export type { GateView, Leftovers, PluginInfo, PluginManagerOptions, PluginView, StartResult } from './plugins/manager.ts';
export type { SwapItem, SwapResult } from './plugins/swap.ts';
export type { LoadedEntry } from './plugins/entry.ts';
export type { ModuleLoader } from './plugins/loader.ts';

// Finding and planning plugins
export { discoverPlugins } from './plugins/discover.ts';
export type { DiscoveredPlugin } from './plugins/discover.ts';
export { pluginLocation } from './plugins/location.ts';
export type { PluginLocation } from './plugins/location.ts';
export { planPlugins } from './plugins/plan.ts';
export { dependencyNames } from './plugins/graph.ts';
export type { Plan, PlanInput, PlanProblem, PlannedPlugin } from './plugins/plan.ts';
export { entryProblem } from './plugins/entry.ts';
export { formatFailure } from './plugins/failure.ts';
export type { PluginFailure } from './plugins/failure.ts';

// Manifests and configuration
export { validateManifest } from './manifest/validate.ts';
export { loadManifest } from './manifest/load.ts';
export { appDirProblem, loadAppConfig } from './config/app.ts';
export { resolveAppPluginConfig, resolvePluginConfig } from './config/resolve.ts';
export type { AppConfigSources, ResolvedConfig } from './config/resolve.ts';
export { validateConfigValue } from './config/validate.ts';
export { redactConfig, REDACTED } from './config/redact.ts';
export { envVarName, resolveEnvName } from './config/env.ts';

// Hot swap
export { createHotReloader } from './hot/reloader.ts';
export { applyAppConfig, diffAppConfig } from './hot/app-config.ts';
export type { AppConfigChange, AppConfigReport } from './hot/app-config.ts';
export { isIgnored, watchApp, watchPlugins } from './hot/watcher.ts';
export type { PluginWatcher, PluginWatcherOptions, WatchAppOptions } from './hot/watcher.ts';
export type { HotApp, HotReloader } from './hot/reloader.ts';
export type { HotReloaderOptions, ManifestChange, SwapError, SwapReport, SwapTimings } from './hot/types.ts';

// Building blocks
export { PluginContext } from './plugins/context.ts';
export type { PluginContextDeps, PluginResources } from './plugins/context.ts';
export { ConfigStore } from './config/store.ts';
export { EventBus } from './events/bus.ts';
export { createMittTransport } from './events/mitt-transport.ts';
export { ServiceRegistry } from './services/registry.ts';
export { createSqliteStorage } from './storage/sqlite.ts';
export { createMemoryStorage } from './storage/memory.ts';

// Several instances as one app: PostgreSQL storage, durable transports, leases
export { createPostgresStorage } from './storage/postgres.ts';
export type { PostgresStorage } from './storage/postgres.ts';
export { PgDatabase } from './storage/pg-database.ts';
export type { PgOptions } from './storage/pg-database.ts';
export { createPostgresTransport } from './events/transports/postgres.ts';
export type { PostgresTransportOptions } from './events/transports/postgres.ts';
export { createRedisTransport } from './events/transports/redis.ts';
export type { RedisTransportOptions } from './events/transports/redis.ts';
export type { RetryPolicy } from './events/transports/retry.ts';
export type {
  ConsumerSpec,
  DeadLetter,
  DeliveryHandler,
  DeliveryOutcome,
  DurableTransport,
  TransportHealth,
} from './events/types.ts';
export { createLocalLeases, createPgLeases } from './leases/leases.ts';
export type { LeaseStore } from './leases/leases.ts';
export { createConsoleSink, createLogger, createMemorySink } from './logger/logger.ts';
export type { LogSink } from './logger/logger.ts';
export { writeLine } from './logger/output.ts';
export { createHttpApp } from './http/server.ts';
export type { HttpAppOptions } from './http/server.ts';
export { createMetrics } from './http/metrics.ts';
export type { NexusMetrics } from './http/metrics.ts';
