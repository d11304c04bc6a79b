import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Plugin, ViteDevServer } from 'vite';
import type { EvaluatedModuleNode, ModuleRunner } from 'vite/module-runner';

/** Loads plugin entry modules (TypeScript, no build step) and forgets them when files change. */
export interface ModuleLoader {
  /** Import a module by absolute file path; cached until invalidated. */
  import(file: string): Promise<Record<string, unknown>>;
  /** Forget these files and every module that imports them; returns how many were dropped. */
  invalidate(files: readonly string[]): number;
  /**
   * Like `invalidate`, but returns the files of the modules dropped (the changed files and their
   * importers, transitively), so a hot swap can tell whose code changed.
   */
  invalidateFiles?(files: readonly string[]): string[];
  close(): Promise<void>;
}

const CORE_ID = '@nexus/core';
const RESOLVED_CORE_ID = '\0nexus:core';
const CORE_SLOT = Symbol.for('nexus.core.host');

/**
 * Plugins import `@nexus/core`; they must get the host's own instance (one BasePlugin class, one
 * set of helpers) whether the host runs from source, from a build, or inside Vitest.
 */
function hostCorePlugin(core: Record<string, unknown>): Plugin {
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
 * Vite reads a module with fs/promises' readFile: four thread-pool round trips, 1-3 ms of a hot
 * swap that waits for little else. A plugin's source files are small; read them synchronously.
 */
function syncSourcePlugin(): Plugin {
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

function nativeFilterPlugin(): Plugin {
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

/** Call `plugin[hook]` only when its first argument (the id, or the code for transform) passes. */
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

/**
 * The loader `nexus start` and `nexus dev` both use: Vite's module runner, in-process, with no
 * HMR socket, no file watcher of its own and no dependency pre-bundling. Vite starts on the first
 * import, so an app with no plugin to load (and commands that load none) never pays for it.
 */
export async function createModuleLoader(root: string): Promise<ModuleLoader> {
  let vite: Promise<Vite> | undefined;
  /** Set once Vite is up; invalidation is synchronous, and nothing is loaded before that anyway. */
  let ready: Vite | undefined;
  const started = () =>
    (vite ??= startVite(root).then((value) => {
      ready = value;
      return value;
    }));
  return {
    async import(file) {
      const { server, runner } = await started();
      try {
        return await runner.import(file);
      } catch (error) {
        // A failed evaluation stays cached as a rejected promise: drop the whole tree so the next
        // import (after the fix) evaluates afresh, even when the fix is a file that did not exist.
        // Format the stack first, while the source maps it is mapped through are still there.
        if (error instanceof Error) void error.stack;
        forgetTree(server, runner, file);
        throw error;
      }
    },
    invalidate: (files) => (ready ? invalidateFiles(ready.server, ready.runner, files).length : 0),
    invalidateFiles: (files) => (ready ? invalidateFiles(ready.server, ready.runner, files) : []),
    close: async () => {
      if (!vite) return;
      const { server, runner } = await vite;
      await runner.close();
      await server.close();
    },
  };
}

interface Vite {
  server: ViteDevServer;
  runner: ModuleRunner;
}

async function startVite(root: string): Promise<Vite> {
  const core = (await import('../index.ts')) as Record<string, unknown>;
  // Imported here, not at the top: commands that load no plugin code (validate, typegen) skip Vite's start-up cost.
  const { createServer, createServerModuleRunner } = await import('vite');
  const server = await createServer({
    configFile: false,
    envDir: false,
    root,
    logLevel: 'silent',
    appType: 'custom',
    clearScreen: false,
    server: { middlewareMode: true, hmr: false, ws: false, watch: null },
    optimizeDeps: { noDiscovery: true, include: [] },
    plugins: [hostCorePlugin(core), syncSourcePlugin(), nativeFilterPlugin()],
  });
  return { server, runner: createServerModuleRunner(server.environments.ssr, { hmr: false }) };
}

function invalidateFiles(server: ViteDevServer, runner: ModuleRunner, files: readonly string[]): string[] {
  const graph = server.environments.ssr.moduleGraph;
  const evaluated = runner.evaluatedModules;
  const stack = files.flatMap((file) => {
    for (const mod of graph.getModulesByFile(file) ?? []) graph.invalidateModule(mod);
    return [...(evaluated.getModulesByFile(file) ?? [])];
  });
  const seen = new Set<EvaluatedModuleNode>();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    for (const id of node.importers) {
      const importer = evaluated.getModuleById(id);
      if (importer) stack.push(importer);
      for (const mod of graph.getModulesByFile(importer?.file ?? '') ?? []) graph.invalidateModule(mod);
    }
    evaluated.invalidateModule(node);
  }
  return [...new Set([...seen].flatMap((node) => (node.file ? [node.file] : [])))];
}

/** Invalidate `file` and every module it imports, directly or not (not the externalized ones). */
function forgetTree(server: ViteDevServer, runner: ModuleRunner, file: string): void {
  const graph = server.environments.ssr.moduleGraph;
  const evaluated = runner.evaluatedModules;
  const stack = [...(evaluated.getModulesByFile(file) ?? [])];
  const seen = new Set<EvaluatedModuleNode>();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    for (const id of node.imports) {
      const imported = evaluated.getModuleById(id);
      if (imported && !('externalize' in (imported.meta ?? {}))) stack.push(imported);
    }
    for (const mod of graph.getModulesByFile(node.file ?? '') ?? []) graph.invalidateModule(mod);
    evaluated.invalidateModule(node);
  }
}
