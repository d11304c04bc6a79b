import { statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { errorMessage } from '../errors.ts';
import type { NexusMetrics } from '../http/metrics.ts';
import type { PluginManifest } from '../manifest/types.ts';
import { inspectFolder, type DiscoveredPlugin } from '../plugins/discover.ts';
import { shownLocation, whereOf } from '../plugins/failure.ts';
import type { ModuleLoader } from '../plugins/loader.ts';
import type { PluginManager, PluginView } from '../plugins/manager.ts';
import type { PlanProblem } from '../plugins/plan.ts';
import type { SwapFailure, SwapItem, SwapResult } from '../plugins/swap.ts';
import type { HotReloaderOptions, SwapError, SwapReport } from './types.ts';
import { epochNow, type WatchTrace } from './watcher.ts';

/** What a hot reloader needs from a Nexus app (a `NexusApp` has all of it). */
export interface HotApp {
  appDir: string;
  manager: PluginManager;
  loader: ModuleLoader;
  metrics?: NexusMetrics;
}

/** Swaps plugins in a running app as their folders change. */
export interface HotReloader {
  /**
   * Files in the plugin folder `dir` changed (or the folder appeared or went away). Changes are
   * queued: one swap runs at a time, and what arrives meanwhile is merged into the next one.
   */
  notify(dir: string, files?: readonly string[], reason?: { config?: boolean; trace?: WatchTrace }): void;
  /** Resolves once no swap runs and none is queued. */
  idle(): Promise<void>;
  /** Take no more changes; resolves after the swap in progress. */
  close(): Promise<void>;
}

/** A plugin whose folder changed. */
interface Change {
  files: string[];
  /** Set once known: the live plugin, or the plugin a re-read folder was adopted as. */
  name?: string;
  /** The manifest to run with (a valid changed one, or the current one). */
  manifest?: PluginManifest;
  /** The folder as re-read (new, failed before, renamed in its manifest, or a changed manifest). */
  found?: DiscoveredPlugin;
  /** The plugin serves: a valid manifest change swaps it in place. */
  live: boolean;
  /** Its nexus.config overrides changed (or it was enabled or disabled there). */
  config: boolean;
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
  /** Folders whose plugin's nexus.config overrides changed since the last batch. */
  const reconfigured = new Set<string>();
  /** How the first change of the next batch went through the watcher. */
  let trace: WatchTrace | undefined;
  let running: Promise<void> | undefined;
  let closed = false;
  const waiters: (() => void)[] = [];

  const pump = async (): Promise<void> => {
    while (pending.size > 0 && !closed) {
      const batch = new Map(pending);
      const config = new Set(reconfigured);
      const watched = trace;
      pending.clear();
      reconfigured.clear();
      trace = undefined;
      try {
        await processBatch(app, options, batch, config, watched);
      } catch (error) {
        app.manager.logger.error(`hot reload failed unexpectedly: ${errorMessage(error)}`, error instanceof Error ? error : undefined);
      }
    }
    running = undefined;
    for (const wake of waiters.splice(0)) wake();
  };

  return {
    notify(dir, files = [], reason = {}) {
      if (closed) return;
      const key = path.resolve(dir);
      if (reason.config) reconfigured.add(key);
      trace ??= reason.trace;
      let set = pending.get(key);
      if (!set) pending.set(key, (set = new Set()));
      for (const file of files) set.add(path.resolve(file));
      // Start on the next turn, so that folders changed together (one save of several plugins,
      // timers firing together) go into one batch. The watcher (a change with its trace) has
      // gathered them already and hands them on in one call: those start once that call returns.
      running ??= (reason.trace ? Promise.resolve() : new Promise<void>((resolve) => setImmediate(resolve))).then(pump);
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

async function processBatch(
  app: HotApp,
  options: HotReloaderOptions,
  batch: Map<string, Set<string>>,
  reconfigured: ReadonlySet<string>,
  watched: WatchTrace | undefined,
): Promise<void> {
  const began = now();
  const beganEpoch = epochNow();
  const { manager } = app;
  const root = manager.pluginsRoot;
  const report = (r: SwapReport): void => options.onReport?.(r);

  // Forget the changed modules first: whatever loads next sees the files as they are now. A file
  // of one plugin imported by another makes that one change too.
  const changed = [...batch.values()].flatMap((files) => [...files]);
  const dropped = app.loader.invalidateFiles?.(changed) ?? (app.loader.invalidate(changed), changed);
  for (const file of dropped) {
    const owner = folderOf(root, file);
    if (owner && !batch.has(owner) && manager.at(owner)) batch.set(owner, new Set());
  }

  // 1. What each changed folder means.
  const removals = new Set<string>();
  const disables = new Set<string>();
  const changes: Change[] = [];
  for (const [dir, files] of batch) {
    if (path.dirname(dir) !== root) continue;
    const view = manager.at(dir);
    if (!isDirectory(dir)) {
      if (view) removals.add(view.name);
      continue;
    }
    const shown = [...files].map((f) => display(app.appDir, f));
    const live = view && manager.isLive(view.name) ? view : undefined;
    if (live && manager.appConfig.plugins?.[live.name]?.enabled === false) {
      disables.add(live.name);
      continue;
    }
    if (live && !files.has(path.join(dir, MANIFEST))) {
      changes.push({ name: live.name, manifest: live.manifest!, files: shown, live: true, added: false, config: reconfigured.has(dir) });
      continue;
    }
    const found = await inspectFolder(app.appDir, root, path.basename(dir));
    if (!found.manifest && !view && !isFile(path.join(dir, MANIFEST))) continue; // a folder being made
    if (live && (!found.manifest || found.manifest.name === live.name)) {
      // A manifest change of a serving plugin: unload nothing until the plan accepts the new manifest.
      for (const warning of found.warnings) manager.logger.warn(warning);
      const problem = problemOf(manager, found);
      if (problem) {
        const error = problemError(live.name, problem);
        manager.keep(live.name, error);
        report({ kind: 'invalid', plugins: [live.name], files: shown, outcome: 'rolled_back', timings: timingsSince(began), error });
        continue;
      }
      await regenerateTypes(options, found, found.manifest!);
      changes.push({ name: live.name, manifest: found.manifest!, found, files: shown, live: true, added: false, config: reconfigured.has(dir) });
      continue;
    }
    // Not serving (new, failed before), or renamed in its manifest: take the folder as found.
    if (live) removals.add(live.name);
    const other = found.manifest ? manager.get(found.manifest.name) : undefined;
    if (other && other.location.dir !== dir && !isDirectory(other.location.dir)) removals.add(other.name); // folder renamed
    changes.push({ files: shown, found, live: false, added: !view, config: reconfigured.has(dir) });
  }

  // 2. Removed folders go first, so that a renamed folder's plugin can come back under its name.
  for (const name of removals) await remove(app, name, report, began);
  for (const name of disables) await disable(app, name, report, began);

  // 3. Adopt new and re-read folders (and changed manifests of serving plugins) into one plan.
  const adopted = changes.filter((c) => c.found);
  if (adopted.length > 0) manager.adopt(...adopted.map((c) => c.found!));
  for (const change of adopted) {
    if (change.live) continue;
    const view = manager.at(change.found!.location.dir)!;
    if (view.invalid) {
      report({ kind: change.added ? 'add' : 'invalid', plugins: [view.name], files: change.files, outcome: 'failed', timings: timingsSince(began), error: viewError(view) });
      continue;
    }
    change.name = view.name;
    change.manifest = view.manifest!;
    await regenerateTypes(options, change.found!, view.manifest!);
  }
  const ready = changes.filter((c) => c.name !== undefined && manager.get(c.name)?.enabled);
  if (ready.length === 0) return;

  // 4. One swap per changed plugin, with its dependents after it; a plugin already swapped as a
  //    dependent of an earlier one in this batch is not swapped twice.
  const byName = new Map(ready.map((c) => [c.name!, c]));
  const order = manager.order;
  for (const change of ready) {
    if (order.includes(change.name!)) continue;
    const view = manager.get(change.name!)!;
    report({ kind: change.added ? 'add' : 'swap', plugins: [view.name], files: change.files, outcome: 'failed', timings: timingsSince(began), error: viewError(view) });
  }
  const done = new Set<string>();
  let from = began; // the first swap's time includes reading the change (manifest, types)
  for (const name of order) {
    const change = byName.get(name);
    if (!change || done.has(name)) continue;
    const items: SwapItem[] = [];
    const files: string[] = [];
    for (const member of [name, ...manager.dependentsOf(name)]) {
      const view = manager.get(member);
      if (done.has(member) || !view?.manifest || !view.enabled || view.invalid) continue;
      const changed = byName.get(member);
      items.push({ name: member, manifest: changed?.manifest ?? view.manifest, checkConfig: changed ? changed.config || touchesConfig(view, changed.files) : false });
      if (changed?.config && changed.files.length === 0 && manager.appConfigFile) changed.files.push(manager.appConfigFile);
      if (changed) files.push(...changed.files);
      done.add(member);
    }
    const swapping = now();
    const result = await manager.swap(items);
    recordMetrics(app, result);
    const report1 = swapReport(app, change.added ? 'add' : 'swap', files, result, swapping - from);
    if (watched && from === began) report1.trace = { ...watched, began: beganEpoch, ready: beganEpoch + report1.timings.total };
    report(report1);
    from = now();
  }
  if (adopted.length > 0) manager.replan();
}

/** Its config files or its manifest changed: check the new configuration before swapping. */
function touchesConfig(view: PluginView, files: readonly string[]): boolean {
  const configDir = `${view.location.displayDir}/config/`;
  return files.some((f) => f.startsWith(configDir) || f === view.location.manifestFile);
}

/** Stop a plugin whose folder went away, and the plugins that need it; then forget it. */
async function remove(app: HotApp, name: string, report: (r: SwapReport) => void, began: number): Promise<void> {
  const view = app.manager.get(name)!;
  const entryFile = view.entry?.file;
  const { plugins, shutdown } = await stopWithDependents(app.manager, name);
  if (entryFile) app.loader.invalidate([entryFile]);
  app.manager.forget(name);
  report({ kind: 'remove', plugins, files: [display(app.appDir, view.location.dir)], outcome: 'ok', timings: { ...timingsSince(began), load: 0, shutdown } });
}

/** Stop a plugin nexus.config now disables, and the plugins that need it; enabling it again starts them all. */
async function disable(app: HotApp, name: string, report: (r: SwapReport) => void, began: number): Promise<void> {
  const { plugins, shutdown } = await stopWithDependents(app.manager, name, 'disabled');
  const file = app.manager.appConfigFile ?? 'nexus.config';
  report({ kind: 'disable', plugins, files: [file], outcome: 'ok', timings: { ...timingsSince(began), load: 0, shutdown } });
}

/** Stop `name` after the running plugins that depend on it; the names come back `name` first. */
async function stopWithDependents(manager: PluginManager, name: string, nextState?: 'disabled'): Promise<{ plugins: string[]; shutdown: number }> {
  const dependents = manager.dependentsOf(name).filter((n) => manager.get(n)?.instance);
  const stopping = [...dependents.reverse(), name];
  const t0 = now();
  for (const n of stopping) if (manager.get(n)?.instance) await manager.stop(n, n === name && nextState ? { nextState } : {});
  return { plugins: stopping.reverse(), shutdown: now() - t0 };
}

function recordMetrics(app: HotApp, result: SwapResult): void {
  for (const name of result.reloaded) app.metrics?.reloaded(name, 'ok');
  if (result.outcome === 'rolled_back' && result.error) app.metrics?.reloaded(result.error.plugin, 'rolled_back');
}

function swapReport(app: HotApp, kind: SwapReport['kind'], files: string[], result: SwapResult, waited: number): SwapReport {
  const { load, shutdown, initialize } = result.phases;
  const timings = { load: load + waited, shutdown, initialize, total: waited + load + shutdown + initialize };
  const report: SwapReport = { kind, plugins: result.plugins, files, outcome: result.outcome, timings };
  if (result.error) report.error = swapError(app, result.error);
  return report;
}

/** A swap failure with its location shown relative to the app. */
function swapError(app: HotApp, failure: SwapFailure): SwapError {
  const error: SwapError = { plugin: failure.plugin, code: failure.code, message: failure.message };
  if (failure.details) error.details = failure.details;
  const where = whereOf(failure);
  if (where) error.location = shownLocation(where, app.appDir, true);
  return error;
}

function viewError(view: PluginView): SwapError {
  return problemError(view.name, { code: view.failure?.code ?? 'NEXUS_MANIFEST_INVALID', messages: [view.error ?? 'invalid manifest'] });
}

function problemError(plugin: string, problem: PlanProblem): SwapError {
  const [message = 'invalid', ...details] = problem.messages.flatMap((p) => p.split('\n'));
  const error: SwapError = { plugin, code: problem.code, message };
  if (details.length > 0) error.details = details;
  return error;
}

/** What the plan says of a re-read folder: its own problems, or its dependencies'. */
function problemOf(manager: PluginManager, found: DiscoveredPlugin): PlanProblem | undefined {
  const plan = manager.plan([found]);
  const name = plan.plugins.find((p) => p.location.dir === found.location.dir)!.name;
  return plan.problems.get(name) ?? plan.blocked.get(name);
}

function timingsSince(began: number): SwapReport['timings'] {
  const total = now() - began;
  return { load: total, shutdown: 0, initialize: 0, total };
}

async function regenerateTypes(options: HotReloaderOptions, found: DiscoveredPlugin, manifest: PluginManifest): Promise<void> {
  if (!options.onManifestChange) return;
  try {
    await options.onManifestChange({ dir: found.location.dir, displayDir: found.location.displayDir, manifest });
  } catch (error) {
    options.onWarning?.(`${found.location.displayDir}: types not regenerated: ${errorMessage(error)}`);
  }
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
