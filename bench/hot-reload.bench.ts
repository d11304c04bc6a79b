/**
 * Save-to-serving latency of `nexus dev`: from writing a plugin file to the first HTTP response
 * that shows the new code, over BENCH_EDITS (default 60) edits per plugin of a copy of the
 * playground app, after 5 warm-up edits. Edits are a human save apart (150 ms after the previous
 * one was served). Two plugins: `users`, whose swap re-initializes its dependent `notifications`,
 * and `my_awesome_plugin`, a leaf that saves state in shutdown().
 *
 * Baseline in the same run: a full process restart of the same app (what `tsx watch` or nodemon
 * do): write, stop `nexus start` (SIGTERM), spawn it again, poll until the new code answers;
 * BENCH_RESTARTS (default 15) times.
 *
 * Targets (issue 10): median < 15 ms, p95 < 40 ms, at least 10x faster than the restart.
 *
 * Where the time goes: `nexus dev` runs with NEXUS_LOG_LEVEL=debug, so each swap prints a trace
 * line with the epoch ms of the first file event and of the new code being ready; with the epoch
 * ms of each write and of the first new answer here, every edit splits into watcher event (write →
 * chokidar), settle (debounce), hash/read, queue, load, shutdown, init and first response (ready →
 * the client's first answer with the new code; polling every POLL_MS).
 */
import http from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { get, PLAYGROUND, sleep, startNexus, withRoute, type ServerProcess } from './lib/hot.ts';
import { fmt, median, summarize, type Summary } from './lib/stats.ts';
import { printTable } from './lib/table.ts';
import { copyApp, removeDir } from './lib/temp-app.ts';

const EDITS = Number(process.env.BENCH_EDITS ?? 60);
const RESTARTS = Number(process.env.BENCH_RESTARTS ?? 15);
const WARMUP = 5;
const PAUSE_MS = 150;
/** Between polls (BENCH_POLL_MS): a loop without pause would be a load test of the server while it swaps. */
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 1);

const app = copyApp(PLAYGROUND);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let revision = 0;

interface Target {
  plugin: string;
  file: string;
  original: string;
}
const target = (plugin: string): Target => {
  const file = path.join(app, 'plugins', plugin, 'src/plugin.ts');
  return { plugin, file, original: readFileSync(file, 'utf8') };
};

const epoch = (): number => performance.timeOrigin + performance.now();
/** Epoch ms of each measured write and of its first new answer, in order. */
let marks: { wrote: number; answered: number }[] = [];

/** Write a new revision of the plugin; resolve with the ms until `url` answers it. */
async function edit(t: Target, url: string, timeoutMs = 10_000): Promise<number> {
  const body = `rev-${++revision}`;
  const source = withRoute(t.original, '/rev', body);
  const began = performance.now();
  const wrote = epoch();
  writeFileSync(t.file, source);
  for (;;) {
    const answer = await get(`${url}/plugins/${t.plugin}/rev`, agent);
    if (answer?.status === 200 && answer.body === body) {
      marks.push({ wrote, answered: epoch() });
      return performance.now() - began;
    }
    if (performance.now() - began > timeoutMs) throw new Error(`${t.plugin}: ${body} not served after ${timeoutMs} ms`);
    await sleep(POLL_MS);
  }
}

const PHASES = ['event', 'settle', 'hash', 'queue', 'load', 'shutdown', 'init', 'response'] as const;

/** Per edit since `from`, where its time went (see the header), from the swap and trace lines. */
function split(server: ServerProcess, from: number): Record<(typeof PHASES)[number], number[]> {
  const out = Object.fromEntries(PHASES.map((p) => [p, [] as number[]])) as Record<(typeof PHASES)[number], number[]>;
  const text = server.stdout().slice(from);
  // A swap line, then (under NEXUS_LOG_LEVEL=debug) its trace line.
  const swaps = [...text.matchAll(/\(load ([\d.]+) · shutdown ([\d.]+) · init ([\d.]+)\)[^\n]*\n {2}trace {2}event@([\d.]+) {2}settle ([\d.]+) · hash ([\d.]+) · queue ([\d.]+) ms {2}ready@([\d.]+)/g)];
  for (const mark of marks) {
    // The swap that served this edit: the last one whose new code was ready before the answer.
    const m = swaps.filter((s) => Number(s[4]) >= mark.wrote && Number(s[8]) <= mark.answered).at(-1);
    if (!m) continue;
    out.event.push(Number(m[4]) - mark.wrote);
    out.settle.push(Number(m[5]));
    out.hash.push(Number(m[6]));
    out.queue.push(Number(m[7]));
    out.load.push(Number(m[1]));
    out.shutdown.push(Number(m[2]));
    out.init.push(Number(m[3]));
    out.response.push(mark.answered - Number(m[8]));
  }
  return out;
}

