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

/** Read and validate every `plugins/<folder>/manifest.json`, in folder order. */
export async function discoverPlugins(appDir: string, pluginsDir: string): Promise<DiscoveredPlugin[]> {
  const root = path.resolve(appDir, pluginsDir);
  const folders = await listPluginFolders(root);
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
