/**
 * Request throughput of a plugin route against a bare Koa + @koa/router app, in one run.
 *   bare    Koa + @koa/router serving GET /plugins/p/ping -> { ok: true }, in this process
 *   nexus   createApp() on a temp app with one plugin `p` whose route does the same, in this process
 *           (catchPluginFaults: false, silent log sink)
 * and, because a server in this process pays for process-wide state the other one installs
 * (Nexus's AsyncLocalStorage turns on promise hooks for every promise in the process), the same
 * two servers in their own processes: `node bare-koa.mjs` and `nexus start <app> --port 0`.
 * All listen on 127.0.0.1 port 0 at once; rounds are interleaved after a warm-up. The load
 * generator (keep-alive node:http Agent) runs in a worker thread of this process.
 * Target: nexus >= 90% of bare.
 *
 * Reported per case: median req/s, median p50/p99 latency, server CPU per request (from /proc:
 * the main thread for in-process servers, the whole process for the others; it is much less
 * disturbed by other load on the machine than req/s), and nexus/bare as the median of per-round
 * ratios (each pair ran back to back).
 *
 * Env: BENCH_ROUNDS (default 6), BENCH_ROUND_MS (default 2500), BENCH_WARMUP_MS (default 2000),
 * BENCH_CONNECTIONS (default 32).
 */
import type { Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router } from '@koa/router';
import Koa from 'koa';
import { createApp } from '@nexus/core';
import { cpuTimeMs } from './lib/cpu.ts';
import { runLoad, type LoadResult } from './lib/load.ts';
import { get, spawnServer } from './lib/process.ts';
import { fmt, median } from './lib/stats.ts';
import { printTable } from './lib/table.ts';
import { bareKoaServerSource, removeDir, routePlugin, tempDir, writeApp } from './lib/temp-app.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NEXUS = path.join(ROOT, 'packages/cli/bin/nexus.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 2500);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 2000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const TARGET = 0.9;
const ROUTE = '/plugins/p/ping';

