/**
 * A small HTTP load generator: `connections` concurrent request loops over a keep-alive
 * node:http Agent, run in a worker thread so it does not share the event loop of a server in
 * this process (it still shares the machine's cores with it).
 */
import { Worker } from 'node:worker_threads';

export interface LoadOptions {
  url: string;
  durationMs: number;
  /** Concurrent requests (and keep-alive sockets). @default 32 */
  connections?: number;
  /** @default 'GET' */
  method?: string;
  headers?: Record<string, string>;
}

export interface LoadResult {
  requests: number;
  /** Connection or response errors. */
  errors: number;
  /** Answers outside 2xx. */
  non2xx: number;
  bytes: number;
  seconds: number;
  /** Completed requests per second. */
  rps: number;
  /** Per-request latency in ms. */
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
}

/** Load `url` for `durationMs`; resolves with throughput and latency. */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./load-worker.mjs', import.meta.url), {
      execArgv: [],
      workerData: {
        url: options.url,
        durationMs: options.durationMs,
        connections: options.connections ?? 32,
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
      },
    });
    let result: LoadResult | undefined;
    worker.once('message', (message: LoadResult) => (result = message));
    worker.once('error', reject);
    worker.once('exit', (code) => (result ? resolve(result) : reject(new Error(`load worker exited with code ${code} and no result`))));
  });
}
