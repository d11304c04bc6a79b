import { performance } from 'node:perf_hooks';
import { NexusError } from '../errors.ts';
import type { Logger } from '../logger/types.ts';
import type { PluginManifest } from '../manifest/types.ts';
import type { LoadedEntry } from './entry.ts';
import type { PluginFailure } from './failure.ts';
import { dependencyNames } from './graph.ts';
import type { PluginState } from './types.ts';

/** One plugin of a swap: the changed one first, then its dependents, in start order. */
export interface SwapItem {
  name: string;
  /** The manifest to run with. @default the plugin's current one */
  manifest?: PluginManifest;
  /**
   * Its configuration may have changed (a config file, the manifest, nexus.config): resolve it
   * before anything is shut down, so that an invalid value leaves the previous version serving.
   */
  checkConfig?: boolean;
  /** The code to run. @default the entry module, loaded afresh */
  entry?: LoadedEntry;
  /** Called once the old instance is shut down, before the new one starts; returns more leftovers. */
  afterRetire?: () => string[];
}

/** Milliseconds spent in each phase of one swap. */
export interface SwapPhases {
  /** Loading and evaluating the new code (and checking its configuration). */
  load: number;
  /** Letting requests in flight finish, handing state over, shutting the old instances down. */
  shutdown: number;
  /** Initializing the new instances (and, after a failure, the previous ones again). */
  initialize: number;
}

/** Why one plugin's swap did not go through. */
export type SwapFailure = PluginFailure & { plugin: string };

/** What one swap transaction did. */
export interface SwapResult {
  /** Plugins of the swap, the changed one first. */
  plugins: string[];
  /**
   * `ok`: the new versions serve (`error` may still say a dependent that was down stays down);
   * `rolled_back`: one failed and the previous versions serve again; `failed`: nothing to go back to.
   */
  outcome: 'ok' | 'rolled_back' | 'failed';
  phases: SwapPhases;
  error?: SwapFailure;
  /** Plugins now serving new code. */
  reloaded: string[];
  /** Per plugin, what its retired instance did wrong on the way out (shutdown errors, late tasks, hot state not handed over). */
  leftovers: Map<string, string[]>;
}

/** A plugin as a swap sees it. */
export interface SwapSlot {
  readonly name: string;
  readonly state: PluginState;
  readonly manifest?: PluginManifest;
  /** The code the live instance runs. */
  readonly entry?: LoadedEntry;
}

/**
 * The manager's transitions a swap is made of. The manager hands them to `runSwap` and to no one
 * else: it stays the only writer of plugin state.
 */
export interface SwapTransitions {
  readonly logger: Logger;
  slot(name: string): SwapSlot;
  isLive(name: string): boolean;
  load(name: string, manifest: PluginManifest): Promise<LoadedEntry>;
  checkConfig(name: string, manifest: PluginManifest): Promise<void>;
  /** Close the gate and park events; `drain` lets requests inside finish (bounded). */
  hold(name: string): void;
  drain(name: string): Promise<unknown>;
  /** Deliver parked events and open the gate. */
  release(name: string): void;
  /** The old instance's hot state; a failure is a leftover, and the swap goes on without it. */
  exportState(name: string): Promise<{ handoff?: { state: unknown }; problem?: string }>;
  /** Shut the live instance down with the gate kept closed; resolves to its leftovers. */
  retire(name: string): Promise<string[]>;
  /** Activate code with the gate kept closed; resolves to the error, or undefined. */
  activate(name: string, manifest: PluginManifest, entry: LoadedEntry, handoff?: { state: unknown }): Promise<unknown>;
  describe(name: string, error: unknown): PluginFailure;
  /** The plugin is down with this failure. */
  fail(name: string, failure: PluginFailure): void;
  /** The plugin serves its previous version; GET /plugins shows why the new one did not. */
  keep(name: string, failure: PluginFailure): void;
  reloaded(name: string): void;
}

/** What a plugin of the transaction had and gets. */
interface Step {
  name: string;
  manifest: PluginManifest;
  /** The code and manifest serving before the swap, to go back to. */
  previous?: { entry: LoadedEntry; manifest: PluginManifest };
  next?: LoadedEntry;
  handoff?: { state: unknown };
  checkConfig: boolean;
  activated: boolean;
  afterRetire?: () => string[];
}

const now = (): number => performance.now();

/**
 * Swap plugins in one transaction (the changed one first, then its dependents, in start order):
 *
 * 1. close their gates and pause their events: what arrives from now on is for the new code;
 * 2. load and evaluate every plugin's code while requests already inside finish on the old
 *    instances; on failure stop here: nothing was touched, and what waited goes to the old ones;
 * 3. let the requests still inside finish (bounded), then, dependents first: hand state over
 *    (`exportHotState`), shut down, release;
 * 4. in order: activate the new code; on a failure shut down what was activated and re-activate
 *    the previous code of every plugin that was serving, with the state it handed over;
 * 5. deliver the events that waited (to the instances now live), open the gates.
 *
 * No request or event that arrives once a swap began reaches the old code, unless the new code
 * fails: both wait at the gate and the bus and go to whatever instance is live when they open.
 * (Served by the old code while the new one loads, a request sent right after a save would show
 * the code from before it.)
 */
