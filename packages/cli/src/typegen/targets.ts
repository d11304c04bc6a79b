import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { type PluginManifest } from '@nexus/core';
import { discoverPlugins, loadAppConfig, loadManifest } from '@nexus/core/host';

/** One plugin folder `nexus typegen` looks at; `manifest` is set only when it is valid. */
export interface TypegenTarget {
  /** Manifest name, or the folder name when the manifest is invalid. */
  name: string;
  dir: string;
  displayDir: string;
  manifest?: PluginManifest;
  /** Manifest errors, worded as `nexus validate` words them. */
  errors: string[];
}

/** What a folder given to `nexus typegen` holds. */
export interface TypegenTargets {
  /** `plugin`: the folder is a plugin; `app`: an app with a plugins folder; `folder`: a folder of plugins (e.g. templates/). */
  kind: 'plugin' | 'app' | 'folder' | 'empty';
  plugins: TypegenTarget[];
  /** Problems outside any plugin (e.g. an invalid nexus.config). */
  errors: string[];
}

const APP_CONFIG_FILES = ['nexus.config.json', 'nexus.config.ts', 'nexus.config.js', 'nexus.config.mjs'];

/**
 * Find the plugins of `target`: a plugin folder (has manifest.json), an app (has a nexus.config
 * or a plugins folder; its `pluginsDir` is honoured) or a folder whose subfolders are plugins,
 * such as `templates/`. Paths in messages are relative to the app, or else to `cwd`.
 */
export async function findTypegenTargets(target: string, cwd = process.cwd()): Promise<TypegenTargets> {
  const root = path.resolve(cwd, target);
  if (!isDirectory(root)) throw new Error(`${target} is not a folder; give an app, a plugin folder or a folder of plugins`);
  if (existsSync(path.join(root, 'manifest.json'))) {
    const displayDir = path.relative(cwd, root).split(path.sep).join('/') || '.';
    const check = await loadManifest(root, `${displayDir}/manifest.json`);
    const name = check.manifest?.name ?? path.basename(root);
    return { kind: 'plugin', plugins: [{ name, dir: root, displayDir, manifest: check.manifest, errors: check.errors }], errors: [] };
  }
  const hasConfig = APP_CONFIG_FILES.some((file) => existsSync(path.join(root, file)));
  if (hasConfig || isDirectory(path.join(root, 'plugins'))) {
    const app = await loadAppConfig(root);
    const found = await discoverPlugins(root, app.config.pluginsDir ?? 'plugins');
    return { kind: 'app', plugins: found.map(toTarget), errors: app.errors };
  }
  if (await hasPluginFolders(root)) {
    const found = await discoverPlugins(cwd, root);
    return { kind: 'folder', plugins: found.map(toTarget), errors: [] };
  }
  return { kind: 'empty', plugins: [], errors: [] };
}

function toTarget(plugin: Awaited<ReturnType<typeof discoverPlugins>>[number]): TypegenTarget {
  const { location, manifest, errors } = plugin;
  return { name: manifest?.name ?? location.folder, dir: location.dir, displayDir: location.displayDir, manifest, errors };
}

async function hasPluginFolders(root: string): Promise<boolean> {
  const entries = await readdir(root, { withFileTypes: true });
  return entries.some((e) => e.isDirectory() && existsSync(path.join(root, e.name, 'manifest.json')));
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
