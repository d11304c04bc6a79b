/**
 * What plugins reach through their context, end to end in a real app: services only via declared
 * dependencies, database permissions, event rules, and resources that return to zero at shutdown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, pluginSource, startApp, type RunningApp, type TempApp } from './helpers/index.ts';

/** A route that runs `code` and answers `{ ok }` or `{ error }` with the message. */
const attempt = (path: string, code: string) => `
  router.get('${path}', async (ctx) => {
    try { ctx.body = { ok: await (async () => { ${code} })() }; }
    catch (error) { ctx.body = { error: (error as Error).message, code: (error as { code?: string }).code }; }
  });`;

let temp: TempApp;
let run: RunningApp;

beforeAll(async () => {
  temp = makeApp({
    plugins: {
      clock: {
        manifest: { permissions: ['events.publish'], events: { publishes: ['clock.tick'] } },
        source: pluginSource(`
          override initialize() {
            this.registerService('clock.now', { now: () => 42 });
            this.setInterval(() => {}, 60_000);
            this.runTask((signal) => new Promise((resolve) => signal.addEventListener('abort', resolve)));
          }
        `),
      },
      reader: {
        manifest: {
          dependencies: ['clock'],
          permissions: ['database.read', 'events.subscribe'],
          events: { subscribes: ['clock.tick'] },
        },
        source: pluginSource(`
          ticks = 0;
          override databaseSchema() { return { collections: { notes: {} }, initialData: { notes: [{ id: 'n1', text: 'seeded' }] } }; }
          override initialize() {
            this.subscribeToEvent('clock.tick', () => { this.ticks += 1; });
            this.setTimeout(() => {}, 60_000);
          }
          override routes(router: Router) {
            ${attempt('/service', "return this.getService<{ now(): number }>('clock.now').now();")}
            ${attempt('/read', "return (await this.db.collection('notes').get('n1'))?.text;")}
            ${attempt('/write', "return this.db.collection('notes').insert({ text: 'nope' });")}
            ${attempt('/subscribe-undeclared', "this.subscribeToEvent('user.created', () => {}); return true;")}
          }
        `),
      },
      stranger: {
        manifest: { permissions: ['database.write', 'events.publish'] },
        source: pluginSource(`
          override databaseSchema() { return { collections: { things: {} } }; }
          override routes(router: Router) {
            ${attempt('/service', "return this.getService('clock.now');")}
            ${attempt('/missing-service', "return this.getService('weather.today');")}
            ${attempt('/read', "return this.db.collection('things').find();")}
            ${attempt('/unknown-collection', "return this.db.collection('other').count();")}
            ${attempt('/publish-undeclared', "await this.publishEvent('clock.tick', {}); return true;")}
            ${attempt('/publish-own', "await this.publishEvent('stranger.hello', {}); return true;")}
            ${attempt('/subscribe', "this.subscribeToEvent('clock.tick', () => {}); return true;")}
          }
        `),
      },
    },
  });
  run = await startApp(temp.dir);
});

afterAll(async () => {
  await run?.stop();
  temp?.remove();
});

describe('services', () => {
  it('a plugin uses the service of a declared dependency', async () => {
    expect((await run.get('/plugins/reader/service')).body).toEqual({ ok: 42 });
  });

  it('a plugin that does not list the owner in "dependencies" is told to add it', async () => {
    expect((await run.get('/plugins/stranger/service')).body).toEqual({
      code: 'NEXUS_SERVICE_DENIED',
      error: 'Plugin "stranger" cannot use service "clock.now" of plugin "clock": add "clock" to "dependencies" in plugins/stranger/manifest.json',
    });
  });

  it('an unknown service lists what exists', async () => {
    const { body } = await run.get('/plugins/stranger/missing-service');
    expect(body.code).toBe('NEXUS_SERVICE_MISSING');
    expect(body.error).toContain('Plugin "stranger" asked for service "weather.today", which is not registered. Available services: "clock.now"');
  });
});

describe('database permissions', () => {
  it('database.read allows reads, and initialData seeded the collection', async () => {
    expect((await run.get('/plugins/reader/read')).body).toEqual({ ok: 'seeded' });
  });

  it('a write without database.write names the permission and the manifest', async () => {
    expect((await run.get('/plugins/reader/write')).body).toEqual({
      code: 'NEXUS_DB_PERMISSION',
      error: 'Plugin "reader" cannot call db.collection("notes").insert(): it lacks the "database.write" permission. Add "database.write" to "permissions" in plugins/reader/manifest.json.',
    });
  });

  it('a read without database.read names the permission and the manifest', async () => {
    expect((await run.get('/plugins/stranger/read')).body).toEqual({
      code: 'NEXUS_DB_PERMISSION',
      error: 'Plugin "stranger" cannot call db.collection("things").find(): it lacks the "database.read" permission. Add "database.read" to "permissions" in plugins/stranger/manifest.json.',
    });
  });

  it('a collection not declared in databaseSchema() is an error', async () => {
    expect((await run.get('/plugins/stranger/unknown-collection')).body.code).toBe('NEXUS_DB_UNKNOWN_COLLECTION');
  });
});

