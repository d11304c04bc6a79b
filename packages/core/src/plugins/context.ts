import { NexusError } from '../errors.ts';
import type { ConfigStore } from '../config/store.ts';
import type { PluginResources } from '../devtools/wire.ts';
import type { EventBus } from '../events/bus.ts';
import { handleOnce } from '../events/dedupe.ts';
import type { EventEnvelope, EventHandler, SubscribeOptions } from '../events/types.ts';
import { instanceId } from '../leases/instance.ts';
import { createLocalLeases, type LeaseStore } from '../leases/leases.ts';
import { runWithLease, tryAcquire, type OnceOptions } from '../leases/once.ts';
import type { Logger } from '../logger/types.ts';
import type { PluginManifest, Permission } from '../manifest/types.ts';
import type { ServiceRegistry } from '../services/registry.ts';
import type { Collection, Document, StorageDriver } from '../storage/types.ts';
import { defaultManifestFile } from '../manifest/load.ts';
import { deepFreeze } from '../limits.ts';
import { serviceView, type PluginOwner } from './attribution.ts';
import type { PluginDatabase } from './types.ts';

export type { PluginResources } from '../devtools/wire.ts';

/** The services a plugin context is built from (real ones in the host, mocks in @nexus/testing). */
export interface PluginContextDeps {
  manifest: PluginManifest;
  config: ConfigStore;
  storage: StorageDriver;
  bus: EventBus;
  services: ServiceRegistry;
  logger: Logger;
  /** Display path of the manifest, for error messages; default `plugins/<name>/manifest.json`. */
  manifestFile?: string;
  /** Called with an error thrown by the plugin's timers or background tasks. */
  onFault: (error: unknown) => void;
}

/** A timer handle returned by the context's timer helpers. */
export type TimerHandle = NodeJS.Timeout;

const READS = new Set(['get', 'find', 'findOne', 'count']);

/** Leases of storages without their own (one process is the whole app). */
const localLeases = createLocalLeases();

/**
 * Everything a running plugin reaches through `this`: config, state, events, services, timers.
 * Its identity (name, permissions, dependencies) is fixed when it is created: the manifest it shows
 * is a frozen copy, and no object a plugin can reach from here changes what it may do.
 */
export class PluginContext {
  readonly manifest: Readonly<PluginManifest>;
  readonly logger: Logger;
  readonly db: PluginDatabase;
  readonly #deps: PluginContextDeps;
  readonly #name: string;
  readonly #manifestFile: string;
  readonly #permissions: ReadonlySet<Permission>;
  readonly #serviceViews = new WeakMap<object, unknown>();
  readonly #abort = new AbortController();
  readonly #subscriptions = new Set<() => void>();
  readonly #services = new Set<() => void>();
  readonly #timers = new Set<TimerHandle>();
  readonly #tasks = new Set<Promise<unknown>>();
  readonly #dependencies: ReadonlySet<string>;
  /** Attribution token: code run under it reports its failures to this plugin. */
  readonly owner: PluginOwner;

