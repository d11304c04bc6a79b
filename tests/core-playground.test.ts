/**
 * The playground (a copy, so its own .nexus stays untouched) end to end: the guide's plugin, a plugin
 * using another's service and events, db collections, and state saved at shutdown. Run on the
 * default SQLite + in-process events, and unchanged on PostgreSQL storage with each durable
 * transport (only nexus.config.json differs).
 */
import { randomUUID } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, makeApp, PLAYGROUND, ROOT, startApp, type RunningApp, type TempApp } from './helpers/index.ts';
import { POSTGRES_URL, REDIS_URL, services } from './helpers/services.ts';

const backends = [
  { name: 'SQLite, in-process events', storage: 'sqlite', transport: 'memory', available: true, config: (_schema: string): Record<string, unknown> => ({}) },
  { name: 'PostgreSQL storage, postgres events', storage: 'postgres', transport: 'postgres', available: services.postgres, config: (schema: string) => ({ storage: { url: POSTGRES_URL, schema }, events: { transport: 'postgres' } }) },
  { name: 'PostgreSQL storage, redis events', storage: 'postgres', transport: 'redis', available: services.postgres && services.redis, config: (schema: string) => ({ storage: { url: POSTGRES_URL, schema }, events: { url: REDIS_URL, prefix: `nexus-playground:${schema}` } }) },
];

describe.each(backends)('playground on $name', ({ available, config, storage, transport }) => {
  let temp: TempApp;
  let run: RunningApp;
  const schema = `nexus_playground_${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    if (!available) return;
    temp = makeApp();
    cpSync(PLAYGROUND, temp.dir, { recursive: true, filter: (source) => !/[\\/](\.nexus|node_modules)$/.test(source) });
    const appConfig = JSON.parse(readFileSync(temp.path('nexus.config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(temp.path('nexus.config.json'), JSON.stringify({ ...appConfig, ...config(schema) }, null, 2));
    run = await startApp(temp.dir);
  });
  afterAll(async () => {
    await run?.stop();
    temp?.remove();
    if (available && storage === 'postgres') {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  });

  it.skipIf(!available)('/health, /metrics and /plugins report the storage and the event transport', async () => {
    const health = await run.get('/health');
    expect(health.body.storage).toMatchObject({ driver: storage, healthy: true });
    expect(health.body.events).toMatchObject({ transport, healthy: true });
    if (storage === 'postgres') expect(health.body.storage.url).toBe(`${POSTGRES_URL}`);
    const metrics = (await run.get('/metrics')).text;
    expect(metrics).toContain(`nexus_storage_up{driver="${storage}"} 1`);
    expect(metrics).toContain(`nexus_events_transport_up{transport="${transport}"} 1`);
    const plugins = (await run.get('/plugins')).body.plugins as { name: string; deadLetters?: number }[];
    if (transport === 'memory') expect(plugins.every((p) => p.deadLetters === undefined)).toBe(true);
    else {
      expect(plugins.map((p) => p.deadLetters)).toEqual([0, 0, 0]);
      expect(metrics).toMatch(new RegExp(`nexus_events_pending\\{transport="${transport}"\\} \\d+`));
    }
  });

  it.skipIf(!available)('every plugin runs and /health is 200', async () => {
    const health = await run.get('/health');
    expect(health.status).toBe(200);
    expect(Object.keys(health.body.plugins).sort()).toEqual(['my_awesome_plugin', 'notifications', 'users']);
  });

  it.skipIf(!available)("my_awesome_plugin: the guide's status and actions (ping, echo, count), 422 for an unknown action", async () => {
    expect((await run.post('/plugins/my_awesome_plugin/action', { action: 'ping' })).body).toMatchObject({ success: true, result: { message: 'pong' } });
    expect((await run.post('/plugins/my_awesome_plugin/action', { action: 'echo', parameters: { message: 'hi' } })).body.result).toEqual({ echo: 'hi' });
    expect((await run.post('/plugins/my_awesome_plugin/action', { action: 'count' })).body.result).toEqual({ current_count: 2 });
    expect((await run.post('/plugins/my_awesome_plugin/action', { action: 'dance' })).status).toBe(422);
    expect((await run.post('/plugins/my_awesome_plugin/action', {})).status).toBe(400);
    expect((await run.get('/plugins/my_awesome_plugin/status')).body).toMatchObject({ plugin: 'my_awesome_plugin', initialized: true, action_count: 3, last_action: { action: 'count' } });
    const health = await run.get('/plugins/my_awesome_plugin/health');
    expect(health.body).toMatchObject({ healthy: true, components: { actions: { status: 'healthy', count: 3 } } });
  });

  it.skipIf(!available)('users + notifications: a new user is welcomed through the users.directory service and events, stored in a db collection', async () => {
    const created = await run.post('/plugins/users/users', { username: 'ada' });
    expect(created.status).toBe(201);
    expect(await run.post('/plugins/users/users', { username: 'ada' })).toMatchObject({ status: 409, body: { code: 'NEXUS_DB_CONSTRAINT', message: 'username "ada" is taken' } });
    const texts = await eventually(async () => {
      const { body } = await run.get('/plugins/notifications/notifications');
      const found = (body.notifications as { text: string }[]).map((n) => n.text);
      return found.includes('Hello, ada!') && found;
    });
    expect(texts).toContain('Hello, ada!');
    expect(texts).toContain('Action "ping" completed');
  });

  it.skipIf(!available)("the guide's state is saved at shutdown and read back after a restart", async () => {
    await run.stop();
    run = await startApp(temp.dir);
    expect((await run.get('/plugins/my_awesome_plugin/status')).body).toMatchObject({ action_count: 3, last_action: { action: 'count' } });
    expect((await run.get('/plugins/users/users')).body.users.map((u: { username: string }) => u.username)).toEqual(['ada']);
  });
});

describe('repository', () => {
  const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

  it('npm workspaces, a lock file, strict TypeScript, CI running npm ci and the tests', () => {
    expect(JSON.parse(read('package.json')).workspaces).toEqual(expect.arrayContaining(['packages/*', 'playground']));
    expect(JSON.parse(read('package-lock.json')).lockfileVersion).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(read('tsconfig.base.json')).compilerOptions.strict).toBe(true);
    expect(read('.ci/run')).toMatch(/npm ci\b/);
    expect(read('.ci/run')).toMatch(/npm test\b/);
    expect(read('CONTRIBUTING.md').length).toBeGreaterThan(0);
  });

  it('the README quick start has exactly two commands', () => {
    const quickStart = read('README.md').split(/^## /m).find((section) => section.startsWith('Quick start'))!;
    const block = /```sh\n([\s\S]*?)```/.exec(quickStart)![1]!;
    expect(block.trim().split('\n')).toHaveLength(2);
  });
});
