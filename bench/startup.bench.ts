/**
 * Start-up time of Nexus as users install it (packed, installed outside the repository, built
 * JavaScript): `nexus --version` against a bare `node -e ''`, and spawn `nexus start <app> --port 0`
 * -> first 200 from `GET /health` (every plugin running), for an empty app, the playground and an
 * app of 50 generated plugins, against a bare Koa + @koa/router server under plain `node`. The
 * repository's bin (sources through tsx) runs beside them, for comparison.
 * Cases are interleaved run by run; each run starts from a fresh data dir (no `.nexus/`).
 * Then the in-process split (boot with the native preload and tsx, import @nexus/core, createApp,
 * start) in fresh processes, loading modules the way bin/nexus.js does.
 *
 * Env: BENCH_RUNS (default 10), BENCH_PLUGINS (default 50).
 * Child mode (used by itself): `startup.bench.ts --split <appDir> <plugins>` prints one JSON line.
 */
import { spawnSync } from 'node:child_process';
import { installNexus } from './lib/install.ts';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { get, timeToReady } from './lib/process.ts';
import { fmt, median, percentile } from './lib/stats.ts';
import { printTable } from './lib/table.ts';
import { bareKoaServerSource, copyApp, generatedPlugins, removeDir, resetAppState, tempDir, writeApp } from './lib/temp-app.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SELF = fileURLToPath(import.meta.url);
const NEXUS = path.join(ROOT, 'packages/cli/bin/nexus.js');
const BOOT = path.join(ROOT, 'bench/lib/boot.mjs');
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const PLUGINS = Number(process.env.BENCH_PLUGINS ?? 50);
const NODE = process.execPath;
const env = { ...process.env, NO_COLOR: '1' };

/** Ready = 200 and every one of `plugins` plugins reported running and healthy. */
function healthyWith(plugins: number) {
  return (status: number, body: string): boolean => {
    if (status !== 200) return false;
    const parsed = JSON.parse(body) as { status?: string; plugins?: Record<string, { healthy?: boolean; state?: string }> };
    const list = Object.values(parsed.plugins ?? {});
    return parsed.status === 'healthy' && list.length === plugins && list.every((p) => p.healthy && p.state === 'running');
  };
}

interface Case {
  name: string;
  args: string[];
  /** Before each run (fresh state). */
  reset?: () => void;
  accept?: (status: number, body: string) => boolean;
  app?: string;
  plugins?: number;
}

async function main(): Promise<void> {
  const work = tempDir('nexus-startup-bench-');
  try {
    const bareJs = path.join(work, 'bare-server.mjs');
    const bareTs = path.join(work, 'bare-server.ts');
    writeFileSync(bareJs, bareKoaServerSource(['/health']));
    writeFileSync(bareTs, bareKoaServerSource(['/health']));
    const playground = copyApp(path.join(ROOT, 'playground'), path.join(work, 'playground'));
    const generated = writeApp(path.join(work, `generated-${PLUGINS}`), generatedPlugins(PLUGINS));
    const empty = writeApp(path.join(work, 'empty'), []);
    const nexusCase = (name: string, app: string, plugins: number): Case => ({
      name,
      app,
      plugins,
      args: [NEXUS, 'start', app, '--port', '0'],
      reset: () => resetAppState(app),
      accept: healthyWith(plugins),
    });
    const installed = await installNexus(path.join(work, 'installed'));
    const installedCase = (name: string, app: string, plugins: number): Case => ({ ...nexusCase(name, app, plugins), args: [installed.nexus, 'start', app, '--port', '0'] });
    printVersionTable(installed.nexus);
    const cases: Case[] = [
      { name: 'baseline: node bare-koa.mjs', args: [bareJs] },
      { name: 'baseline: node --import tsx bare-koa.ts', args: ['--import', 'tsx', bareTs] },
      installedCase('nexus start, empty app (0 plugins)', empty, 0),
      installedCase('nexus start playground (3 plugins)', playground, 3),
      installedCase(`nexus start, ${PLUGINS} generated plugins`, generated, PLUGINS),
      nexusCase('from sources (repo bin, tsx): empty app', empty, 0),
    ];
    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    console.log(`tarballs: ${Object.entries(installed.tarballs).map(([name, bytes]) => `${name} ${(bytes / 1024).toFixed(1)} kB`).join(', ')}`);
    console.log(`production install (@nexus/core + @nexus/cli, npm install --omit=dev): node_modules ${mb(installed.size.total)}; biggest: ${installed.size.biggest.map(([name, bytes]) => `${name} ${mb(bytes)}`).join(', ')}`);

    console.log(`node ${process.version}, ${RUNS} runs per case (+1 warm-up, discarded), cases interleaved; spawn -> first 200 from GET /health`);
    const times = new Map<string, number[]>(cases.map((c) => [c.name, []]));
    const toUrl = new Map<string, number[]>(cases.map((c) => [c.name, []]));
    for (let run = -1; run < RUNS; run++) {
      // Rotate the order so no case always runs right after the same other one.
      const order = cases.map((_, i) => cases[(i + Math.max(run, 0)) % cases.length]!);
      for (const c of order) {
        c.reset?.();
        const result = await timeToReady({ command: NODE, args: c.args, cwd: ROOT, env, accept: c.accept });
        if (run >= 0) {
          times.get(c.name)!.push(result.ms);
          toUrl.get(c.name)!.push(result.urlMs);
        }
      }
    }
    printTable(
      ['case', 'median ms', 'p95 ms', 'min ms', 'URL printed (median ms)', 'n'],
      cases.map((c) => {
        const t = times.get(c.name)!;
        return [c.name, fmt(median(t)), fmt(percentile(t, 95)), fmt(Math.min(...t)), fmt(median(toUrl.get(c.name)!)), t.length];
      }),
      'Start-up: spawn -> first 200 from GET /health (all plugins running)',
    );
    const bare = median(times.get(cases[0]!.name)!);
    console.log(`\nOver the plain-node bare Koa server (median): ${cases.slice(2).map((c) => `${c.name.replace('nexus start', '').replace(/^[ ,]+/, '')} ×${(median(times.get(c.name)!) / bare).toFixed(2)}`).join('; ')} (target for the empty app: ≤ 2×)`);

    // In-process split, each run in a fresh process (cold module caches, fresh data dir).
    const splits = new Map<string, Split[]>();
    const splitCases = cases.filter((c) => c.app !== undefined && !c.name.startsWith('from sources'));
    for (let run = 0; run < Math.min(RUNS, 5); run++) {
      for (const c of splitCases) {
        c.reset?.();
        const out = spawnSync(NODE, [BOOT, SELF, '--split', c.app!, String(c.plugins)], { cwd: ROOT, env, encoding: 'utf8' });
        if (out.status !== 0) throw new Error(`split run of ${c.name} failed (exit ${out.status})\n${out.stdout}\n${out.stderr}`);
        const line = out.stdout.trim().split('\n').pop()!;
        splits.set(c.name, [...(splits.get(c.name) ?? []), JSON.parse(line) as Split]);
      }
    }
    const col = (list: Split[], key: keyof Split): string => fmt(median(list.map((s) => s[key])));
    printTable(
      ['case', 'boot: node, preload, tsx', 'import @nexus/core', 'createApp', 'start (listen+plugins)', 'of which plugin imports (wall)', 'first /health', 'total', 'n'],
      splitCases.map((c) => {
        const list = splits.get(c.name)!;
        return [c.name, col(list, 'boot'), col(list, 'importCore'), col(list, 'createApp'), col(list, 'start'), col(list, 'pluginImports'), col(list, 'health'), col(list, 'total'), list.length];
      }),
      'In-process split, from sources (median ms; a child booted like the repo bin by bench/lib/boot.mjs, running createApp() + start() directly, silent log sink)',
    );
  } finally {
    removeDir(work);
  }
}

