/**
 * Request throughput of a plugin route against a bare Koa + @koa/router app, in one run. Nexus runs
 * as users install it: the packages are packed and installed outside the repository (built
 * JavaScript, no TypeScript loader in the server processes), as in the startup bench.
 *   in one process   a server process hosting both a bare Koa app and a Nexus app (createApp from
 *                    the installed @nexus/core/host, one plugin `p`), each answering
 *                    GET /plugins/p/ping -> { ok: true }
 *   own processes    `node bare-koa.mjs` against the installed `nexus start <app>`
 * Servers are pinned to core 0 and this process with its load generator to core 1 with `taskset`,
 * so the load generator never competes with the server it measures. The load generator is wrk
 * (`apt-get install -y wrk`; one thread, saturates a Node server from one core); without it, a
 * keep-alive node:http Agent in a worker thread, which is client-bound and reads ~99%. Rounds are short and interleaved (the order rotates) so drift in the
 * machine's speed hits every case alike; the verdict is the median of per-round ratios.
 *
 * Reported per case: median req/s, median p50/p99 latency, and server CPU per request (the main
 * thread, from /proc): on a pinned core req/s is bounded by it, and unlike req/s it hardly moves
 * when the virtual machine loses time to its neighbours. Target: nexus >= 95% of bare.
 * Then user-space instructions per request of the one-process server under callgrind (deterministic:
 * what req/s cannot show on a machine whose speed drifts; BENCH_CALLGRIND=0 skips it, ~3 min).
 * Then the Nexus layer alone: the same route fed to both Koa callbacks in memory, no sockets,
 * and that layer broken down piece by piece (dispatch, gate, metrics and tallies, attribution).
 * Last, the dev dashboard's tracing: `nexus dev` with it on against `"dashboard": false`, in memory.
 *
 * Env: BENCH_ROUNDS (default 16), BENCH_ROUND_MS (default 1000), BENCH_WARMUP_MS (default 2000),
 * BENCH_CONNECTIONS (default 32), BENCH_DEV_ROUNDS (default 6, the dev tracing table).
 * Child mode (used by itself): `--dev-tracing-child on|off <appDir>` measures one side of the tracing
 * table. `--dev-tracing` runs only that table.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { IncomingMessage, ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { cpuTimeMs } from './lib/cpu.ts';
import { runLoad, type LoadOptions, type LoadResult } from './lib/load.ts';
import { hasWrk, runWrk } from './lib/wrk.ts';
import { hasCallgrind, instructionsPerRequest } from './lib/callgrind.ts';
import { installNexus } from './lib/install.ts';
import { get, spawnServer, type RunningServer } from './lib/process.ts';
import { fmt, median } from './lib/stats.ts';
import { printTable } from './lib/table.ts';
import { bareKoaServerSource, removeDir, routePlugin, tempDir, writeApp, type PluginSpec } from './lib/temp-app.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SELF = fileURLToPath(import.meta.url);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 16);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 1000);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 2000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const TARGET = 0.95;
const ROUTE = '/plugins/p/ping';
const PLUGIN = routePlugin('p', '/ping', { ok: true });

/** Pin this process (all its threads, and the workers it starts later) to `core`; false when it cannot. */
function pinSelf(core: number): boolean {
  if (os.cpus().length < 2) return false;
  return spawnSync('taskset', ['-a', '-cp', String(core), String(process.pid)], { stdio: 'ignore' }).status === 0;
}

interface Target {
  label: string;
  url: string;
  /** The process serving it. */
  pid: number;
}

interface Sample {
  load: LoadResult;
  /** Server main-thread CPU µs per request. */
  cpuPerRequest: number;
}

