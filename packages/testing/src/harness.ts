import path from 'node:path';
import {
  NEXUS_VERSION,
  NexusError,
  type BasePlugin,
  type HealthStatus,
  type HttpMethod,
  type LogRecord,
  type PluginDatabase,
  type PluginManifest,
  type PluginState,
  type Router,
} from '@nexus/core';
import {
  PluginManager,
  createHttpApp,
  createLogger,
  createMetrics,
  dependencyNames,
  describeLeftovers,
  formatFailure,
  type ConfigStore,
  type LoadedEntry,
  type PluginView,
} from '@nexus/core/host';
import { onTestFinished } from 'vitest';
import { importEntry } from './_entry-import.ts';
import { inject, type InjectedResponse } from './_inject.ts';
import { clearTimers, createScope, describeTimer, pendingTimers, runInScope, type Scope } from './_scope.ts';
import { readPluginSource, type ManifestInput, type PluginSource } from './_source.ts';
import { OVERRIDES_SOURCE, TEST_ENV, undeclaredOverrides, viewConfig } from './config.ts';
import { MockEventBus } from './events.ts';
import { mockLogger, type MockLogger } from './logger.ts';
import { createMockServices, type MockServices } from './services.ts';
import { createMockStorage, type MockData } from './storage.ts';

type AnyPlugin = BasePlugin<any, any>;

// The types a plugin class was declared with (`BasePlugin<MyPluginTypes>`), read off its methods:
// TypeScript cannot infer the type bag itself, as it only appears inside generic methods.
/** Config keys of a plugin class instance. */
type ConfigKeyOf<P> = P extends { getConfig(key: infer K): unknown } ? K & string : string;
/** Event types a plugin class instance may publish. */
type PublishesOf<P> = P extends { publishEvent(type: infer E, data?: never): unknown } ? E & string : string;
/** Event types a plugin class instance may subscribe to. */
type SubscribesOf<P> = P extends { subscribeToEvent(type: infer E, handler: never): unknown } ? E & string : string;

/** The live configuration of the plugin under test, typed like its own `getConfig` / `setConfig`. */
export interface TestConfig<P extends AnyPlugin = AnyPlugin> {
  /** A value, as the plugin's `getConfig(key, fallback?)` returns it. */
  get: P['getConfig'];
  /** Change a value as the plugin's `setConfig` does: validated against the manifest and saved. */
  set: P['setConfig'];
  /** Every value (secrets in clear). */
  values(): Record<ConfigKeyOf<P>, unknown>;
  /** The real ConfigStore underneath. */
  readonly store: ConfigStore;
}

/** A plugin class, as its entry module exports it by default. */
export type PluginClass<P extends AnyPlugin = AnyPlugin> = new () => P;

/** An HTTP answer from `harness.request()`. */
export interface TestResponse<B = any> extends InjectedResponse<B> {
  /** For a 500 answer: the error the route threw, which the host logs but never sends. */
  error?: Error;
}

/** Options of createTestHarness. */
export interface TestHarnessOptions<P extends AnyPlugin = AnyPlugin> {
  /**
   * Config values, above the manifest defaults, `config/default.yaml` and `config/test.yaml`
   * (where the nexus.config overrides sit in production). Validated like the runtime validates
   * config; an undeclared key is an error.
   * @example { api_key: 'test-key', max_retries: 1 }
   */
  config?: { [K in ConfigKeyOf<P>]?: unknown };
  /**
   * Services of the plugin's dependencies, by name. The owner is the part of the name before the
   * first dot; the plugin reaches a service only if it lists the owner in `dependencies`.
   * @example { 'users.directory': { get: async (id: string) => ({ id, username: 'ada' }) } }
   */
  services?: Record<string, unknown>;
  /**
   * Environment variables for `NEXUS_<PLUGIN>_<KEY>` lookups.
   * @default {} (process.env is not read, so tests do not depend on the shell)
   */
  env?: Record<string, string | undefined>;
  /**
   * The manifest, required when the plugin is given as a class: the manifest object, or the path
   * (or file URL) of the plugin folder or of its manifest.json. With a path, `config/*.yaml` of
   * that folder are read too.
   */
  manifest?: ManifestInput;
  /**
   * Time limits of `initialize()` and `shutdown()` in ms, and how long background tasks may
   * ignore the shutdown signal. Shorter than production so a hang fails fast.
   * @default { initialize: 2000, shutdown: 1000 }
   */
  timeouts?: { initialize?: number; shutdown?: number };
}

