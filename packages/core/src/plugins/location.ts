import path from 'node:path';

/** Where a plugin lives, computed once when its folder is found. */
export interface PluginLocation {
  /** Folder name under the plugins directory. */
  readonly folder: string;
  /** Absolute folder. */
  readonly dir: string;
  /** The folder as messages show it, relative to the app: `plugins/users`. */
  readonly displayDir: string;
  /** The manifest as messages show it: `plugins/users/manifest.json`. */
  readonly manifestFile: string;
}

/** The location of plugin folder `dir`, shown relative to `appDir`. */
export function pluginLocation(appDir: string, dir: string): PluginLocation {
  const displayDir = path.relative(appDir, dir).split(path.sep).join('/') || '.';
  return { folder: path.basename(dir), dir, displayDir, manifestFile: `${displayDir}/manifest.json` };
}