async function main(): Promise<void> {
  const pinned = pinSelf(1);
  const wrk = await hasWrk();
  const load = (options: LoadOptions): Promise<LoadResult> => (wrk ? runWrk(options) : runLoad(options));
  // Servers run on core 0 when pinning works: `taskset` execs node, so the child's pid is node's.
  const serverCommand = (args: string[]): { command: string; args: string[] } =>
    pinned ? { command: 'taskset', args: ['-c', '0', process.execPath, ...args] } : { command: process.execPath, args };
  const work = tempDir('nexus-throughput-bench-');
  const env = { ...process.env, NO_COLOR: '1' };
  const servers: RunningServer[] = [];
  try {
    const began = performance.now();
    const installed = await installNexus(path.join(work, 'installed'));
    console.log(`packed and installed @nexus/core and @nexus/cli outside the repository in ${((performance.now() - began) / 1000).toFixed(1)} s`);
    const bareFile = path.join(work, 'bare-koa.mjs');
    writeFileSync(bareFile, bareKoaServerSource([ROUTE]));
    const pairFile = path.join(work, 'pair.mjs');
    const coreDir = path.join(path.dirname(installed.nexus), '../../core');
    writeFileSync(pairFile, pairServerSource(coreDir));
    const pairApp = writeApp(path.join(work, 'pair-app'), [PLUGIN]);
    const cliApp = writeApp(path.join(work, 'cli-app'), [PLUGIN]);
    const start = async (args: string[]): Promise<RunningServer> => {
      const server = await spawnServer({ ...serverCommand(args), cwd: ROOT, env, path: ROUTE });
      servers.push(server);
      return server;
    };
    const pair = await start([pairFile, pairApp]);
    const pairNexus = /nexus (http:\/\/\S+)/.exec(pair.output().stdout)![1]!;
    const bareProc = await start([bareFile]);
    const nexusProc = await start([installed.nexus, 'start', cliApp, '--port', '0']);
    const targets = {
      bare: { label: 'bare Koa + @koa/router (one process with nexus)', url: pair.url + ROUTE, pid: pair.child.pid! },
      nexus: { label: 'Nexus plugin route, createApp (one process with bare)', url: pairNexus + ROUTE, pid: pair.child.pid! },
      bareProc: { label: 'bare Koa + @koa/router (own process: node)', url: bareProc.url + ROUTE, pid: bareProc.child.pid! },
      nexusProc: { label: 'Nexus plugin route (own process: nexus start)', url: nexusProc.url + ROUTE, pid: nexusProc.child.pid! },
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
        `load generator: ${wrk ? 'wrk (one thread)' : 'node:http worker (install wrk: apt-get install -y wrk; a Node client is client-bound)'}; ` +
        `${CONNECTIONS} keep-alive connections; ${ROUNDS} interleaved rounds of ${ROUND_MS} ms per case after ${WARMUP_MS} ms warm-up.\n` +
        (pinned
          ? 'Servers pinned to core 0, the load generator to core 1 (taskset).'
          : 'NOT pinned (no taskset or one core): the load generator shares cores with the servers; trust the CPU column over req/s.'),
    );
    const samples = Object.fromEntries(names.map((n) => [n, [] as Sample[]])) as Record<Name, Sample[]>;
    for (const name of names) await load({ url: targets[name].url, durationMs: WARMUP_MS, connections: CONNECTIONS });
    for (let round = 0; round < ROUNDS; round++) {
      const order = names.map((_, i) => names[(i + round) % names.length]!);
      for (const name of order) {
        const { url, pid } = targets[name];
        const cpuBefore = cpuTimeMs(pid);
        const result = await load({ url, durationMs: ROUND_MS, connections: CONNECTIONS });
        const cpu = cpuTimeMs(pid) - cpuBefore;
        if (result.errors > 0 || result.non2xx > 0) throw new Error(`${name}: ${result.errors} errors, ${result.non2xx} non-2xx answers`);
        samples[name].push({ load: result, cpuPerRequest: (cpu * 1000) / result.requests });
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
      const capacity = med(bx, (s) => s.cpuPerRequest) / med(nx, (s) => s.cpuPerRequest);
      return [
        label,
        `${(ratio * 100).toFixed(1)}%`,
        ratio >= TARGET ? 'met' : 'NOT met',
        `${(capacity * 100).toFixed(1)}%`,
        perRound.map((r) => `${(r * 100).toFixed(0)}%`).join(' '),
      ];
    };
    console.log();
    printTable(
      ['nexus / bare', 'req/s (median of rounds)', `target >= ${TARGET * 100}%`, 'bare CPU / nexus CPU per req', 'per round'],
      [ratioRow('one process (createApp)', 'nexus', 'bare'), ratioRow('own processes (nexus start vs node)', 'nexusProc', 'bareProc')],
    );
    console.log();
    await instructions(pairFile, pairApp);
    console.log();
    await inMemory(path.join(work, 'memory-app'), coreDir);
    console.log();
    await devTracing(work);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    removeDir(work);
  }
}

/**
 * Both routes of the one-process server under callgrind: user-space instructions per request, which
 * do not drift with the machine as req/s does (see lib/callgrind.ts). BENCH_CALLGRIND=0 skips it.
 */
async function instructions(pairFile: string, appDir: string): Promise<void> {
  if (process.env.BENCH_CALLGRIND === '0') return;
  if (!(await hasCallgrind())) {
    console.log('(instructions per request: valgrind not found; apt-get install -y valgrind)');
    return;
  }
  const began = performance.now();
  const counted = await instructionsPerRequest({
    args: [pairFile, appDir],
    targets: (line) => ({ bare: /bare (http:\/\/\S+)/.exec(line)![1]! + ROUTE, nexus: /nexus (http:\/\/\S+)/.exec(line)![1]! + ROUTE }),
  });
  printTable(
    ['callgrind, one process', 'bare Koa instructions/req', 'Nexus instructions/req', 'Nexus / bare', 'took'],
    [[`GET ${ROUTE}, 2000 requests a round, median of 3`, fmt(counted.bare!), fmt(counted.nexus!), `${((counted.nexus! / counted.bare!) * 100).toFixed(1)}%`, `${((performance.now() - began) / 1000).toFixed(0)} s`]],
    'user-space instructions, kernel excluded (the same syscalls and bytes for both); repeatable to ~0.5% where req/s drifts 20%',
  );
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Feed one GET request to a Koa callback through a fake socket that discards the answer. */
function fire(handler: Handler, url = ROUTE): Promise<void> {
  const socket = new Duplex({ write: (_chunk, _encoding, done) => done(), read: () => undefined });
  const req = new IncomingMessage(socket as never);
  req.method = 'GET';
  req.url = url;
  req.headers = { host: '127.0.0.1' };
  const res = new ServerResponse(req);
  res.assignSocket(socket as never);
  return new Promise((resolve) => {
    res.on('finish', () => resolve());
    handler(req, res);
  });
}

/**
 * What the Nexus layer costs per request without sockets or a load generator: requests fed straight
 * to the two Koa callbacks (fake socket that discards the answer), interleaved rounds, wall time.
 */
async function inMemory(appDir: string, coreDir: string): Promise<void> {
  const ROUNDS_IN_MEMORY = 10;
  const REQUESTS = 20_000;
  // The installed build, as the servers above run it (from sources, tsx wraps every closure a request makes).
  const host = import(pathToFileURL(path.join(coreDir, 'dist/host.js')).href) as Promise<typeof import('@nexus/core/host')>;
  const [{ Router }, { default: Koa }, { createApp }] = await Promise.all([import('@koa/router'), import('koa'), host]);
  const bare = new Koa();
  const router = new Router();
  router.get(ROUTE, (ctx) => {
    ctx.body = { ok: true };
  });
  bare.use(router.routes());
  const nexus = await createApp({ appDir: writeApp(appDir, [PLUGIN]), mode: 'start', port: 0, host: '127.0.0.1', logSink: () => {} });
  await nexus.start();
  try {
    const handlers = { bare: bare.callback() as Handler, nexus: nexus.http.callback() as Handler };
    const perRequest = { bare: [] as number[], nexus: [] as number[] };
    for (let round = 0; round < ROUNDS_IN_MEMORY; round++) {
      for (const name of round % 2 ? (['bare', 'nexus'] as const) : (['nexus', 'bare'] as const)) {
        const began = performance.now();
        for (let i = 0; i < REQUESTS; i++) await fire(handlers[name]);
        perRequest[name].push(((performance.now() - began) * 1000) / REQUESTS);
      }
    }
    const bareUs = median(perRequest.bare);
    const nexusUs = median(perRequest.nexus);
    printTable(
      ['in memory (no sockets)', 'bare Koa µs/req', 'Nexus µs/req', 'Nexus layer µs/req', 'rounds'],
      [[`GET ${ROUTE}, ${REQUESTS} requests a round`, fmt(bareUs, 2), fmt(nexusUs, 2), fmt(nexusUs - bareUs, 2), ROUNDS_IN_MEMORY]],
    );
    console.log();
    breakdown(nexus, nexusUs - bareUs, await dispatchPieces(coreDir));
  } finally {
    await nexus.stop();
  }
}

interface DispatchPieces {
  isSystemPath(path: string): boolean;
  pluginSegment(path: string): string | undefined;
}

/** The dispatch's own path functions, from the installed build (internal modules, imported by file). */
async function dispatchPieces(coreDir: string): Promise<DispatchPieces> {
  const file = (name: string): string => pathToFileURL(path.join(coreDir, 'dist/http', name)).href;
  const [{ isSystemPath }, { pluginSegment }] = await Promise.all([
    import(file('system-routes.js')) as Promise<typeof import('../packages/core/src/http/system-routes.ts')>,
    import(file('middlewares/plugin-dispatch.js')) as Promise<typeof import('../packages/core/src/http/middlewares/plugin-dispatch.ts')>,
  ]);
  return { isSystemPath, pluginSegment };
}

/**
 * The Nexus layer per request, piece by piece: each piece of the request path timed on its own
 * (1e6 calls, median of 5), the rest (Koa middleware layers, the error boundary) by difference.
 */
function breakdown(
  nexus: { manager: { get(name: string): { gate: { isOpen: boolean; enter(): void; leave(): void } } | undefined }; metrics: { requestServed(p: string, m: string, s: number, t: number): void } },
  layerUs: number,
  pieces: DispatchPieces,
): void {
  const N = 1_000_000;
  const time = (run: () => void): number => {
    const samples: number[] = [];
    for (let round = 0; round < 5; round++) {
      const began = performance.now();
      for (let i = 0; i < N; i++) run();
      samples.push(((performance.now() - began) * 1000) / N);
    }
    return median(samples);
  };
  const { isSystemPath, pluginSegment } = pieces;
  const view = nexus.manager.get('p')!;
  const rows: [string, number, string][] = [
    ['dispatch: path match, plugin lookup', time(() => void (isSystemPath(ROUTE) || nexus.manager.get(pluginSegment(ROUTE)!))), 'string scans, no regex; Map get'],
    ['gate: open check, enter, leave', time(() => void (view.gate.isOpen && (view.gate.enter(), view.gate.leave()))), 'counts requests in flight for a swap'],
    ['metrics and tallies: requestServed()', time(() => nexus.metrics.requestServed('p', 'GET', 200, 0.0004)), 'plain tallies; Prometheus series built at scrape time'],
    ['timing: two performance.now()', time(() => void (performance.now() - performance.now())), 'the latency a request is tallied with'],
    ['attribution', 0, 'nothing per request: an escaped error is attributed from its stack'],
  ];
  const timed = rows.reduce((sum, [, us]) => sum + us, 0);
  const rest = layerUs - timed;
  rows.push([
    'rest: Koa layers (errors, routes), state, closures',
    Math.max(0, rest),
    rest >= 0 ? 'by difference from the in-memory Nexus layer' : 'none to tell: the layer costs less than the pieces (Nexus skips what Koa respond() does for bare)',
  ]);
  printTable(
    ['Nexus layer, piece by piece', 'µs/req', 'share of layer', 'what'],
    rows.map(([name, us, what]) => [name, fmt(us, 3), layerUs > 0 ? `${((us / layerUs) * 100).toFixed(0)}%` : '-', what]),
  );
}

/** A route that calls a dependency's service and publishes an event another plugin handles (async). */
const SELL_PLUGINS: PluginSpec[] = [
  {
    manifest: { name: 'stock', version: '1.0.0' },
    source: `import { BasePlugin } from '@nexus/core';
export default class extends BasePlugin {
  override initialize() { this.registerService('stock.reserve', { take: (item: string) => ({ item, left: 9 }) }); }
}`,
  },
  {
    manifest: { name: 'shop', version: '1.0.0', dependencies: ['stock'], permissions: ['events.publish'], events: { publishes: ['shop.sold'] } },
    source: `import { BasePlugin, type Router } from '@nexus/core';
export default class extends BasePlugin {
  override routes(router: Router) {
    router.get('/sell', async (ctx) => {
      const reserved = this.getService<{ take(item: string): { item: string; left: number } }>('stock.reserve').take('tea');
      await this.publishEvent('shop.sold', reserved);
      ctx.body = { ok: true, ...reserved };
    });
  }
}`,
  },
  {
    manifest: { name: 'ledger', version: '1.0.0', permissions: ['events.subscribe'], events: { subscribes: ['shop.sold'] } },
    source: `import { BasePlugin } from '@nexus/core';
export default class extends BasePlugin {
  count = 0;
  override initialize() { this.subscribeToEvent('shop.sold', async () => { this.count++; }); }
}`,
  },
];

/**
 * What the dashboard's request and event tracing costs under `nexus dev`: an app with the dashboard on
 * (the default in dev) against one with `"dashboard": false`. Each runs in its own process (tracing
 * uses AsyncLocalStorage, whose promise hooks slow every promise in the process while traced work runs), requests
 * fed in memory; the processes alternate, and each reports CPU µs per request (robust to a busy
 * machine) and wall µs per request. A round also waits for the event handlers its requests started.
 */
async function devTracing(work: string): Promise<void> {
  const ROUNDS_DEV = Number(process.env.BENCH_DEV_ROUNDS ?? 6);
  const plugins = [PLUGIN, ...SELL_PLUGINS];
  const apps = { on: writeApp(path.join(work, 'dev-on'), plugins), off: writeApp(path.join(work, 'dev-off'), plugins, { dashboard: false }) };
  const samples: Record<string, { cpu: number[]; wall: number[] }> = {};
  for (let round = 0; round < ROUNDS_DEV; round++) {
    for (const variant of round % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
      const args = ['--conditions=@nexus/source', '--import', 'tsx', SELF, '--dev-tracing-child', variant, apps[variant]];
      const child = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      if (child.status !== 0) throw new Error(`dev tracing ${variant}: exit ${child.status}\n${child.stderr}`);
      const measured = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Record<string, { cpu: number; wall: number }>;
      for (const [route, { cpu, wall }] of Object.entries(measured)) {
        const sample = (samples[`${route}:${variant}`] ??= { cpu: [], wall: [] });
        sample.cpu.push(cpu);
        sample.wall.push(wall);
      }
    }
  }
  const rows = Object.keys(DEV_ROUTES).map((route) => {
    const on = samples[`${route}:on`]!;
    const off = samples[`${route}:off`]!;
    const [onCpu, offCpu] = [median(on.cpu), median(off.cpu)];
    return [`GET ${DEV_ROUTES[route as keyof typeof DEV_ROUTES]}`, fmt(offCpu, 1), fmt(onCpu, 1), fmt(onCpu - offCpu, 1), `${(((onCpu - offCpu) / offCpu) * 100).toFixed(0)}%`, fmt(median(off.wall), 1), fmt(median(on.wall), 1)];
  });
  printTable(
    ['nexus dev, in memory', 'tracing off CPU µs/req', 'tracing on CPU µs/req', 'cost µs/req', 'cost %', 'off wall µs/req', 'on wall µs/req'],
    rows,
    `dashboard on (traces) vs "dashboard": false, own processes, ${ROUNDS_DEV} alternating runs, median; /sell calls a service and publishes an event another plugin handles`,
  );
}

const DEV_ROUTES = { ping: ROUTE, sell: '/plugins/shop/sell' };

/** Child of devTracing: serve `appDir` under dev mode and print `{ route: { cpu, wall } }` µs per request. */
async function devTracingChild(variant: string, appDir: string): Promise<void> {
  const REQUESTS = 8_000;
  const { createApp } = await import('@nexus/core/host');
  const app = await createApp({ appDir, mode: 'dev', port: 0, host: '127.0.0.1', logSink: () => {} });
  await app.start();
  try {
    if ((variant === 'on') !== (app.devtools?.tracer !== undefined)) throw new Error(`variant ${variant}: tracing is ${app.devtools?.tracer ? 'on' : 'off'}`);
    const handler = app.http.callback() as Handler;
    const result: Record<string, { cpu: number; wall: number }> = {};
    for (const [route, url] of Object.entries(DEV_ROUTES)) {
      for (let i = 0; i < 2_000; i++) await fire(handler, url); // warm-up
      await app.bus.idle();
      const cpu0 = process.cpuUsage();
      const began = performance.now();
      for (let i = 0; i < REQUESTS; i++) await fire(handler, url);
      await app.bus.idle();
      const cpu = process.cpuUsage(cpu0);
      result[route] = { cpu: (cpu.user + cpu.system) / REQUESTS, wall: ((performance.now() - began) * 1000) / REQUESTS };
    }
    console.log(JSON.stringify(result));
  } finally {
    await app.stop();
  }
}

/**
 * A bare Koa app and a Nexus app (createApp from the installed package in `coreDir`) in one process;
 * prints both URLs, bare first. The bare app uses the repository's koa and @koa/router.
 */
function pairServerSource(coreDir: string): string {
  const url = (file: string): string => JSON.stringify(pathToFileURL(file).href);
  return [
    `import Koa from ${JSON.stringify(import.meta.resolve('koa'))};`,
    `import { Router } from ${JSON.stringify(import.meta.resolve('@koa/router'))};`,
    `import { createApp } from ${url(path.join(coreDir, 'dist/host.js'))};`,
    `const bare = new Koa();`,
    `const router = new Router();`,
    `router.get(${JSON.stringify(ROUTE)}, (ctx) => { ctx.body = { ok: true }; });`,
    `bare.use(router.routes());`,
    `const server = bare.listen(0, '127.0.0.1');`,
    `await new Promise((resolve) => server.once('listening', resolve));`,
    `const nexus = await createApp({ appDir: process.argv[2], mode: 'start', port: 0, host: '127.0.0.1', logSink: () => {} });`,
    `const nexusUrl = await nexus.start();`,
    'console.log(`bare http://127.0.0.1:${server.address().port} nexus ${nexusUrl}`);',
    `process.once('SIGTERM', () => {`,
    `  server.closeAllConnections();`,
    `  server.close();`,
    `  void nexus.stop().then(() => process.exit(0));`,
    `});`,
    ``,
  ].join('\n');
}

if (process.argv[2] === '--dev-tracing-child') await devTracingChild(process.argv[3]!, process.argv[4]!);
else if (process.argv[2] === '--dev-tracing') {
  const work = tempDir('nexus-throughput-bench-');
  try {
    await devTracing(work);
  } finally {
    removeDir(work);
  }
} else await main();
