/**
 * Request throughput of a plugin route against a bare Koa + @koa/router app, in one process.
 * (a) bare: Koa + @koa/router serving GET /plugins/p/ping -> { ok: true }
 * (b) nexus: createApp() on a temp app with one plugin `p` whose route does the same
 * Both listen on 127.0.0.1 port 0 at the same time; rounds are interleaved (bare, nexus, ...)
 * after a warm-up. The load generator (keep-alive node:http Agent) runs in a worker thread.
 * Target: nexus >= 90% of bare.
 *
 * Reported: median req/s per case, the median of the per-round ratios nexus/bare (each pair ran
 * back to back, so it is the figure least disturbed by other load on the machine), latency, and
 * the server's main-thread busy time per request (event-loop utilization x time / requests).
 *
 * Env: BENCH_ROUNDS (default 8), BENCH_ROUND_MS (default 2500), BENCH_WARMUP_MS (default 2000),
 * BENCH_CONNECTIONS (default 32).
 */
import type { Server } from 'node:http';
import os from 'node:os';
import { Router } from '@koa/router';
import Koa from 'koa';
import { createApp } from '@nexus/core';
import { runLoad, type LoadResult } from './lib/load.ts';
import { get } from './lib/process.ts';
import { fmt, median } from './lib/stats.ts';
import { printTable } from './lib/table.ts';
import { removeDir, routePlugin, tempDir, writeApp } from './lib/temp-app.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
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

async function main(): Promise<void> {
  const dir = writeApp(tempDir('nexus-throughput-bench-'), [routePlugin('p', '/ping', { ok: true })]);
  const bare = await listenBare();
  const nexus = await createApp({ appDir: dir, mode: 'start', port: 0, host: '127.0.0.1', catchPluginFaults: false, logSink: () => {} });
  const nexusUrl = await nexus.start();
  try {
    const targets = { bare: `${bare.url}${ROUTE}`, nexus: `${nexusUrl}${ROUTE}` } as const;
    for (const [name, url] of Object.entries(targets)) {
      const answer = await get(url);
      if (answer?.status !== 200 || JSON.parse(answer.body).ok !== true) throw new Error(`${name}: GET ${url} answered ${answer?.status} ${answer?.body}`);
    }
    console.log(
      `node ${process.version}, ${os.cpus().length} cores, load avg ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; ` +
        `${CONNECTIONS} keep-alive connections, ${ROUNDS} interleaved rounds of ${ROUND_MS} ms after ${WARMUP_MS} ms warm-up each.\n` +
        `Both servers run on this process's main thread; the load generator runs in a worker thread of the same process, ` +
        `so it shares the machine's ${os.cpus().length} cores with the server (absolute req/s are a lower bound; the ratio is the result).`,
    );
    const results: Record<keyof typeof targets, LoadResult[]> = { bare: [], nexus: [] };
    /** Main-thread busy µs per request, per round. */
    const busy: Record<keyof typeof targets, number[]> = { bare: [], nexus: [] };
    for (const url of Object.values(targets)) await runLoad({ url, durationMs: WARMUP_MS, connections: CONNECTIONS });
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate who goes first, so neither always runs on a machine the other just heated.
      const order: (keyof typeof targets)[] = round % 2 === 0 ? ['bare', 'nexus'] : ['nexus', 'bare'];
      for (const name of order) {
        globalThis.gc?.();
        const before = performance.eventLoopUtilization();
        const result = await runLoad({ url: targets[name], durationMs: ROUND_MS, connections: CONNECTIONS });
        const elu = performance.eventLoopUtilization(before);
        if (result.errors > 0 || result.non2xx > 0) throw new Error(`${name}: ${result.errors} errors, ${result.non2xx} non-2xx answers`);
        results[name].push(result);
        busy[name].push((elu.active * 1000) / result.requests);
      }
    }
    const rows = (['bare', 'nexus'] as const).map((name) => {
      const list = results[name];
      return [
        name === 'bare' ? 'bare Koa + @koa/router' : 'Nexus plugin route',
        fmt(median(list.map((r) => r.rps))),
        list.map((r) => fmt(r.rps)).join(' / '),
        fmt(median(list.map((r) => r.latency.p50)), 2),
        fmt(median(list.map((r) => r.latency.p99)), 2),
        fmt(median(busy[name]), 1),
        list.length,
      ];
    });
    printTable(['case', 'median req/s', 'req/s per round', 'p50 ms', 'p99 ms', 'server busy µs/req', 'rounds'], rows, `GET ${ROUTE} -> { ok: true }`);
    const ofMedians = median(results.nexus.map((r) => r.rps)) / median(results.bare.map((r) => r.rps));
    const perRound = results.nexus.map((r, i) => r.rps / results.bare[i]!.rps);
    const ratio = median(perRound);
    const cost = median(busy.bare) / median(busy.nexus);
    printTable(
      ['ratio nexus / bare', 'value', `target >= ${TARGET * 100}%`],
      [
        ['median of per-round req/s ratios', `${(ratio * 100).toFixed(1)}%`, ratio >= TARGET ? 'met' : 'NOT met'],
        ['ratio of median req/s', `${(ofMedians * 100).toFixed(1)}%`, ofMedians >= TARGET ? 'met' : 'NOT met'],
        ['bare / nexus server busy time per request', `${(cost * 100).toFixed(1)}%`, cost >= TARGET ? 'met' : 'NOT met'],
      ],
    );
    console.log(`per round: ${perRound.map((r) => `${(r * 100).toFixed(0)}%`).join(' ')}`);
  } finally {
    await nexus.stop();
    const closed = new Promise((resolve) => bare.server.close(resolve));
    bare.server.closeAllConnections();
    await closed;
    removeDir(dir);
  }
}

await main();
