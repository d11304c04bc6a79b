/**
 * Instructions per request, counted by valgrind's callgrind: unlike req/s and CPU time they do not
 * move with what the rest of a (virtual) machine is doing, so two request paths can be compared to
 * the percent. They count user-space instructions only (the kernel's share is the same for two
 * servers sending the same bytes) and not what caches and branch predictors make of them.
 *
 * The server runs under `valgrind --tool=callgrind --instr-atstart=no` (about fifty times slower);
 * after a warm-up at full instrumentation-off speed, counting is switched on, and each target gets
 * `requests` requests between a zero and a dump of the counters (`callgrind_control`).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** True when valgrind and callgrind_control can be run. */
export async function hasCallgrind(): Promise<boolean> {
  return run('valgrind', ['--version']).then(
    () => run('callgrind_control', ['--version']).then(() => true, () => false),
    () => false,
  );
}

export interface CallgrindOptions {
  /** `node` arguments of a server that prints its URLs on one line once it listens. */
  args: string[];
  /** Full URL of each target, read from the server's ready line. */
  targets: (readyLine: string) => Record<string, string>;
  /** Requests counted per target. @default 2000 */
  requests?: number;
  /** Counted rounds per target, interleaved (the median is kept). @default 3 */
  rounds?: number;
}

/** Instructions per request for each target, the median of `rounds` counted rounds. */
export async function instructionsPerRequest(options: CallgrindOptions): Promise<Record<string, number>> {
  const requests = options.requests ?? 2000;
  const rounds = options.rounds ?? 3;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nexus-callgrind-'));
  const child = spawn('valgrind', ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${dir}/out.%p`, process.execPath, ...options.args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const ready = await readyLine(child.stdout!, 300_000);
    const targets = options.targets(ready);
    // Warm-up, interleaved as the counted rounds are: the JIT settles on what both targets run.
    for (let round = 0; round < 2; round++) for (const url of Object.values(targets)) await requestsTo(url, 3_000);
    await control(['-i', 'on', String(child.pid)]);
    const counted: Record<string, number[]> = {};
    for (let round = 0; round < rounds; round++) {
      for (const [name, url] of Object.entries(targets)) {
        await control(['-z', String(child.pid)]);
        await requestsTo(url, requests);
        await control(['-d', `${name}-${round}`, String(child.pid)]);
        (counted[name] ??= []).push(totalOf(dir, `${name}-${round}`) / requests);
      }
    }
    return Object.fromEntries(Object.entries(counted).map(([name, values]) => [name, values.sort((a, b) => a - b)[values.length >> 1]!]));
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

function control(args: string[]): Promise<unknown> {
  return run('callgrind_control', args);
}

/** The instruction total of the dump named `trigger`. */
function totalOf(dir: string, trigger: string): number {
  for (const file of readdirSync(dir)) {
    const text = readFileSync(path.join(dir, file), 'utf8');
    if (!text.includes(`\ndesc: Trigger: dump ${trigger}\n`)) continue;
    const totals = /^totals: (\d+)/m.exec(text);
    if (totals) return Number(totals[1]);
  }
  throw new Error(`callgrind wrote no dump named ${trigger} in ${dir}`);
}

function readyLine(stream: NodeJS.ReadableStream, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`the server under valgrind did not start within ${timeoutMs / 1000} s`)), timeoutMs);
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split('\n').find((l) => l.includes('http://'));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
  });
}

/** Exactly `count` GETs of `url` over 8 keep-alive connections. */
async function requestsTo(url: string, count: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  let sent = 0;
  const loop = async (): Promise<void> => {
    while (sent < count) {
      sent++;
      await new Promise<void>((resolve, reject) => {
        http.get(url, { agent }, (res) => res.resume().on('end', resolve).on('error', reject)).on('error', reject);
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: 8 }, loop));
  } finally {
    agent.destroy();
  }
}
