import { existsSync } from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { NexusError, errorMessage } from '../errors.ts';
import type { PluginManifest } from '../manifest/types.ts';
import { isPluginInstance, type BasePlugin } from './base.ts';
import { codeFrame, formatLocation, locateError, type SourceLocation } from './code-frame.ts';
import type { ModuleLoader } from './loader.ts';
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

/** Import a plugin's entry and find its class (default export) or `createPlugin()` factory. */
export async function loadEntry(
  loader: ModuleLoader,
  dir: string,
  displayDir: string,
  manifest: PluginManifest,
  appDir: string,
): Promise<LoadedEntry> {
  const file = entryFile(dir, manifest);
  const shown = path.relative(appDir, file).split(path.sep).join('/');
  if (!existsSync(file)) {
    throw new NexusError(
      'NEXUS_ENTRY_MISSING',
      `${shown}: entry module not found; create it, or set "main" in ${displayDir}/manifest.json`,
      { plugin: manifest.name },
    );
  }
  let mod: Record<string, unknown>;
  try {
    mod = await loader.import(file);
  } catch (error) {
    throw loadFailure(manifest.name, shown, dir, appDir, error);
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

function loadFailure(plugin: string, shown: string, dir: string, appDir: string, error: unknown): NexusError {
  const parse = parseError(error);
  const loc = parse?.loc ?? locateError(error, dir);
  const where = loc ? formatLocation(loc, appDir) : shown;
  const message = parse?.message ?? firstLine(errorMessage(error));
  const frame = loc?.frame ? `\n${loc.frame}` : '';
  return new NexusError('NEXUS_LOAD_FAILED', `${where}: ${message}${frame}`, { plugin, cause: error });
}

/** Vite 8 (oxc) reports where a file does not parse in `errors[0]` (0-based column), not in the message. */
function parseError(error: unknown): { loc: SourceLocation; message: string } | undefined {
  const first = (error as { errors?: unknown[] } | undefined)?.errors?.[0] as
    | { loc?: { file?: string; line: number; column: number }; id?: string; message?: string }
    | undefined;
  const file = first?.loc?.file ?? first?.id;
  if (!first?.loc || !file) return undefined;
  const { line } = first.loc;
  const column = first.loc.column + 1;
  const message = firstLine(stripVTControlCharacters(first.message ?? '')) || 'cannot be parsed';
  return { loc: { file, line, column, frame: codeFrame(file, line, column) }, message };
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.replace(/^\[[^\]]+\]\s*/, '');
}
