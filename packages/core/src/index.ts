// @nexus/core: what a plugin imports. The host (createApp, the manager, the hot reloader, storage
// and bus constructors) is `@nexus/core/host`; a plugin never needs it.

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
export type { EventEnvelope, EventHandler, EventTransport, SubscribeOptions, SubscriptionMode } from './events/types.ts';
export type { OnceOptions } from './leases/once.ts';
export type { Collection, DatabaseSchema, Document, FindOptions, IndexSpec, Stored, StorageDriver } from './storage/types.ts';
export type { LogLevel, LogMeta, LogRecord, Logger } from './logger/types.ts';
export type { ApiEndpoint, ConfigOption, ConfigValueType, HttpMethod, Permission, PluginManifest } from './manifest/types.ts';

// An app's nexus.config.ts
export { defineConfig } from './config/app.ts';
export type { AppConfig, EventsConfig, StorageConfig } from './config/app.ts';

// Errors and version
export { ErrorCodes, NexusError, errorMessage, isNexusError } from './errors.ts';
export type { ErrorCode, ErrorLocation, NexusErrorOptions } from './errors.ts';
export { NEXUS_VERSION } from './version.ts';
