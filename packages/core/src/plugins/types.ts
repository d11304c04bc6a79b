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

export type { ComponentHealth, HealthStatus, PluginState } from '../devtools/wire.ts';

/** Collections of a plugin, as `this.db`. */
export interface PluginDatabase {
  collection<T extends Document = Document>(name: string): Collection<T>;
}

export type { Router, EventEnvelope, EventHandler, Logger, DatabaseSchema };
