import type { PluginManifest } from '../manifest/types.ts';

/** Milliseconds spent in each phase of one hot swap. */
export interface SwapTimings {
  /** Validating a changed manifest, regenerating types, loading and evaluating the new code. */
  load: number;
  /** Letting requests in flight finish, handing state over and shutting the old instances down. */
  shutdown: number;
  /** Initializing the new instances (and, after a failure, the previous ones again). */
  initialize: number;
  /** From taking the change to serving again. */
  total: number;
}

/** Why a swap did not go through, shaped for a terminal: where, what, and the code around it. */
export interface SwapError {
  plugin: string;
  /** A NEXUS_* code. */
  code: string;
  /** One line; starts with `file:line:column` when the error points into the plugin's code. */
  message: string;
  /** Further lines of the message (validation problems), if any. */
  details?: string[];
  /** The source lines around the error, with a caret. */
  frame?: string;
}

/**
 * What one hot swap did: one line of `nexus dev` output.
 *
 * - `swap`: changed code, config or manifest of a running plugin (and its dependents) swapped in;
 * - `add`: a new plugin folder started; `remove`: a removed folder's plugin stopped and forgotten;
 * - `disable`: nexus.config disabled a running plugin: it stopped (the plugins that need it first);
 * - `invalid`: a manifest became invalid; nothing was unloaded, the previous version goes on serving.
 */
export interface SwapReport {
  kind: 'swap' | 'add' | 'remove' | 'disable' | 'invalid';
  /** Plugins re-initialized (or stopped), in the order it happened: the changed one first. */
  plugins: string[];
  /** Changed files, relative to the app folder (`plugins/users/src/plugin.ts`). */
  files: string[];
  /**
   * `ok`: the new version serves; `rolled_back`: it failed and the previous version serves again;
   * `failed`: it failed and there was no previous version to go back to.
   */
  outcome: 'ok' | 'rolled_back' | 'failed';
  timings: SwapTimings;
  error?: SwapError;
}

/** A plugin as the type generator needs it. */
export interface ManifestChange {
  dir: string;
  displayDir: string;
  manifest: PluginManifest;
}

/** Options of a hot reloader. */
export interface HotReloaderOptions {
  /** Called once per swap with what it did; `nexus dev` prints it as one line. */
  onReport?: (report: SwapReport) => void;
  /**
   * Called with a changed, valid manifest before its plugin is swapped; `nexus dev` regenerates the
   * plugin's types here. A throw is reported as a warning and the swap goes on.
   */
  onManifestChange?: (plugin: ManifestChange) => Promise<void>;
  /** Called when `onManifestChange` throws. */
  onWarning?: (message: string) => void;
  /**
   * How long a swap lets requests already inside the old instance finish before shutting it down.
   * @default 2000
   */
  drainMs?: number;
}
