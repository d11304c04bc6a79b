/**
 * Availability during hot swaps: steady HTTP load on the swapping plugin (`target`) and on another
 * plugin (`other`), while `target` is swapped BENCH_SWAPS (default 100) times through the real
 * watcher (file written, chokidar, coalescing, swap), a swap every 100 ms. Meanwhile `other`
 * publishes an `other.pulse` event every 2 ms from a timer, which `target` subscribes to.
 *
 * Counted: failed requests (connection errors and non-2xx), events published vs received (lost,
 * duplicated) and events or requests that reached an instance after its shutdown.
 *
 * Baseline in the same run: the same app under `nexus start` and the same load, restarted
 * BENCH_RESTARTS (default 5) times on the same port (what a restart-on-save tool does).
 */
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createApp, createHotReloader } from '../packages/core/src/host.ts';
import { watchPlugins } from '../packages/core/src/hot/watcher.ts';
import { get, sleep, startNexus } from './lib/hot.ts';
import { runLoad, type LoadResult } from './lib/load.ts';
import { fmt } from './lib/stats.ts';
import { printTable } from './lib/table.ts';
import { removeDir, tempDir, writeApp } from './lib/temp-app.ts';

const SWAPS = Number(process.env.BENCH_SWAPS ?? 100);
const RESTARTS = Number(process.env.BENCH_RESTARTS ?? 5);
const SPACING_MS = 100;
const CONNECTIONS = 4;

interface Sink {
  published: number;
  received: Map<number, number>;
  retired: number;
  /** Publishing runs while true (from when every plugin is up until the load ends). */
  on: boolean;
}

const targetSource = (version: number): string => `import { BasePlugin, type Router } from '@nexus/core';

interface Sink { received: Map<number, number>; retired: number }
const sink = (): Sink => (globalThis as any).__availability as Sink;

export default class Target extends BasePlugin {
  dead = false;

  override async initialize(): Promise<boolean> {
    this.subscribeToEvent('other.pulse', (event) => {
      const { n } = event.data as { n: number };
      if (this.dead) sink().retired++;
      sink().received.set(n, (sink().received.get(n) ?? 0) + 1);
    });
    await this.getData('warm');
    return true;
  }

  override shutdown(): void {
    this.dead = true;
  }

  override routes(router: Router): void {
    router.get('/ping', (ctx) => {
      if (this.dead) sink().retired++;
      ctx.body = { version: ${version} };
    });
  }
}
`;

const otherSource = `import { BasePlugin, type Router } from '@nexus/core';

interface Sink { published: number; on: boolean }
const sink = (): Sink | undefined => (globalThis as any).__availability as Sink | undefined;

export default class Other extends BasePlugin {
  override initialize(): boolean {
    this.setInterval(() => {
      const s = sink();
      if (!s?.on) return;
      void this.publishEvent('other.pulse', { n: ++s.published });
    }, 2);
    return true;
  }

  override routes(router: Router): void {
    router.get('/ping', (ctx) => {
      ctx.body = { ok: true };
    });
  }
}
`;

function makeApp(): string {
  return writeApp(tempDir('nexus-bench-avail-'), [
    {
      manifest: { name: 'target', version: '1.0.0', permissions: ['events.subscribe', 'database.read'], events: { subscribes: ['other.pulse'] } },
      source: targetSource(0),
    },
    { manifest: { name: 'other', version: '1.0.0', permissions: ['events.publish'], events: { publishes: ['other.pulse'] } }, source: otherSource },
  ]);
}

const failed = (r: LoadResult): number => r.errors + r.non2xx;
const rows: (string | number)[][] = [];

// Hot swaps, in process, through the real watcher.
{
  const appDir = makeApp();
  const sink: Sink = { published: 0, received: new Map(), retired: 0, on: false };
  (globalThis as { __availability?: Sink }).__availability = sink;
  const app = await createApp({ appDir, mode: 'dev', port: 0, logLevel: 'error' });
  const url = await app.start();
  sink.on = true;
  let swaps = 0;
  let notOk = 0;
  const hot = createHotReloader(app, { onReport: (r) => (r.outcome === 'ok' ? swaps++ : notOk++) });
  const watcher = await watchPlugins({ root: app.manager.pluginsRoot, onChange: (dir, files) => hot.notify(dir, files) });
  const file = path.join(appDir, 'plugins/target/src/plugin.ts');
  const durationMs = SWAPS * SPACING_MS + 500;
  const loads = Promise.all([
    runLoad({ url: `${url}/plugins/target/ping`, durationMs, connections: CONNECTIONS }),
    runLoad({ url: `${url}/plugins/other/ping`, durationMs, connections: CONNECTIONS }),
  ]);
  const began = performance.now();
  await sleep(250);
  for (let i = 1; i <= SWAPS; i++) {
    while (performance.now() - began < 250 + i * SPACING_MS - SPACING_MS) await sleep(1);
    writeFileSync(file, targetSource(i));
    for (;;) {
      const answer = await get(`${url}/plugins/target/ping`);
      if (answer?.body === JSON.stringify({ version: i })) break;
      await sleep(1);
    }
  }
  const [target, other] = await loads;
  sink.on = false;
  await sleep(20);
  await app.bus.idle();
  let lost = 0;
  let duplicated = 0;
  for (let n = 1; n <= sink.published; n++) {
    const times = sink.received.get(n) ?? 0;
    if (times === 0) lost++;
    if (times > 1) duplicated += times - 1;
  }
  rows.push([
    `nexus dev: ${swaps} hot swaps of target`,
    target.requests,
    failed(target),
    other.requests,
    failed(other),
    fmt(target.latency.p99, 1),
    fmt(target.latency.max, 1),
    `${sink.published} / ${sink.published - lost} / ${lost} / ${duplicated}`,
    sink.retired,
  ]);
  if (notOk > 0) console.log(`${notOk} swaps did not report ok`);
  await watcher.close();
  await hot.close();
  await app.stop();
  removeDir(appDir);
}

// Baseline: restart `nexus start` on the same port under the same load.
{
  const appDir = makeApp();
  const port = await freePort();
  const args = ['start', appDir, '--port', String(port)];
  let server = await startNexus(args);
  const durationMs = RESTARTS * 1_500 + 1_000;
  const loads = Promise.all([
    runLoad({ url: `${server.url}/plugins/target/ping`, durationMs, connections: CONNECTIONS }),
    runLoad({ url: `${server.url}/plugins/other/ping`, durationMs, connections: CONNECTIONS }),
  ]);
  await sleep(500);
  for (let i = 1; i <= RESTARTS; i++) {
    writeFileSync(path.join(appDir, 'plugins/target/src/plugin.ts'), targetSource(i));
    await server.stop('SIGTERM');
    server = await startNexus(args);
    await sleep(500);
  }
  const [target, other] = await loads;
  await server.stop('SIGTERM');
  rows.push([
    `baseline: ${RESTARTS} restarts of nexus start`,
    target.requests,
    failed(target),
    other.requests,
    failed(other),
    fmt(target.latency.p99, 1),
    fmt(target.latency.max, 1),
    'lost while down',
    '-',
  ]);
  removeDir(appDir);
}

printTable(
  ['run', 'target requests', 'target failed', 'other requests', 'other failed', 'target p99 ms', 'target max ms', 'events published / delivered / lost / duplicated', 'reached a retired instance'],
  rows,
  `Availability under steady load (${CONNECTIONS} + ${CONNECTIONS} keep-alive connections, events every 2 ms; node ${process.version})`,
);
console.log(`\n"failed" = connection errors + non-2xx answers; a request that arrives during a swap waits at the plugin's gate.`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}



