import type { Router } from '@koa/router';
import { NexusError } from '../errors.ts';
import type { EventEnvelope, EventHandler, SubscribeOptions } from '../events/types.ts';
import type { OnceOptions } from '../leases/once.ts';
import type { Logger } from '../logger/types.ts';
import type { PluginManifest } from '../manifest/types.ts';
import type { DatabaseSchema } from '../storage/types.ts';
import type { PluginContext, TimerHandle } from './context.ts';
import type {
  HealthStatus,
  PluginDatabase,
  PluginState,
  PluginTypes,
  UntypedPluginTypes,
} from './types.ts';

const CONTEXT = Symbol.for('nexus.plugin.context');
const STATUS = Symbol.for('nexus.plugin.status');

type Config<T extends PluginTypes> = T['config'];
type ConfigKey<T extends PluginTypes> = keyof Config<T> & string;

/** What the host tells a plugin instance about itself. */
interface InstanceStatus {
  state: PluginState;
  startedAt?: number;
  error?: string;
}

/**
 * Base class of every Nexus plugin. Type it with the `<Name>Types` that `nexus typegen` generates
 * and `getConfig`, `setConfig`, `publishEvent` and `subscribeToEvent` are checked at compile time.
 *
 * @example
 * export default class Hello extends BasePlugin<HelloTypes> {
 *   override routes(router: Router) { router.get('/hi', (ctx) => { ctx.body = 'hi'; }); }
 * }
 */
export abstract class BasePlugin<T extends PluginTypes = UntypedPluginTypes, H = never> {
  /** Type-only marker so tools (e.g. @nexus/testing) can read a plugin class's type bag. */
  declare readonly '~types'?: T;
  declare [CONTEXT]: PluginContext | undefined;
  declare [STATUS]: InstanceStatus | undefined;

  /** Set up the plugin; return `false` or throw to fail with a reason. */
  initialize(): boolean | void | Promise<boolean | void> {
    return true;
  }

  /** Release what `initialize` set up; what went through the context is released for you. */
  shutdown(): void | Promise<void> {}

  /** Add HTTP routes; they are mounted at `/plugins/<name>`. */
  routes?(router: Router): void;

  /** Collections and their indexes, created before `initialize()`. */
  databaseSchema?(): DatabaseSchema;

  /** Hot reload: hand in-memory state (connections, caches) to the next instance. */
  exportHotState?(): H | Promise<H>;

  /** Hot reload: receive what the previous instance handed over, before `initialize()`. */
  importHotState?(state: H): void | Promise<void>;

  /** The plugin's name from its manifest. */
  get name(): string {
    return this.#context.manifest.name;
  }

  /** The plugin's version from its manifest. */
  get version(): string {
    return this.#context.manifest.version;
  }

  /** The plugin's manifest. */
  get manifest(): Readonly<PluginManifest> {
    return this.#context.manifest;
  }

  /** A logger named after the plugin; secret config values are never printed. */
  get logger(): Logger {
    return this.#context.logger;
  }

  /** The plugin's collections (needs `database.read` / `database.write`). */
  get db(): PluginDatabase {
    return this.#context.db;
  }

  /** Aborted when the plugin shuts down: pass it to fetch, streams and loops. */
  get signal(): AbortSignal {
    return this.#context.signal;
  }

  /** True once `initialize()` succeeded and until shutdown. */
  get initialized(): boolean {
    return this[STATUS]?.state === 'running';
  }

  /** Read a config value, resolved from every layer and validated against the manifest. */
  getConfig<K extends ConfigKey<T>>(key: K): Config<T>[K];
  getConfig<K extends ConfigKey<T>>(key: K, fallback: NonNullable<Config<T>[K]>): NonNullable<Config<T>[K]>;
  getConfig<K extends ConfigKey<T>>(key: K, fallback?: Config<T>[K]): Config<T>[K] {
    return this.#context.config.get(key, fallback) as Config<T>[K];
  }

  /** Change a config value, validated against the manifest and persisted. */
  setConfig<K extends ConfigKey<T>>(key: K, value: Config<T>[K]): Promise<void> {
    return this.#context.config.set(key, value);
  }

  /** Read persisted plugin state. */
  getData<V = unknown>(key: string): Promise<V | undefined> {
    return this.#context.getData<V>(key);
  }

  /** Persist plugin state; it survives restarts and reloads. */
  setData(key: string, value: unknown): Promise<void> {
    return this.#context.setData(key, value);
  }

  /** Publish an event declared in `events.publishes` or in the plugin's own namespace. */
  publishEvent<D = unknown>(type: T['publishes'], data?: D): Promise<EventEnvelope<D | undefined>> {
    return this.#context.publishEvent(type, data);
  }

