/**
 * `nexus typegen` for 100 plugins (target: under 2 s in total).
 * In-process: cold (module load + first compile), warm, nothing to do; baseline: json-schema-to-typescript's
 * compile() alone on the same schemas. End to end: the `nexus` CLI as a child process, startup included.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PluginManifest } from '@nexus/core';

const PLUGINS = 100;
const TARGET_MS = 2000;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NEXUS = path.join(ROOT, 'packages/cli/bin/nexus.js');

/** A realistic manifest: every config type, limits, enum, items/properties, events. */
function manifestOf(index: number, revision = 0): PluginManifest {
  const name = `bench_plugin_${index}`;
  return {
    name,
    version: '1.0.0',
    description: `Benchmark plugin ${index}`,
    permissions: ['events.publish', 'events.subscribe'],
    configuration: {
      api_key: { type: 'string', required: true, secret: true, description: 'API key for the external service' },
      max_retries: { type: 'integer', default: 3 + revision, min: 1, max: 10, description: 'Maximum number of retry attempts' },
      timeout: { type: 'number', min: 0, description: 'Timeout in seconds' },
      enabled: { type: 'boolean', default: true, description: 'Enable or disable the plugin' },
      mode: { type: 'string', enum: ['fast', 'safe', 'off'], default: 'safe', description: 'Operating mode' },
      prefix: { type: 'string', pattern: '^[a-z]+$', max: 16 },
      tags: { type: 'array', items: { type: 'string' }, min: 1, default: ['bench'] },
      endpoints: {
        type: 'array',
        description: 'Upstream endpoints',
        items: { type: 'object', required: ['url'], properties: { url: { type: 'string' }, weight: { type: 'number' } } },
      },
      server: { type: 'object', properties: { host: { type: 'string' }, port: { type: 'integer' } }, default: { host: 'localhost' } },
      extra: { type: 'object' },
    },
    events: {
      publishes: [`${name}.done`, `${name}.failed`],
      subscribes: ['user.created', `bench_plugin_${(index + 1) % PLUGINS}.done`],
    },
  };
}

function writeApp(revision: number): string {
  const app = mkdtempSync(path.join(os.tmpdir(), 'nexus-typegen-bench-'));
  for (let i = 0; i < PLUGINS; i++) {
    const dir = path.join(app, 'plugins', `bench_plugin_${i}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifestOf(i, revision), null, 2));
  }
  return app;
}

async function time(run: () => Promise<unknown>): Promise<number> {
  const began = performance.now();
  await run();
  return performance.now() - began;
}

/** Wall time of `nexus <args>` as a child process; it must exit 0. */
function cli(...args: string[]): number {
  const began = performance.now();
  const result = spawnSync(process.execPath, [NEXUS, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const ms = performance.now() - began;
  if (result.status !== 0) throw new Error(`nexus ${args.join(' ')} exited ${result.status}\n${result.stdout}${result.stderr}`);
  return ms;
}

const rows: [string, number][] = [];
const app = writeApp(0);
const plugins = Array.from({ length: PLUGINS }, (_, i) => ({
  dir: path.join(app, 'plugins', `bench_plugin_${i}`),
  displayDir: `plugins/bench_plugin_${i}`,
  manifest: manifestOf(i),
}));
try {
  let typegen!: typeof import('../packages/cli/src/typegen/index.ts');
  rows.push(['in-process, cold (load modules + write 100)', await time(async () => {
    typegen = await import('../packages/cli/src/typegen/index.ts');
    const results = await Promise.all(plugins.map((p) => typegen.generatePluginTypes(p)));
    if (!results.every((r) => r.changed)) throw new Error('expected every file to be written');
  })]);
  rows.push(['in-process, warm, nothing to do (100 unchanged)', await time(async () => {
    const results = await Promise.all(plugins.map((p) => typegen.generatePluginTypes(p)));
    if (results.some((r) => r.changed)) throw new Error('expected no file to change');
  })]);
  const changed = plugins.map((p, i) => ({ ...p, manifest: manifestOf(i, 1) }));
  rows.push(['in-process, warm, every manifest changed (write 100)', await time(async () => {
    await Promise.all(changed.map((p) => typegen.generatePluginTypes(p)));
  })]);
  const { compile } = await import('json-schema-to-typescript');
  const schemas = changed.map((p) => typegen.configurationSchema(p.manifest));
  rows.push(['baseline: json-schema-to-typescript compile() alone ×100', await time(async () => {
    await Promise.all(schemas.map((s, i) => compile(s, `Bench${i}Config`, { bannerComment: '', additionalProperties: false })));
  })]);

  const fresh = writeApp(0);
  try {
    rows.push(['CLI `nexus typegen` (process start + write 100)', cli('typegen', fresh)]);
    rows.push(['CLI `nexus typegen` again (100 unchanged)', cli('typegen', fresh)]);
    rows.push(['CLI `nexus typegen --check` (100 fresh)', cli('typegen', fresh, '--check')]);
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
  rows.push(['reference: CLI `nexus --version` (process start only)', cli('--version')]);
} finally {
  rmSync(app, { recursive: true, force: true });
}

const width = Math.max(...rows.map(([label]) => label.length));
const line = (a: string, b: string, c: string, d: string) => `| ${a.padEnd(width)} | ${b.padStart(9)} | ${c.padStart(10)} | ${d.padEnd(6)} |`;
console.log(`nexus typegen, ${PLUGINS} plugins (10 config keys each), target < ${TARGET_MS} ms total; node ${process.version}, ${os.cpus().length} CPU(s)`);
console.log(line('case', 'total ms', 'ms/plugin', 'target'));
console.log(line('-'.repeat(width), '-'.repeat(9), '-'.repeat(10), '-'.repeat(6)));
for (const [label, ms] of rows) {
  const applies = !/^(baseline|reference)/.test(label);
  console.log(line(label, ms.toFixed(0), (ms / PLUGINS).toFixed(2), applies ? (ms < TARGET_MS ? 'ok' : 'SLOW') : '-'));
}
if (rows.some(([label, ms]) => !/^(baseline|reference)/.test(label) && ms >= TARGET_MS)) process.exitCode = 1;
