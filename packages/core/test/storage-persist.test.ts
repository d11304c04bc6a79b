/** State that outlives the process: the app's SQLite file, setConfig/setData and collections across restarts. */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type NexusApp } from '../src/app/create.ts';
import { createMemorySink } from '../src/logger/logger.ts';

let dir: string;
const PLUGIN = `
import { BasePlugin, type Router } from '@nexus/core';
export default class Counter extends BasePlugin {
  override databaseSchema() {
    return { collections: { hits: { indexes: [{ field: 'key', unique: true }] } }, initialData: { hits: [{ id: 'seed', key: 'seed' }] } };
  }
  override routes(router: Router) {
    router.post('/hit/:key', async (ctx) => {
      const count = ((await this.getData<number>('count')) ?? 0) + 1;
      await this.setData('count', count);
      await this.setConfig('limit', count + 10);
      try { await this.db.collection('hits').insert({ key: ctx.params.key }); ctx.body = { count }; }
      catch (error) { ctx.status = 409; ctx.body = { error: (error as { code?: string }).code }; }
    });
    router.get('/state', async (ctx) => {
      ctx.body = {
        count: (await this.getData('count')) ?? null,
        limit: this.getConfig('limit'),
        keys: (await this.db.collection('hits').find({}, { sort: { field: 'key' } })).map((d) => d.key),
      };
    });
  }
}
`;

function writeApp(manifestFields: Record<string, unknown> = {}, config?: Record<string, unknown>): void {
  const pluginDir = path.join(dir, 'plugins', 'counter');
  mkdirSync(path.join(pluginDir, 'src'), { recursive: true });
  writeFileSync(path.join(pluginDir, 'src', 'plugin.ts'), PLUGIN);
  writeFileSync(
    path.join(pluginDir, 'manifest.json'),
    JSON.stringify({
      name: 'counter',
      version: '1.0.0',
      permissions: ['database.read', 'database.write'],
      configuration: { limit: { type: 'integer', default: 5, max: 100 } },
      ...manifestFields,
    }),
  );
  if (config) writeFileSync(path.join(dir, 'nexus.config.json'), JSON.stringify(config));
}

async function withApp<T>(use: (app: NexusApp, call: (method: string, p: string) => Promise<{ status: number; body: any }>) => Promise<T>): Promise<T> {
  const app = await createApp({ appDir: dir, port: 0, logSink: createMemorySink(), environ: {}, catchPluginFaults: false });
  const url = await app.start();
  try {
    return await use(app, async (method, p) => {
      const response = await fetch(url + p, { method });
      return { status: response.status, body: await response.json() };
    });
  } finally {
    await app.stop();
  }
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nexus-persist-'));
  writeApp();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('persisted state', () => {
  it('lives in <app>/.nexus/nexus.db and survives a restart: data, saved config, documents, unique indexes', async () => {
    await withApp(async (_app, call) => {
      expect((await call('GET', '/plugins/counter/state')).body).toEqual({ count: null, limit: 5, keys: ['seed'] });
      expect((await call('POST', '/plugins/counter/hit/a')).body).toEqual({ count: 1 });
      expect((await call('POST', '/plugins/counter/hit/b')).body).toEqual({ count: 2 });
    });
    expect(existsSync(path.join(dir, '.nexus', 'nexus.db'))).toBe(true);
    await withApp(async (_app, call) => {
      expect((await call('GET', '/plugins/counter/state')).body).toEqual({ count: 2, limit: 12, keys: ['a', 'b', 'seed'] });
      expect(await call('POST', '/plugins/counter/hit/a')).toEqual({ status: 409, body: { error: 'NEXUS_DB_CONSTRAINT' } });
    });
  });

  it('a saved value the manifest no longer allows fails the plugin, naming the layer and the rule', async () => {
    writeApp({ configuration: { limit: { type: 'integer', default: 5, max: 10 } } });
    try {
      await withApp(async (app) => {
        expect(app.manager.get('counter')).toMatchObject({ state: 'failed', error: 'saved by setConfig: counter.limit: must be at most 10, got 13' });
      });
    } finally {
      writeApp();
    }
  });

  it('nexus.config "dataDir" moves the database', async () => {
    writeApp({}, { dataDir: 'var/state' });
    await withApp(async (_app, call) => {
      expect((await call('GET', '/plugins/counter/state')).body).toEqual({ count: null, limit: 5, keys: ['seed'] });
    });
    expect(existsSync(path.join(dir, 'var', 'state', 'nexus.db'))).toBe(true);
  });
});
