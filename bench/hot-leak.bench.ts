/**
 * No leak: 1000 hot swaps of one plugin, in a process limited to `--max-old-space-size=96`.
 *
 * The plugin (`ballast`) holds 256 KB per instance and imports a helper module with a 2000-row
 * table, so keeping old instances or module versions alive would blow the 96 MB limit within a few
 * hundred swaps. Each swap rewrites the helper (the entry is re-evaluated through the importer walk)
 * and checks the new version is served over HTTP. Every instance and both module namespaces (entry
 * and helper) of every version are registered in a FinalizationRegistry and kept as WeakRefs; after
 * the loop and a forced collection, none but the live ones may be reachable.
 *
 * Second case: the playground's `users` plugin (its dependent `notifications` re-initialized on each
 * swap), to watch a real plugin that uses `validated()` routes.
 *
 * Baseline: the same process before its first swap (heap and RSS at 0).
 * Env: BENCH_SWAPS (default 1000). Child mode: HOT_LEAK_CHILD=ballast|playground.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mb, PLAYGROUND, withRoute } from './lib/hot.ts';
import { fmt, median } from './lib/stats.ts';
import { printTable } from './lib/table.ts';
import { copyApp, removeDir, tempDir, writeApp } from './lib/temp-app.ts';

const SWAPS = Number(process.env.BENCH_SWAPS ?? 1000);
const CHECKPOINTS = [0, 200, 500, 1000, 2000, 5000].filter((n) => n <= SWAPS);
const mode = process.env.HOT_LEAK_CHILD;

if (!mode) {
  // Parent: run each case in its own small-heap process.
  let failed = 0;
  for (const child of ['ballast', 'playground']) {
    const result = spawnSync(
      process.execPath,
      ['--max-old-space-size=96', '--expose-gc', '--conditions=@nexus/source', '--import', 'tsx', fileURLToPath(import.meta.url)],
      { stdio: 'inherit', env: { ...process.env, HOT_LEAK_CHILD: child } },
    );
    if (result.status !== 0) {
      failed++;
      console.log(`\n${child}: the 96 MB process ended with ${result.status ?? result.signal}`);
    }
  }
  process.exitCode = failed > 0 ? 1 : 0;
} else {
  await runChild(mode);
}

async function runChild(which: string): Promise<void> {
  const { createApp, createHotReloader } = await import('../packages/core/src/host.ts');
  const gc = globalThis.gc!;
  const appDir = which === 'playground' ? copyApp(PLAYGROUND) : ballastApp();
  const plugin = which === 'playground' ? 'users' : 'ballast';
  const pluginDir = path.join(appDir, 'plugins', plugin);
  const changedFile = path.join(pluginDir, which === 'playground' ? 'src/plugin.ts' : 'src/table.ts');
  const original = readFileSync(changedFile, 'utf8');
  const source = (i: number): string =>
    which === 'playground' ? withRoute(original, '/rev', `rev-${i}`) : original.replace(/VERSION = \d+/, `VERSION = ${i}`);
  const probe = which === 'playground' ? '/plugins/users/rev' : '/plugins/ballast/version';
  const expected = (i: number): string => (which === 'playground' ? `rev-${i}` : `{"version":${i},"rows":2000}`);

  const app = await createApp({ appDir, mode: 'dev', port: 0, logLevel: 'error' });
  const url = await app.start();
  const swapTimes: number[] = [];
  let failures = 0;
  const hot = createHotReloader(app, {
    onReport: (report) => {
      swapTimes.push(report.timings.total);
      if (report.outcome !== 'ok') failures++;
    },
  });

  const collected = { instance: 0, module: 0 };
  const registry = new FinalizationRegistry<'instance' | 'module'>((kind) => collected[kind]++);
  const instances: WeakRef<object>[] = [];
  const modules: WeakRef<object>[] = [];
  const track = async (): Promise<void> => {
    const record = app.manager.get(plugin)!;
    const instance = record.instance!;
    registry.register(instance, 'instance');
    instances.push(new WeakRef(instance));
    for (const file of [record.entry!.file, changedFile]) {
      const namespace = await app.loader.import(file);
      if (modules.some((ref) => ref.deref() === namespace)) continue;
      registry.register(namespace, 'module');
      modules.push(new WeakRef(namespace));
    }
  };
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 4; i++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const memory = async (): Promise<{ heap: number; rss: number }> => {
    await settle();
    const usage = process.memoryUsage();
    return { heap: usage.heapUsed, rss: usage.rss };
  };

  await track();
  const rows: (string | number)[][] = [];
  const base = await memory();
  rows.push([0, mb(base.heap), mb(base.rss), '-', '-']);
  const began = performance.now();
  for (let i = 1; i <= SWAPS; i++) {
    writeFileSync(changedFile, source(i));
    hot.notify(pluginDir, [changedFile]);
    await hot.idle();
    const answer = await fetch(url + probe);
    const body = await answer.text();
    if (body !== expected(i)) throw new Error(`swap ${i}: expected ${expected(i)}, got ${answer.status} ${body}`);
    await track();
    if (CHECKPOINTS.includes(i)) {
      const now = await memory();
      const window = swapTimes.slice(-50);
      rows.push([i, mb(now.heap), mb(now.rss), fmt(median(window), 1), fmt(((now.heap - base.heap) / i) / 1024, 1)]);
    }
  }
  const seconds = (performance.now() - began) / 1000;
  await settle();
  await new Promise((resolve) => setTimeout(resolve, 50));
  await settle();
  const live = (refs: WeakRef<object>[], current: number): number => refs.slice(0, refs.length - current).filter((r) => r.deref() !== undefined).length;
  const liveFiles = new Set([app.manager.get(plugin)!.entry!.file, changedFile]).size;
  const oldInstances = instances.length - 1;
  const oldModules = modules.length - liveFiles;
  const reachableInstances = live(instances, 1);
  const reachableModules = live(modules, liveFiles);

  const title =
    which === 'playground'
      ? `Playground users plugin (→ notifications), ${SWAPS} swaps, --max-old-space-size=96`
      : `Plugin holding 256 KB per instance + a 2000-row helper module, ${SWAPS} swaps, --max-old-space-size=96`;
  printTable(['swaps', 'heap used MB (after gc)', 'RSS MB', 'swap median ms (last 50)', 'heap growth KB/swap'], rows, title);
  console.log(
    `\nold plugin instances still reachable: ${reachableInstances} of ${oldInstances} (FinalizationRegistry: ${collected.instance} collected)` +
      `\nold module namespaces still reachable: ${reachableModules} of ${oldModules} (FinalizationRegistry: ${collected.module} collected)` +
      `\nfailed swaps: ${failures}; ${SWAPS} swaps in ${fmt(seconds, 1)} s; heap limit 96 MB held (process alive)`,
  );
  await hot.close();
  await app.stop();
  removeDir(appDir);
  if (reachableInstances > 0 || reachableModules > 0 || failures > 0) process.exitCode = 1;
}

function ballastApp(): string {
  const dir = tempDir('nexus-bench-leak-');
  const filler = Array.from(
    { length: 60 },
    (_, i) => `export function filler${i}(rows: readonly string[], k: number = ${i}): string[] {\n  return rows.filter((_, n) => n % (k + 1) === 0).map((r) => r + ':${i}');\n}`,
  ).join('\n');
  return writeApp(dir, [
    {
      manifest: { name: 'ballast', version: '1.0.0' },
      files: {
        'src/table.ts': [
          `export const VERSION = 0;`,
          `export const TABLE: readonly string[] = Array.from({ length: 2000 }, (_, i) => \`row-\${i}-v\${VERSION}-\${Math.random()}\`);`,
          filler,
          '',
        ].join('\n'),
        'src/plugin.ts': [
          `import { BasePlugin, type Router } from '@nexus/core';`,
          `import { TABLE, VERSION } from './table.ts';`,
          ``,
          `export default class Ballast extends BasePlugin {`,
          `  /** 256 KB that only this instance holds: a leaked instance is easy to see. */`,
          `  readonly ballast = new Uint8Array(256 * 1024).fill(1);`,
          `  override initialize(): boolean {`,
          `    this.setInterval(() => this.ballast[0]!++, 60_000);`,
          `    return true;`,
          `  }`,
          `  override routes(router: Router): void {`,
          `    router.get('/version', (ctx) => { ctx.body = { version: VERSION, rows: TABLE.length }; });`,
          `  }`,
          `}`,
          ``,
        ].join('\n'),
      },
    },
  ]);
}
