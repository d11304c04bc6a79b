import { Router } from '@koa/router';
import path from 'node:path';
import { NexusError, errorMessage, type ErrorCode } from '../errors.ts';
import type { AppConfig } from '../config/app.ts';
import { REDACTED, secretValues } from '../config/redact.ts';
import { resolveAppPluginConfig, type ResolvedConfig } from '../config/resolve.ts';
import { ConfigStore } from '../config/store.ts';
import type { PluginInfo } from '../devtools/wire.ts';
import type { EventBus } from '../events/bus.ts';
import type { Logger } from '../logger/types.ts';
import type { PluginManifest } from '../manifest/types.ts';
import type { ServiceRegistry } from '../services/registry.ts';
import type { StorageDriver } from '../storage/types.ts';
import { claimSourceDir, releaseSourceDir, type PluginOwner } from './attribution.ts';
import { bindPluginContext, setPluginStatus, type BasePlugin } from './base.ts';
import { PluginContext, type PluginResources } from './context.ts';
import { discoverPlugins, locatePlugins, type DiscoveredPlugin, type PluginsLocation } from './discover.ts';
import { loadEntry, type LoadedEntry } from './entry.ts';
import { describeFailure, failure, formatFailure, mapFailure, type PluginFailure } from './failure.ts';
import { Gate } from './gate.ts';
import { dependencyNames, dependentsOf } from './graph.ts';
import type { ModuleLoader } from './loader.ts';
import type { PluginLocation } from './location.ts';
import { planPlugins, type Plan } from './plan.ts';
import { runSwap, type SwapItem, type SwapResult, type SwapTransitions } from './swap.ts';
import { TimeoutError, withTimeout } from './timeout.ts';
import type { PluginState, PluginTypes } from './types.ts';

export type { PluginInfo } from '../devtools/wire.ts';

type Instance = BasePlugin<PluginTypes, unknown>;

/** The part of a plugin's gate a reader may use: wait for it, and count a request in and out. */
export interface GateView {
  readonly isOpen: boolean;
  /** Requests inside. */
  readonly inflight: number;
  /** Requests waiting for it to open. */
  readonly waiting: number;
  wait(timeoutMs: number): Promise<boolean>;
  enter(): void;
  leave(): void;
}

/** One plugin as HTTP, the dashboard, the CLI and tests see it: read-only; the manager changes it. */
export interface PluginView {
  readonly name: string;
  readonly location: PluginLocation;
  readonly manifest?: PluginManifest;
  readonly state: PluginState;
  /** Why it is not serving (or why its last swap did not go through), one line per problem. */
  readonly error?: string;
  /** The same as data: code, message, source location. */
  readonly failure?: Readonly<PluginFailure>;
  readonly reloads: number;
  readonly enabled: boolean;
  /** The manifest (or its compatibility, or its name) is invalid: nothing starts until it is fixed. */
  readonly invalid: boolean;
  /** The live instance. */
  readonly instance?: Instance;
  /** The code the live instance was made from. */
  readonly entry?: LoadedEntry;
  /** The live instance's routes, prefixed with `/plugins/<name>`. */
  readonly router?: Router;
  /** The live instance's context (what it registered, its configuration). */
  readonly context?: PluginContext;
  readonly gate: GateView;
  /** What the live instance holds (subscriptions, services, timers, tasks). */
  resources(): PluginResources;
}

/** One plugin slot: it outlives instances, so a hot swap replaces what is inside it. Only this file writes it. */
interface Slot extends PluginView {
  manifest?: PluginManifest;
  state: PluginState;
  error?: string;
  failure?: PluginFailure;
  reloads: number;
  enabled: boolean;
  invalid: boolean;
  instance?: Instance;
  router?: Router;
  context?: PluginContext;
  /** The code the live instance was made from; a swap re-activates it when the new code fails. */
  entry?: LoadedEntry;
  readonly gate: Gate;
}

/** Everything the manager needs from the host. */
export interface PluginManagerOptions {
  appDir: string;
  appConfig: AppConfig;
  appConfigFile?: string;
  envName: string;
  storage: StorageDriver;
  bus: EventBus;
  services: ServiceRegistry;
  loader: ModuleLoader;
  logger: Logger;
  /** Makes the logger a plugin gets (named after it, scrubbing its secrets). */
  pluginLogger: (name: string, secrets: () => readonly string[]) => Logger;
  coreVersion: string;
  environ?: NodeJS.ProcessEnv;
  /** How long a swap lets requests already inside the old instance finish. @default 2000 */
  drainMs?: number;
  /** Plugins supplied from outside (a test harness's mocks): depending on them is always met. */
  providedPlugins?: readonly string[];
}

