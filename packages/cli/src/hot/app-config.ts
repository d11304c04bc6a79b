import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { watch } from 'chokidar';
import { errorMessage } from '@nexus/core';
import { diffAppConfig, loadAppConfig, type HotReloader, type NexusApp } from '@nexus/core/host';

const CONFIG_FILE = /^nexus\.config\.(json|ts|js|mjs)$/;
/** Editors save in bursts (write, rename, touch): read the file once they are done. */
const SETTLE_MS = 30;
/** chokidar drops a second change of one file within ~50 ms: look again after that window. */
const RECHECK_MS = 120;

/** How a re-read nexus.config went, for the terminal. */
export interface AppConfigReport {
  file: string;
  /** Plugins handed to the hot reloader: new overrides, enabled or disabled. */
  reconfigured: string[];
  /** Settings that need a restart of `nexus dev`. */
  restart: string[];
  /** Why nothing was applied (the file is invalid). */
  problems: string[];
}

/**
 * Watch the app's nexus.config: a change of a plugin's `config` overrides swaps that plugin (its new
 * values are checked first; an invalid one leaves it serving as it was); `enabled: false` stops it
 * (and the plugins that need it), enabling it starts them again. Other settings are reported as
 * needing a restart. An invalid file changes nothing.
 */
export async function watchAppConfig(app: NexusApp, hot: HotReloader, onReport: (report: AppConfigReport) => void): Promise<{ close(): Promise<void> }> {
  let current = app.manager.appConfig;
  const timers = new Set<NodeJS.Timeout>();
  let queue = Promise.resolve();
  const contents = new Map<string, string>();
  const read = (file: string): Promise<string> => readFile(file, 'utf8').catch(() => '');
  for (const file of app.manager.appConfigFile ? [path.join(app.appDir, app.manager.appConfigFile)] : []) {
    contents.set(file, await read(file));
  }
  const reread = async (file: string): Promise<void> => {
    // The same content again (an echo of one save, or the recheck of a save already read): nothing to do.
    const text = await read(file);
    if (contents.get(file) === text) return;
    contents.set(file, text);
    const shown = path.relative(app.appDir, file).split(path.sep).join('/');
    const loaded = await loadAppConfig(app.appDir);
    if (loaded.errors.length > 0) {
      onReport({ file: shown, reconfigured: [], restart: [], problems: loaded.errors });
      return;
    }
    const change = diffAppConfig(current, loaded.config);
    current = loaded.config;
    app.manager.setAppConfig(loaded.config, loaded.file);
    const reconfigured = change.reconfigure.filter((name) => app.manager.get(name));
    for (const name of reconfigured) hot.notify(app.manager.get(name)!.location.dir, [file]);
    if (reconfigured.length > 0 || change.restart.length > 0) onReport({ file: shown, reconfigured, restart: change.restart, problems: [] });
  };
  const watcher = watch(app.appDir, {
    ignoreInitial: true,
    depth: 0,
    ignored: (file, stats) => Boolean(stats?.isFile()) && !CONFIG_FILE.test(path.basename(file)),
  });
  watcher.on('all', (_event, file) => {
    if (!CONFIG_FILE.test(path.basename(file))) return;
    const fail = (error: unknown): void => onReport({ file: path.basename(file), reconfigured: [], restart: [], problems: [errorMessage(error)] });
    for (const delay of [SETTLE_MS, RECHECK_MS]) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        queue = queue.then(() => reread(file)).catch(fail);
      }, delay);
      timers.add(timer);
    }
  });
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    async close() {
      for (const timer of timers) clearTimeout(timer);
      await watcher.close();
      await queue;
    },
  };
}