describe('event rules', () => {
  it('publishing a type neither declared nor in its namespace names "events.publishes"', async () => {
    expect((await run.get('/plugins/stranger/publish-undeclared')).body).toEqual({
      code: 'NEXUS_EVENT_UNDECLARED',
      error: 'Plugin "stranger" cannot publish "clock.tick": the type is not declared. Add it to "events.publishes" in plugins/stranger/manifest.json, or use a type in its own namespace "stranger.*".',
    });
    expect((await run.get('/plugins/stranger/publish-own')).body).toEqual({ ok: true });
  });

  it('subscribing without the permission or the declaration names the field to change', async () => {
    expect((await run.get('/plugins/stranger/subscribe')).body).toMatchObject({
      code: 'NEXUS_EVENT_PERMISSION',
      error: expect.stringContaining('Add "events.subscribe" to "permissions" in plugins/stranger/manifest.json'),
    });
    expect((await run.get('/plugins/reader/subscribe-undeclared')).body).toMatchObject({
      code: 'NEXUS_EVENT_UNDECLARED',
      error: expect.stringContaining('Add it to "events.subscribes" in plugins/reader/manifest.json'),
    });
  });
});

describe('resources per plugin', () => {
  it('are counted while running and return to zero after stop, in the manager, the bus and the registry', async () => {
    const resources = () => Object.fromEntries(run.app.manager.list().map((p) => [p.name, p.resources]));
    expect(resources()).toEqual({
      clock: { subscriptions: 0, services: 1, timers: 1, tasks: 1 },
      reader: { subscriptions: 1, services: 0, timers: 1, tasks: 0 },
      stranger: { subscriptions: 0, services: 0, timers: 0, tasks: 0 },
    });
    const { records } = await run.get('/plugins').then((r) => ({ records: r.body.plugins as { name: string; resources: object }[] }));
    expect(records.find((p) => p.name === 'clock')?.resources).toEqual({ subscriptions: 0, services: 1, timers: 1, tasks: 1 });
    const contexts = run.app.manager.views().map((r) => r.context!);
    await run.stop();
    for (const context of contexts) expect(context.resources()).toEqual({ subscriptions: 0, services: 0, timers: 0, tasks: 0 });
    for (const name of ['clock', 'reader', 'stranger']) {
      expect(run.app.bus.subscriptionCount(name)).toBe(0);
      expect(run.app.services.count(name)).toBe(0);
    }
    expect(run.app.manager.list().map((p) => [p.name, p.state])).toEqual([
      ['clock', 'stopped'],
      ['reader', 'stopped'],
      ['stranger', 'stopped'],
    ]);
  });
});

describe('messages name the manifest where it is, with a custom pluginsDir', () => {
  let custom: TempApp;
  let app: RunningApp;
  beforeAll(async () => {
    const manifest = (name: string, extra: object) => JSON.stringify({ name, version: '1.0.0', ...extra });
    custom = makeApp({
      config: { pluginsDir: 'extensions' },
      files: {
        'extensions/talker/manifest.json': manifest('talker', { permissions: ['events.publish'] }),
        'extensions/talker/src/plugin.ts': pluginSource(`override routes(router: Router) {${attempt('/say', "return this.publishEvent('gossip.spread', {});")}}`),
        'extensions/asker/manifest.json': manifest('asker', {}),
        'extensions/asker/src/plugin.ts': pluginSource(`override routes(router: Router) {${attempt('/ask', "return this.getService('talker.voice');")}}`),
        'extensions/needy/manifest.json': manifest('needy', { dependencies: ['ghost'] }),
        'extensions/needy/src/plugin.ts': pluginSource(),
      },
    });
    app = await startApp(custom.dir);
  });
  afterAll(async () => {
    await app?.stop();
    custom?.remove();
  });

  it('event, service and dependency errors point into extensions/, not plugins/', async () => {
    expect((await app.get('/plugins/talker/say')).body.error).toContain('Add it to "events.publishes" in extensions/talker/manifest.json');
    expect((await app.get('/plugins/asker/ask')).body.error).toContain('listed in "dependencies" in extensions/asker/manifest.json');
    const needy = (await app.get('/plugins')).body.plugins.find((p: { name: string }) => p.name === 'needy');
    expect(needy.error).toBe(
      'extensions/needy/manifest.json: /dependencies: needs plugin "ghost", which is not installed or disabled; add it to extensions/ or remove it from "dependencies" in extensions/needy/manifest.json',
    );
  });
});