/** What a stopped instance did wrong or left behind on the way out. */
export interface Leftovers {
  /** shutdown() threw or did not finish in time. */
  shutdown?: NexusError;
  /** Background tasks still running after the grace period (they ignored `this.signal`). */
  lateTasks: number;
  /** The grace period background tasks had, in ms. */
  taskGraceMs: number;
  /** Event types still subscribed to after the release (by a timer or task still running). */
  subscriptions: string[];
  /** Services still registered after the release. */
  services: string[];
}

/** How a start went: `error` is what failed it (its code and message). */
export type StartResult = { ok: true } | { ok: false; error: unknown };

const NO_RESOURCES: PluginResources = { subscriptions: 0, services: 0, timers: 0, tasks: 0 };

/**
 * Discovers, plans, starts, swaps and stops plugins: the only writer of plugin state. Everyone else
 * reads `PluginView`s and asks for transitions (start, fail, stop, swap).
 */
export class PluginManager {
  readonly #options: PluginManagerOptions;
  readonly #slots = new Map<string, Slot>();
  /** The folders as last read, by folder: the plan's input. */
  readonly #found = new Map<string, DiscoveredPlugin>();
  /** Per plugin, its secret config values: scrubbed from the errors it is failed with. */
  readonly #secrets = new Map<string, () => readonly string[]>();
  /** Contexts whose initialize() runs: an error their code leaves behind fails the start. */
  readonly #starting = new WeakMap<PluginContext, { error?: unknown }>();
  /** The owner each plugin's folder was last claimed for (see attribution.ts). */
  readonly #claims = new WeakMap<Slot, PluginOwner>();
  #order: string[] = [];
  #swaps = 0;
  #manifests = new Map<string, PluginManifest>();

  readonly #transitions: SwapTransitions;

  constructor(options: PluginManagerOptions) {
    this.#options = { ...options };
    this.#transitions = this.#swapTransitions();
  }

  get appDir(): string {
    return this.#options.appDir;
  }

  get appConfig(): Readonly<AppConfig> {
    return this.#options.appConfig;
  }

  /** The app config file as messages show it, e.g. `nexus.config.json`. */
  get appConfigFile(): string | undefined {
    return this.#options.appConfigFile;
  }

  get logger(): Logger {
    return this.#options.logger;
  }

