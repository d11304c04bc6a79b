/**
 * Load with wrk (Debian package `wrk`): a C load generator that saturates a Node server from one
 * core, where a Node load generator is itself the bottleneck. The caller pins itself (and so wrk,
 * which inherits its CPU affinity) away from the server's core.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { LoadOptions, LoadResult } from './load.ts';

const run = promisify(execFile);

/** True when `wrk` can be run. */
export async function hasWrk(): Promise<boolean> {
  return run('wrk', ['--version']).then(
    () => true,
    (error: { stdout?: string }) => /^wrk /.test(error.stdout ?? ''),
  );
}

/** Load `url` with wrk (one thread, `connections` keep-alive connections) for `durationMs`. */
export async function runWrk(options: LoadOptions): Promise<LoadResult> {
  const seconds = Math.max(1, Math.round(options.durationMs / 1000));
  const connections = options.connections ?? 32;
  const { stdout } = await run('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', options.url]);
  const number = (pattern: RegExp): number => Number(pattern.exec(stdout)?.[1] ?? 0);
  const ms = (label: string): number => {
    const match = new RegExp(`^\\s*${label}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(stdout);
    if (!match) return 0;
    const value = Number(match[1]);
    return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
  };
  const requests = number(/(\d+) requests in/);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  return {
    requests,
    errors: errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    non2xx: number(/Non-2xx or 3xx responses: (\d+)/),
    bytes: 0,
    seconds,
    rps: number(/Requests\/sec:\s+([\d.]+)/),
    latency: { p50: ms('50'), p90: ms('90'), p99: ms('99'), max: 0, mean: 0 },
  };
}
