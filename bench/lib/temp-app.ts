/**
 * Throwaway Nexus apps for benches: temp folders, copies of an existing app without its state,
 * and generated plugins (manifest.json + src/plugin.ts). Everything lives under os.tmpdir().
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh empty folder under the system temp dir. */
export function tempDir(prefix = 'nexus-bench-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Remove a folder made by `tempDir` (never throws). */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** Folders never copied from an app: its state and installed packages. */
export const APP_STATE_DIRS = ['.nexus', 'node_modules'];

/** Copy an app into `into` (a new temp dir by default), leaving out its state (`.nexus/`) and node_modules. */
export function copyApp(source: string, into = tempDir('nexus-bench-app-')): string {
  cpSync(source, into, {
    recursive: true,
    filter: (file) => !APP_STATE_DIRS.includes(path.basename(file)) || path.resolve(file) === path.resolve(source),
  });
  return into;
}

/** Forget an app's saved state so the next start is a first start. */
export function resetAppState(appDir: string, dataDir = '.nexus'): void {
  removeDir(path.join(appDir, dataDir));
}

/** One plugin to write: its manifest and its files (relative to the plugin folder). */
export interface PluginSpec {
  manifest: { name: string; version: string; [field: string]: unknown };
  /** Default: `src/plugin.ts` only, from `source`. */
  files?: Record<string, string>;
  /** Content of `src/plugin.ts`. */
  source?: string;
}

/** Write an app: `nexus.config.json` (when given) and `plugins/<name>/` for each plugin. */
export function writeApp(appDir: string, plugins: readonly PluginSpec[], config?: Record<string, unknown>): string {
  mkdirSync(path.join(appDir, 'plugins'), { recursive: true });
  if (config) writeFileSync(path.join(appDir, 'nexus.config.json'), JSON.stringify(config, null, 2));
  for (const plugin of plugins) {
    const dir = path.join(appDir, 'plugins', plugin.manifest.name);
    const files = { 'manifest.json': JSON.stringify(plugin.manifest, null, 2), ...(plugin.source ? { 'src/plugin.ts': plugin.source } : {}), ...plugin.files };
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
  }
  return appDir;
}

/** A plugin with one route, `GET /plugins/<name><route>` answering `body` as JSON. */
export function routePlugin(name: string, route = '/ping', body: unknown = { ok: true }): PluginSpec {
  return {
    manifest: { name, version: '1.0.0', description: `Bench plugin ${name}` },
    source: [
      `import { BasePlugin, type Router } from '@nexus/core';`,
      ``,
      `const BODY = ${JSON.stringify(body)};`,
      ``,
      `export default class RoutePlugin extends BasePlugin {`,
      `  override routes(router: Router): void {`,
      `    router.get(${JSON.stringify(route)}, (ctx) => {`,
      `      ctx.body = BODY;`,
      `    });`,
      `  }`,
      `}`,
      ``,
    ].join('\n'),
  };
}

/** Options of `generatedPlugins`. */
export interface GeneratedPluginsOptions {
  /** Name prefix; plugins are `<prefix>00`, `<prefix>01`, ... @default 'bench_p_' */
  prefix?: string;
  /** Every `dependEvery`-th plugin depends on the one before it. @default 3 */
  dependEvery?: number;
}

/**
 * `count` realistic small plugins: each has a config key with a default, a route
 * (`GET /plugins/<name>/ping`), publishes `<name>.tick` and subscribes to the next plugin's tick;
 * every `dependEvery`-th one depends on the previous plugin (`name@^1.0.0`).
 */
export function generatedPlugins(count: number, options: GeneratedPluginsOptions = {}): PluginSpec[] {
  const prefix = options.prefix ?? 'bench_p_';
  const every = options.dependEvery ?? 3;
  const width = String(count - 1).length;
  const nameOf = (i: number): string => `${prefix}${String(i).padStart(width, '0')}`;
  return Array.from({ length: count }, (_, i) => {
    const name = nameOf(i);
    const next = nameOf((i + 1) % count);
    const dependsOn = i > 0 && i % every === 0 ? [`${nameOf(i - 1)}@^1.0.0`] : [];
    return {
      manifest: {
        name,
        version: '1.0.0',
        description: `Generated bench plugin ${i}`,
        nexus_version: '>=0.1.0',
        dependencies: dependsOn,
        permissions: ['events.publish', 'events.subscribe'],
        configuration: {
          greeting: { type: 'string', default: `hello from ${name}`, description: 'What GET /ping says' },
          max_items: { type: 'integer', default: 10, min: 1, max: 100 },
        },
        api_endpoints: [{ method: 'GET', path: '/ping', description: 'Answer with the greeting' }],
        events: { publishes: [`${name}.tick`], subscribes: [`${next}.tick`] },
      },
      source: [
        `import { BasePlugin, type Router } from '@nexus/core';`,
        ``,
        `/** Generated bench plugin ${i}. */`,
        `export default class Plugin${i} extends BasePlugin {`,
        `  ticks = 0;`,
        ``,
        `  override initialize(): boolean {`,
        `    this.subscribeToEvent(${JSON.stringify(`${next}.tick`)}, () => {`,
        `      this.ticks += 1;`,
        `    });`,
        `    return true;`,
        `  }`,
        ``,
        `  override routes(router: Router): void {`,
        `    router.get('/ping', (ctx) => {`,
        `      ctx.body = { ok: true, greeting: this.getConfig('greeting'), ticks: this.ticks };`,
        `    });`,
        `  }`,
        `}`,
        ``,
      ].join('\n'),
    };
  });
}

/**
 * A bare Koa + @koa/router server (no Nexus) answering `GET <route>` with `{ ok: true }`, listening
 * on 127.0.0.1 port 0 and printing its URL. Its imports are absolute file URLs, so the file runs
 * from any folder. Valid as both `.mjs` and `.ts`.
 */
export function bareKoaServerSource(routes: readonly string[] = ['/health']): string {
  const koa = import.meta.resolve('koa');
  const router = import.meta.resolve('@koa/router');
  return [
    `import Koa from ${JSON.stringify(koa)};`,
    `import { Router } from ${JSON.stringify(router)};`,
    `const app = new Koa();`,
    `const router = new Router();`,
    ...routes.map((route) => `router.get(${JSON.stringify(route)}, (ctx) => { ctx.body = { ok: true }; });`),
    `app.use(router.routes());`,
    `const server = app.listen(0, '127.0.0.1', () => {`,
    `  console.log('listening on http://127.0.0.1:' + server.address().port);`,
    `});`,
    `process.on('SIGTERM', () => server.close(() => process.exit(0)));`,
    ``,
  ].join('\n');
}
