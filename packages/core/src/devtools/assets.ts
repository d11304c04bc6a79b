import { createHash } from 'node:crypto';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'koa';

/** Where the dashboard page is served from. */
export const DASHBOARD_BASE = '/_nexus/';

/** Serves the dashboard page's files; answers false when a path is not one of them. */
export interface DashboardAssets {
  /** `built`: the Vite build in dist/dashboard; `source`: built from dashboard/ on the first visit (inside the repository). */
  readonly kind: 'built' | 'source';
  serve(ctx: Context): Promise<boolean>;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/** The @nexus/core package folder (this file is `<pkg>/src/devtools/assets.ts` or `<pkg>/dist/devtools/assets.js`). */
export function corePackageDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
}

/**
 * The dashboard's files. Running from TypeScript sources (this repository) with the page's sources
 * present, they are built on the first visit (no build step to develop or test); otherwise the
 * build that `npm run build:dashboard` wrote to `dist/dashboard/` (what the published package ships).
 */
export function dashboardAssets(packageDir = corePackageDir()): DashboardAssets {
  const fromSource = import.meta.url.endsWith('.ts') && existsSync(path.join(packageDir, 'dashboard/index.html'));
  if (fromSource) return sourceAssets(path.join(packageDir, 'dashboard'));
  return builtAssets(path.join(packageDir, 'dist/dashboard'));
}

/** Static files of a Vite build: hashed assets cached for good, index.html for every other page path. */
export function builtAssets(dir: string): DashboardAssets {
  return {
    kind: 'built',
    async serve(ctx) {
      if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return false;
      const relative = decodeURIComponent(ctx.path.slice(DASHBOARD_BASE.length));
      const file = path.resolve(dir, relative || 'index.html');
      if (!file.startsWith(dir + path.sep)) return false;
      const isAsset = relative.startsWith('assets/') || path.extname(relative) !== '';
      const target = isAsset ? file : path.join(dir, 'index.html');
      let body: Buffer;
      try {
        body = await readFile(target);
      } catch {
        if (isAsset) return false;
        ctx.status = 500;
        ctx.body = { error: 'dashboard_not_built', message: `The dashboard is not built: ${target} is missing; run \`npm run build\` in packages/core` };
        return true;
      }
      ctx.type = TYPES[path.extname(target)] ?? 'application/octet-stream';
      ctx.set('cache-control', relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      ctx.body = body;
      return true;
    },
    close: async () => undefined,
  };
}

/**
 * The page built from its sources on the first visit, into a temp folder keyed by the sources'
 * paths, sizes and times: what the published package ships, without a build step in the repository.
 */
function sourceAssets(root: string): DashboardAssets {
  let built: Promise<DashboardAssets> | undefined;
  return {
    kind: 'source',
    async serve(ctx) {
      return (await (built ??= buildOnce(root))).serve(ctx);
    },
    close: async () => undefined,
  };
}

async function buildOnce(root: string): Promise<DashboardAssets> {
  const outDir = path.join(tmpdir(), 'nexus-dashboard', sourceStamp(root));
  if (!existsSync(path.join(outDir, 'index.html'))) {
    const staging = `${outDir}.${process.pid}.${Date.now()}`;
    const { build } = await import('vite');
    await build({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'silent', build: { outDir: staging, emptyOutDir: true } });
    try {
      renameSync(staging, outDir);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another process built the same sources first
    }
  }
  return builtAssets(outDir);
}

function sourceStamp(root: string): string {
  const hash = createHash('sha1').update(root);
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        const stats = statSync(full);
        hash.update(`${full}:${stats.size}:${stats.mtimeMs}\n`);
      }
    }
  };
  walk(root);
  return hash.digest('hex').slice(0, 16);
}
