import { performance } from 'node:perf_hooks';
import { stripVTControlCharacters } from 'node:util';
import { resolvePluginConfig } from '../config/resolve.ts';
import { NexusError, errorMessage } from '../errors.ts';
import type { EventBus } from '../events/bus.ts';
import type { NexusMetrics } from '../http/metrics.ts';
import type { PluginManifest } from '../manifest/types.ts';
import { codeFrame, formatLocation, locateError } from '../plugins/code-frame.ts';
import { loadEntry, type LoadedEntry } from '../plugins/entry.ts';
import { dependencyNames } from '../plugins/graph.ts';
import type { PluginManager, PluginRecord } from '../plugins/manager.ts';
import { withTimeout } from '../plugins/timeout.ts';
import type { SwapError, SwapReport, SwapTimings } from './types.ts';

/** What a swap needs from the host. */
export interface SwapHost {
  appDir: string;
  manager: PluginManager;
  bus: EventBus;
  metrics?: NexusMetrics;
  drainMs: number;
}

/** One plugin of a swap plan. */
export interface SwapItem {
  record: PluginRecord;
  /** The manifest to run with: a changed one, or the record's. */
  manifest: PluginManifest;
  /**
   * Its configuration may have changed (a config file or the manifest): resolve it before anything
   * is shut down, so that an invalid value leaves the previous version serving with its own config.
   */
  checkConfig?: boolean;
}

/** What a plugin of the plan had and gets while the swap runs. */
interface Step {
  record: PluginRecord;
  manifest: PluginManifest;
  /** The code and manifest serving before the swap, to go back to. */
  previous?: { entry: LoadedEntry; manifest: PluginManifest };
  next?: LoadedEntry;
  handoff?: { state: unknown };
  checkConfig: boolean;
  activated: boolean;
}

/**
 * `error` may come with outcome `ok`: the plugins swapped, but a dependent that was already down
 * failed again.
 */
export type SwapResult = Pick<SwapReport, 'plugins' | 'outcome' | 'error'> & { timings: SwapTimings };

const now = (): number => performance.now();

/**
 * Swap a plan of plugins (the changed one first, then its dependents, in start order):
 *
 * 1. load and evaluate every plugin's code; on failure stop here, nothing was touched;
 * 2. close their gates and pause their events, let requests in flight finish (bounded);
 * 3. dependents first: hand state over (`exportHotState`), shut down, release;
 * 4. in order: activate the new code; on a failure shut down what was activated and re-activate
 *    the previous code of every plugin that was serving, with the state it handed over;
 * 5. deliver the events that waited (to the instances now live), open the gates.
 *
 * No request or event reaches an instance after its shutdown began: both wait at the gate and the
 * bus and go to whatever instance is live when they open.
 */