  get timeouts(): { initialize: number; shutdown: number } {
    return { initialize: 10_000, shutdown: 5_000, ...this.#options.appConfig.timeouts };
  }

  /** The folder whose subfolders are the plugins (see `pluginsLocation`). */
  get pluginsRoot(): string {
    return this.pluginsLocation.root;
  }

  /** Where the app's plugins are; `only` is set for a plugin folder run on its own. */
  get pluginsLocation(): PluginsLocation {
    return locatePlugins(this.#options.appDir, this.#options.appConfig.pluginsDir);
  }

  /** Plugin names in start order (dependencies first). */
  get order(): readonly string[] {
    return this.#order;
  }

  // ── Reading ─────────────────────────────────────────────────────────────────────────────

  /** A plugin by name. */
  get(name: string): PluginView | undefined {
    return this.#slots.get(name);
  }

  /** The plugin whose folder is `dir`. */
  at(dir: string): PluginView | undefined {
    for (const slot of this.#slots.values()) if (slot.location.dir === dir) return slot;
    return undefined;
  }

  /** Every plugin, in start order then the rest by name. */
  views(): PluginView[] {
    const rest = [...this.#slots.keys()].filter((n) => !this.#order.includes(n)).sort();
    return [...this.#order, ...rest].map((name) => this.#slots.get(name)!);
  }

  /** A live plugin: initialized, serving, with the code it was made from. */
  isLive(name: string): boolean {
    const slot = this.#slots.get(name);
    return slot !== undefined && slot.state === 'running' && slot.instance !== undefined && slot.entry !== undefined;
  }

  /** What `GET /plugins` shows. */
  list(): PluginInfo[] {
    return this.views().map((view) => {
      const info: PluginInfo = {
        name: view.name,
        state: view.state,
        reloads: view.reloads,
        dir: view.location.displayDir,
        dependencies: view.manifest ? dependencyNames(view.manifest) : [],
        endpoints: (view.manifest?.api_endpoints ?? []).map((e) => `${e.method} /plugins/${view.name}${e.path}`),
        resources: view.resources(),
      };
      if (view.manifest?.version) info.version = view.manifest.version;
      if (view.manifest?.title) info.title = view.manifest.title;
      if (view.error) info.error = view.error;
      return info;
    });
  }

  /** Every plugin that depends on `name`, directly or not, in start order (as last planned). */
  dependentsOf(name: string): string[] {
    return dependentsOf(name, this.#manifests, this.#order);
  }

  /** `text` with plugin `name`'s secret config values replaced by REDACTED (what health answers show). */
  redact(name: string, text: string): string {
    return this.#scrub(name, text);
  }

  /** Every plugin's secret config values (the host logger scrubs them). */
  secrets(): string[] {
    return [...this.#secrets.values()].flatMap((values) => values());
  }

  /** The plan for the folders as last read, with `changed` folders as given instead. Acts on nothing. */
  plan(changed: readonly DiscoveredPlugin[] = []): Plan {
    const found = new Map(this.#found);
    for (const plugin of changed) found.set(plugin.location.dir, plugin);
    return planPlugins({
      plugins: [...found.values()].sort((a, b) => (a.location.folder < b.location.folder ? -1 : 1)),
      appConfig: this.#options.appConfig,
      versions: { coreVersion: this.#options.coreVersion, nodeVersion: process.versions.node },
      provided: this.#options.providedPlugins,
    });
  }

  /** Resolve the configuration plugin `name` would start with (saved values included). */
  async resolveConfig(name: string, manifest: PluginManifest): Promise<ResolvedConfig> {
    const slot = this.#slot(name);
    const o = this.#options;
    return resolveAppPluginConfig(slot.location, manifest, { ...o, environ: o.environ ?? process.env }, await o.storage.loadConfig(manifest.name));
  }

  // ── Transitions ─────────────────────────────────────────────────────────────────────────

  /** Find, validate and order every plugin, then start them dependencies first. */
  async startAll(): Promise<void> {
    const found = await discoverPlugins(this.#options.appDir, this.#options.appConfig.pluginsDir);
    if (found.length === 0) {
      const shown = path.relative(this.#options.appDir, this.pluginsRoot).split(path.sep).join('/');
      this.#options.logger.warn(`No plugins found in ${shown}/: add ${shown}/<name>/manifest.json and src/plugin.ts, or set "pluginsDir" in nexus.config`);
    }
    this.adopt(...found);
    // Import every entry at once, so file reads and transforms overlap; initialize() still runs
    // one plugin at a time in dependency order. A load that fails is reported by start().
    const loading = new Map<string, Promise<LoadedEntry>>();
    for (const name of this.#order) {
      const slot = this.#slots.get(name)!;
      if (!slot.manifest || !slot.enabled || slot.state === 'failed') continue;
      const entry = this.#load(slot, slot.manifest);
      entry.catch(() => undefined);
      loading.set(name, entry);
    }
    for (const name of this.#order) await this.start(name, { entry: loading.get(name) });
  }

  /** Stop every running plugin, dependents first. */
  async stopAll(): Promise<void> {
    for (const name of [...this.#order].reverse()) {
      if (this.#slots.get(name)?.instance) await this.stop(name);
    }
    // The app is done: its plugins' folders no longer point errors (or memory) at it.
    for (const slot of this.#slots.values()) this.#release(slot);
  }

  /** Use a re-read nexus.config from now on: plugins get its overrides when they next start or swap. */
  setAppConfig(config: AppConfig, file?: string): void {
    this.#options.appConfig = config;
    this.#options.appConfigFile = file;
  }

  /**
   * Take plugin folders as read (new, changed, or failed before) and replan: their plugins show
   * their problems, or wait to be started. A running instance is left alone.
   */
  adopt(...found: DiscoveredPlugin[]): Plan {
    for (const plugin of found) {
      for (const warning of plugin.warnings) this.#options.logger.warn(warning);
      this.#found.set(plugin.location.dir, plugin);
    }
    return this.replan();
  }

  /** Forget a plugin (its folder was removed); it must be stopped first. */
  forget(name: string): void {
    const slot = this.#slots.get(name);
    if (slot) this.#found.delete(slot.location.dir);
    this.#drop(name);
    this.replan();
  }

  /**
   * Recompute the plan and apply it: start order, and for each plugin not serving, whether it is
   * disabled, invalid, or blocked by its dependencies. A problem is logged when it appears.
   */
  replan(): Plan {
    const plan = this.plan();
    const planned = new Map(plan.plugins.map((p) => [p.name, p]));
    for (const slot of [...this.#slots.values()]) {
      if (!slot.instance && planned.get(slot.name)?.location.dir !== slot.location.dir) this.#drop(slot.name);
    }
    for (const { name, location, manifest, enabled } of plan.plugins) {
      let slot = this.#slots.get(name);
      if (!slot) {
        const created: Slot = { name, location, state: 'discovered', reloads: 0, enabled, invalid: false, gate: new Gate(), resources: () => created.context?.resources() ?? NO_RESOURCES };
        this.#slots.set(name, (slot = created));
      }
      if (slot.location.dir !== location.dir) continue; // a live plugin keeps its name until its folder is handled
      const problem = plan.problems.get(name);
      slot.invalid = problem !== undefined;
      slot.enabled = enabled;
      if (slot.instance) continue;
      slot.manifest = manifest;
      const reason = problem ?? plan.blocked.get(name);
      if (reason) {
        const text = reason.messages.join('\n');
        if (slot.state !== 'failed' || slot.error !== text) this.#fail(slot, failure(reason.code, text));
      } else if (!enabled) {
        this.#clear(slot);
        slot.state = 'disabled';
      } else if (slot.state === 'disabled' || (slot.state === 'failed' && slot.failure && PLAN_CODES.has(slot.failure.code))) {
        this.#clear(slot);
        slot.state = 'discovered';
      }
    }
    this.#order = plan.order;
    this.#manifests = plan.manifests;
    return plan;
  }

  /**
   * Load (or take `entry`), configure and initialize one plugin. Failures are kept on the plugin
   * and logged, and come back as the result; never thrown.
   */
  async start(name: string, options: { entry?: LoadedEntry | Promise<LoadedEntry> } = {}): Promise<StartResult> {
    const slot = this.#slot(name);
    const manifest = slot.manifest;
    if (!manifest || !slot.enabled || slot.invalid) return { ok: false, error: new NexusError(slot.failure?.code ?? 'NEXUS_MANIFEST_INVALID', slot.error ?? `plugin "${name}" cannot start`, { plugin: name }) };
    const down = dependencyNames(manifest)
      .map((dep) => this.#slots.get(dep))
      .find((dep) => dep !== undefined && dep.state !== 'running');
    if (down) {
      const error = new NexusError('NEXUS_DEPENDENCY_FAILED', `needs plugin "${down.name}", which failed: ${down.error ?? down.state}`, { plugin: name });
      this.#fail(slot, this.#describe(slot, error));
      return { ok: false, error };
    }
    slot.gate.close();
    slot.state = 'loading';
    try {
      const entry = await (options.entry ?? this.#load(slot, manifest));
      const error = await this.#activate(slot, manifest, entry);
      if (error === undefined) return { ok: true };
      this.#fail(slot, slot.failure!, true);
      return { ok: false, error };
    } catch (error) {
      this.#fail(slot, this.#describe(slot, error));
      return { ok: false, error };
    } finally {
      slot.gate.open();
    }
  }

  /**
   * Shut one plugin down (time-limited) and release everything it registered; resolves to what it
   * did wrong on the way out (also logged).
   */
  async stop(name: string, options: { nextState?: PluginState; keepGateClosed?: boolean } = {}): Promise<Leftovers> {
    const slot = this.#slot(name);
    const { instance, context } = slot;
    const taskGraceMs = this.timeouts.shutdown;
    if (!instance || !context) return { lateTasks: 0, taskGraceMs, subscriptions: [], services: [] };
    slot.gate.close();
    slot.state = 'stopping';
    setPluginStatus(instance, { state: 'stopping' });
    const leftovers: Leftovers = { lateTasks: 0, taskGraceMs, subscriptions: [], services: [] };
    try {
      await withTimeout(Promise.resolve(instance.shutdown()), this.timeouts.shutdown, `shutdown() of plugin "${name}"`);
    } catch (error) {
      const code: ErrorCode = error instanceof TimeoutError ? 'NEXUS_SHUTDOWN_TIMEOUT' : 'NEXUS_SHUTDOWN_FAILED';
      const message = code === 'NEXUS_SHUTDOWN_FAILED' ? `shutdown() threw: ${errorMessage(error)}` : errorMessage(error);
      leftovers.shutdown = new NexusError(code, this.#scrub(name, message), { plugin: name, cause: error });
      this.#options.logger.error(`[${name}] ${code}: ${this.#scrub(name, errorMessage(error))}`, toError(error));
    }
    leftovers.lateTasks = await context.dispose(taskGraceMs);
    leftovers.subscriptions = this.#options.bus.subscribedTypes(name);
    leftovers.services = this.#options.services.list().filter((s) => s.owner === name).map((s) => s.name);
    setPluginStatus(instance, { state: 'stopped' });
    this.#retire(slot);
    slot.state = options.nextState ?? 'stopped';
    if (!options.keepGateClosed) slot.gate.open();
    return leftovers;
  }

  /** Mark a running plugin failed because its code threw outside a lifecycle call, and stop it. */
  fail(name: string, error: unknown): void {
    const slot = this.#slot(name);
    if (slot.state === 'failed') return;
    const shown = this.#describe(slot, error);
    this.#options.logger.error(`[${name}] failed at run time: ${this.#scrub(name, errorMessage(error))}`, toError(error));
    void this.stop(name, { nextState: 'failed' }).then(() => this.#fail(slot, shown, false));
    this.#fail(slot, shown, false);
  }

  /**
   * Swap plugins in one transaction (see swap.ts): load the new code, hold requests and events,
   * shut the old instances down, start the new ones, roll back on failure.
   */
  async swap(items: readonly SwapItem[]): Promise<SwapResult> {
    this.#swaps++;
    try {
      return await runSwap(this.#transitions, items);
    } finally {
      this.#swaps--;
    }
  }

  /** A swap is under way (its new code loading, or instances changing). */
  get swapping(): boolean {
    return this.#swaps > 0;
  }

  /** A running plugin goes on serving, but shows why a change of it was not applied. */
  keep(name: string, shown: PluginFailure): void {
    if (this.isLive(name)) this.#show(this.#slot(name), shown);
  }

  // ── Internals ───────────────────────────────────────────────────────────────────────────

  /** The transitions a swap is made of, for runSwap only. */
  #swapTransitions(): SwapTransitions {
    return {
      logger: this.#options.logger,
      slot: (name) => this.#slot(name),
      isLive: (name) => this.isLive(name) || (this.#options.providedPlugins?.includes(name) ?? false),
      load: (name, manifest) => this.#load(this.#slot(name), manifest),
      checkConfig: async (name, manifest) => {
        await this.#configOf(this.#slot(name), manifest, false);
      },
      hold: (name) => {
        this.#slot(name).gate.close();
        this.#options.bus.pause(name);
      },
      drain: (name) => this.#slot(name).gate.drain(this.#options.drainMs ?? 2_000),
      release: (name) => {
        void this.#options.bus.resume(name);
        this.#slot(name).gate.open();
      },
      exportState: async (name) => {
        const { instance } = this.#slot(name);
        if (!instance?.exportHotState) return {};
        try {
          const state = await withTimeout(Promise.resolve(instance.exportHotState()), this.timeouts.shutdown, `exportHotState() of plugin "${name}"`);
          return { handoff: { state } };
        } catch (error) {
          const problem = `exportHotState() failed, so the new instance started without it: ${this.#scrub(name, errorMessage(error))}`;
          this.#options.logger.warn(`[${name}] ${problem}`);
          return { problem };
        }
      },
      retire: async (name) => describeLeftovers(await this.stop(name, { keepGateClosed: true, nextState: 'swapping' })),
      activate: (name, manifest, entry, handoff) => this.#activate(this.#slot(name), manifest, entry, handoff),
      describe: (name, error) => this.#describe(this.#slot(name), error),
      fail: (name, shown) => this.#fail(this.#slot(name), shown, false),
      keep: (name, shown) => this.keep(name, shown),
      reloaded: (name) => {
        this.#slot(name).reloads++;
      },
    };
  }

  #slot(name: string): Slot {
    const slot = this.#slots.get(name);
    if (!slot) throw new Error(`no plugin "${name}"`);
    return slot;
  }

  #load(slot: Slot, manifest: PluginManifest): Promise<LoadedEntry> {
    return loadEntry(this.#options.loader, slot.location, manifest, this.#options.appDir);
  }

  /**
   * Make an instance from loaded code, resolve its config, create its collections, initialize it
   * and mount its routes. On failure everything it registered is released, the failure is kept on
   * the plugin (not logged) and the error comes back. The gate stays as it is: the caller opens it.
   */
  async #activate(slot: Slot, manifest: PluginManifest, entry: LoadedEntry, handoff?: { state: unknown }): Promise<unknown> {
    slot.gate.close();
    slot.manifest = manifest;
    slot.state = 'initializing';
    this.#clear(slot);
    let instance: Instance | undefined;
    let context: PluginContext | undefined;
    try {
      const config = await this.#configOf(slot, manifest, true);
      instance = entry.create();
      context = this.#createContext(slot, manifest, config);
      bindPluginContext(instance, context);
      setPluginStatus(instance, { state: 'initializing' });
      this.#options.bus.registerPlugin(manifest, slot.location.manifestFile);
      const schema = instance.databaseSchema?.();
      if (schema) await this.#options.storage.ensureSchema(manifest.name, schema);
      if (handoff && instance.importHotState) await instance.importHotState(handoff.state);
      this.#starting.set(context, {});
      await this.#initialize(slot.name, instance);
      const early = this.#starting.get(context);
      this.#starting.delete(context);
      if (early && 'error' in early) {
        throw new NexusError('NEXUS_INIT_FAILED', `initialize() left an error behind (a throwing timer or an unhandled rejection): ${errorMessage(early.error)}`, { plugin: slot.name, cause: early.error });
      }
      slot.router = instance.routes ? mountRoutes(slot.name, instance) : undefined;
      slot.instance = instance;
      slot.context = context;
      slot.entry = entry;
      slot.state = 'running';
      this.#found.set(slot.location.dir, { location: slot.location, manifest, errors: [], warnings: [] });
      setPluginStatus(instance, { state: 'running', startedAt: Date.now() });
      return undefined;
    } catch (error) {
      if (context) this.#starting.delete(context);
      if (context) await context.dispose(this.timeouts.shutdown);
      if (instance) setPluginStatus(instance, { state: 'failed', error: this.#scrub(slot.name, errorMessage(error)) });
      this.#retire(slot);
      this.#fail(slot, this.#describe(slot, error), false);
      return error;
    }
  }

  async #initialize(name: string, instance: Instance): Promise<void> {
    let result: boolean | void;
    try {
      result = await withTimeout(Promise.resolve(instance.initialize()), this.timeouts.initialize, `initialize() of plugin "${name}"`);
    } catch (error) {
      if (error instanceof TimeoutError) {
        throw new NexusError('NEXUS_INIT_TIMEOUT', `${error.message}; make it faster or raise "timeouts.initialize" in nexus.config`, { plugin: name, cause: error });
      }
      throw new NexusError('NEXUS_INIT_FAILED', `initialize() threw: ${errorMessage(error)}`, { plugin: name, cause: error });
    }
    if (result === false) {
      throw new NexusError('NEXUS_INIT_FAILED', 'initialize() returned false; check its log lines above for the reason', { plugin: name });
    }
  }

  /** The plugin's resolved configuration; throws NEXUS_CONFIG_INVALID. */
  async #configOf(slot: Slot, manifest: PluginManifest, warn: boolean): Promise<ConfigStore> {
    const resolved = await this.resolveConfig(slot.name, manifest);
    if (warn) for (const warning of resolved.warnings) this.#options.logger.warn(warning);
    if (resolved.errors.length > 0) {
      throw new NexusError('NEXUS_CONFIG_INVALID', resolved.errors.join('\n'), { plugin: manifest.name, problems: resolved.errors });
    }
    return new ConfigStore(manifest, resolved.values, this.#options.storage);
  }

  #createContext(slot: Slot, manifest: PluginManifest, config: ConfigStore): PluginContext {
    let context: PluginContext | undefined;
    const secrets = (): readonly string[] => secretValues(manifest, config.snapshot());
    this.#secrets.set(slot.name, secrets);
    context = new PluginContext({
      manifest,
      config,
      storage: this.#options.storage,
      bus: this.#options.bus,
      services: this.#options.services,
      logger: this.#options.pluginLogger(manifest.name, secrets),
      manifestFile: slot.location.manifestFile,
      onFault: (error) => {
        const starting = this.#starting.get(context!);
        if (starting) {
          if (!('error' in starting)) starting.error = error;
        } else if (slot.context === context) this.fail(slot.name, error);
        else this.#options.logger.error(`[${slot.name}] error from a retired instance: ${errorMessage(error)}`, toError(error));
      },
    });
    // Errors escaping this plugin's code from now on are this instance's, even while it starts.
    claimSourceDir(slot.location.dir, context.owner);
    this.#claims.set(slot, context.owner);
    return context;
  }

  /**
   * The one place an error becomes what is shown of it (GET /plugins, the dashboard, logs, swap
   * lines and reports): described, with the plugin's secret config values redacted.
   */
  #describe(slot: Slot, error: unknown): PluginFailure {
    return mapFailure(describeFailure(error, slot.location.dir), (text) => this.#scrub(slot.name, text));
  }

  /** The plugin is down: keep why (secrets scrubbed) and log it unless the caller reports it. */
  #fail(slot: Slot, shown: PluginFailure, log = true): void {
    slot.state = 'failed';
    this.#show(slot, shown);
    if (log) this.#options.logger.error(`[${slot.name}] ${shown.code}: ${formatFailure(slot.failure!, this.#options.appDir, { frame: true })}`);
  }

  /** Show a failure on the plugin (secrets scrubbed) without changing its state. */
  #show(slot: Slot, shown: PluginFailure): void {
    slot.failure = mapFailure(shown, (text) => this.#scrub(slot.name, text));
    slot.error = formatFailure(slot.failure, this.#options.appDir);
  }

  #clear(slot: Slot): void {
    slot.failure = undefined;
    slot.error = undefined;
  }

  #retire(slot: Slot): void {
    slot.instance = undefined;
    slot.context = undefined;
    slot.router = undefined;
    slot.entry = undefined;
  }

  #drop(name: string): void {
    const slot = this.#slots.get(name);
    if (slot) this.#release(slot);
    this.#slots.delete(name);
    this.#options.bus.unregisterPlugin(name);
  }

  #release(slot: Slot): void {
    const owner = this.#claims.get(slot);
    if (owner) releaseSourceDir(slot.location.dir, owner);
    this.#claims.delete(slot);
  }

  /** `text` with the plugin's secret config values replaced by REDACTED. */
  #scrub(name: string, text: string): string {
    const secrets = [...(this.#secrets.get(name)?.() ?? [])].sort((a, b) => b.length - a.length);
    if (secrets.length === 0) return text;
    // Text already scrubbed stays as it is, even for a secret that occurs in "[redacted]" itself.
    return text
      .split(REDACTED)
      .map((part) => secrets.reduce((result, secret) => result.replaceAll(secret, REDACTED), part))
      .join(REDACTED);
  }
}

/** Leftovers as sentences for a report. */
export function describeLeftovers(leftovers: Leftovers): string[] {
  const problems: string[] = [];
  if (leftovers.shutdown) problems.push(leftovers.shutdown.message);
  if (leftovers.lateTasks > 0) {
    problems.push(
      `${leftovers.lateTasks} background task(s) ignored the shutdown signal for ${leftovers.taskGraceMs} ms: they still run; ` +
        'pass this.signal to what they await, or check signal.aborted in their loop',
    );
  }
  for (const type of leftovers.subscriptions) {
    problems.push(`a subscription to "${type}", made after shutdown released the others (from a timer or task still running?)`);
  }
  for (const name of leftovers.services) {
    problems.push(`the service "${name}", registered after shutdown released the others (from a timer or task still running?)`);
  }
  return problems;
}

function mountRoutes(name: string, instance: Instance): Router {
  const router = new Router({ prefix: `/plugins/${name}` });
  instance.routes!(router);
  return router;
}

/** Codes a plan gives: they go away when the plan no longer finds the problem. */
const PLAN_CODES = new Set<ErrorCode>([
  'NEXUS_MANIFEST_INVALID',
  'NEXUS_MANIFEST_DUPLICATE',
  'NEXUS_VERSION_MISMATCH',
  'NEXUS_DEPENDENCY_MISSING',
  'NEXUS_DEPENDENCY_VERSION',
  'NEXUS_DEPENDENCY_CYCLE',
]);

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
