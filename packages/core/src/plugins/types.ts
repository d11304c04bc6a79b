import type { Router } from '@koa/router';
import type { EventEnvelope, EventHandler } from '../events/types.ts';
import type { Logger } from '../logger/types.ts';
import type { Collection, DatabaseSchema, Document } from '../storage/types.ts';

/**
 * The type bag a plugin class is parameterised with. `nexus typegen` writes one per plugin
 * (`<PascalName>Types`) so that config keys and event names are checked at compile time.
 */
export interface PluginTypes {
  /** Resolved configuration: keys with a default or `required` are non-optional. */
  config: object;
  /** Event types the plugin may publish. */
  publishes: string;
  /** Event types the plugin may subscribe to. */
  subscribes: string;
}

/** What an untyped plugin gets: any key, any event name. */
export interface UntypedPluginTypes extends PluginTypes {
  config: Record<string, unknown>;
  publishes: string;
  subscribes: string;
}

/** Lifecycle state of a plugin as the manager and `GET /plugins` report it. */
export type PluginState =
  | 'discovered'
  | 'loading'
  | 'initializing'
  | 'running'
  | 'swapping'
  | 'stopping'
  | 'stopped'
  | 'failed'
  | 'disabled';

/** Health of one component of a plugin. */
export interface ComponentHealth {
  status: 'healthy' | 'unhealthy' | 'disabled' | (string & {});
  [detail: string]: unknown;
}

/** What `healthCheck()` returns and `GET /plugins/<name>/health` shows. */
export interface HealthStatus {
  healthy: boolean;
  state: PluginState;
  /** Seconds since the current instance initialized. */
  uptime: number;
  components: Record<string, ComponentHealth>;
  metrics: Record<string, number>;
  error?: string;
}

/** Collections of a plugin, as `this.db`. */
export interface PluginDatabase {
  collection<T extends Document = Document>(name: string): Collection<T>;
}

export type { Router, EventEnvelope, EventHandler, Logger, DatabaseSchema };
