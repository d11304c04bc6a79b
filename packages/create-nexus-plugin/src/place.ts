// Where the plugin lands: inside a Nexus app (plugins/<name>) or on its own.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const APP_CONFIG_FILES = ['nexus.config.json', 'nexus.config.ts', 'nexus.config.js', 'nexus.config.mjs'];
const SCHEMA = 'node_modules/@nexus/core/schema/manifest.schema.json';

/** True when `dir` looks like a Nexus app: a nexus.config file or a plugins/ folder. */
export function isAppDir(dir: string): boolean {
  return APP_CONFIG_FILES.some((file) => existsSync(path.join(dir, file))) || existsSync(path.join(dir, 'plugins'));
}

/** The app a plugin folder belongs to: `<app>/plugins/<plugin>` (or next to a nexus.config). */
export function findApp(pluginDir: string): string | undefined {
  const parent = path.dirname(pluginDir);
  const app = path.dirname(parent);
  if (path.basename(parent) === 'plugins') return app;
  return APP_CONFIG_FILES.some((file) => existsSync(path.join(app, file))) ? app : undefined;
}

/**
 * `"$schema"` for the manifest, relative to the plugin folder: the nearest installed
 * `@nexus/core` schema, else where the app's (or, on its own, the plugin's) install will put it.
 */
export function schemaPath(pluginDir: string, app: string | undefined): string {
  for (let dir = pluginDir; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, SCHEMA))) return relative(pluginDir, path.join(dir, SCHEMA));
    if (path.dirname(dir) === dir) break;
  }
  return relative(pluginDir, path.join(app ?? pluginDir, SCHEMA));
}

/** The folder of another plugin of `app` whose manifest already has `name`, if any. */
export function pluginNamed(app: string, name: string, except: string): string | undefined {
  const plugins = path.join(app, 'plugins');
  let folders: string[];
  try {
    folders = readdirSync(plugins, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return undefined;
  }
  for (const folder of folders) {
    const dir = path.join(plugins, folder);
    if (path.resolve(dir) === path.resolve(except)) continue;
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { name?: unknown };
      if (manifest.name === name) return dir;
    } catch {
      // Not a plugin, or a broken one: `nexus validate` reports it, not us.
    }
  }
  return undefined;
}

/** `to` relative to `from`, with `/` and a leading `./` when it does not climb. */
export function relative(from: string, to: string): string {
  const rel = path.relative(from, to).split(path.sep).join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}