/** `nexus --version` (installed, and the repo's bin from sources) against `node -e ''`, interleaved. */
function printVersionTable(installedBin: string): void {
  const cases = [
    { name: "baseline: node -e ''", args: ['-e', ''] },
    { name: 'nexus --version (installed)', args: [installedBin, '--version'] },
    { name: 'nexus --version (repo bin, sources through tsx)', args: [NEXUS, '--version'] },
  ];
  const runs = Math.max(RUNS, 7);
  const times = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let run = -1; run < runs; run++) {
    for (const c of cases) {
      const began = performance.now();
      const out = spawnSync(NODE, c.args, { cwd: ROOT, env, encoding: 'utf8' });
      if (out.status !== 0) throw new Error(`${c.name} failed (exit ${out.status})\n${out.stdout}\n${out.stderr}`);
      if (run >= 0) times.get(c.name)!.push(performance.now() - began);
    }
  }
  const bare = median(times.get(cases[0]!.name)!);
  printTable(
    ['case', 'median ms', 'p95 ms', 'min ms', '× node -e', 'n'],
    cases.map((c) => {
      const t = times.get(c.name)!;
      return [c.name, fmt(median(t)), fmt(percentile(t, 95)), fmt(Math.min(...t)), (median(t) / bare).toFixed(2), t.length];
    }),
    `nexus --version, spawn to exit (target: installed ≤ 4× node -e '')`,
  );
}

interface Split {
  boot: number;
  importCore: number;
  createApp: number;
  start: number;
  pluginImports: number;
  health: number;
  total: number;
}

/** Child mode: one cold start, timed phase by phase. performance.now() counts from process start. */
async function split(appDir: string, plugins: number): Promise<void> {
  const t0 = performance.now();
  const { createApp } = await import('@nexus/core/host');
  const t1 = performance.now();
  const app = await createApp({ appDir, mode: 'start', port: 0, logSink: () => {} });
  const t2 = performance.now();
  // Entries load concurrently: report the wall time from the first import's start to the last one's end.
  let firstImport = Number.POSITIVE_INFINITY;
  let lastImport = 0;
  const load = app.loader.import.bind(app.loader);
  app.loader.import = async (file) => {
    firstImport = Math.min(firstImport, performance.now());
    try {
      return await load(file);
    } finally {
      lastImport = Math.max(lastImport, performance.now());
    }
  };
  const url = await app.start();
  const t3 = performance.now();
  const answer = await get(`${url}/health`);
  const t4 = performance.now();
  if (!answer || !healthyWith(plugins)(answer.status, answer.body)) throw new Error(`not healthy: ${answer?.status} ${answer?.body}`);
  await app.stop();
  const pluginImports = lastImport > 0 ? lastImport - firstImport : 0;
  const result: Split = { boot: t0, importCore: t1 - t0, createApp: t2 - t1, start: t3 - t2, pluginImports, health: t4 - t3, total: t4 };
  console.log(JSON.stringify(result));
}

if (process.argv[2] === '--split') {
  await split(process.argv[3]!, Number(process.argv[4]));
  process.exit(0);
} else {
  await main();
}