/** A plugin built with mocks around the real runtime pieces; see createTestHarness. */
export interface TestHarness<P extends AnyPlugin = AnyPlugin> {
  /** The plugin's name from its manifest. */
  readonly name: string;
  readonly manifest: Readonly<PluginManifest>;
  /** The current instance (the last one after shutdown); throws before `initialize()`. */
  readonly plugin: P;
  /** Lifecycle state, as `GET /plugins` shows it. */
  readonly state: PluginState;
  /** Why the plugin failed, when it did (also after a throw in a timer or background task). */
  readonly error: string | undefined;
  /** The event bus: `emit()` to the plugin, `published()` to see what it sent. */
  readonly events: MockEventBus<PublishesOf<P>, SubscribesOf<P>>;
  /** The service registry: `provide()` a dependency's service, `lookup()` the plugin's own. */
  readonly services: MockServices;
  /** The plugin's live configuration (available once `initialize()` ran). */
  readonly config: TestConfig<P>;
  /** The plugin's persisted state (getData / setData): seed it or check it. */
  readonly data: MockData;
  /** The plugin's collections, without permission checks (they exist once initialized). */
  readonly db: PluginDatabase;
  /** Every log record: the plugin's (secrets redacted) and the host's (named `nexus`). */
  readonly logs: MockLogger;
  /**
   * Build the plugin and start it as the host does: resolve and validate config, create the
   * instance and its context, create its collections, `initialize()` within the time limit, mount
   * its routes. Rejects with the runtime's error (code and message) when any step fails.
   */
  initialize(): Promise<P>;
  /**
   * Stop the plugin as the host does (`shutdown()` within the time limit, then release what it
   * registered through its context). Rejects when `shutdown()` threw or timed out, or when the
   * plugin left something behind that production would not release: subscriptions or services
   * still registered, timers it started with the global `setTimeout`/`setInterval` still pending,
   * background tasks that ignored `this.signal`. Does nothing when the plugin is not running.
   */
  shutdown(): Promise<void>;
  /**
   * Hot-reload the plugin as `nexus dev` does: events for it wait, the running instance hands its
   * `exportHotState()` over, shuts down (checked as by `shutdown()`), and a fresh instance gets
   * `importHotState()` then `initialize()`. Saved config, data and collections are kept.
   *
   * A plugin given as a folder runs its files as they are now: each file of the folder that changed
   * since it last ran (the entry, a helper it imports) runs afresh, with the plugin files importing
   * it; node_modules and @nexus/core are not run again. When the changed code does not load, it
   * rejects with the runtime's error (`NEXUS_LOAD_FAILED`, naming the file) and the previous
   * version serves on. A plugin given as a class makes a fresh instance of that same class.
   */
  reload(): Promise<P>;
  /**
   * Send an HTTP request to the plugin's routes, in memory, through the host's middleware (JSON
   * body parsing, error answers, 503 while the plugin is not running). `path` is relative to the
   * plugin: `/status` is `GET /plugins/<name>/status`.
   * @example const res = await harness.request('POST', '/action', { action: 'ping' });
   */
  request<B = any>(
    method: HttpMethod | Lowercase<HttpMethod>,
    path: string,
    body?: unknown,
    options?: { headers?: Record<string, string> },
  ): Promise<TestResponse<B>>;
  /** The plugin's health as `GET /plugins/<name>/health` reports it. */
  health(): Promise<HealthStatus>;
}

/** Module-private: what expectManifestContract needs to see of a harness. */
export const internals = new WeakMap<TestHarness, { router(): Router | undefined; source: PluginSource }>();

const DEFAULT_TIMEOUTS = { initialize: 2_000, shutdown: 1_000 };

/**
 * Build a plugin for a test with the real runtime pieces (config resolution and validation, event
 * bus rules, service registry, in-memory storage with SQLite's semantics, logger redaction, HTTP
 * middleware) wrapped in mocks a test can drive and inspect. No port is opened.
 *
 * Give the plugin folder (its manifest.json and entry module are loaded, with `config/*.yaml`), or
 * the plugin class together with `options.manifest`. A harness made inside a test or `beforeEach`
 * is shut down when that test ends if the test did not do it.
 *
 * @example
 * const harness = await createTestHarness<MyPlugin>(new URL('..', import.meta.url), { config: { api_key: 'k' } });
 * await harness.initialize();
 * expect((await harness.request('GET', '/status')).status).toBe(200);
 * await harness.shutdown();
 */
