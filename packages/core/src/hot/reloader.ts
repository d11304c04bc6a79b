import { statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { errorMessage } from '../errors.ts';
import type { EventBus } from '../events/bus.ts';
import type { NexusMetrics } from '../http/metrics.ts';
import { checkCompatibility } from '../manifest/compat.ts';
import type { PluginManifest } from '../manifest/types.ts';
import { inspectFolder, type DiscoveredPlugin } from '../plugins/discover.ts';
import { dependentsOf, planDependencies } from '../plugins/graph.ts';
import type { ModuleLoader } from '../plugins/loader.ts';
import type { PluginManager, PluginRecord } from '../plugins/manager.ts';
import { isLive, swapPlugins, type SwapItem, type SwapResult } from './swap.ts';
import type { HotReloaderOptions, SwapError, SwapReport } from './types.ts';

/** What a hot reloader needs from a Nexus app (a `NexusApp` has all of it). */
export interface HotApp {
  appDir: string;
  manager: PluginManager;
  loader: ModuleLoader;
  bus: EventBus;
  metrics?: NexusMetrics;
}

/** Swaps plugins in a running app as their folders change. */
export interface HotReloader {
  /**
   * Files in the plugin folder `dir` changed (or the folder appeared or went away). Changes are
   * queued: one swap runs at a time, and what arrives meanwhile is merged into the next one.
   */
  notify(dir: string, files?: readonly string[]): void;
  /** Resolves once no swap runs and none is queued. */
  idle(): Promise<void>;
  /** Take no more changes; resolves after the swap in progress. */
  close(): Promise<void>;
}

/** A plugin whose folder changed. */
interface Change {
  files: string[];
  /** Set once known: the live plugin, or the slot a re-read folder was adopted into. */
  record?: PluginRecord;
  /** The manifest to run with (a valid changed one, or the current one). */
  manifest?: PluginManifest;
  /** A folder to (re-)adopt as found on disk: new, failed before, or renamed in its manifest. */
  found?: DiscoveredPlugin;
  problems?: string[];
  added: boolean;
}

const MANIFEST = 'manifest.json';
const now = (): number => performance.now();

/**
 * Create the hot reloader of `nexus dev`. Feed it file changes per plugin folder; it decides what
 * each means (code, config or manifest change, new or removed folder), swaps the plugins in
 * process and reports one line per swap through `onReport`.
 *
 * @example
 * const hot = createHotReloader(app, { onReport: (r) => console.log(r.plugins, r.timings.total) });
 * hot.notify(path.join(app.manager.pluginsRoot, 'users'), [changedFile]);
 */
export function createHotReloader(app: HotApp, options: HotReloaderOptions = {}): HotReloader {
  const pending = new Map<string, Set<string>>();
  let running: Promise<void> | undefined;
  let closed = false;
  const waiters: (() => void)[] = [];

  const pump = async (): Promise<void> => {
    while (pending.size > 0 && !closed) {
      const batch = new Map(pending);
      pending.clear();
      try {
        await processBatch(app, options, batch);
      } catch (error) {
        app.manager.options.logger.error(`hot reload failed unexpectedly: ${errorMessage(error)}`, error instanceof Error ? error : undefined);
      }
    }
    running = undefined;
    for (const wake of waiters.splice(0)) wake();
  };

  return {
    notify(dir, files = []) {
      if (closed) return;
      const key = path.resolve(dir);
      let set = pending.get(key);
      if (!set) pending.set(key, (set = new Set()));
      for (const file of files) set.add(path.resolve(file));
      // Start on the next turn, so that folders changed together (one save of several plugins,
      // timers firing together) go into one batch.
      running ??= new Promise<void>((resolve) => setImmediate(resolve)).then(pump);
    },
    idle() {
      if (!running) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    async close() {
      closed = true;
      pending.clear();
      await running;
    },
  };
}

async function processBatch(app: HotApp, options: HotReloaderOptions, batch: Map<string, Set<string>>): Promise<void> {
  const began = now();
  const { manager } = app;
  const root = manager.pluginsRoot;
  const report = (r: SwapReport): void => options.onReport?.(r);

  // Forget the changed modules first: whatever loads next sees the files as they are now. A file
  // of one plugin imported by another makes that one change too.
  const changed = [...batch.values()].flatMap((files) => [...files]);
  const dropped = app.loader.invalidateFiles?.(changed) ?? (app.loader.invalidate(changed), changed);
  for (const file of dropped) {
    const owner = folderOf(root, file);
    if (owner && !batch.has(owner) && recordAt(manager, owner)) batch.set(owner, new Set());
  }

  // 1. What each changed folder means.
  const removals = new Set<PluginRecord>();
  const disables = new Set<PluginRecord>();
  const changes: Change[] = [];
  for (const [dir, files] of batch) {
    if (path.dirname(dir) !== root) continue;
    const record = recordAt(manager, dir);
    if (!isDirectory(dir)) {
      if (record) removals.add(record);
      continue;
    }
    const shown = [...files].map((f) => display(app.appDir, f));
    const live = record && isLive(record) ? record : undefined;
    if (live && manager.options.appConfig.plugins?.[live.name]?.enabled === false) {
      disables.add(live);
      continue;
    }
    if (live && !files.has(path.join(dir, MANIFEST))) {
      changes.push({ record: live, manifest: live.manifest!, files: shown, added: false });
      continue;
    }
    const found = await inspectFolder(app.appDir, root, path.basename(dir));
    if (!found.manifest && !record && !isFile(path.join(dir, MANIFEST))) continue; // a folder being made
    for (const warning of found.warnings) manager.options.logger.warn(warning);
    const problems = found.manifest ? [...found.errors, ...compatibility(manager, found)] : found.errors;
    if (live && (problems.length > 0 || found.manifest!.name === live.name)) {
      // A manifest change of a serving plugin: unload nothing until the new manifest is valid.
      const blocked = problems.length > 0 ? problems : dependencyProblems(manager, live, found.manifest!);
      if (blocked.length > 0) {
        live.error = blocked.join('\n');
        report(problemReport('invalid', live.name, shown, blocked, 'rolled_back', began));
        continue;
      }
      await regenerateTypes(options, found, found.manifest!);
      changes.push({ record: live, manifest: found.manifest!, files: shown, added: false });
      continue;
    }
    // Not serving (new, failed before), or renamed in its manifest: take the folder as found.
    if (live) removals.add(live);
    else if (record && record.name !== found.manifest?.name) manager.forget(record.name);
    const other = found.manifest ? manager.get(found.manifest.name) : undefined;
    if (other && other.dir !== dir && !isDirectory(other.dir)) removals.add(other); // folder renamed
    changes.push({ files: shown, found, problems, added: !record });
  }

  // 2. Removed folders go first, so that a renamed folder's plugin can come back under its name.
  for (const record of removals) await remove(app, record, report, began);
  for (const record of disables) await disable(app, record, report, began);

  // 3. Adopt new and re-read folders.
  for (const change of changes) {
    if (!change.found) continue;
    const record = manager.adopt(change.found);
    if (change.problems!.length > 0 || record.invalid) {
      const problems = change.problems!.length > 0 ? change.problems! : [record.error ?? 'invalid manifest'];
      report(problemReport(change.added ? 'add' : 'invalid', record.name, change.files, problems, 'failed', began));
      continue;
    }
    change.record = record;
    change.manifest = record.manifest!;
    await regenerateTypes(options, change.found, record.manifest!);
  }
  const ready = changes.filter((c) => c.record?.enabled);
  if (ready.length === 0) return;
  // The start order only changes with manifests (replanning costs ~1.5 ms at 100 plugins).
  const replan = changes.some((c) => c.found || c.manifest !== c.record?.manifest);
  if (replan) manager.replan();

  // 4. One swap per changed plugin, with its dependents after it; a plugin already swapped as a
  //    dependent of an earlier one in this batch is not swapped twice.
  const byName = new Map(ready.map((c) => [c.record!.name, c]));
  const order = manager.order;
  for (const change of ready) {
    if (order.includes(change.record!.name)) continue;
    const reason = change.record!.error ?? 'its dependencies cannot start';
    report(problemReport(change.added ? 'add' : 'swap', change.record!.name, change.files, [reason], 'failed', began, 'NEXUS_DEPENDENCY_MISSING'));
  }
  const manifests = new Map<string, PluginManifest>();
  for (const record of manager.records()) {
    if (record.manifest && record.enabled && !record.invalid) manifests.set(record.name, byName.get(record.name)?.manifest ?? record.manifest);
  }
  const host = { appDir: app.appDir, manager, bus: app.bus, metrics: app.metrics, drainMs: options.drainMs ?? 2_000 };
  const done = new Set<string>();
  const appConfigFile = manager.options.appConfigFile;
  let from = began; // the first swap's time includes reading the change (manifest, types)
  for (const name of order) {
    const change = byName.get(name);
    if (!change || done.has(name)) continue;
    const items: SwapItem[] = [];
    const files: string[] = [];
    for (const member of [name, ...dependentsOf(name, manifests, order)]) {
      const record = manager.get(member);
      if (done.has(member) || !record?.manifest || !record.enabled || record.invalid) continue;
      const changed = byName.get(member);
      const configDir = `${record.displayDir}/config/`;
      const checkConfig =
        changed?.files.some((f) => f.startsWith(configDir) || f === `${record.displayDir}/${MANIFEST}` || f === appConfigFile) ?? false;
      items.push({ record, manifest: changed?.manifest ?? record.manifest, checkConfig });
      if (changed) files.push(...changed.files);
      done.add(member);
    }
    const result = await swapPlugins(host, items, from);
    report(swapReport(change.added ? 'add' : 'swap', files, result));
    from = now();
  }
  if (replan) manager.replan();
}

/** Stop a plugin whose folder went away, and the plugins that need it; then forget it. */
async function remove(app: HotApp, record: PluginRecord, report: (r: SwapReport) => void, began: number): Promise<void> {
  const entryFile = record.entry?.file;
  const { plugins, shutdown } = await stopWithDependents(app.manager, record);
  if (entryFile) app.loader.invalidate([entryFile]);
  app.manager.forget(record.name);
  report({ kind: 'remove', plugins, files: [display(app.appDir, record.dir)], outcome: 'ok', timings: { load: 0, shutdown, initialize: 0, total: now() - began } });
}

/** Stop a plugin nexus.config now disables, and the plugins that need it; enabling it again starts them all. */
async function disable(app: HotApp, record: PluginRecord, report: (r: SwapReport) => void, began: number): Promise<void> {
  const { plugins, shutdown } = await stopWithDependents(app.manager, record, 'disabled');
  const file = app.manager.options.appConfigFile ?? 'nexus.config';
  report({ kind: 'disable', plugins, files: [file], outcome: 'ok', timings: { load: 0, shutdown, initialize: 0, total: now() - began } });
}

/** Stop `record` after the running plugins that depend on it; the names come back `record` first. */
async function stopWithDependents(manager: PluginManager, record: PluginRecord, nextState?: PluginRecord['state']): Promise<{ plugins: string[]; shutdown: number }> {
  const manifests = new Map<string, PluginManifest>();
  for (const r of manager.records()) if (r.manifest) manifests.set(r.name, r.manifest);
  const dependents = dependentsOf(record.name, manifests, manager.order).filter((n) => manager.get(n)?.instance);
  const stopping = [...dependents.reverse().map((n) => manager.get(n)!), record];
  const t0 = now();
  for (const r of stopping) if (r.instance) await manager.stop(r, r === record && nextState ? { nextState } : {});
  return { plugins: stopping.map((r) => r.name).reverse(), shutdown: now() - t0 };
}

function swapReport(kind: SwapReport['kind'], files: string[], result: SwapResult): SwapReport {
  const report: SwapReport = { kind, plugins: result.plugins, files, outcome: result.outcome, timings: result.timings };
  if (result.error) report.error = result.error;
  return report;
}

function problemReport(
  kind: SwapReport['kind'],
  plugin: string,
  files: string[],
  problems: string[],
  outcome: SwapReport['outcome'],
  began: number,
  code = 'NEXUS_MANIFEST_INVALID',
): SwapReport {
  const [message = 'invalid', ...details] = problems.flatMap((p) => p.split('\n'));
  const total = now() - began;
  const error: SwapError = { plugin, code, message };
  if (details.length > 0) error.details = details;
  return { kind, plugins: [plugin], files, outcome, timings: { load: total, shutdown: 0, initialize: 0, total }, error };
}

async function regenerateTypes(options: HotReloaderOptions, found: DiscoveredPlugin, manifest: PluginManifest): Promise<void> {
  if (!options.onManifestChange) return;
  try {
    await options.onManifestChange({ dir: found.dir, displayDir: found.displayDir, manifest });
  } catch (error) {
    options.onWarning?.(`${found.displayDir}: types not regenerated: ${errorMessage(error)}`);
  }
}

function compatibility(manager: PluginManager, found: DiscoveredPlugin): string[] {
  return checkCompatibility(found.manifest!, `${found.displayDir}/manifest.json`, {
    coreVersion: manager.options.coreVersion,
    nodeVersion: process.versions.node,
  });
}

/** Problems the changed manifest's dependencies would have (missing, wrong version, cycle). */
function dependencyProblems(manager: PluginManager, record: PluginRecord, manifest: PluginManifest): string[] {
  const manifests = new Map<string, PluginManifest>();
  for (const r of manager.records()) {
    if (r.manifest && r.enabled && !r.invalid) manifests.set(r.name, r.name === record.name ? manifest : r.manifest);
  }
  const reason = planDependencies(manifests, (name) => manager.manifestFileOf(name)).blocked.get(record.name);
  return reason ? [`${record.displayDir}/${MANIFEST}: /dependencies: ${reason}`] : [];
}

function recordAt(manager: PluginManager, dir: string): PluginRecord | undefined {
  return manager.records().find((r) => r.dir === dir);
}

/** The plugin folder (a direct child of `root`) that holds `file`, if any. */
function folderOf(root: string, file: string): string | undefined {
  const rel = path.relative(root, file);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  const first = rel.split(path.sep)[0]!;
  return first === rel ? undefined : path.join(root, first);
}

function display(appDir: string, file: string): string {
  return path.relative(appDir, file).split(path.sep).join('/');
}

function isDirectory(dir: string): boolean {
  return statSync(dir, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function isFile(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}
