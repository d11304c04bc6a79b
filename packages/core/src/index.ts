// Writing plugins
export { BasePlugin } from './plugins/base.ts';
export { validated } from './http/validate.ts';
export type { RequestSchemas, ValidatedHandler, ValidatedInput } from './http/validate.ts';
export type {
  ComponentHealth,
  HealthStatus,
  PluginDatabase,
  PluginState,
  PluginTypes,
  UntypedPluginTypes,
} from './plugins/types.ts';
export type { Router, RouterContext, RouterMiddleware } from '@koa/router';
export type {
  ConsumerSpec,
  DeadLetter,
  DeliveryHandler,
  DeliveryOutcome,
  DurableTransport,
  EventEnvelope,
  EventHandler,
  EventTransport,
  SubscribeOptions,
  SubscriptionMode,
  TransportHealth,
} from './events/types.ts';
export type { OnceOptions } from './leases/once.ts';
export type { Collection, DatabaseSchema, Document, FindOptions, IndexSpec, Stored, StorageDriver } from './storage/types.ts';
export type { LogLevel, LogMeta, LogRecord, Logger } from './logger/types.ts';

// Manifests and configuration
export type { ApiEndpoint, ConfigOption, ConfigValueType, HttpMethod, Permission, PluginManifest } from './manifest/types.ts';
export { validateManifest } from './manifest/validate.ts';
export { loadManifest } from './manifest/load.ts';
export { appDirProblem, defineConfig, loadAppConfig } from './config/app.ts';
export type { AppConfig, EventsConfig, StorageConfig } from './config/app.ts';
export { resolvePluginConfig } from './config/resolve.ts';
export { validateConfigValue } from './config/validate.ts';
export { redactConfig, REDACTED } from './config/redact.ts';
export { envVarName, resolveEnvName } from './config/env.ts';

// Running an app
export { createApp } from './app/create.ts';
export { checkConnections, chooseBackends } from './app/backends.ts';
export type { BackendChoice, BackendHealth, Backends, ConnectionReport } from './app/backends.ts';
export type { CreateAppOptions, NexusApp } from './app/create.ts';
export { PluginManager } from './plugins/manager.ts';
export type { ActivateOptions, PluginInfo, PluginRecord } from './plugins/manager.ts';
export { discoverPlugins } from './plugins/discover.ts';
export { dependentsOf, planDependencies } from './plugins/graph.ts';
export { checkCompatibility } from './manifest/compat.ts';
export { locateError, codeFrame } from './plugins/code-frame.ts';

// Hot swap
export { createHotReloader } from './hot/reloader.ts';
export { diffAppConfig } from './hot/app-config.ts';
export type { AppConfigChange } from './hot/app-config.ts';
export type { HotApp, HotReloader } from './hot/reloader.ts';
export type { HotReloaderOptions, ManifestChange, SwapError, SwapReport, SwapTimings } from './hot/types.ts';

// Building blocks (for @nexus/testing, the CLI and alternative drivers)
export { PluginContext } from './plugins/context.ts';
export type { PluginContextDeps, PluginResources } from './plugins/context.ts';
export { bindPluginContext, setPluginStatus } from './plugins/base.ts';
export { ConfigStore } from './config/store.ts';
export { EventBus } from './events/bus.ts';
export { createMittTransport } from './events/mitt-transport.ts';
export { ServiceRegistry } from './services/registry.ts';
export { createSqliteStorage } from './storage/sqlite.ts';
export { createMemoryStorage } from './storage/memory.ts';
export { createPostgresStorage } from './storage/postgres.ts';
export type { PostgresStorage } from './storage/postgres.ts';
export { PgDatabase } from './storage/pg-database.ts';
export type { PgOptions } from './storage/pg-database.ts';
export { createPostgresTransport } from './events/transports/postgres.ts';
export type { PostgresTransportOptions } from './events/transports/postgres.ts';
export { createRedisTransport } from './events/transports/redis.ts';
export type { RedisTransportOptions } from './events/transports/redis.ts';
export type { RetryPolicy } from './events/transports/retry.ts';
export { createLocalLeases, createPgLeases } from './leases/leases.ts';
export type { LeaseStore } from './leases/leases.ts';
export { createConsoleSink, createLogger, createMemorySink } from './logger/logger.ts';
export type { LogSink } from './logger/logger.ts';
export { writeLine } from './logger/output.ts';
export { createHttpApp } from './http/server.ts';

// Errors and version
export { ErrorCodes, NexusError, errorMessage, isNexusError } from './errors.ts';
export type { ErrorCode } from './errors.ts';
export { NEXUS_VERSION } from './version.ts';
