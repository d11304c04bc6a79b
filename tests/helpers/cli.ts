/**
 * The `nexus` CLI as a child process: run a command to completion, or start a server and wait for
 * a line of its output. Every child started here is killed by `killChildren()` if still running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const NEXUS_BIN = path.join(ROOT, 'packages/cli/bin/nexus.js');
export const PLAYGROUND = path.join(ROOT, 'playground');

/** Result of a finished CLI run. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  /** Added to a clean environment (process.env without NODE_ENV, NEXUS_* and VITEST*). */
  env?: Record<string, string>;
}

const children = new Set<ChildProcess>();

/** process.env without what a test runner sets that would change the app (NODE_ENV=test, NEXUS_*). */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'NODE_ENV' || key.startsWith('NEXUS_') || key.startsWith('VITEST')) continue;
    env[key] = value;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

/** A running `nexus` child process. */
export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout+stderr; rejects if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves when the process has exited. */
  exited: Promise<CliResult>;
  /** Send `signal` and wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<CliResult>;
}

/** Start `nexus <args>` without waiting for it. */
export function spawnCli(args: readonly string[], options: CliOptions = {}): CliProcess {
  const child = spawn(process.execPath, [NEXUS_BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  const changed = (): void => {
    for (const listener of listeners) listener();
  };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => ((out += chunk), changed()));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => ((err += chunk), changed()));
  const exited = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal, stdout: out, stderr: err });
      changed();
    });
  });
  let done = false;
  void exited.then(() => (done = true));
  const waitFor = (pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const match = (out + err).match(pattern);
        if (match) finish(() => resolve(match));
        else if (done) finish(() => reject(new Error(`nexus exited before printing ${pattern}\nstdout:\n${out}\nstderr:\n${err}`)));
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`timed out waiting for ${pattern}\nstdout:\n${out}\nstderr:\n${err}`))),
        timeoutMs,
      );
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        listeners.delete(check);
        settle();
      };
      listeners.add(check);
      check();
    });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor,
    exited,
    stop(signal = 'SIGTERM') {
      if (!done) child.kill(signal);
      return exited;
    },
  };
}

/** Run `nexus <args>` to completion. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return spawnCli(args, options).exited;
}

/** A `nexus start` server that printed its URL. */
export interface CliServer extends CliProcess {
  url: string;
}

/** `nexus start <app> --port 0 [...extra]`, resolved once the banner shows the URL. */
export async function startCli(app: string, extra: readonly string[] = [], options: CliOptions = {}): Promise<CliServer> {
  const proc = spawnCli(['start', app, '--port', '0', ...extra], options);
  try {
    // The whole banner: the URL, then the plugin summary line.
    const match = await proc.waitFor(/Local:\s+(http:\/\/[^\s/]+:\d+)\/?\n[\s\S]*?Plugins: .*\n/);
    return Object.assign(proc, { url: match[1]! });
  } catch (error) {
    proc.child.kill('SIGKILL');
    throw error;
  }
}

/** Kill every child still running (call in afterAll/afterEach). */
export async function killChildren(): Promise<void> {
  const running = [...children];
  for (const child of running) child.kill('SIGKILL');
  await Promise.all(running.map((child) => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('close', resolve)))));
}
