/**
 * Issue 9, item 3: a plugin cannot act as another. `mallory` (no permissions but events and one
 * dependency) tries every mutation we could think of on what it can reach: its manifest, its
 * context, its config store and values, event envelopes, the service of `victim`, the prototypes it
 * shares with other plugins. Each attempt is recorded; then it tries to use the rights it tried to
 * grant itself. `victim`'s data, collection, service and events must be untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, pluginSource, startApp, type RunningApp, type TempApp } from './helpers/index.ts';

const VICTIM = pluginSource(`
  override databaseSchema() { return { collections: { vault: {} } }; }
  override async initialize() {
    await this.setData('secret', 'victim-data');
    await this.db.collection('vault').insert({ id: 'gold', amount: 100 });
    const service = { counter: { hits: 0 }, bump() { this.counter.hits++; return this.counter.hits; }, async check(n: number) { if (typeof n !== 'number') throw new Error('check() needs a number'); return n; } };
    this.registerService('victim.api', service);
    this.subscribeToEvent('mallory.ping', (event) => { this.seen.push({ source: event.source, data: event.data }); });
  }
  seen: unknown[] = [];
  override routes(router: Router) {
    router.get('/state', async (ctx) => {
      ctx.body = {
        secret: await this.getData('secret'),
        gold: await this.db.collection('vault').get('gold'),
        seen: this.seen,
        manifest: { name: this.manifest.name, permissions: this.manifest.permissions },
      };
    });
  }
`);

const MALLORY = pluginSource(
  `
  report: Record<string, string> = {};
  try(label: string, attempt: () => unknown) {
    try { const r = attempt(); this.report[label] = 'no error: ' + String(r); } catch (e) { this.report[label] = 'refused: ' + (e as Error).message; }
  }
  async tryAsync(label: string, attempt: () => Promise<unknown>) {
    try { const r = await attempt(); this.report[label] = 'no error: ' + JSON.stringify(r); } catch (e) { this.report[label] = 'refused: ' + (e as Error).message; }
  }
  override async initialize() {
    const self = this as any;
    const ctx = self[Symbol.for('nexus.plugin.context')];
    // The manifest, in every way.
    this.try('manifest.name =', () => { self.manifest.name = 'victim'; });
    this.try('manifest.permissions.push', () => self.manifest.permissions.push('database.read', 'database.write'));
    this.try('manifest.permissions =', () => { self.manifest.permissions = ['database.write']; });
    this.try('defineProperty(manifest, name)', () => Object.defineProperty(self.manifest, 'name', { value: 'victim' }));
    this.try('manifest.events.publishes.push', () => self.manifest.events.publishes.push('victim.anything'));
    this.try('manifest.dependencies.push', () => self.manifest.dependencies.push('other'));
    this.try('setPrototypeOf(manifest)', () => Object.setPrototypeOf(self.manifest, { name: 'victim' }));
    // The context.
    this.try('context.manifest =', () => { ctx.manifest = { ...ctx.manifest, name: 'victim' }; });
    this.try('defineProperty(context, name)', () => Object.defineProperty(ctx, 'name', { value: 'victim' }));
    this.try('context.owner.name =', () => { ctx.owner.name = 'victim'; });
    this.try('context prototype getData =', () => { Object.getPrototypeOf(ctx).getData = () => 'hijacked'; });
    this.try('BasePlugin prototype getData =', () => { Object.getPrototypeOf(Object.getPrototypeOf(this)).getData = () => 'hijacked'; });
    this.try('context.config.storage', () => { if (ctx.config.storage) throw new Error('reached'); return 'unreachable'; });
    this.try('config store prototype get =', () => { Object.getPrototypeOf(ctx.config).get = () => 'hijacked'; });
    this.try('replace own context', () => { self[Symbol.for('nexus.plugin.context')] = { ...ctx, name: 'victim' }; });
    // Config values.
    this.try('config value mutated', () => { (this.getConfig('limits') as any).max = 1e9; return (this.getConfig('limits') as any).max; });
    // The service of the victim.
    const api = this.getService<any>('victim.api');
    this.try('service method replaced', () => { api.bump = () => -1; });
    this.try('service nested object changed', () => { api.counter.hits = 1000; });
    this.try('service property deleted', () => { delete api.bump; });
    this.try('service defineProperty', () => Object.defineProperty(api, 'bump', { value: () => -1 }));
    this.try('service setPrototypeOf', () => Object.setPrototypeOf(api, null));
    this.try('service freeze', () => Object.freeze(api));
    this.try('service reaches victim context', () => { if (api[Symbol.for('nexus.plugin.context')]) throw new Error('reached'); return 'unreachable'; });
    this.try('service call still works', () => api.bump());
    // Events: the envelope it publishes, and one it receives.
    const envelope = await this.publishEvent('mallory.ping', { amount: 1 });
    this.try('published envelope.source =', () => { (envelope as any).source = 'victim'; });
    this.try('published envelope.data.amount =', () => { (envelope as any).data.amount = 1e9; });
    // Then use the rights it tried to grant itself.
    await this.tryAsync('getData of victim', async () => (this.getData('secret')));
    this.try('db.collection(vault)', () => this.db.collection('vault'));
    await this.tryAsync('publish victim event', () => this.publishEvent('victim.alarm' as never, {}));
    this.try('getService undeclared', () => this.getService('other.api'));
    await this.tryAsync('setData lands in its own state', async () => { await this.setData('secret', 'mallory-was-here'); return this.name; });
  }
  override routes(router: Router) {
    router.get('/report', (ctx) => { ctx.body = this.report; });
  }
`,
);

describe('a plugin cannot act as another (identity fixed at context creation)', () => {
  let app: TempApp;
  let running: RunningApp;
  beforeAll(async () => {
    app = makeApp({
      plugins: {
        victim: {
          manifest: { permissions: ['database.read', 'database.write', 'events.subscribe'], events: { subscribes: ['mallory.ping'] } },
          source: VICTIM,
        },
        mallory: {
          manifest: {
            dependencies: ['victim'],
            permissions: ['events.publish'],
            events: { publishes: ['mallory.ping'] },
            configuration: { limits: { type: 'object', default: { max: 10 } } },
          },
          source: MALLORY,
        },
      },
    });
    running = await startApp(app.dir);
  });
  afterAll(async () => {
    await running?.stop();
    app?.remove();
  });

  it('refuses every change to its identity, rights, shared prototypes and the services it uses', async () => {
    const { body: report, status } = await running.get('/plugins/mallory/report');
    expect(status).toBe(200);
    const refused = [
      'manifest.name =', 'manifest.permissions.push', 'manifest.permissions =', 'defineProperty(manifest, name)',
      'manifest.events.publishes.push', 'manifest.dependencies.push', 'setPrototypeOf(manifest)',
      'context.manifest =', 'defineProperty(context, name)', 'context.owner.name =', 'context prototype getData =',
      'BasePlugin prototype getData =', 'config store prototype get =',
      'service method replaced', 'service nested object changed', 'service property deleted', 'service defineProperty',
      'service setPrototypeOf', 'service freeze', 'published envelope.source =', 'published envelope.data.amount =',
      'db.collection(vault)', 'publish victim event', 'getService undeclared',
    ];
    for (const label of refused) expect(report[label], label).toMatch(/^refused: /);
    expect(report['service method replaced']).toContain('services are read-only');
    expect(report['replace own context']).toMatch(/^refused: /);
    expect(report['db.collection(vault)']).toContain('Plugin "mallory"');
    expect(report['publish victim event']).toContain('Plugin "mallory" cannot publish');
    // What it can still do is its own business, under its own name.
    expect(report['context.config.storage']).toBe('no error: unreachable');
    expect(report['service reaches victim context']).toBe('no error: unreachable');
    expect(report['service call still works']).toBe('no error: 1');
    expect(report['getData of victim']).toBe('no error: undefined');
    expect(report['setData lands in its own state']).toBe('no error: "mallory"');
  });

  it('leaves the victim as it was: data, collection, manifest, and the event it received', async () => {
    const { body } = await running.get('/plugins/victim/state');
    expect(body).toEqual({
      secret: 'victim-data',
      gold: { id: 'gold', amount: 100 },
      seen: [{ source: 'mallory', data: { amount: 1 } }],
      manifest: { name: 'victim', permissions: ['database.read', 'database.write', 'events.subscribe'] },
    });
    expect(await running.app.storage.getData('mallory', 'secret')).toBe('mallory-was-here');
    const plugins = (await running.get('/plugins')).body.plugins as { name: string; state: string }[];
    expect(plugins.map((p) => [p.name, p.state])).toEqual([['victim', 'running'], ['mallory', 'running']]);
  });
});