const rows: (string | number)[][] = [];
const row = (name: string, s: Summary, note = ''): void => {
  rows.push([name, s.n, fmt(s.median, 1), fmt(s.p95, 1), fmt(s.min, 1), fmt(s.max, 1), note]);
};

try {
  // Hot swap, in one long-lived `nexus dev`.
  const dev = await startNexus(['dev', app, '--port', '0'], { NEXUS_LOG_LEVEL: 'debug' });
  const results: { t: Target; s: Summary; split: string }[] = [];
  for (const t of [target('users'), target('my_awesome_plugin')]) {
    for (let i = 0; i < WARMUP; i++) {
      await edit(t, dev.url);
      await sleep(PAUSE_MS);
    }
    const from = dev.stdout().length;
    marks = [];
    const samples: number[] = [];
    for (let i = 0; i < EDITS; i++) {
      samples.push(await edit(t, dev.url));
      await sleep(PAUSE_MS);
    }
    const phases = split(dev, from);
    const where = PHASES.map((p) => `${p} ${fmt(median(phases[p]), 1)}`).join(' · ');
    results.push({ t, s: summarize(samples), split: `${where} ms (medians of ${phases.event.length})` });
    writeFileSync(t.file, t.original);
    await sleep(PAUSE_MS);
  }
  const devExit = await dev.stop();
  for (const { t, s, split } of results) {
    const plan = t.plugin === 'users' ? 'users → notifications' : t.plugin;
    row(`nexus dev, hot swap of ${plan}`, s, split);
  }

  // Baseline: full restart of `nexus start` for each edit.
  const users = target('users');
  const restarts: number[] = [];
  let server = await startNexus(['start', app, '--port', '0']);
  for (let i = 0; i < RESTARTS; i++) {
    const body = `rev-${++revision}`;
    const began = performance.now();
    writeFileSync(users.file, withRoute(users.original, '/rev', body));
    await server.stop('SIGTERM');
    server = await startNexus(['start', app, '--port', '0']);
    for (;;) {
      const answer = await get(`${server.url}/plugins/users/rev`);
      if (answer?.status === 200 && answer.body === body) break;
      await sleep(1);
    }
    restarts.push(performance.now() - began);
  }
  await server.stop('SIGTERM');
  writeFileSync(users.file, users.original);
  const restart = summarize(restarts);
  row('baseline: full restart of nexus start (edit users)', restart, 'write → SIGTERM → spawn → new code answers');

  printTable(
    ['write → first response with the new code', 'n', 'median ms', 'p95 ms', 'min ms', 'max ms', 'notes'],
    rows,
    `Save-to-serving latency (node ${process.version}, ${EDITS} edits per plugin after ${WARMUP} warm-up, ${PAUSE_MS} ms between edits)`,
  );
  const usersHot = results[0]!.s;
  const worst = results.reduce((a, r) => Math.max(a, r.s.median), 0);
  const worstP95 = results.reduce((a, r) => Math.max(a, r.s.p95), 0);
  const speedup = restart.median / worst;
  console.log(
    `\nspeedup vs restart (median): ${fmt(restart.median / usersHot.median, 0)}x (users), ${fmt(speedup, 0)}x (slowest hot case)` +
      `\ntargets: median < 15 ms ${worst < 15 ? 'met' : 'MISSED'} (${fmt(worst, 1)}), p95 < 40 ms ${worstP95 < 40 ? 'met' : 'MISSED'} (${fmt(worstP95, 1)}), ≥ 10x ${speedup >= 10 ? 'met' : 'MISSED'}` +
      `\nnexus dev exit code after SIGINT: ${devExit}`,
  );
} finally {
  agent.destroy();
  removeDir(app);
}