  constructor(deps: PluginContextDeps) {
    this.#deps = deps;
    this.manifest = deepFreeze(structuredClone(deps.manifest));
    this.#name = this.manifest.name;
    this.#manifestFile = deps.manifestFile ?? defaultManifestFile(this.#name);
    this.#permissions = new Set(this.manifest.permissions ?? []);
    this.#dependencies = new Set((this.manifest.dependencies ?? []).map((d) => d.split('@')[0]!));
    this.logger = deps.logger;
    this.db = Object.freeze({ collection: <T extends Document>(name: string) => this.#collection<T>(name) });
    this.owner = Object.freeze({ name: this.#name, fault: deps.onFault });
    Object.freeze(this);
  }

  get manifestFile(): string {
    return this.#manifestFile;
  }

  get name(): string {
    return this.#name;
  }

  /** Aborted when the plugin shuts down. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get config(): ConfigStore {
    return this.#deps.config;
  }

  getData<T>(key: string): Promise<T | undefined> {
    return this.#deps.storage.getData<T>(this.#name, key);
  }

  setData(key: string, value: unknown): Promise<void> {
    return this.#deps.storage.setData(this.#name, key, value);
  }

  publishEvent<T>(type: string, data: T): Promise<EventEnvelope<T>> {
    return this.#deps.bus.publish(this.#name, type, data) as Promise<EventEnvelope<T>>;
  }

  subscribeToEvent<T>(type: string, handler: EventHandler<T>, options?: SubscribeOptions): () => void {
    const off = this.#deps.bus.subscribe(this.#name, type, handler as EventHandler, options);
    return this.#track(this.#subscriptions, off);
  }

  /** Run `work` unless this plugin already handled `event` (by id); resolves to whether it ran. */
  async handleOnce(event: EventEnvelope, work: () => unknown): Promise<boolean> {
    const ran = await handleOnce(this.#deps.storage, this.name, event, work);
    if (!ran) this.#deps.bus.deduplicated(this.name, event.type);
    return ran;
  }

  registerService(name: string, impl: unknown): () => void {
    return this.#track(this.#services, this.#deps.services.register(this.#name, name, impl));
  }

  getService<T>(name: string): T {
    const impl = this.#deps.services.get<T>(this.#name, name, this.#dependencies, this.#manifestFile);
    const provider = this.#deps.services.ownerOf(name) ?? this.#name;
    // A plugin's own services are its own to change; another plugin's are seen through a view.
    if (provider === this.#name) return impl;
    return serviceView(impl, this.owner, this.#serviceViews, { service: name, provider });
  }

  setTimeout(fn: () => unknown, ms: number): TimerHandle {
    if (this.signal.aborted) throw this.#retired('start a timer');
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#guard(fn);
    }, ms);
    this.#timers.add(timer);
    return timer;
  }

  setInterval(fn: () => unknown, ms: number, options?: OnceOptions): TimerHandle {
    if (this.signal.aborted) throw this.#retired('start a timer');
    const tick = options ? this.#onLease(fn, options.once, options.leaseMs ?? Math.max(2 * ms, 1_000)) : fn;
    const timer = setInterval(() => this.#guard(tick), ms);
    this.#timers.add(timer);
    return timer;
  }

  clearTimer(timer: TimerHandle): void {
    clearTimeout(timer);
    this.#timers.delete(timer);
  }

  /**
   * Run a background task; it gets the shutdown signal and is awaited at shutdown. With `once`, it
   * runs on one instance of the app at a time, holding a lease that passes on when its holder dies.
   */
  runTask(task: (signal: AbortSignal) => Promise<unknown>, options?: OnceOptions): Promise<void> {
    const body = options
      ? (signal: AbortSignal) => runWithLease(this.#holder(), this.#leaseName(options.once), options.leaseMs ?? 15_000, signal, task)
      : task;
    // A task that throws before its first await fails like one that rejects.
    const run = new Promise<unknown>((resolve) => resolve(body(this.signal))).then(
      () => undefined,
      (error: unknown) => {
        if (!(this.signal.aborted && isAbortError(error))) this.#deps.onFault(error);
      },
    );
    this.#tasks.add(run);
    void run.finally(() => this.#tasks.delete(run));
    return run;
  }

  resources(): PluginResources {
    return {
      subscriptions: this.#subscriptions.size,
      services: this.#services.size,
      timers: this.#timers.size,
      tasks: this.#tasks.size,
    };
  }

  /**
   * Abort the signal and release everything; waits up to `taskGraceMs` for background tasks.
   * Resolves to the number of tasks that ignored the signal (0 when all finished).
   */
  async dispose(taskGraceMs: number): Promise<number> {
    this.#abort.abort(new Error(`plugin "${this.#name}" is shutting down`));
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const release of [...this.#subscriptions, ...this.#services]) release();
    if (this.#tasks.size === 0) return 0;
    const settled = Promise.allSettled([...this.#tasks]);
    const timer = new Promise<'late'>((r) => setTimeout(() => r('late'), taskGraceMs).unref());
    if ((await Promise.race([settled, timer])) !== 'late') return 0;
    const late = this.#tasks.size;
    this.logger.warn(
      `${late} background task(s) ignored the shutdown signal for ${taskGraceMs} ms; ` +
        'pass this.signal to what they await, or check signal.aborted in their loop',
    );
    this.#tasks.clear();
    return late;
  }

  #holder(): { leases: LeaseStore; holder: string; logger: Logger } {
    return { leases: this.#deps.storage.leases ?? localLeases, holder: instanceId(), logger: this.logger };
  }

  #leaseName(once: string): string {
    return `${this.name}:${once}`;
  }

  // Each tick runs `fn` only on the instance holding the lease; the holder renews it every tick.
  #onLease(fn: () => unknown, once: string, leaseMs: number): () => unknown {
    const { leases, holder, logger } = this.#holder();
    const name = this.#leaseName(once);
    return async () => {
      if (await tryAcquire(leases, name, holder, leaseMs, logger)) return fn();
      return undefined;
    };
  }

  #track(set: Set<() => void>, release: () => void): () => void {
    if (this.signal.aborted) {
      release();
      throw this.#retired('register a subscription or service');
    }
    const once = (): void => {
      if (set.delete(once)) release();
    };
    set.add(once);
    return once;
  }

  #retired(what: string): NexusError {
    return new NexusError(
      'NEXUS_PLUGIN_FAILED',
      `Plugin "${this.#name}" tried to ${what} after it shut down; stop background work when this.signal aborts`,
      { plugin: this.#name },
    );
  }

  #guard(fn: () => unknown): void {
    try {
      const result = fn();
      if (result instanceof Promise) result.catch((error: unknown) => this.#deps.onFault(error));
    } catch (error) {
      this.#deps.onFault(error);
    }
  }

  #collection<T extends Document>(name: string): Collection<T> {
    const inner = this.#deps.storage.collection<T>(this.#name, name);
    return new Proxy(inner, {
      get: (target, method: string | symbol) => {
        const value: unknown = Reflect.get(target, method);
        if (typeof value !== 'function' || typeof method !== 'string') return value;
        this.#require(READS.has(method) ? 'database.read' : 'database.write', `db.collection("${name}").${method}()`);
        return value.bind(target);
      },
    });
  }

  #require(permission: Permission, what: string): void {
    if (this.#permissions.has(permission)) return;
    throw new NexusError(
      'NEXUS_DB_PERMISSION',
      `Plugin "${this.#name}" cannot call ${what}: it lacks the "${permission}" permission. ` +
        `Add "${permission}" to "permissions" in ${this.#manifestFile}.`,
      { plugin: this.#name },
    );
  }
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.message.includes('shutting down'));
}

// Shared by every plugin's context: frozen, so that no plugin changes how another one's works.
Object.freeze(PluginContext.prototype);
