import { Router } from '@koa/router';
import path from 'node:path';
import { NexusError, errorMessage, type ErrorCode } from '../errors.ts';
import type { AppConfig } from '../config/app.ts';
import { REDACTED, secretValues } from '../config/redact.ts';
import { resolvePluginConfig } from '../config/resolve.ts';
import { ConfigStore } from '../config/store.ts';
import type { EventBus } from '../events/bus.ts';
import type { Logger } from '../logger/types.ts';
import { checkCompatibility } from '../manifest/compat.ts';
import { defaultManifestFile } from '../manifest/load.ts';
import type { PluginManifest } from '../manifest/types.ts';
import type { ServiceRegistry } from '../services/registry.ts';
import type { StorageDriver } from '../storage/types.ts';
import { claimSourceDir, releaseSourceDir, type PluginOwner } from './attribution.ts';
import { bindPluginContext, setPluginStatus, type BasePlugin } from './base.ts';
import { PluginContext, type PluginResources } from './context.ts';
import { discoverPlugins, locatePlugins, type DiscoveredPlugin, type PluginsLocation } from './discover.ts';
import { loadEntry, type LoadedEntry } from './entry.ts';
import { Gate } from './gate.ts';
import { dependencyNames, planDependencies } from './graph.ts';
import type { ModuleLoader } from './loader.ts';
import { TimeoutError, withTimeout } from './timeout.ts';
import type { PluginState, PluginTypes } from './types.ts';

type Instance = BasePlugin<PluginTypes, unknown>;

/** What `GET /plugins` shows of one plugin. */
export interface PluginInfo {
  name: string;
  version?: string;
  title?: string;
  state: PluginState;
  error?: string;
  reloads: number;
  dir: string;
  dependencies: string[];
  /** Declared `api_endpoints`, as `METHOD /plugins/<name><path>`. */
  endpoints: string[];
  resources: PluginResources;
}

/** One plugin slot: it outlives instances, so a hot swap replaces what is inside it. */
export interface PluginRecord {
  readonly name: string;
  readonly dir: string;
  readonly displayDir: string;
  manifest?: PluginManifest;
  state: PluginState;
  error?: string;
  reloads: number;
  enabled: boolean;
  /** The manifest (or its compatibility) is invalid: nothing starts until it is fixed. */
  invalid: boolean;
  instance?: Instance;
  context?: PluginContext;
  router?: Router;
  /** The code the live instance was made from; a hot swap re-activates it when the new code fails. */
  entry?: LoadedEntry;
  /** Closed while the plugin starts, swaps or stops: requests and events wait here. */
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
}

/** How `activate()` behaves inside a hot swap. */
export interface ActivateOptions {
  /** Leave the gate closed afterwards (success or failure): the caller opens it. @default false */
  keepGateClosed?: boolean;
  /** Called with the error instead of logging it: the caller reports it (with a code frame). */
  onFailure?: (error: unknown) => void;
}

const NO_RESOURCES: PluginResources = { subscriptions: 0, services: 0, timers: 0, tasks: 0 };

/** Discovers, orders, starts and stops plugins; the single owner of plugin state. */
export class PluginManager {
  readonly #records = new Map<string, PluginRecord>();
  /** Per plugin, its secret config values: scrubbed from the errors it is failed with. */
  readonly #secrets = new Map<string, () => readonly string[]>();
  /** Contexts whose initialize() runs: an error their code leaves behind fails the start. */
  readonly #starting = new WeakMap<PluginContext, { error?: unknown }>();
  /** The owner each plugin's folder was last claimed for (see attribution.ts). */
  readonly #claims = new WeakMap<PluginRecord, PluginOwner>();
  #order: string[] = [];
  readonly options: PluginManagerOptions;

  constructor(options: PluginManagerOptions) {
    this.options = options;
  }

  get timeouts(): { initialize: number; shutdown: number } {
    return { initialize: 10_000, shutdown: 5_000, ...this.options.appConfig.timeouts };
  }