export async function swapPlugins(host: SwapHost, items: readonly SwapItem[], began = now()): Promise<SwapResult> {
  const { manager, bus } = host;
  const steps: Step[] = items.map(({ record, manifest, checkConfig }) => ({
    record,
    manifest,
    checkConfig: checkConfig ?? false,
    previous: isLive(record) ? { entry: record.entry!, manifest: record.manifest! } : undefined,
    activated: false,
  }));
  const timings: SwapTimings = { load: 0, shutdown: 0, initialize: 0, total: 0 };
  const finish = (outcome: SwapReport['outcome'], error?: SwapError): SwapResult => {
    timings.total = now() - began;
    const plugins = steps.map((s) => s.record.name);
    return error ? { plugins, outcome, timings, error } : { plugins, outcome, timings };
  };

  // 1. Load. Nothing is closed yet: the old versions serve while the new code compiles.
  let error: SwapError | undefined;
  for (const step of steps) {
    try {
      step.next = await loadEntry(manager.options.loader, step.record.dir, step.record.displayDir, step.manifest, host.appDir);
      if (step.checkConfig) await checkConfig(manager, step.record, step.manifest);
    } catch (failure) {
      const shown = shownError(manager, step.record, failure, host.appDir);
      if (step.previous || step === steps[0]) {
        timings.load = now() - began;
        if (!steps[0]!.previous) return finish('failed', shown);
        keepServing(host, step.record, shown);
        return finish('rolled_back', shown);
      }
      // A dependent that was down and still does not load stays down; the rest goes on.
      step.record.state = 'failed';
      step.record.error = shown.message;
      error ??= shown;
    }
  }
  steps.splice(0, steps.length, ...steps.filter((s) => s.next));
  const loaded = now();
  timings.load = loaded - began;

  // 2. Hold requests and events.
  for (const step of steps) {
    step.record.gate.close();
    bus.pause(step.record.name);
  }
  let outcome: SwapReport['outcome'] = 'ok';
  try {
    await Promise.all(steps.map((s) => s.record.gate.drain(host.drainMs)));

    // 3. Shut down, dependents first.
    for (const step of [...steps].reverse()) {
      if (!step.previous) continue;
      step.handoff = await exportState(manager, step.record);
      await manager.stop(step.record, { keepGateClosed: true, nextState: 'swapping' });
    }
    const stopped = now();
    timings.shutdown = stopped - loaded;

    // 4. Initialize in start order; roll everything back on the first failure of a serving plugin.
    for (const step of steps) {
      const failure = await activate(manager, step, step.manifest, step.next!, step.handoff);
      if (failure === undefined) {
        step.activated = true;
        continue;
      }
      error ??= shownError(manager, step.record, failure, host.appDir);
      if (!step.previous && step !== steps[0]) continue; // a plugin that was down stays down
      outcome = (await rollBack(manager, steps, host.appDir)) ? 'rolled_back' : 'failed';
      if (!steps[0]!.previous) outcome = 'failed';
      break;
    }
    timings.initialize = now() - stopped;
  } finally {
    // 5. Deliver what waited, to the live instances, then let requests in.
    for (const step of steps) {
      void bus.resume(step.record.name);
      step.record.gate.open();
    }
  }
  for (const step of steps) {
    if (!step.activated || !step.previous || !isLive(step.record)) continue;
    step.record.reloads++;
    host.metrics?.reloaded(step.record.name, 'ok');
  }
  if (outcome === 'rolled_back' && error) {
    const failed = manager.get(error.plugin);
    if (failed) keepServing(host, failed, error);
  }
  return finish(outcome, error);
}

/** The previous version serves on; GET /plugins shows why the new one did not. */
function keepServing(host: SwapHost, record: PluginRecord, error: SwapError): void {
  host.metrics?.reloaded(record.name, 'rolled_back');
  if (isLive(record)) record.error = error.message;
}

/** Stop what this swap activated and bring back every previous version; false if one did not come back. */
async function rollBack(manager: PluginManager, steps: Step[], appDir: string): Promise<boolean> {
  for (const step of [...steps].reverse()) {
    if (!step.activated) continue;
    step.activated = false;
    await manager.stop(step.record, { keepGateClosed: true, nextState: 'swapping' });
  }
  let restored = true;
  for (const step of steps) {
    if (!step.previous) continue;
    const failure = await activate(manager, step, step.previous.manifest, step.previous.entry, step.handoff);
    if (failure !== undefined) {
      restored = false;
      const shown = shownError(manager, step.record, failure, appDir);
      manager.options.logger.error(`[${step.record.name}] the previous version did not come back either: ${shown.message}`);
    }
  }
  return restored;
}

/** Activate one plugin with the gate kept closed; resolves to the failure, or undefined. */
async function activate(
  manager: PluginManager,
  step: Step,
  manifest: PluginManifest,
  entry: LoadedEntry,
  handoff: { state: unknown } | undefined,
): Promise<unknown> {
  const { record } = step;
  const down = dependencyNames(manifest).find((name) => !isLive(manager.get(name)));
  if (down !== undefined) {
    const failure = new NexusError('NEXUS_DEPENDENCY_FAILED', `needs plugin "${down}", which is not running`, { plugin: record.name });
    record.state = 'failed';
    record.error = failure.message;
    return failure;
  }
  record.manifest = manifest;
  let failure: unknown;
  const ok = await manager.activate(record, entry, handoff, {
    keepGateClosed: true,
    onFailure: (error) => {
      failure = error;
    },
  });
  return ok ? undefined : (failure ?? new Error(record.error ?? 'activation failed'));
}

