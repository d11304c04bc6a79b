import { isDeepStrictEqual } from 'node:util';
import type { AppConfig } from '../config/app.ts';

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