export async function runSwap(tx: SwapTransitions, items: readonly SwapItem[]): Promise<SwapResult> {
  const began = now();
  const steps: Step[] = items.map((item) => {
    const slot = tx.slot(item.name);
    const step: Step = { name: item.name, manifest: item.manifest ?? slot.manifest!, checkConfig: item.checkConfig ?? false, activated: false };
    if (tx.isLive(item.name)) step.previous = { entry: slot.entry!, manifest: slot.manifest! };
    if (item.entry) step.next = item.entry;
    if (item.afterRetire) step.afterRetire = item.afterRetire;
    return step;
  });
  const phases: SwapPhases = { load: 0, shutdown: 0, initialize: 0 };
  const leftovers = new Map<string, string[]>();
  const reloaded: string[] = [];
  const plugins = steps.map((s) => s.name);
  const finish = (outcome: SwapResult['outcome'], error?: SwapFailure): SwapResult =>
    error ? { plugins, outcome, phases, error, reloaded, leftovers } : { plugins, outcome, phases, reloaded, leftovers };
  const failureOf = (name: string, error: unknown): SwapFailure => ({ plugin: name, ...tx.describe(name, error) });

  // 1. Hold requests and events; 2. load, while the old instances finish what they have.
  for (const step of steps) tx.hold(step.name);
  let outcome: SwapResult['outcome'] = 'ok';
  let error: SwapFailure | undefined;
  try {
    const loading = await loadAll(tx, steps, failureOf);
    const loaded = now();
    phases.load = loaded - began;
    if (loading.stop) {
      if (!steps[0]!.previous) return finish('failed', loading.stop);
      tx.keep(loading.stop.plugin, loading.stop);
      return finish('rolled_back', loading.stop);
    }
    error = loading.error;
    steps.splice(0, steps.length, ...steps.filter((s) => s.next));

    // 3. Let the requests inside finish; shut down, dependents first.
    await Promise.all(steps.map((s) => tx.drain(s.name)));
    for (const step of [...steps].reverse()) {
      if (!step.previous) continue;
      const exported = await tx.exportState(step.name);
      step.handoff = exported.handoff;
      const left = await tx.retire(step.name);
      if (exported.problem) left.unshift(exported.problem);
      if (step.afterRetire) left.push(...step.afterRetire());
      if (left.length > 0) leftovers.set(step.name, left);
    }
    const stopped = now();
    phases.shutdown = stopped - loaded;

    // 4. Initialize in start order; roll everything back on the first failure of a serving plugin.
    for (const step of steps) {
      const failure = await activate(tx, step, step.manifest, step.next!);
      if (failure === undefined) {
        step.activated = true;
        continue;
      }
      error ??= failureOf(step.name, failure);
      if (!step.previous && step !== steps[0]) continue; // a plugin that was down stays down
      outcome = (await rollBack(tx, steps)) ? 'rolled_back' : 'failed';
      if (!steps[0]!.previous) outcome = 'failed';
      break;
    }
    phases.initialize = now() - stopped;
  } finally {
    // 5. Deliver what waited, to the live instances, then let requests in.
    for (const name of plugins) tx.release(name);
  }
  for (const step of steps) {
    if (!step.activated || !step.previous || !tx.isLive(step.name)) continue;
    tx.reloaded(step.name);
    reloaded.push(step.name);
  }
  if (outcome === 'rolled_back' && error && tx.isLive(error.plugin)) tx.keep(error.plugin, error);
  return finish(outcome, error);
}

/**
 * Load every plugin's new code (and check its configuration). A failure of the changed plugin or of
 * a serving one stops the swap (`stop`); a dependent that was down and still does not load stays
 * down, and the rest goes on (`error`).
 */
async function loadAll(tx: SwapTransitions, steps: Step[], failureOf: (name: string, error: unknown) => SwapFailure): Promise<{ stop?: SwapFailure; error?: SwapFailure }> {
  let error: SwapFailure | undefined;
  for (const step of steps) {
    try {
      step.next ??= await tx.load(step.name, step.manifest);
      if (step.checkConfig) await tx.checkConfig(step.name, step.manifest);
    } catch (failure) {
      const shown = failureOf(step.name, failure);
      if (step.previous || step === steps[0]) return { stop: shown };
      tx.fail(step.name, shown);
      error ??= shown;
    }
  }
  return error ? { error } : {};
}

/** Stop what this swap activated and bring back every previous version; false if one did not come back. */
async function rollBack(tx: SwapTransitions, steps: Step[]): Promise<boolean> {
  for (const step of [...steps].reverse()) {
    if (!step.activated) continue;
    step.activated = false;
    await tx.retire(step.name);
  }
  let restored = true;
  for (const step of steps) {
    if (!step.previous) continue;
    const failure = await activate(tx, step, step.previous.manifest, step.previous.entry);
    if (failure !== undefined) {
      restored = false;
      tx.logger.error(`[${step.name}] the previous version did not come back either: ${tx.describe(step.name, failure).message}`);
    }
  }
  return restored;
}

/** Activate one plugin after checking its dependencies are live; resolves to the failure, or undefined. */
async function activate(tx: SwapTransitions, step: Step, manifest: PluginManifest, entry: LoadedEntry): Promise<unknown> {
  const down = dependencyNames(manifest).find((name) => !tx.isLive(name));
  if (down !== undefined) {
    const failure = new NexusError('NEXUS_DEPENDENCY_FAILED', `needs plugin "${down}", which is not running`, { plugin: step.name });
    tx.fail(step.name, tx.describe(step.name, failure));
    return failure;
  }
  return tx.activate(step.name, manifest, entry, step.handoff);
}