/** Resolve the configuration the plugin would start with; throws NEXUS_CONFIG_INVALID. */
async function checkConfig(manager: PluginManager, record: PluginRecord, manifest: PluginManifest): Promise<void> {
  const { options } = manager;
  const resolved = await resolvePluginConfig({
    manifest,
    pluginDir: record.dir,
    displayDir: record.displayDir,
    envName: options.envName,
    appOverrides: options.appConfig.plugins?.[manifest.name]?.config,
    appConfigFile: options.appConfigFile,
    saved: await options.storage.loadConfig(manifest.name),
    environ: options.environ ?? process.env,
  });
  if (resolved.errors.length > 0) {
    throw new NexusError('NEXUS_CONFIG_INVALID', resolved.errors.join('\n'), { plugin: manifest.name, problems: resolved.errors });
  }
}

/** Ask the old instance for the state it hands to its successor (opt-in, time-limited). */
async function exportState(manager: PluginManager, record: PluginRecord): Promise<{ state: unknown } | undefined> {
  const { instance, context } = record;
  if (!instance?.exportHotState || !context) return undefined;
  try {
    const state = await withTimeout(
      Promise.resolve(instance.exportHotState!()),
      manager.timeouts.shutdown,
      `exportHotState() of plugin "${record.name}"`,
    );
    return { state };
  } catch (error) {
    manager.options.logger.warn(`[${record.name}] exportHotState() failed, the new instance starts without it: ${errorMessage(error)}`);
    return undefined;
  }
}

/** A live plugin: initialized, serving, with the code it was made from. */
export function isLive(record: PluginRecord | undefined): boolean {
  return record !== undefined && record.state === 'running' && record.instance !== undefined && record.entry !== undefined;
}

/**
 * What a swap shows of a failure (GET /plugins, the swap line, the dashboard): described, then with
 * the plugin's secret config values redacted, as the manager does for the failures it records.
 */
function shownError(manager: PluginManager, record: PluginRecord, error: unknown, appDir: string): SwapError {
  const shown = describeError(record, error, appDir);
  const redact = (text: string): string => manager.redact(record.name, text);
  const result: SwapError = { ...shown, message: redact(shown.message) };
  if (shown.details) result.details = shown.details.map(redact);
  if (shown.frame) result.frame = redact(shown.frame);
  return result;
}

/** Turn a load or initialize failure into file:line, message and code frame. */
export function describeError(record: PluginRecord, error: unknown, appDir: string): SwapError {
  const code = error instanceof NexusError ? error.code : 'NEXUS_PLUGIN_FAILED';
  const [first = '', ...rest] = errorMessage(error).split('\n');
  const frameStart = rest.findIndex((line) => /^[> ] +\d+ \|/.test(line));
  const details = frameStart < 0 ? rest : rest.slice(0, frameStart);
  let frame = frameStart < 0 ? undefined : rest.slice(frameStart).join('\n');
  let message = first;
  const cause = error instanceof NexusError ? error.cause : error;
  const parse = parseErrorOf(cause);
  if (parse) {
    // Vite 8 (oxc) puts where a file does not parse in `errors[].loc`, with a 0-based column.
    const column = parse.column + 1;
    message = `${formatLocation({ file: parse.file, line: parse.line, column }, appDir)}: ${parse.message}`;
    frame = codeFrame(parse.file, parse.line, column);
  } else if (!frame && error instanceof NexusError && cause !== undefined) {
    // Lifecycle errors wrap the plugin's own error: point at the line that threw.
    const loc = locateError(cause, record.dir);
    if (loc) {
      message = `${formatLocation(loc, appDir)}: ${first}`;
      frame = loc.frame;
    }
  }
  const shown: SwapError = { plugin: record.name, code, message: stripVTControlCharacters(message) };
  if (details.length > 0) shown.details = details;
  if (frame) shown.frame = frame;
  return shown;
}

interface ParseError {
  file: string;
  line: number;
  column: number;
  message: string;
}

function parseErrorOf(error: unknown): ParseError | undefined {
  const first = (error as { errors?: unknown[] } | undefined)?.errors?.[0] as
    | { loc?: { file?: string; line: number; column: number }; message?: string; id?: string }
    | undefined;
  const file = first?.loc?.file ?? first?.id;
  if (!first?.loc || !file) return undefined;
  const text = stripVTControlCharacters(first.message ?? '').split('\n')[0]!.replace(/^\[[A-Z_]+\]\s*/, '');
  return { file, line: first.loc.line, column: first.loc.column, message: text || 'cannot be parsed' };
}
