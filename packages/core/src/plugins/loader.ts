import type { ViteDevServer } from 'vite';
import type { EvaluatedModuleNode, ModuleEvaluator, ModuleRunner, ModuleRunnerImportMeta } from 'vite/module-runner';
import { hostCorePlugin, nativeFilterPlugin, syncSourcePlugin } from './vite-plugins.ts';

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
  const [{ createServer, createServerModuleRunnerTransport }, runnerModule] = await Promise.all([import('vite'), import('vite/module-runner')]);
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
  // createServerModuleRunner(), with three of its choices changed (source maps, import.meta, the evaluator):
  const runner = new runnerModule.ModuleRunner({
    transport: createServerModuleRunnerTransport({ channel: server.environments.ssr.hot }),
    hmr: false,
    // Stack traces are mapped back to the TypeScript by Vite's own hook, when one is read. Node's
    // source maps would parse each module's map as it is compiled: ~0.3 ms of every hot swap's load.
    sourcemapInterceptor: 'prepareStackTrace',
    createImportMeta: (file) => lazyResolveImportMeta(runnerModule, file),
  }, withoutInlineMaps(new runnerModule.ESModulesEvaluator()));
  return { server, runner };
}

/** The comment that carries a module's source map inline; Vite puts it last. */
const INLINE_MAP = '\n//# sourceMappingURL=data:application/json;';

/**
 * Vite's evaluator, less the inline source map comment of the code it compiles. Where Node's own
 * source maps are on (--enable-source-maps, or tsx in this repository), Node would decode and parse
 * that map each time a module is compiled (~0.2 ms of a hot swap); Vite's stack trace hook reads
 * the map from the module's fetched code when a trace needs it.
 */
function withoutInlineMaps(evaluator: ModuleEvaluator): ModuleEvaluator {
  return {
    startOffset: evaluator.startOffset,
    runInlinedModule(context, code, module) {
      const map = code.lastIndexOf(INLINE_MAP);
      return evaluator.runInlinedModule(context, map === -1 ? code : code.slice(0, map + 1), module);
    },
    runExternalModule: (file) => evaluator.runExternalModule(file),
  };
}

/**
 * `import.meta` of a plugin module. Vite's Node version registers a module hook for
 * `import.meta.resolve` as the first module loads; on Node 20 that starts a loader thread (~140 ms
 * of a start with plugins) and sends every later `import()` through it. Here the hook is made only
 * when a module calls `import.meta.resolve`.
 */
function lazyResolveImportMeta(runner: typeof import('vite/module-runner'), file: string): ModuleRunnerImportMeta {
  let node: ModuleRunnerImportMeta | undefined;
  return {
    ...runner.createDefaultImportMeta(file),
    main: false,
    resolve: (id, parent) => (node ??= runner.createNodeImportMeta(file)).resolve(id, parent),
  };
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