export function createTestHarness<P extends AnyPlugin>(
  plugin: PluginClass<P>,
  options: TestHarnessOptions<P> & { manifest: ManifestInput },
): Promise<TestHarness<P>>;
export function createTestHarness<P extends AnyPlugin = AnyPlugin>(
  pluginDir: string | URL,
  options?: TestHarnessOptions<P>,
): Promise<TestHarness<P>>;
export async function createTestHarness<P extends AnyPlugin>(
  plugin: PluginClass<P> | string | URL,
  options: TestHarnessOptions<P> = {},
): Promise<TestHarness<P>> {
  let source: PluginSource;
  if (typeof plugin === 'function') {
    if (options.manifest === undefined) {
      throw new Error(
        `createTestHarness(${plugin.name}): pass the manifest with the class, e.g. ` +
          `{ manifest: new URL('../manifest.json', import.meta.url) }, or give the plugin folder instead of the class`,
      );
    }
    source = await readPluginSource(options.manifest);
  } else {
    source = await readPluginSource(plugin);
  }
  const harness = new Harness<P>(source, typeof plugin === 'function' ? plugin : undefined, options);
  try {
    onTestFinished(() => harness.release());
  } catch {
    // Made outside a test (beforeAll, module level): the test file owns the cleanup.
  }
  return harness;
}

class Harness<P extends AnyPlugin> implements TestHarness<P> {
  readonly name: string;
  readonly manifest: Readonly<PluginManifest>;
  readonly events: MockEventBus<PublishesOf<P>, SubscribesOf<P>>;
  readonly services: MockServices;
  readonly config: TestConfig<P>;
  readonly data: MockData;
  readonly db: PluginDatabase;
  readonly logs: MockLogger;
  readonly #manager: PluginManager;
  readonly #http: ReturnType<typeof createHttpApp>;
  readonly #scope: Scope;
  /** The plugin given as a class: the code every start and reload runs. */
  readonly #entry: LoadedEntry | undefined;
  readonly #captures = new Set<LogRecord[]>();
  #last: { instance: P; router: Router | undefined; config: ConfigStore | undefined } | undefined;

  constructor(source: PluginSource, pluginClass: PluginClass<P> | undefined, options: TestHarnessOptions<P>) {
    const { manifest } = source;
    const problems = undeclaredOverrides(source, options.config ?? {});
    if (problems.length > 0) {
      throw new NexusError('NEXUS_CONFIG_INVALID', problems.join('\n'), { plugin: manifest.name, problems });
    }
    this.name = manifest.name;
    this.manifest = manifest;
    this.#scope = createScope();

    const records: LogRecord[] = [];
    const sink = (record: LogRecord): void => {
      records.push(record);
      for (const capture of this.#captures) capture.push(record);
    };
    this.logs = mockLogger({ name: 'test' }, records);
    const hostLogger = createLogger({ name: 'nexus', level: 'debug', sink });
    this.events = new MockEventBus({ logger: hostLogger });
    this.services = createMockServices(options.services);
    const storage = createMockStorage();
    this.data = storage.data(manifest.name);
    this.db = storage.db(manifest.name);

    const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.#manager = new PluginManager({
      appDir: process.cwd(),
      appConfig: { plugins: { [manifest.name]: { config: options.config as Record<string, unknown> } }, timeouts },
      appConfigFile: OVERRIDES_SOURCE,
      envName: TEST_ENV,
      storage,
      bus: this.events,
      services: this.services,
      loader: {
        import: (file) => importEntry(file, source.dir),
        invalidate: () => 0,
        close: async () => {},
      },
      logger: hostLogger,
      pluginLogger: (name, secrets) => createLogger({ name, level: 'debug', sink, secrets }),
      coreVersion: NEXUS_VERSION,
      environ: options.env ?? {},
      drainMs: timeouts.shutdown,
      // Its dependencies are the test's mocks: they count as installed.
      providedPlugins: dependencyNames(manifest),
    });
    const location = { folder: path.basename(source.dir), dir: source.dir, displayDir: source.displayDir, manifestFile: `${source.displayDir}/manifest.json` };
    this.#manager.adopt({ location, manifest, errors: [], warnings: source.warnings });
    if (this.#view.invalid) {
      throw new NexusError(this.#view.failure?.code ?? 'NEXUS_VERSION_MISMATCH', this.#view.error ?? 'the manifest does not fit this runtime', { plugin: this.name });
    }
    this.#http = createHttpApp({
      manager: this.#manager,
      metrics: createMetrics(() => this.#manager),
      logger: hostLogger,
      waitMs: timeouts.initialize + timeouts.shutdown,
      // Requests are made in memory, with the Host nexus.test: no browser can reach them.
      allowedHosts: ['nexus.test'],
    });
    this.#entry = pluginClass ? { file: `<class ${pluginClass.name}>`, create: () => new pluginClass() } : undefined;
    this.config = viewConfig(() => {
      const store = this.#view.context?.config ?? this.#last?.config;
      if (store) return store;
      throw new Error(`harness.config of "${this.name}" is available once initialize() has run`);
    }) as unknown as TestConfig<P>;
    internals.set(this as TestHarness, { router: () => this.#view.router ?? this.#last?.router, source });
  }

  get #view(): PluginView {
    return this.#manager.get(this.name)!;
  }

