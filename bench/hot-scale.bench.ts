/**
 * Scale: the time to hot-swap one plugin in an app of 1, 20 and 100 plugins (target: flat).
 * The plugins are the generated ones of bench/lib/temp-app.ts (config, a route, events, some
 * dependencies); the one swapped has no dependents. BENCH_SWAPS (default 60) swaps per app after
 * 5 warm-up ones, each checked over HTTP; each app in its own process. The 1-plugin app is the
 * baseline.
 *
 * Child mode (used by itself): HOT_SCALE_CHILD=<plugins> prints one JSON line.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, median, percentile } from './lib/stats.ts';
import { printTable } from './lib/table.ts';
import { generatedPlugins, removeDir, tempDir, writeApp } from './lib/temp-app.ts';

const SIZES = [1, 20, 100];
const SWAPS = Number(process.env.BENCH_SWAPS ?? 60);
const WARMUP = 5;

interface Result {
  plugins: number;
  startMs: number;
  total: number[];
  load: number[];
  shutdown: number[];
  initialize: number[];
}

const child = process.env.HOT_SCALE_CHILD;
if (child) {
  console.log(JSON.stringify(await measure(Number(child))));
} else {
  const results: Result[] = [];
  for (const size of SIZES) {
    const run = spawnSync(process.execPath, ['--expose-gc', '--conditions=@nexus/source', '--import', 'tsx', fileURLToPath(import.meta.url)], {
      env: { ...process.env, HOT_SCALE_CHILD: String(size) },
      encoding: 'utf8',
    });
    const line = run.stdout.trim().split('\n').at(-1) ?? '';
    if (run.status !== 0 || !line.startsWith('{')) {
      console.log(`${size} plugins: failed (${run.status})\n${run.stdout}\n${run.stderr}`);
      process.exitCode = 1;
      continue;
    }
    results.push(JSON.parse(line) as Result);
  }
  const base = results.find((r) => r.plugins === 1);
  printTable(
    ['plugins in the app', 'swaps', 'swap median ms', 'swap p95 ms', 'load ms', 'shutdown ms', 'init ms', 'vs 1 plugin', 'app start ms'],
    results.map((r) => [
      r.plugins,
      r.total.length,
      fmt(median(r.total), 1),
      fmt(percentile(r.total, 95), 1),
      fmt(median(r.load), 1),
      fmt(median(r.shutdown), 2),
      fmt(median(r.initialize), 1),
      base ? `${fmt(median(r.total) / median(base.total), 2)}x` : '-',
      fmt(r.startMs, 0),
    ]),
    `Swap time of one plugin (no dependents) by app size, medians of ${SWAPS} swaps (node ${process.version})`,
  );
}

async function measure(count: number): Promise<Result> {
  const { createApp, createHotReloader } = await import('../packages/core/src/host.ts');
  const plugins = generatedPlugins(count);
  const appDir = writeApp(tempDir('nexus-bench-scale-'), plugins);
  const name = plugins.at(-1)!.manifest.name;
  const pluginDir = path.join(appDir, 'plugins', name);
  const file = path.join(pluginDir, 'src/plugin.ts');
  const original = readFileSync(file, 'utf8');
  const began = performance.now();
  const app = await createApp({ appDir, mode: 'dev', port: 0, logLevel: 'error' });
  const url = await app.start();
  const startMs = performance.now() - began;
  const result: Result = { plugins: count, startMs, total: [], load: [], shutdown: [], initialize: [] };
  let index = 0;
  const hot = createHotReloader(app, {
    onReport: (report) => {
      if (report.outcome !== 'ok') throw new Error(`swap failed: ${report.error?.message}`);
      if (index++ < WARMUP) return;
      result.total.push(report.timings.total);
      result.load.push(report.timings.load);
      result.shutdown.push(report.timings.shutdown);
      result.initialize.push(report.timings.initialize);
    },
  });
  for (let i = 1; i <= WARMUP + SWAPS; i++) {
    writeFileSync(file, original.replace('ok: true,', `ok: true, rev: ${i},`));
    hot.notify(pluginDir, [file]);
    await hot.idle();
    const body = (await (await fetch(`${url}/plugins/${name}/ping`)).json()) as { rev?: number };
    if (body.rev !== i) throw new Error(`swap ${i} not served: ${JSON.stringify(body)}`);
  }
  await hot.close();
  await app.stop();
  removeDir(appDir);
  return result;
}
