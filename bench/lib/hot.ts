/**
 * Helpers of the hot reload benches (bench/hot-*.bench.ts): a Nexus server as a child process,
 * a keep-alive GET, and source edits that make a plugin answer something new.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The nexus bin the benches run: the repository's (sources), or BENCH_NEXUS_BIN (e.g. an installed one). */
export const NEXUS = process.env.BENCH_NEXUS_BIN ?? path.join(ROOT, 'packages/cli/bin/nexus.js');
export const PLAYGROUND = path.join(ROOT, 'playground');

/** A `nexus` server running as a child process. */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Everything it printed on stdout so far. */
  stdout(): string;
  stderr(): string;
  /** SIGINT (SIGKILL after 10 s); resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Node flags for the server processes (e.g. `--cpu-prof`, which NODE_OPTIONS refuses), space-separated. */
const NODE_ARGS = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];

/** Spawn `nexus <args>` and resolve once it printed its URL. */
export function startNexus(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...NODE_ARGS, NEXUS, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nexus ${args.join(' ')}: no URL after 30 s\n${out}\n${err}`)), 30_000);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const found = /Local:\s+(http:\/\/[\d.:]+)/.exec(out);
      if (!found) return;
      clearTimeout(timer);
      child.stdout!.removeAllListeners('data');
      child.stdout!.on('data', (more: string) => (out += more));
      resolve({
        url: found[1]!,
        child,
        stdout: () => out,
        stderr: () => err,
        async stop(signal = 'SIGINT') {
          if (child.exitCode !== null) return child.exitCode;
          child.kill(signal);
          const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          const code = await exited;
          clearTimeout(killer);
          return code;
        },
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`nexus ${args.join(' ')} exited (${code}) before printing a URL\n${out}\n${err}`));
    });
  });
}

/** A GET over `agent` (keep-alive); resolves null when the connection fails. */
export function get(url: string, agent?: http.Agent): Promise<{ status: number; body: string } | null> {
  return new Promise((resolve) => {
    const request = http.get(url, { agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', () => resolve(null));
    });
    request.on('error', () => resolve(null));
  });
}

/**
 * Give a plugin source a `GET <route>` answering `body` (as text), right at the start of its
 * `routes(router)`; replaces the one a previous call added.
 */
export function withRoute(source: string, route: string, body: string): string {
  const marker = '// bench-route';
  const clean = source.replace(new RegExp(`\\n *router\\.get\\('${route}'.*${marker}`), '');
  const line = `\n    router.get('${route}', (ctx) => { ctx.body = ${JSON.stringify(body)}; }); ${marker}`;
  const at = /override routes\(router: Router\): void \{/.exec(clean);
  if (!at) throw new Error('no routes(router) method in the source');
  return clean.slice(0, at.index + at[0].length) + line + clean.slice(at.index + at[0].length);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function mb(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}
