// The Vite plugins of the module loader (loader.ts): what plugins import as @nexus/core, and two
// shortcuts that keep a hot swap off the thread pool.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';

const CORE_ID = '@nexus/core';
const RESOLVED_CORE_ID = '\0nexus:core';
const CORE_SLOT = Symbol.for('nexus.core.host');

/**
 * Plugins import `@nexus/core`; they must get the host's own instance (one BasePlugin class, one
 * set of helpers) whether the host runs from source, from a build, or inside Vitest.
 */
export function hostCorePlugin(core: Record<string, unknown>): Plugin {
  (globalThis as Record<symbol, unknown>)[CORE_SLOT] = core;
  const names = Object.keys(core).filter((name) => /^[A-Za-z_$][\w$]*$/.test(name));
  const code =
    `const core = globalThis[Symbol.for('nexus.core.host')];\n` +
    names.map((name) => `export const ${name} = core.${name};`).join('\n');
  return {
    name: 'nexus:host-core',
    enforce: 'pre',
    resolveId: (id) => (id === CORE_ID ? RESOLVED_CORE_ID : undefined),
    load: (id) => (id === RESOLVED_CORE_ID ? code : undefined),
  };
}

/** Source files read here rather than by Vite: absolute paths of scripts, without a query. */
const SOURCE_FILE = /^[^\0?]+\.[cm]?[jt]sx?$/;

/**
 * Vite reads a module with fs/promises' readFile: four thread-pool round trips, 2.7 ms (median) of
 * a hot swap in the hot-reload bench, where a synchronous read takes well under 1 ms. A plugin's source files are small; read them synchronously.
 */
export function syncSourcePlugin(): Plugin {
  return {
    name: 'nexus:sync-source',
    enforce: 'pre',
    load(id) {
      if (!SOURCE_FILE.test(id) || !path.isAbsolute(id)) return undefined;
      try {
        return readFileSync(id, 'utf8');
      } catch {
        return undefined; // Vite's own load reports it, as it would have
      }
    },
  };
}

/**
 * Vite's built-in native plugins are called for every module, and each call is an asynchronous
 * trip into Rust (~0.2-0.4 ms on a small machine). Two of them only ever act on ids they can tell
 * apart by name: JSON files, and oxc's runtime helpers. Their hooks are called for those ids only.
 */
const NATIVE_FILTERS: Record<string, Partial<Record<'resolveId' | 'load' | 'transform', (id: string) => boolean>>> = {
  'builtin:vite-json': { load: (id) => JSON_ID.test(id), transform: (id) => JSON_ID.test(id) },
  'builtin:oxc-runtime': { resolveId: (id) => OXC_RUNTIME.test(id), load: (id) => OXC_RUNTIME.test(id) },
};
const JSON_ID = /\.json(?:$|\?)/;
/** `@oxc-project/runtime/helpers/...` as imported, `\0@oxc-project+runtime@<version>/...` once resolved. */
const OXC_RUNTIME = /@oxc-project[/+]runtime/;

export function nativeFilterPlugin(): Plugin {
  return {
    name: 'nexus:native-filters',
    configResolved(config) {
      for (const plugin of config.plugins) {
        const filters = NATIVE_FILTERS[plugin.name];
        if (!filters) continue;
        for (const [hook, accepts] of Object.entries(filters)) filterHook(plugin as unknown as Record<string, unknown>, hook, accepts);
      }
    },
  };
}

type Hook = (this: unknown, ...args: unknown[]) => unknown;

/** Call `plugin[hook]` only for ids that pass (resolveId's source, load's id, transform's id). */
function filterHook(plugin: Record<string, unknown>, hook: string, accepts: (id: string) => boolean): void {
  const current = plugin[hook] as Hook | { handler: Hook } | undefined;
  const handler = typeof current === 'function' ? current : current?.handler;
  if (!handler) return;
  // resolveId(source, importer), load(id), transform(code, id)
  const idOf = (args: unknown[]): unknown => (hook === 'transform' ? args[1] : args[0]);
  const filtered: Hook = function (this: unknown, ...args) {
    const id = idOf(args);
    return typeof id === 'string' && !accepts(id) ? undefined : handler.apply(this, args);
  };
  if (typeof current === 'function') plugin[hook] = filtered;
  else if (current) current.handler = filtered;
}