  get plugin(): P {
    const instance = (this.#view.instance as P | undefined) ?? this.#last?.instance;
    if (instance) return instance;
    throw new Error(`harness.plugin of "${this.name}" exists once initialize() has run`);
  }

  get state(): PluginState {
    return this.#view.state;
  }

  get error(): string | undefined {
    return this.#view.error;
  }

  async initialize(): Promise<P> {
    if (this.#view.instance) {
      throw new Error(`"${this.name}" is already initialized; call shutdown() or reload() first`);
    }
    const started = await runInScope(this.#scope, () => this.#manager.start(this.name, { entry: this.#entry }));
    if (!started.ok) throw started.error;
    return this.#remember();
  }

  async shutdown(): Promise<void> {
    if (!this.#view.instance) return;
    await this.events.idle();
    const leftovers = await runInScope(this.#scope, () => this.#manager.stop(this.name));
    const problems = [...describeLeftovers(leftovers), ...this.#pendingTimers()];
    clearTimers(this.#scope);
    if (problems.length > 0) throw leftBehind(this.name, 'shutdown()', problems);
  }

  async reload(): Promise<P> {
    const instance = this.#view.instance;
    if (!instance) throw new Error(`"${this.name}" is not running; call initialize() before reload()`);
    // Timers of an instance that hands its state over may live on in the next one.
    const afterRetire = instance.exportHotState ? undefined : (): string[] => {
      const timers = this.#pendingTimers();
      clearTimers(this.#scope);
      return timers;
    };
    const result = await runInScope(this.#scope, () => this.#manager.swap([{ name: this.name, entry: this.#entry, afterRetire }]));
    const problems = result.leftovers.get(this.name) ?? [];
    if (result.error) {
      const { code, location } = result.error;
      throw new NexusError(code, formatFailure(result.error, process.cwd()), { plugin: this.name, location });
    }
    this.#remember();
    if (problems.length > 0) throw leftBehind(this.name, 'reload()', problems);
    return this.#view.instance as P;
  }

  async request<B>(
    method: HttpMethod | Lowercase<HttpMethod>,
    path: string,
    body?: unknown,
    options: { headers?: Record<string, string> } = {},
  ): Promise<TestResponse<B>> {
    const url = `/plugins/${this.name}${path.startsWith('/') ? path : `/${path}`}`;
    const [response, captured] = await this.#capture(() => inject(this.#http.callback(), { method, url, body, headers: options.headers }));
    const failure = response.status >= 500 ? captured.find((r) => r.name === 'nexus' && r.level === 'error' && r.error) : undefined;
    return failure?.error ? { ...response, error: failure.error } : response;
  }

  async health(): Promise<HealthStatus> {
    const response = await runInScope(this.#scope, () => inject(this.#http.callback(), { method: 'GET', url: `/plugins/${this.name}/health` }));
    const { plugin: _plugin, ...health } = response.body as HealthStatus & { plugin: string };
    return health;
  }

  /** Quiet cleanup at the end of a test: stop if still running, clear leaked timers. */
  async release(): Promise<void> {
    try {
      if (this.#view.instance) await this.#manager.stop(this.name);
    } finally {
      clearTimers(this.#scope);
    }
  }

  #remember(): P {
    const view = this.#view;
    this.#last = { instance: view.instance as P, router: view.router, config: view.context?.config };
    return view.instance as P;
  }

  /** Timers the plugin started with the global setTimeout/setInterval that are still pending. */
  #pendingTimers(): string[] {
    return pendingTimers(this.#scope).map(
      ({ timer, site }) =>
        `a timer (${describeTimer(timer)}${site ? `, created at ${site}` : ''}): ` +
        'use this.setTimeout()/this.setInterval(), which are cleared at shutdown, or clear it in shutdown()',
    );
  }

  async #capture<T>(run: () => Promise<T>): Promise<[T, LogRecord[]]> {
    const captured: LogRecord[] = [];
    this.#captures.add(captured);
    try {
      return [await runInScope(this.#scope, run), captured];
    } finally {
      this.#captures.delete(captured);
    }
  }
}

function leftBehind(plugin: string, step: string, problems: string[]): Error {
  return new Error(`Plugin "${plugin}" did not stop cleanly in ${step}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}