  /** The folder whose subfolders are the plugins (see `pluginsLocation`). */
  get pluginsRoot(): string {
    return this.pluginsLocation.root;
  }

  /** Where the app's plugins are; `only` is set for a plugin folder run on its own. */
  get pluginsLocation(): PluginsLocation {
    return locatePlugins(this.options.appDir, this.options.appConfig.pluginsDir);
  }

  /** Plugin names in start order (dependencies first). */
  get order(): readonly string[] {
    return this.#order;
  }

  /** Find, validate and order every plugin, then start them dependencies first. */
  async startAll(): Promise<void> {
    const found = await discoverPlugins(this.options.appDir, this.options.appConfig.pluginsDir);
    if (found.length === 0) {
      const shown = path.relative(this.options.appDir, this.pluginsRoot).split(path.sep).join('/');
      this.options.logger.warn(`No plugins found in ${shown}/: add ${shown}/<name>/manifest.json and src/plugin.ts, or set "pluginsDir" in nexus.config`);
    }
    for (const plugin of found) this.adopt(plugin);
    this.replan();
    // Import every entry at once, so file reads and transforms overlap; initialize() still runs
    // one plugin at a time in dependency order. A load that fails is reported by start().
    const loading = new Map<string, Promise<LoadedEntry>>();
    for (const name of this.#order) {
      const record = this.#records.get(name)!;
      if (!record.manifest || !record.enabled) continue;
      const entry = this.load(record);
      entry.catch(() => undefined);
      loading.set(name, entry);
    }
    for (const name of this.#order) await this.start(this.#records.get(name)!, loading.get(name));
  }

  /** The manifest of plugin `name` as messages show it, e.g. `plugins/users/manifest.json`. */
  manifestFileOf(name: string): string {
    const record = this.#records.get(name);
    return record ? `${record.displayDir}/manifest.json` : defaultManifestFile(name);
  }

  /** Use a re-read nexus.config from now on: plugins get its overrides when they next start or swap. */
  setAppConfig(config: AppConfig, file?: string): void {
    this.options.appConfig = config;
    this.options.appConfigFile = file;
  }

  /** Stop every running plugin, dependents first. */
  async stopAll(): Promise<void> {
    for (const name of [...this.#order].reverse()) {
      const record = this.#records.get(name);
      if (record?.instance) await this.stop(record);
    }
    // The app is done: its plugins' folders no longer point errors (or memory) at it.
    for (const record of this.#records.values()) this.#release(record);
  }

  /** Add a discovered folder as a plugin slot (or mark why it cannot be one). */
  adopt(found: DiscoveredPlugin): PluginRecord {
    const name = found.manifest?.name ?? found.folder;
    for (const warning of found.warnings) this.options.logger.warn(warning);
    const clash = this.#records.get(name);
    if (clash && clash.dir !== found.dir) {
      return this.#rejectDuplicate(found, clash);
    }
    const record: PluginRecord = clash ?? {
      name,
      dir: found.dir,
      displayDir: found.displayDir,
      state: 'discovered',
      reloads: 0,
      enabled: true,
      invalid: false,
      gate: new Gate(),
    };
    record.manifest = found.manifest;
    record.enabled = this.options.appConfig.plugins?.[name]?.enabled !== false;
    record.state = record.enabled ? 'discovered' : 'disabled';
    record.error = undefined;
    const problems = found.manifest ? [...found.errors, ...this.#compatibility(found)] : found.errors;
    record.invalid = problems.length > 0;
    if (problems.length > 0) this.#fail(record, 'NEXUS_MANIFEST_INVALID', problems.join('\n'));
    this.#records.set(name, record);
    return record;
  }

  /** Forget a plugin slot (its folder was removed); it must be stopped first. */
  forget(name: string): void {
    const record = this.#records.get(name);
    if (record) this.#release(record);
    this.#records.delete(name);
    this.options.bus.unregisterPlugin(name);
    this.replan();
  }

  #release(record: PluginRecord): void {
    const owner = this.#claims.get(record);
    if (owner) releaseSourceDir(record.dir, owner);
    this.#claims.delete(record);
  }

  /** Recompute start order and mark plugins whose dependencies cannot be met. */
  replan(): void {
    const manifests = new Map<string, PluginManifest>();
    for (const record of this.#records.values()) {
      if (record.manifest && record.enabled && !record.invalid) manifests.set(record.name, record.manifest);
    }
    const plan = planDependencies(manifests, (name) => this.manifestFileOf(name));
    for (const [name, reason] of plan.blocked) {
      const record = this.#records.get(name)!;
      if (!record.instance) this.#fail(record, reason.includes('cycle') ? 'NEXUS_DEPENDENCY_CYCLE' : 'NEXUS_DEPENDENCY_MISSING', reason);
    }
    this.#order = plan.order;
  }

  /**
   * Load (or take the entry already `loading`), configure and initialize one plugin; failures are
   * kept on the record, never thrown.
   */
  async start(record: PluginRecord, loading?: Promise<LoadedEntry>): Promise<boolean> {
    const manifest = record.manifest;
    if (!manifest || !record.enabled) return false;
    const failedDep = this.#failedDependency(manifest);
    if (failedDep) {
      this.#fail(record, 'NEXUS_DEPENDENCY_FAILED', `needs plugin "${failedDep.name}", which failed: ${failedDep.error ?? failedDep.state}`);
      return false;
    }
    record.gate.close();
    record.state = 'loading';
    try {
      const entry = await (loading ?? this.load(record));
      return await this.activate(record, entry);
    } catch (error) {
      this.#failWith(record, error);
      record.gate.open();
      return false;
    }
  }

  /** Import a plugin's entry module (the first half of a start or a swap). */
  load(record: PluginRecord): Promise<LoadedEntry> {
    return loadEntry(this.options.loader, record.dir, record.displayDir, record.manifest!, this.options.appDir);
  }

  /**
   * Make an instance from loaded code, resolve its config, create its collections, initialize it
   * and mount its routes. On failure everything it registered is released and false is returned.
   */
  async activate(
    record: PluginRecord,
    entry: LoadedEntry,
    handoff?: { state: unknown },
    options: ActivateOptions = {},
  ): Promise<boolean> {
    const manifest = record.manifest!;
    record.gate.close();
    record.state = 'initializing';
    record.error = undefined;
    let instance: Instance | undefined;
    let context: PluginContext | undefined;
    try {
      const config = await this.#resolveConfig(record);
      instance = entry.create();
      context = this.#createContext(record, config);
      bindPluginContext(instance, context);
      setPluginStatus(instance, { state: 'initializing' });
      this.options.bus.registerPlugin(manifest, this.manifestFileOf(record.name));
      const schema = instance.databaseSchema?.();
      if (schema) await this.options.storage.ensureSchema(manifest.name, schema);
      if (handoff && instance.importHotState) await instance.importHotState(handoff.state);
      this.#starting.set(context, {});
      await this.#initialize(record, instance, context);
      const early = this.#starting.get(context);
      this.#starting.delete(context);
      if (early && 'error' in early) {
        throw new NexusError('NEXUS_INIT_FAILED', `initialize() left an error behind (a throwing timer or an unhandled rejection): ${errorMessage(early.error)}`, { plugin: record.name, cause: early.error });
      }
      record.router = this.#mountRoutes(record, instance);
      record.instance = instance;
      record.context = context;
      record.entry = entry;
      record.state = 'running';
      setPluginStatus(instance, { state: 'running', startedAt: Date.now() });
      return true;
    } catch (error) {
      if (context) this.#starting.delete(context);
      if (context) await context.dispose(this.timeouts.shutdown);
      if (instance) setPluginStatus(instance, { state: 'failed', error: errorMessage(error) });
      record.instance = undefined;
      record.context = undefined;
      record.router = undefined;
      record.entry = undefined;
      this.#failWith(record, error, !options.onFailure);
      options.onFailure?.(error);
      return false;
    } finally {
      if (!options.keepGateClosed) record.gate.open();
    }
  }

  /** Shut one plugin down (time-limited) and release everything it registered. */
  async stop(record: PluginRecord, options: { keepGateClosed?: boolean; nextState?: PluginState } = {}): Promise<void> {
    const { instance, context } = record;
    if (!instance || !context) return;
    record.gate.close();
    record.state = 'stopping';
    setPluginStatus(instance, { state: 'stopping' });
    try {
      await withTimeout(
        Promise.resolve(instance.shutdown()),
        this.timeouts.shutdown,
        `shutdown() of plugin "${record.name}"`,
      );
    } catch (error) {
      const code: ErrorCode = error instanceof TimeoutError ? 'NEXUS_SHUTDOWN_TIMEOUT' : 'NEXUS_SHUTDOWN_FAILED';
      this.options.logger.error(`[${record.name}] ${code}: ${errorMessage(error)}`, toError(error));
    }
    await context.dispose(this.timeouts.shutdown);
    setPluginStatus(instance, { state: 'stopped' });
    record.instance = undefined;
    record.context = undefined;
    record.router = undefined;
    record.entry = undefined;
    record.state = options.nextState ?? 'stopped';
    if (!options.keepGateClosed) record.gate.open();
  }

  /** Mark a running plugin failed because its code threw outside a lifecycle call. */
  fault(record: PluginRecord, error: unknown): void {
    if (record.state === 'failed') return;
    this.options.logger.error(`[${record.name}] failed at run time: ${errorMessage(error)}`, toError(error));
    const message = this.#scrub(record.name, errorMessage(error));
    void this.stop(record, { nextState: 'failed' }).then(() => {
      record.error = message;
    });
    record.error = message;
    record.state = 'failed';
  }

  /** Every plugin's secret config values (the host logger scrubs them). */
  secrets(): string[] {
    return [...this.#secrets.values()].flatMap((values) => values());
  }

  /** A plugin slot by name. */
  get(name: string): PluginRecord | undefined {
    return this.#records.get(name);
  }

  /** Every plugin slot, in start order then the rest by name. */
  records(): PluginRecord[] {
    const rest = [...this.#records.keys()].filter((n) => !this.#order.includes(n)).sort();
    return [...this.#order, ...rest].map((name) => this.#records.get(name)!);
  }

  /** What `GET /plugins` shows. */
  list(): PluginInfo[] {
    return this.records().map((record) => {
      const info: PluginInfo = {
        name: record.name,
        state: record.state,
        reloads: record.reloads,
        dir: record.displayDir,
        dependencies: record.manifest ? dependencyNames(record.manifest) : [],
        endpoints: (record.manifest?.api_endpoints ?? []).map((e) => `${e.method} /plugins/${record.name}${e.path}`),
        resources: record.context?.resources() ?? NO_RESOURCES,
      };
      if (record.manifest?.version) info.version = record.manifest.version;
      if (record.manifest?.title) info.title = record.manifest.title;
      if (record.error) info.error = record.error;
      return info;
    });
  }

  async #initialize(record: PluginRecord, instance: Instance, context: PluginContext): Promise<void> {
    let result: boolean | void;
    try {
      result = await withTimeout(
        Promise.resolve(instance.initialize()),
        this.timeouts.initialize,
        `initialize() of plugin "${record.name}"`,
      );
    } catch (error) {
      if (error instanceof TimeoutError) {
        throw new NexusError('NEXUS_INIT_TIMEOUT', `${error.message}; make it faster or raise "timeouts.initialize" in nexus.config`, { plugin: record.name, cause: error });
      }
      throw new NexusError('NEXUS_INIT_FAILED', `initialize() threw: ${errorMessage(error)}`, { plugin: record.name, cause: error });
    }
    if (result === false) {
      throw new NexusError('NEXUS_INIT_FAILED', 'initialize() returned false; check its log lines above for the reason', { plugin: record.name });
    }
  }

  #mountRoutes(record: PluginRecord, instance: Instance): Router | undefined {
    if (!instance.routes) return undefined;
    const router = new Router({ prefix: `/plugins/${record.name}` });
    instance.routes(router);
    return router;
  }

  async #resolveConfig(record: PluginRecord): Promise<ConfigStore> {
    const manifest = record.manifest!;
    const resolved = await resolvePluginConfig({
      manifest,
      pluginDir: record.dir,
      displayDir: record.displayDir,
      envName: this.options.envName,
      appOverrides: this.options.appConfig.plugins?.[manifest.name]?.config,
      appConfigFile: this.options.appConfigFile,
      saved: await this.options.storage.loadConfig(manifest.name),
      environ: this.options.environ ?? process.env,
    });
    for (const warning of resolved.warnings) this.options.logger.warn(warning);
    if (resolved.errors.length > 0) {
      throw new NexusError('NEXUS_CONFIG_INVALID', resolved.errors.join('\n'), { plugin: manifest.name, problems: resolved.errors });
    }
    return new ConfigStore(manifest, resolved.values, this.options.storage);
  }

  #createContext(record: PluginRecord, config: ConfigStore): PluginContext {
    const manifest = record.manifest!;
    let context: PluginContext | undefined;
    const secrets = (): readonly string[] => secretValues(manifest, config.snapshot());
    this.#secrets.set(record.name, secrets);
    context = new PluginContext({
      manifest,
      config,
      storage: this.options.storage,
      bus: this.options.bus,
      services: this.options.services,
      logger: this.options.pluginLogger(manifest.name, secrets),
      manifestFile: `${record.displayDir}/manifest.json`,
      onFault: (error) => {
        const starting = this.#starting.get(context!);
        if (starting) {
          if (!('error' in starting)) starting.error = error;
        } else if (record.context === context) this.fault(record, error);
        else this.options.logger.error(`[${record.name}] error from a retired instance: ${errorMessage(error)}`, toError(error));
      },
    });
    // Errors escaping this plugin's code from now on are this instance's, even while it starts.
    claimSourceDir(record.dir, context.owner);
    this.#claims.set(record, context.owner);
    return context;
  }

  #compatibility(found: DiscoveredPlugin): string[] {
    return checkCompatibility(found.manifest!, `${found.displayDir}/manifest.json`, {
      coreVersion: this.options.coreVersion,
      nodeVersion: process.versions.node,
    });
  }

  #failedDependency(manifest: PluginManifest): PluginRecord | undefined {
    return dependencyNames(manifest)
      .map((name) => this.#records.get(name))
      .find((dep) => dep !== undefined && dep.state !== 'running');
  }

  #rejectDuplicate(found: DiscoveredPlugin, clash: PluginRecord): PluginRecord {
    const name = found.manifest!.name;
    const message =
      `${found.displayDir}/manifest.json: /name: "${name}" is already used by ${clash.displayDir}; ` +
      'each plugin needs a unique name, rename one of them';
    this.options.logger.error(`[${name}] NEXUS_MANIFEST_DUPLICATE: ${message}`);
    const record: PluginRecord = {
      name: `${name}@${found.folder}`,
      dir: found.dir,
      displayDir: found.displayDir,
      state: 'failed',
      error: message,
      reloads: 0,
      enabled: false,
      invalid: true,
      gate: new Gate(),
    };
    this.#records.set(record.name, record);
    return record;
  }

  #failWith(record: PluginRecord, error: unknown, log = true): void {
    const code: ErrorCode = error instanceof NexusError ? error.code : 'NEXUS_PLUGIN_FAILED';
    this.#fail(record, code, errorMessage(error), log);
  }

  #fail(record: PluginRecord, code: ErrorCode, message: string, log = true): void {
    record.state = 'failed';
    record.error = this.#scrub(record.name, message);
    if (log) this.options.logger.error(`[${record.name}] ${code}: ${record.error}`);
  }

  /** `text` with the plugin's secret config values replaced by REDACTED. */
  #scrub(name: string, text: string): string {
    const secrets = [...(this.#secrets.get(name)?.() ?? [])].sort((a, b) => b.length - a.length);
    return secrets.reduce((result, secret) => result.replaceAll(secret, REDACTED), text);
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
