// HTTP load generator body, run in a worker thread by load.ts (plain JS: no TypeScript loader needed).
// `connections` request loops over one keep-alive Agent, for `durationMs`; latencies in ms.
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const { url, durationMs, connections, method, headers } = workerData;
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
let latencies = new Float64Array(1 << 16);
let count = 0;
let errors = 0;
let non2xx = 0;
let bytes = 0;

function record(ms) {
  if (count === latencies.length) {
    const bigger = new Float64Array(latencies.length * 2);
    bigger.set(latencies);
    latencies = bigger;
  }
  latencies[count++] = ms;
}

function once() {
  return new Promise((resolve) => {
    const began = performance.now();
    const request = http.request(
      { agent, host: target.hostname, port: target.port, path: target.pathname + target.search, method, headers },
      (response) => {
        if (response.statusCode < 200 || response.statusCode >= 300) non2xx++;
        response.on('data', (chunk) => (bytes += chunk.length));
        response.on('end', () => {
          record(performance.now() - began);
          resolve();
        });
        response.on('error', () => (errors++, resolve()));
      },
    );
    request.on('error', () => (errors++, resolve()));
    request.end();
  });
}

const started = performance.now();
const deadline = started + durationMs;
async function loop() {
  while (performance.now() < deadline) await once();
}
await Promise.all(Array.from({ length: connections }, loop));
const seconds = (performance.now() - started) / 1000;
agent.destroy();
const sorted = latencies.subarray(0, count).sort();
const pct = (p) => (count === 0 ? NaN : sorted[Math.min(count - 1, Math.max(0, Math.ceil((p / 100) * count) - 1))]);
let sum = 0;
for (let i = 0; i < count; i++) sum += sorted[i];
parentPort.postMessage({
  requests: count,
  errors,
  non2xx,
  bytes,
  seconds,
  rps: count / seconds,
  latency: { p50: pct(50), p90: pct(90), p99: pct(99), max: count ? sorted[count - 1] : NaN, mean: count ? sum / count : NaN },
});
