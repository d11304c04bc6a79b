import type { SwapError as WireSwapError, SwapReport as WireSwapReport } from '../devtools/wire.ts';
import type { ErrorCode } from '../errors.ts';
import type { PluginManifest } from '../manifest/types.ts';

export type { SwapTimings } from '../devtools/wire.ts';

/** Why a swap did not go through: what, where (as data), and the code around it. */
export interface SwapError extends WireSwapError {
  code: ErrorCode;
}

/** What one hot swap did: one line of `nexus dev` output (see the dashboard's `SwapReport`). */
export interface SwapReport extends WireSwapReport {
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
}
