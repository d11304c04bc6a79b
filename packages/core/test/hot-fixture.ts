// Test helper for the hot swap tests: a real app folder in a temp dir, a real server on port 0,
// and a hot reloader fed by hand (the watcher has its own tests in tests/dev-*.test.ts).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp, type NexusApp } from '../src/app/create.ts';
import { createHotReloader, type HotReloader } from '../src/hot/reloader.ts';
import type { HotReloaderOptions, SwapReport } from '../src/hot/types.ts';
import { createMemorySink } from '../src/logger/logger.ts';
import type { LogRecord } from '../src/logger/types.ts';

/** A plugin folder: manifest fields (name and version are filled in) and files by relative path. */
export interface TestPlugin {
  manifest?: Record<string, unknown>;
  files: Record<string, string>;
}

export interface HotFixture {
  app: NexusApp;
  hot: HotReloader;
  url: string;
  dir: string;
  reports: SwapReport[];
  logs: LogRecord[];
  /** Absolute folder of a plugin. */
  pluginDir(plugin: string): string;
  /** Write a file of a plugin (creating folders); does not tell the reloader. */
  write(plugin: string, file: string, content: string): string;
  /** Write a plugin's manifest.json (name and version filled in). */
  writeManifest(plugin: string, manifest: Record<string, unknown>): string;
  /** Tell the reloader these files of `plugin` changed and wait for the swap; resolves to its reports. */
  changed(plugin: string, ...files: string[]): Promise<SwapReport[]>;
  /** write() then changed(). */
  edit(plugin: string, file: string, content: string): Promise<SwapReport[]>;
  get(urlPath: string): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export function manifestOf(name: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, version: '1.0.0', nexus_version: '>=0.1.0', ...fields };
}

/** Create an app with these plugins, start it on port 0 and attach a hot reloader. */
export async function startHotApp(
  plugins: Record<string, TestPlugin>,
  options: { timeouts?: { initialize?: number; shutdown?: number }; hot?: HotReloaderOptions } = {},
): Promise<HotFixture> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nexus-hot-'));
  const pluginsDir = path.join(dir, 'plugins');
  if (options.timeouts) writeFileSync(path.join(dir, 'nexus.config.json'), JSON.stringify({ timeouts: options.timeouts }));
  const write = (plugin: string, file: string, content: string): string => {
    const target = path.join(pluginsDir, plugin, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
    return target;
  };
  const writeManifest = (plugin: string, manifest: Record<string, unknown>): string =>
    write(plugin, 'manifest.json', JSON.stringify(manifestOf(plugin, manifest), null, 2));
  for (const [name, plugin] of Object.entries(plugins)) {
    writeManifest(name, plugin.manifest ?? {});
    for (const [file, content] of Object.entries(plugin.files)) write(name, file, content);
  }
  const sink = createMemorySink();
  const app = await createApp({ appDir: dir, mode: 'dev', port: 0, logSink: sink, logLevel: 'debug', catchPluginFaults: false });
  const url = await app.start();
  const reports: SwapReport[] = [];
  const hot = createHotReloader(app, { ...options.hot, onReport: (r) => reports.push(r) });
  const changed = async (plugin: string, ...files: string[]): Promise<SwapReport[]> => {
    const before = reports.length;
    hot.notify(path.join(pluginsDir, plugin), files.map((f) => path.join(pluginsDir, plugin, f)));
    await hot.idle();
    return reports.slice(before);
  };
  return {
    app,
    hot,
    url,
    dir,
    reports,
    logs: sink.records,
    pluginDir: (plugin) => path.join(pluginsDir, plugin),
    write,
    writeManifest,
    changed,
    async edit(plugin, file, content) {
      write(plugin, file, content);
      return changed(plugin, file);
    },
    async get(urlPath) {
      const response = await fetch(url + urlPath);
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: response.status, body };
    },
    async close() {
      await hot.close();
      await app.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A plugin whose `GET /version` answers `{ version }`; `body` goes into the class (extra methods,
 * an initialize()), `top` before it (imports, module code).
 */
export function versionPlugin(version: string, body = '', top = ''): string {
  return `import { BasePlugin, type Router } from '@nexus/core';
${top}
export default class VersionPlugin extends BasePlugin {
  override routes(router: Router): void {
    router.get('/version', (ctx) => {
      ctx.body = { version: ${JSON.stringify(version)} };
    });
  }
${body}
}
`;
}
