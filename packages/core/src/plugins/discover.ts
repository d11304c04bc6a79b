import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { loadManifest } from '../manifest/load.ts';
import type { PluginManifest } from '../manifest/types.ts';
import { pluginLocation, type PluginLocation } from './location.ts';

/** A plugin folder found under the app's plugins directory. */
export interface DiscoveredPlugin {
  /** Where it is; `location.folder` is the plugin's name when its manifest cannot be read. */
  location: PluginLocation;
  manifest?: PluginManifest;
  errors: string[];
  warnings: string[];
}

/** Where an app's plugins are: each subfolder of `root`, or only the folder `only` in it. */
export interface PluginsLocation {
  root: string;
  /** Set when the app folder is itself a plugin: its folder name, the one plugin of the app. */
  only?: string;
}

/**
 * Where the plugins of the app in `appDir` are: `<app>/<pluginsDir>/*` (default `plugins/`). A
 * folder with a manifest.json, no plugins folder and no `pluginsDir` set is a plugin run on its
 * own, as an app of that one plugin (`npx nexus dev` inside a plugin folder).
 */
export function locatePlugins(appDir: string, pluginsDir?: string): PluginsLocation {
  const app = path.resolve(appDir);
  if (pluginsDir === undefined && existsSync(path.join(app, 'manifest.json')) && !existsSync(path.join(app, 'plugins'))) {
    return { root: path.dirname(app), only: path.basename(app) };
  }
  return { root: path.resolve(app, pluginsDir ?? 'plugins') };
}

/** Read and validate every plugin's manifest.json (see `locatePlugins`), in folder order. */
export async function discoverPlugins(appDir: string, pluginsDir?: string): Promise<DiscoveredPlugin[]> {
  const { root, only } = locatePlugins(appDir, pluginsDir);
  const folders = only === undefined ? await listPluginFolders(root) : [only];
  return Promise.all(folders.map((folder) => inspectFolder(appDir, root, folder)));
}

/** Load one plugin folder's manifest. */
export async function inspectFolder(appDir: string, root: string, folder: string): Promise<DiscoveredPlugin> {
  const location = pluginLocation(appDir, path.join(root, folder));
  const check = await loadManifest(location.dir, location.manifestFile);
  return { location, manifest: check.manifest, errors: check.errors, warnings: check.warnings };
}

async function listPluginFolders(root: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !e.name.startsWith('_') && e.name !== 'node_modules')
    .map((e) => e.name)
    .sort();
}