  /**
   * Subscribe to an event declared in `events.subscribes`; released at shutdown. With several
   * instances, `mode: 'group'` (default) has one instance handle each event, `'broadcast'` every one.
   */
  subscribeToEvent<D = unknown>(type: T['subscribes'], handler: EventHandler<D>, options?: SubscribeOptions): () => void {
    return this.#context.subscribeToEvent(type, handler, options);
  }

  /**
   * Run `work` unless this plugin already handled `event` (same id): delivery is at-least-once, so
   * a handler may see an event twice. Resolves to whether `work` ran.
   */
  handleOnce(event: EventEnvelope, work: () => unknown): Promise<boolean> {
    return this.#context.handleOnce(event, work);
  }

  /** Offer a service to plugins that depend on this one; released at shutdown. */
  registerService(name: string, impl: unknown): () => void {
    return this.#context.registerService(name, impl);
  }

  /** Use a service of a plugin listed in `dependencies`. */
  getService<S>(name: string): S {
    return this.#context.getService<S>(name);
  }

  /** A timeout cleared at shutdown; a throw inside marks this plugin failed, not the host. */
  setTimeout(fn: () => unknown, ms: number): TimerHandle {
    return this.#context.setTimeout(fn, ms);
  }

  /**
   * An interval cleared at shutdown; a throw inside marks this plugin failed, not the host.
   * With `{ once: 'name' }` each tick runs on one instance of the app only (a lease in the database).
   */
  setInterval(fn: () => unknown, ms: number, options?: OnceOptions): TimerHandle {
    return this.#context.setInterval(fn, ms, options);
  }

  /** Clear a timer made by `setTimeout` or `setInterval`. */
  clearTimer(timer: TimerHandle): void {
    this.#context.clearTimer(timer);
  }

  /**
   * Run a background task that gets `signal` and is awaited at shutdown. With `{ once: 'name' }` it
   * runs on one instance of the app at a time; the lease passes on when its holder dies.
   */
  runTask(task: (signal: AbortSignal) => Promise<unknown>, options?: OnceOptions): Promise<void> {
    return this.#context.runTask(task, options);
  }

  /** Health of the plugin; override and extend `super.healthCheck()` with components. */
  async healthCheck(): Promise<HealthStatus> {
    const status = this[STATUS] ?? { state: 'discovered' };
    const health: HealthStatus = {
      healthy: status.state === 'running',
      state: status.state,
      uptime: this.#uptime(),
      components: {},
      metrics: { ...this.getMetrics() },
    };
    if (status.error) health.error = status.error;
    return health;
  }

  /** Numeric metrics exported at `/metrics`; the base supplies uptime in seconds. */
  getMetrics(): Record<string, number> {
    return { uptime: this.#uptime() };
  }

  #uptime(): number {
    const startedAt = this[STATUS]?.startedAt;
    return startedAt === undefined ? 0 : Math.round((Date.now() - startedAt) / 10) / 100;
  }

  get #context(): PluginContext {
    const context = this[CONTEXT];
    if (context) return context;
    throw new NexusError(
      'NEXUS_PLUGIN_FAILED',
      `${this.constructor.name} has no Nexus context yet: plugins are created by the plugin manager, ` +
        'or in tests by createTestHarness() from @nexus/testing. Do not call context methods in the constructor.',
    );
  }
}

/** Give a plugin instance its context (the manager and @nexus/testing do this). */
export function bindPluginContext(plugin: BasePlugin<PluginTypes, unknown>, context: PluginContext): void {
  // Fixed for the instance's life: a plugin cannot swap in another context (another identity).
  Object.defineProperty(plugin, CONTEXT, { value: context, writable: false, enumerable: false, configurable: false });
}

/** Tell a plugin instance its lifecycle state (drives `initialized` and `healthCheck()`). */
export function setPluginStatus(
  plugin: BasePlugin<PluginTypes, unknown>,
  status: InstanceStatus,
): void {
  plugin[STATUS] = status;
}

/** True when `value` looks like a plugin instance (works across module instances). */
export function isPluginInstance(value: unknown): value is BasePlugin<PluginTypes, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { initialize?: unknown }).initialize === 'function' &&
    typeof (value as { healthCheck?: unknown }).healthCheck === 'function'
  );
}

// Every plugin class extends this one prototype: frozen, so that no plugin rewrites, say, getData()
// for all of them. Subclasses define their own methods and fields as usual.
Object.freeze(BasePlugin.prototype);