function listenBare(): Promise<{ url: string; server: Server }> {
  const app = new Koa();
  const router = new Router();
  router.get(ROUTE, (ctx) => {
    ctx.body = { ok: true };
  });
  app.use(router.routes());
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${address.port}`, server });
    });
  });
}

interface Target {
  label: string;
  url: string;
  /** CPU ms used so far by the server. */
  cpu: () => number;
}

interface Sample {
  load: LoadResult;
  /** Server CPU µs per request. */
  cpuPerRequest: number;
}

async function main(): Promise<void> {
  const work = tempDir('nexus-throughput-bench-');
  const app = writeApp(path.join(work, 'app'), [routePlugin('p', '/ping', { ok: true })]);
  const bareFile = path.join(work, 'bare-koa.mjs');
  writeFileSync(bareFile, bareKoaServerSource([ROUTE]));
  const env = { ...process.env, NO_COLOR: '1' };
  const bare = await listenBare();
  const nexus = await createApp({ appDir: app, mode: 'start', port: 0, host: '127.0.0.1', catchPluginFaults: false, logSink: () => {} });
  const nexusUrl = await nexus.start();
  const bareProc = await spawnServer({ command: process.execPath, args: [bareFile], cwd: ROOT, env, path: ROUTE });
  // Its own data dir: the in-process app above holds `<app>/.nexus`.
  const nexusApp = writeApp(path.join(work, 'app-cli'), [routePlugin('p', '/ping', { ok: true })]);
  const nexusProc = await spawnServer({ command: process.execPath, args: [NEXUS, 'start', nexusApp, '--port', '0'], cwd: ROOT, env, path: ROUTE });
  try {
    const targets = {
      bare: { label: 'bare Koa + @koa/router (in-process)', url: bare.url + ROUTE, cpu: () => cpuTimeMs() },
      nexus: { label: 'Nexus plugin route, createApp (in-process)', url: nexusUrl + ROUTE, cpu: () => cpuTimeMs() },
      bareProc: { label: 'bare Koa + @koa/router (own process: node)', url: bareProc.url + ROUTE, cpu: () => cpuTimeMs(bareProc.child.pid!, 'all') },
      nexusProc: { label: 'Nexus plugin route (own process: nexus start)', url: nexusProc.url + ROUTE, cpu: () => cpuTimeMs(nexusProc.child.pid!, 'all') },
    } satisfies Record<string, Target>;
    type Name = keyof typeof targets;
    const names = Object.keys(targets) as Name[];
    for (const name of names) {
      const answer = await get(targets[name].url);
      if (answer?.status !== 200 || (JSON.parse(answer.body) as { ok?: boolean }).ok !== true) {
        throw new Error(`${name}: GET ${targets[name].url} answered ${answer?.status} ${answer?.body}`);
      }
    }
    console.log(
      `node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; ` +
        `${CONNECTIONS} keep-alive connections; ${ROUNDS} interleaved rounds of ${ROUND_MS} ms per case after ${WARMUP_MS} ms warm-up.\n` +
        `The load generator is a worker thread of this process: it shares the machine's ${os.cpus().length} cores with the server ` +
        `under test, so absolute req/s are a lower bound; compare the ratios.`,
    );
    const samples = Object.fromEntries(names.map((n) => [n, [] as Sample[]])) as Record<Name, Sample[]>;
    for (const name of names) await runLoad({ url: targets[name].url, durationMs: WARMUP_MS, connections: CONNECTIONS });
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order so no case always runs first or right after the same other one.
      const order = names.map((_, i) => names[(i + round) % names.length]!);
      for (const name of order) {
        globalThis.gc?.();
        const cpuBefore = targets[name].cpu();
        const load = await runLoad({ url: targets[name].url, durationMs: ROUND_MS, connections: CONNECTIONS });
        const cpu = targets[name].cpu() - cpuBefore;
        if (load.errors > 0 || load.non2xx > 0) throw new Error(`${name}: ${load.errors} errors, ${load.non2xx} non-2xx answers`);
        samples[name].push({ load, cpuPerRequest: (cpu * 1000) / load.requests });
      }
    }
    const med = (name: Name, pick: (s: Sample) => number): number => median(samples[name].map(pick));
    printTable(
      ['case', 'median req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'rounds'],
      names.map((name) => [
        targets[name].label,
        fmt(med(name, (s) => s.load.rps)),
        fmt(med(name, (s) => s.load.latency.p50), 2),
        fmt(med(name, (s) => s.load.latency.p99), 2),
        fmt(med(name, (s) => s.cpuPerRequest), 1),
        samples[name].length,
      ]),
      `GET ${ROUTE} -> { ok: true }`,
    );
    const ratioRow = (label: string, nx: Name, bx: Name): (string | number)[] => {
      const perRound = samples[nx].map((s, i) => s.load.rps / samples[bx][i]!.load.rps);
      const ratio = median(perRound);
      const cpu = med(bx, (s) => s.cpuPerRequest) / med(nx, (s) => s.cpuPerRequest);
      return [
        label,
        `${(ratio * 100).toFixed(1)}%`,
        ratio >= TARGET ? 'met' : 'NOT met',
        `${(cpu * 100).toFixed(1)}%`,
        perRound.map((r) => `${(r * 100).toFixed(0)}%`).join(' '),
      ];
    };
    console.log();
    printTable(
      ['nexus / bare', 'req/s (median of rounds)', `target >= ${TARGET * 100}%`, 'bare CPU / nexus CPU per req', 'per round'],
      [ratioRow('in-process (as specified)', 'nexus', 'bare'), ratioRow('own processes (nexus start vs node)', 'nexusProc', 'bareProc')],
    );
  } finally {
    await nexusProc.stop();
    await bareProc.stop();
    await nexus.stop();
    const closed = new Promise((resolve) => bare.server.close(resolve));
    bare.server.closeAllConnections();
    await closed;
    removeDir(work);
  }
}

await main();
