import { existsSync } from 'node:fs';
import { readdir, readlink, realpath, stat } from 'node:fs/promises';
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
  const folders = only === undefined ? await listPluginFolders(root) : [{ name: only }];
  return Promise.all(
    folders.map((folder) => (folder.problem ? linkProblem(appDir, root, folder.name, folder.problem) : inspectFolder(appDir, root, folder.name))),
  );
}

/** Load one plugin folder's manifest. */
export async function inspectFolder(appDir: string, root: string, folder: string): Promise<DiscoveredPlugin> {
  const location = pluginLocation(appDir, path.join(root, folder));
  const check = await loadManifest(location.dir, location.manifestFile);
  return { location, manifest: check.manifest, errors: check.errors, warnings: check.warnings };
}

function linkProblem(appDir: string, root: string, folder: string, problem: string): DiscoveredPlugin {
  const location = pluginLocation(appDir, path.join(root, folder));
  return { location, errors: [`${location.displayDir}: ${problem}`], warnings: [] };
}

interface Folder {
  name: string;
  /** Why a symbolic link cannot be followed. */
  problem?: string;
}

async function listPluginFolders(root: string): Promise<Folder[]> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const folders: Folder[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name.startsWith('_') || entry.name === 'node_modules') continue;
    if (entry.isDirectory()) folders.push({ name: entry.name });
    else if (entry.isSymbolicLink()) {
      const followed = await followLink(root, path.join(root, entry.name));
      if (followed !== 'file') folders.push({ name: entry.name, problem: followed });
    }
  }
  return folders.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * A symbolic link in the plugins folder is followed when it leads to a folder outside the plugins
 * folder's own ancestry; otherwise the reason it is not (a loop, a missing target) is returned.
 * `undefined`: follow it; `'file'`: not a folder, skipped like any file.
 */
async function followLink(root: string, link: string): Promise<string | 'file' | undefined> {
  let target: string;
  try {
    target = await realpath(link);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return 'is a symbolic link that loops back on itself; point it at the plugin folder';
    return `is a symbolic link to ${await readlink(link).catch(() => '?')}, which does not exist; fix or remove the link`;
  }
  if (!(await stat(target)).isDirectory()) return 'file';
  const realRoot = await realpath(root);
  if (realRoot === target || realRoot.startsWith(target + path.sep)) {
    return `is a symbolic link to ${target}, which contains the plugins folder itself (a loop); point it at the plugin folder`;
  }
  return undefined;
}
