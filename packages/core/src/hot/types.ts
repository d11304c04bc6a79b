import type { ErrorCode, ErrorLocation } from '../errors.ts';
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

/** Why a swap did not go through: what, where (as data), and the code around it. */
export interface SwapError {
  plugin: string;
  code: ErrorCode;
  /** One line: what is wrong and how to fix it. */
  message: string;
  /** Further lines of the message (validation problems), if any. */
  details?: string[];
  /** Where it points in the plugin's code (file relative to the app), with the source lines around it. */
  location?: ErrorLocation;
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
  /**
   * When the change went through each stage, in epoch ms (comparable with another process's
   * clock): the first file event, the end of the debounce, the files hashed, the batch began, the
   * new code ready. Set for the first swap of a change that came from the watcher.
   */
  trace?: { event: number; settled: number; hashed: number; began: number; ready: number };
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
}
