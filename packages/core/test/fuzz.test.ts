/**
 * Property-based tests (fast-check) over what Nexus reads from outside: manifest and config files,
 * request bodies, stored documents. The suite runs a fixed seed (the same cases every run, in CI);
 * `npm run fuzz` runs many more cases with a random seed it prints (FUZZ_SEED / FUZZ_RUNS set them).
 * Every run prints how many cases each property ran.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type NexusApp } from '../src/app/create.ts';
import { loadAppConfig } from '../src/config/app.ts';
import { resolvePluginConfig } from '../src/config/resolve.ts';
import { isNexusError } from '../src/errors.ts';
import { createMemorySink } from '../src/logger/logger.ts';
import { loadManifest } from '../src/manifest/load.ts';
import { validateManifest } from '../src/manifest/validate.ts';
import { createMemoryStorage } from '../src/storage/memory.ts';
import { createSqliteStorage } from '../src/storage/sqlite.ts';
import type { Document, StorageDriver } from '../src/storage/types.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const cases: Record<string, number> = {};
/** Per test: long runs (npm run fuzz) need more than the suite's 20 s. */
const TIMEOUT = Math.max(20_000, RUNS * 200);
const counted = <A extends unknown[], R>(name: string, predicate: (...args: A) => R) => (...args: A): R => {
  cases[name] = (cases[name] ?? 0) + 1;
  return predicate(...args);
};

const dir = mkdtempSync(path.join(tmpdir(), 'nexus-fuzz-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  const list = Object.entries(cases).map(([name, n]) => `${name}: ${n}`).join(', ');
  console.log(`fuzz (seed ${SEED}, FUZZ_RUNS ${RUNS}): ${list}`);
});

/** Text of nested brackets and objects, balanced or not, up to a few thousand levels. */
const nesting = fc
  .tuple(fc.integer({ min: 1, max: 3000 }), fc.constantFrom('[', '{"a":', '[{"b":'), fc.boolean())
  .map(([depth, open, balanced]) => {
    const close = open === '[' ? ']' : open === '{"a":' ? '}' : '}]';
    return open.repeat(depth) + (open === '[' ? '' : '1') + (balanced ? close.repeat(depth) : close.repeat(depth >> 1));
  });
/** Manifest-like JSON: known fields with values of any shape, so validation goes deep into it. */
const manifestLike = fc.record(
  {
    name: fc.oneof(fc.constantFrom('ok_name', 'Bad-Name', ''), fc.jsonValue({ maxDepth: 2 })),
    version: fc.oneof(fc.constantFrom('1.0.0', 'x'), fc.jsonValue({ maxDepth: 2 })),
    nexus_version: fc.oneof(fc.constant('>=0.1.0'), fc.jsonValue({ maxDepth: 2 })),
    dependencies: fc.oneof(fc.array(fc.string()), fc.jsonValue({ maxDepth: 3 })),
    permissions: fc.oneof(fc.array(fc.constantFrom('database.read', 'events.publish', 'nope')), fc.jsonValue()),
    configuration: fc.oneof(
      fc.dictionary(fc.string({ maxLength: 8 }), fc.record({ type: fc.constantFrom('string', 'integer', 'object', 'weird'), default: fc.jsonValue({ maxDepth: 4 }), min: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] })),
      fc.jsonValue({ maxDepth: 4 }),
    ),
    events: fc.jsonValue({ maxDepth: 3 }),
    api_endpoints: fc.jsonValue({ maxDepth: 3 }),
  },
  { requiredKeys: [] },
);
const jsonText = fc.oneof(fc.json({ maxDepth: 6 }), nesting, fc.string(), manifestLike.map((m) => JSON.stringify(m)));

describe('fuzz: manifest and config files', () => {
  it('validateManifest never throws, and says either "valid" or why not', () => {
    fc.assert(
      fc.property(fc.oneof(manifestLike, fc.jsonValue({ maxDepth: 8 })), counted('validateManifest', (value) => {
        const check = validateManifest(value, 'plugins/x/manifest.json');
        expect(check.manifest !== undefined || check.errors.length > 0).toBe(true);
        for (const error of check.errors) expect(error).toMatch(/^plugins\/x\/manifest\.json: /);
      })),
      { seed: SEED, numRuns: RUNS * 4 },
    );
  }, TIMEOUT);

  it('loadManifest from any text on disk never throws and names the file', async () => {
    const pluginDir = path.join(dir, 'manifest');
    mkdirSync(pluginDir, { recursive: true });
    await fc.assert(
      fc.asyncProperty(jsonText, counted('loadManifest', async (text: string) => {
        writeFileSync(path.join(pluginDir, 'manifest.json'), text);
        const check = await loadManifest(pluginDir, 'plugins/x/manifest.json');
        for (const error of check.errors) expect(error).toMatch(/^plugins\/x\/manifest\.json: /);
      })),
      { seed: SEED, numRuns: RUNS },
    );
  }, TIMEOUT);

  it('loadAppConfig from any nexus.config.json never throws and names the file', async () => {
    const appDir = path.join(dir, 'app');
    mkdirSync(appDir, { recursive: true });
    const configLike = fc.record(
      { port: fc.jsonValue({ maxDepth: 1 }), host: fc.jsonValue({ maxDepth: 1 }), allowedHosts: fc.oneof(fc.constant(true), fc.array(fc.string()), fc.jsonValue({ maxDepth: 2 })), plugins: fc.jsonValue({ maxDepth: 5 }), bodyLimit: fc.string() },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(jsonText, configLike.map((c) => JSON.stringify(c))), counted('loadAppConfig', async (text: string) => {
        writeFileSync(path.join(appDir, 'nexus.config.json'), text);
        const loaded = await loadAppConfig(appDir);
        for (const error of loaded.errors) expect(error).toMatch(/^nexus\.config\.json: /);
      })),
      { seed: SEED, numRuns: RUNS },
    );
  }, TIMEOUT);

  it('resolvePluginConfig over any config/default.yaml never throws and names the file', async () => {
    const pluginDir = path.join(dir, 'yaml');
    mkdirSync(path.join(pluginDir, 'config'), { recursive: true });
    const yamlish = fc.oneof(
      fc.string(),
      nesting.map((n) => `limits: ${n}\n`),
      fc.jsonValue({ maxDepth: 5 }).map((v) => `limits: ${JSON.stringify(v)}\nname: x\n`),
      fc.array(fc.constantFrom('a: &a [1,2]', 'b: [*a, *a, *a]', 'c: *b', '  - x', 'd: |', '# [[[', "e: '[['", 'f: "{{"'), { maxLength: 12 }).map((lines) => lines.join('\n')),
    );
    await fc.assert(
      fc.asyncProperty(yamlish, counted('resolvePluginConfig', async (text: string) => {
        writeFileSync(path.join(pluginDir, 'config', 'default.yaml'), text);
        const resolved = await resolvePluginConfig({
          manifest: { name: 'x', version: '1.0.0', configuration: { limits: { type: 'object' }, name: { type: 'string' } } },
          pluginDir, displayDir: 'plugins/x', envName: 'test', environ: {},
        });
        for (const error of resolved.errors) expect(error).toMatch(/^(plugins\/x\/config\/default\.yaml|plugins\/x\/manifest\.json): /);
      })),
      { seed: SEED, numRuns: RUNS },
    );
  }, TIMEOUT);
});

