/**
 * Server processes for benches: spawn one, learn its URL from its stdout (so it may listen on
 * port 0), poll it until ready, stop it. `timeToReady` times spawn -> first good answer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';

export interface SpawnServerOptions {
  command: string;
  args: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Finds the base URL in the server's stdout. @default the first http://host:port */
  urlPattern?: RegExp;
  /** Polled once the URL is known. @default '/health' */
  path?: string;
  /** Whether an answer counts as ready. @default status 200 */
  accept?: (status: number, body: string) => boolean;
  /** Wait between polls. @default 2 */
  pollMs?: number;
  /** Give up after this long. @default 30000 */
  timeoutMs?: number;
}

export interface RunningServer {
  child: ChildProcess;
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  /** Spawn to the first accepted answer, in ms. */
  readyMs: number;
  /** Spawn to the URL appearing on stdout, in ms. */
  urlMs: number;
  /** The accepted answer. */
  status: number;
  body: string;
  /** Everything printed so far. */
  output(): { stdout: string; stderr: string };
  /** SIGTERM (SIGKILL after 10 s); resolves once it exited. */
  stop(): Promise<void>;
}

export type ReadyResult = Pick<RunningServer, 'url' | 'urlMs' | 'status' | 'body'> & { ms: number; stdout: string };

/** A GET without keep-alive; resolves null when the connection fails. */
export function get(url: string): Promise<{ status: number; body: string } | null> {
  return new Promise((resolve) => {
    const request = http.get(url, { agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', () => resolve(null));
    });
    request.on('error', () => resolve(null));
  });
}

/** Spawn a server and resolve once it answers `path` acceptably; on failure it is stopped and the error shows its output. */
export async function spawnServer(options: SpawnServerOptions): Promise<RunningServer> {
  const pattern = options.urlPattern ?? /https?:\/\/[\w.\-[\]:]+:\d+/;
  const accept = options.accept ?? ((status: number) => status === 200);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const began = performance.now();
  const child = spawn(options.command, options.args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(killer);
  };
  let urlMs = Number.NaN;
  const url = new Promise<string>((resolve) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const found = Number.isNaN(urlMs) ? pattern.exec(stdout) : null;
      if (found) {
        urlMs = performance.now() - began;
        resolve(found[0]);
      }
    });
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const fail = (why: string): Error =>
    new Error(`${options.command} ${options.args.join(' ')}: ${why}\n--- stdout\n${stdout.slice(-2000)}\n--- stderr\n${stderr.slice(-2000)}`);
  try {
    const base = await Promise.race([url, exit.then(() => null), sleep(timeoutMs).then(() => null)]);
    if (base === null) throw fail(exited ? 'exited before printing a URL' : 'no URL printed in time');
    const target = base + (options.path ?? '/health');
    while (!exited && performance.now() - began < timeoutMs) {
      const answer = await get(target);
      if (answer && accept(answer.status, answer.body)) {
        return {
          child, url: base, readyMs: performance.now() - began, urlMs, status: answer.status, body: answer.body,
          output: () => ({ stdout, stderr }), stop,
        };
      }
      await sleep(options.pollMs ?? 2);
    }
    throw fail(exited ? 'exited before it was ready' : 'not ready in time');
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Time spawn -> first acceptable answer, then stop the server and wait for it to exit. */
export async function timeToReady(options: SpawnServerOptions): Promise<ReadyResult> {
  const server = await spawnServer(options);
  await server.stop();
  return { ms: server.readyMs, urlMs: server.urlMs, url: server.url, status: server.status, body: server.body, stdout: server.output().stdout };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
