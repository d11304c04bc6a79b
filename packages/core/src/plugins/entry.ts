import { existsSync } from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { NexusError, errorMessage } from '../errors.ts';
import type { PluginManifest } from '../manifest/types.ts';
import { isPluginInstance, type BasePlugin } from './base.ts';
import { locateError, parseFailureOf } from './code-frame.ts';
import type { ModuleLoader } from './loader.ts';
import type { PluginLocation } from './location.ts';
import type { PluginTypes } from './types.ts';

/** Default entry module of a plugin, relative to its folder. */
export const DEFAULT_ENTRY = 'src/plugin.ts';

/** Makes a fresh instance of a loaded plugin. */
export type PluginFactory = () => BasePlugin<PluginTypes, unknown>;

/** A plugin's code, loaded and checked, not yet instantiated. */
export interface LoadedEntry {
  file: string;
  create: PluginFactory;
}

/** Where a plugin's entry module lives. */
export function entryFile(dir: string, manifest: PluginManifest): string {
  return path.resolve(dir, manifest.main ?? DEFAULT_ENTRY);
}

/** Why the entry module of a plugin cannot be loaded without running it (it does not exist), if it cannot. */
export function entryProblem(location: PluginLocation, manifest: PluginManifest, appDir: string): string | undefined {
  const file = entryFile(location.dir, manifest);
  if (existsSync(file)) return undefined;
  const shown = path.relative(appDir, file).split(path.sep).join('/');
  return `${shown}: entry module not found; create it, or set "main" in ${location.manifestFile}`;
}

/** Import a plugin's entry and find its class (default export) or `createPlugin()` factory. */
export async function loadEntry(
  loader: ModuleLoader,
  location: PluginLocation,
  manifest: PluginManifest,
  appDir: string,
): Promise<LoadedEntry> {
  const { dir } = location;
  const file = entryFile(dir, manifest);
  const shown = path.relative(appDir, file).split(path.sep).join('/');
  const missing = entryProblem(location, manifest, appDir);
  if (missing) throw new NexusError('NEXUS_ENTRY_MISSING', missing, { plugin: manifest.name });
  let mod: Record<string, unknown>;
  try {
    mod = await loader.import(file);
  } catch (error) {
    throw loadFailure(manifest.name, shown, dir, error);
  }
  return { file, create: factoryOf(mod, manifest.name, shown) };
}

function factoryOf(mod: Record<string, unknown>, plugin: string, shown: string): PluginFactory {
  const exported = mod.default;
  const invalid = (detail: string): NexusError =>
    new NexusError(
      'NEXUS_ENTRY_INVALID',
      `${shown}: ${detail}; export default a class that extends BasePlugin from @nexus/core, ` +
        'or export function createPlugin() returning an instance',
      { plugin },
    );
  let create: (() => unknown) | undefined;
  if (typeof exported === 'function' && exported.prototype) {
    create = () => new (exported as new () => unknown)();
  } else if (typeof mod.createPlugin === 'function') {
    create = mod.createPlugin as () => unknown;
  }
  if (!create) throw invalid(exported === undefined ? 'exports no plugin' : 'the default export is not a class');
  const factory = create;
  return () => {
    const instance = factory();
    if (!isPluginInstance(instance)) throw invalid('the exported value does not make a plugin (no initialize()/healthCheck())');
    return instance;
  };
}

function loadFailure(plugin: string, shown: string, dir: string, error: unknown): NexusError {
  const parse = parseFailureOf(error);
  const location = parse?.location ?? locateError(error, dir);
  const message = parse?.message ?? stripVTControlCharacters(errorMessage(error)).split('\n')[0]!.replace(/^\[[^\]]+\]\s*/, '');
  return new NexusError('NEXUS_LOAD_FAILED', location ? message : `${shown}: ${message}`, { plugin, cause: error, location });
}