describe('fuzz: the JSON body path', () => {
  let app: NexusApp;
  let url: string;
  beforeAll(async () => {
    const appDir = path.join(dir, 'http-app');
    mkdirSync(path.join(appDir, 'plugins/echo/src'), { recursive: true });
    writeFileSync(path.join(appDir, 'plugins/echo/manifest.json'), JSON.stringify({ name: 'echo', version: '1.0.0', nexus_version: '>=0.1.0' }));
    writeFileSync(
      path.join(appDir, 'plugins/echo/src/plugin.ts'),
      "import { BasePlugin, type Router } from '@nexus/core';\nexport default class Echo extends BasePlugin { override routes(router: Router) { router.post('/echo', (ctx) => { ctx.body = { got: ctx.request.body ?? null }; }); } }\n",
    );
    app = await createApp({ appDir, port: 0, logSink: createMemorySink(), environ: {}, catchPluginFaults: false });
    url = await app.start();
  });
  afterAll(() => app?.stop());

  const send = (body: string, type: string): Promise<{ status: number; type: string; text: string }> =>
    new Promise((resolve, reject) => {
      const { port } = new URL(url);
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/plugins/echo/echo', headers: { 'content-type': type } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'] ?? '', text }));
      });
      req.on('error', reject);
      req.end(body);
    });

  it('answers 200 or a JSON 4xx with a code, never 500, for any body and content type', async () => {
    const type = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/merge-patch+json', 'text/plain', 'application/json; charset=latin-9');
    await fc.assert(
      fc.asyncProperty(fc.oneof(jsonText, fc.jsonValue({ maxDepth: 80 }).map((v) => JSON.stringify(v))), type, counted('JSON body', async (body: string, contentType: string) => {
        const res = await send(body, contentType);
        expect(res.type).toContain('application/json');
        const answer = JSON.parse(res.text) as { code?: string };
        if (res.status === 200) return;
        expect([400, 413, 415]).toContain(res.status);
        expect(answer.code).toMatch(/^NEXUS_/);
      })),
      { seed: SEED, numRuns: RUNS },
    );
  }, TIMEOUT);
});

describe('fuzz: both storage drivers agree', () => {
  const field = fc.constantFrom('a', 'b', 'kind', 'n');
  const documentArb = fc.dictionary(field, fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 70 })), { maxKeys: 4 });

  it('stores, refuses, finds and counts the same documents', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(documentArb, { maxLength: 6 }), field, fc.jsonValue({ maxDepth: 2 }), counted('storage drivers', async (docs: Record<string, unknown>[], key: string, probe: unknown) => {
        const drivers: StorageDriver[] = [createMemoryStorage(), createSqliteStorage({ file: ':memory:' })];
        try {
          const outcomes: string[][] = [];
          for (const storage of drivers) {
            await storage.ensureSchema('p', { collections: { docs: { indexes: [{ field: 'kind' }] } } });
            const collection = storage.collection('p', 'docs');
            const seen: string[] = [];
            for (const [i, doc] of docs.entries()) {
              try {
                await collection.insert({ ...doc, id: `d${i}` } as Document);
                seen.push('stored');
              } catch (error) {
                seen.push(isNexusError(error) ? error.code : `threw ${String(error)}`);
              }
            }
            const filter = probe === undefined ? {} : { [key]: probe };
            seen.push(`count ${await collection.count(filter)}`);
            seen.push(`find ${(await collection.find(filter)).map((d) => d.id).join(',')}`);
            seen.push(`sorted ${(await collection.find({}, { sort: { field: key } })).length}`);
            outcomes.push(seen);
          }
          expect(outcomes[1]).toEqual(outcomes[0]);
        } finally {
          for (const storage of drivers) await storage.close();
        }
      })),
      { seed: SEED, numRuns: RUNS },
    );
  }, TIMEOUT);
});
