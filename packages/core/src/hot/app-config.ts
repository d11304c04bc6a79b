import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { loadAppConfig, type AppConfig } from '../config/app.ts';
import type { HotApp, HotReloader } from './reloader.ts';

/** What a re-read nexus.config changes in a running app. */
export interface AppConfigChange {
  /** Plugins whose `config` overrides changed, or that were enabled or disabled: the hot reloader applies them. */
  reconfigure: string[];
  /** Settings only a restart applies, e.g. `port`. */
  restart: string[];
}

/** Compare the app config an app runs with to a re-read one (for `nexus dev`). */
export function diffAppConfig(before: AppConfig, after: AppConfig): AppConfigChange {
  const restart: string[] = [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)] as (keyof AppConfig)[]);
  for (const key of [...keys].sort()) {
    if (key === 'plugins' || key === '$schema') continue;
    if (!isDeepStrictEqual(before[key], after[key])) restart.push(key);
  }
  const reconfigure: string[] = [];
  const names = new Set([...Object.keys(before.plugins ?? {}), ...Object.keys(after.plugins ?? {})]);
  for (const name of [...names].sort()) {
    const was = before.plugins?.[name];
    const is = after.plugins?.[name];
    const toggled = (was?.enabled !== false) !== (is?.enabled !== false);
    if (toggled || !isDeepStrictEqual(was?.config ?? {}, is?.config ?? {})) reconfigure.push(name);
  }
  return { reconfigure, restart };
}

/** How a re-read nexus.config went, for the terminal. */
export interface AppConfigReport {
  /** The file, relative to the app. */
  file: string;
  /** Plugins handed to the hot reloader: new overrides, enabled or disabled. */
  reconfigured: string[];
  /** Settings that need a restart of `nexus dev`. */
  restart: string[];
  /** Why nothing was applied (the file is invalid). */
  problems: string[];
}

/**
 * Apply a changed nexus.config to a running app: a plugin whose `config` overrides changed is
 * swapped (its new values are checked first; an invalid one leaves it serving as it was);
 * `enabled: false` stops it (and the plugins that need it), enabling it starts them again. Other
 * settings are reported as needing a restart. An invalid file changes nothing.
 */
export async function applyAppConfig(app: HotApp, hot: HotReloader, file: string): Promise<AppConfigReport | undefined> {
  const shown = path.relative(app.appDir, file).split(path.sep).join('/');
  const loaded = await loadAppConfig(app.appDir);
  if (loaded.errors.length > 0) return { file: shown, reconfigured: [], restart: [], problems: loaded.errors };
  const change = diffAppConfig(app.manager.appConfig, loaded.config);
  app.manager.setAppConfig(loaded.config, loaded.file);
  const reconfigured = change.reconfigure.filter((name) => app.manager.get(name));
  for (const name of reconfigured) hot.notify(app.manager.get(name)!.location.dir, [], { config: true });
  if (reconfigured.length === 0 && change.restart.length === 0) return undefined;
  return { file: shown, reconfigured, restart: change.restart, problems: [] };
}
