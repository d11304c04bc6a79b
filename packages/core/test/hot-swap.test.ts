import { unlinkSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { testChannel } from './fixtures.ts';
import { startHotApp, versionPlugin, type HotFixture } from './hot-fixture.ts';

let fx: HotFixture | undefined;

afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

const ENTRY = 'src/plugin.ts';

// Written by the plugins under test: how often initialize() ran, which events reached which
// instance, and calls that reached an instance after its shutdown.
const inits = testChannel('__hotInits', () => ({ count: 0 }));
const ticks = testChannel('__hotTicks', (): { n: number; version: string; alive: boolean }[] => []);
const zombies = testChannel('__hotZombies', (): string[] => []);
// A module whose evaluation waits (top-level await) until the test calls `loading().release()`.
const loading = testChannel('__hotLoading', () => ({ started: false, release: () => {} }));
const WAITS_FOR_RELEASE = `${loading.ref}.started = true; await new Promise<void>((resolve) => { ${loading.ref}.release = resolve; });`;

async function start(source = versionPlugin('v1'), options?: Parameters<typeof startHotApp>[1]): Promise<HotFixture> {
  fx = await startHotApp({ hello: { files: { [ENTRY]: source } } }, options);
  expect((await fx.get('/plugins/hello/version')).body).toEqual({ version: 'v1' });
  return fx;
}

describe('swap', () => {
  test('a code change is served by a new instance; one report with the time split', async () => {
    const fx = await start();
    const [report] = await fx.edit('hello', ENTRY, versionPlugin('v2'));
    expect(report).toMatchObject({ kind: 'swap', plugins: ['hello'], files: ['plugins/hello/src/plugin.ts'], outcome: 'ok' });
    expect(report!.timings.load).toBeGreaterThan(0);
    expect(report!.timings.initialize).toBeGreaterThan(0);
    expect((await fx.get('/plugins/hello/version')).body).toEqual({ version: 'v2' });
    const { body } = await fx.get('/plugins');
    expect(body.plugins[0]).toMatchObject({ name: 'hello', state: 'running', reloads: 1 });
  });

  test('the manager tells it is swapping while the new code loads and starts, and only then', async () => {
    const fx = await start();
    const seen: boolean[] = [];
    (globalThis as { nexusTestSwapping?: () => void }).nexusTestSwapping = () => seen.push(fx.app.manager.swapping);
    expect(fx.app.manager.swapping).toBe(false);
    await fx.edit('hello', ENTRY, versionPlugin('v2', 'override initialize() { (globalThis as any).nexusTestSwapping(); }', '(globalThis as any).nexusTestSwapping();'));
    expect(seen).toEqual([true, true]); // loading the module, then initialize()
    expect(fx.app.manager.swapping).toBe(false);
  });

  test('a helper module change reaches the plugin that imports it', async () => {
    const fx = await start(versionPlugin('v1'));
    fx.write('hello', 'src/helper.ts', `export const VERSION = 'h1';\n`);
    await fx.edit('hello', ENTRY, versionPlugin('unused', '', `import { VERSION } from './helper.ts';`).replace(`"unused"`, 'VERSION'));
    expect((await fx.get('/plugins/hello/version')).body).toEqual({ version: 'h1' });
    await fx.edit('hello', 'src/helper.ts', `export const VERSION = 'h2';\n`);
    expect((await fx.get('/plugins/hello/version')).body).toEqual({ version: 'h2' });
  });

  test('config YAML change: swapped with the new value', async () => {
    fx = await startHotApp({
      conf: {
        manifest: { configuration: { greeting: { type: 'string', default: 'hi' } } },
        files: {
          [ENTRY]: `import { BasePlugin, type Router } from '@nexus/core';
export default class Conf extends BasePlugin {
  override routes(router: Router): void { router.get('/greeting', (ctx) => { ctx.body = { greeting: this.getConfig('greeting') }; }); }
}
`,
        },
      },
    });
    expect((await fx.get('/plugins/conf/greeting')).body).toEqual({ greeting: 'hi' });
    // default.yaml: Vitest sets NODE_ENV=test, so development.yaml would not apply here.
    const [report] = await fx.edit('conf', 'config/default.yaml', 'greeting: hello\n');
    expect(report).toMatchObject({ outcome: 'ok', files: ['plugins/conf/config/default.yaml'] });
    expect((await fx.get('/plugins/conf/greeting')).body).toEqual({ greeting: 'hello' });
    // An invalid value is refused before anything shuts down: the running config serves on.
    const [invalid] = await fx.edit('conf', 'config/default.yaml', 'greeting: 42\n');
    expect(invalid).toMatchObject({ outcome: 'rolled_back', error: { code: 'NEXUS_CONFIG_INVALID' } });
    expect(invalid!.error!.message).toContain('plugins/conf/config/default.yaml');
    expect((await fx.get('/plugins/conf/greeting')).body).toEqual({ greeting: 'hello' });
    await fx.edit('conf', 'config/default.yaml', 'greeting: fixed\n');
    expect((await fx.get('/plugins/conf/greeting')).body).toEqual({ greeting: 'fixed' });
  });
});

describe('rollback: the previous version goes on serving, the next good save recovers', () => {
  test('syntax error: file:line:column and a code frame', async () => {
    const fx = await start();
    const [report] = await fx.edit('hello', ENTRY, versionPlugin('v2').replace('ctx.body =', 'ctx.body = ='));
    expect(report).toMatchObject({ outcome: 'rolled_back', error: { plugin: 'hello', code: 'NEXUS_LOAD_FAILED' } });
    expect(report!.error!.location).toMatchObject({ file: 'plugins/hello/src/plugin.ts', line: 6 });
    expect(report!.error!.location!.frame).toContain('> 6 |');
    expect((await fx.get('/plugins/hello/version')).body).toEqual({ version: 'v1' });
    expect(fx.app.manager.get('hello')!.error).toContain('plugins/hello/src/plugin.ts:6');
    await fx.edit('hello', ENTRY, versionPlugin('v3'));
    expect((await fx.get('/plugins/hello/version')).body).toEqual({ version: 'v3' });
    expect(fx.app.manager.get('hello')!.error).toBeUndefined();
  });

  test('type error at module top level: points at the line', async () => {
    const fx = await start();
    const [report] = await fx.edit('hello', ENTRY, versionPlugin('v2', '', 'const missing: any = undefined;\nmissing.call();'));
    expect(report).toMatchObject({ outcome: 'rolled_back', error: { code: 'NEXUS_LOAD_FAILED' } });
    // Exact lines are checked end to end (tests/dev-cli.test.ts): under Vitest, whose own module
    // runner shares Vite's stack trace hook, positions of runtime errors are not source-mapped.
    expect(report!.error!.message).toMatch(/call/);
    expect(report!.error!.location?.file).toBe('plugins/hello/src/plugin.ts');
    expect((await fx.get('/plugins/hello/version')).body).toEqual({ version: 'v1' });
    await fx.edit('hello', ENTRY, versionPlugin('v3'));
    expect((await fx.get('/plugins/hello/version')).body).toEqual({ version: 'v3' });
  });

  test('import of a missing file, then the file is created', async () => {
    const fx = await start();
    const source = versionPlugin('unused', '', `import { VERSION } from './later.ts';`).replace(`"unused"`, 'VERSION');
    const [report] = await fx.edit('hello', ENTRY, source);
    expect(report).toMatchObject({ outcome: 'rolled_back', error: { code: 'NEXUS_LOAD_FAILED' } });
    expect(report!.error!.message).toContain('later.ts');
    expect((await fx.get('/plugins/hello/version')).body).toEqual({ version: 'v1' });
    const [fixed] = await fx.edit('hello', 'src/later.ts', `export const VERSION = 'later';\n`);
    expect(fixed).toMatchObject({ outcome: 'ok' });
    expect((await fx.get('/plugins/hello/version')).body).toEqual({ version: 'later' });
  });

  test('a helper deleted mid-edit, then restored', async () => {
    const fx = await start();
    fx.write('hello', 'src/helper.ts', `export const VERSION = 'h1';\n`);
    await fx.edit('hello', ENTRY, versionPlugin('unused', '', `import { VERSION } from './helper.ts';`).replace(`"unused"`, 'VERSION'));
    unlinkSync(path.join(fx.pluginDir('hello'), 'src/helper.ts'));
    const [report] = await fx.changed('hello', 'src/helper.ts');
    expect(report).toMatchObject({ outcome: 'rolled_back' });
    expect((await fx.get('/plugins/hello/version')).body).toEqual({ version: 'h1' });
    await fx.edit('hello', 'src/helper.ts', `export const VERSION = 'h2';\n`);
    expect((await fx.get('/plugins/hello/version')).body).toEqual({ version: 'h2' });
  });

  test('entry that exports nothing', async () => {
    const fx = await start();
    const [report] = await fx.edit('hello', ENTRY, `export const nothing = 1;\n`);
    expect(report).toMatchObject({ outcome: 'rolled_back', error: { code: 'NEXUS_ENTRY_INVALID' } });
    expect(report!.error!.message).toContain('plugins/hello/src/plugin.ts: exports no plugin');
    expect((await fx.get('/plugins/hello/version')).body).toEqual({ version: 'v1' });
  });

  test('initialize() throws: the line that threw, old instance re-initialized', async () => {
    const fx = await start(versionPlugin('v1', `  override initialize(): boolean { ${inits.ref}.count += 1; return true; }`));
    const [report] = await fx.edit('hello', ENTRY, versionPlugin('v2', `  override initialize(): boolean {\n    throw new Error('no database');\n  }`));
    expect(report).toMatchObject({ outcome: 'rolled_back', error: { code: 'NEXUS_INIT_FAILED' } });
    expect(report!.error!.message).toBe('initialize() threw: no database');
    expect(report!.error!.location).toMatchObject({ file: 'plugins/hello/src/plugin.ts', frame: expect.any(String) });
    expect(inits().count).toBe(2); // the previous version was initialized again
    expect((await fx.get('/plugins/hello/version')).body).toEqual({ version: 'v1' });
    await fx.edit('hello', ENTRY, versionPlugin('v3'));
    expect((await fx.get('/plugins/hello/version')).body).toEqual({ version: 'v3' });
    expect(await fx.app.metrics.registry.getSingleMetricAsString('nexus_plugin_reloads_total')).toContain('outcome="rolled_back"} 1');
  });

  test('initialize() that hangs times out and rolls back; shutdown() that hangs is cut short', async () => {
    const fx = await start(versionPlugin('v1'), { timeouts: { initialize: 300, shutdown: 300 } });
    const [hung] = await fx.edit('hello', ENTRY, versionPlugin('v2', '  override initialize(): Promise<boolean> { return new Promise(() => {}); }'));
    expect(hung).toMatchObject({ outcome: 'rolled_back', error: { code: 'NEXUS_INIT_TIMEOUT' } });
    expect((await fx.get('/plugins/hello/version')).body).toEqual({ version: 'v1' });
    await fx.edit('hello', ENTRY, versionPlugin('v3', '  override shutdown(): Promise<void> { return new Promise(() => {}); }'));
    const [slow] = await fx.edit('hello', ENTRY, versionPlugin('v4'));
    expect(slow).toMatchObject({ outcome: 'ok' });
    expect((await fx.get('/plugins/hello/version')).body).toEqual({ version: 'v4' });
    expect(fx.logs.some((r) => r.message.includes('NEXUS_SHUTDOWN_TIMEOUT'))).toBe(true);
  });
});

describe('nothing lost', () => {
  test('requests sent during a slow initialize wait and are all served by the new instance', async () => {
    const fx = await start();
    fx.write('hello', ENTRY, versionPlugin('v2', '  override async initialize(): Promise<boolean> { await new Promise((r) => setTimeout(r, 300)); return true; }'));
    const swapped = fx.changed('hello', ENTRY);
    await until(() => !fx.app.manager.get('hello')!.gate.isOpen);
    const answers = await Promise.all(Array.from({ length: 25 }, () => fx.get('/plugins/hello/version')));
    await swapped;
    expect(answers.map((a) => a.status)).toEqual(Array(25).fill(200));
    expect(answers.every((a) => a.body.version === 'v2')).toBe(true);
  });

  test('requests sent while the new code loads wait for it, and are served by it', async () => {
    const fx = await start();
    fx.write('hello', ENTRY, versionPlugin('v2', '', WAITS_FOR_RELEASE));
    const swapped = fx.changed('hello', ENTRY);
    await expect.poll(() => loading().started).toBe(true);
    expect(fx.app.manager.get('hello')!.state).toBe('running'); // the old instance is still up
    const answers = Promise.all(Array.from({ length: 5 }, () => fx.get('/plugins/hello/version')));
    await expect.poll(() => fx.app.manager.get('hello')!.gate.waiting).toBe(5);
    loading().release();
    await swapped;
    expect((await answers).map((a) => a.body)).toEqual(Array(5).fill({ version: 'v2' }));
  });

  test('when the new code fails to load, the requests that waited are served by the old one', async () => {
    const fx = await start();
    fx.write('hello', ENTRY, versionPlugin('v2', '', `${WAITS_FOR_RELEASE}\nthrow new Error('broken at load');`));
    const swapped = fx.changed('hello', ENTRY);
    await expect.poll(() => loading().started).toBe(true);
    const answers = Promise.all(Array.from({ length: 5 }, () => fx.get('/plugins/hello/version')));
    await expect.poll(() => fx.app.manager.get('hello')!.gate.waiting).toBe(5);
    loading().release();
    const [report] = await swapped;
    expect(report).toMatchObject({ outcome: 'rolled_back', error: { message: expect.stringContaining('broken at load') } });
    expect((await answers).map((a) => a.status)).toEqual(Array(5).fill(200));
    expect((await answers).map((a) => a.body)).toEqual(Array(5).fill({ version: 'v1' }));
  });

  test('a request in flight on the old instance finishes before it shuts down', async () => {
    const slowRoute = `  override routes(router: Router): void {
    router.get('/slow', async (ctx) => { await new Promise((r) => setTimeout(r, 200)); ctx.body = { alive: !this.signal.aborted }; });
    router.get('/version', (ctx) => { ctx.body = { version: 'v1' }; });
  }`;
    fx = await startHotApp({ hello: { files: { [ENTRY]: versionPlugin('v1').replace(/ {2}override routes[\s\S]*?\n {2}}\n/, slowRoute + '\n') } } });
    const inflight = fx.get('/plugins/hello/slow');
    await expect.poll(() => fx!.app.manager.get('hello')!.gate.inflight).toBe(1);
    await fx.edit('hello', ENTRY, versionPlugin('v2'));
    expect(await inflight).toEqual({ status: 200, body: { alive: true } });
    expect((await fx.get('/plugins/hello/version')).body).toEqual({ version: 'v2' });
  });

  test('events published during a swap reach the new instance exactly once', async () => {
    const listener = (version: string, delay: number): string =>
      versionPlugin(
        version,
        `  override async initialize(): Promise<boolean> {
    this.subscribeToEvent('tick', (event) => {
      ${ticks.ref}.push({ n: (event.data as { n: number }).n, version: ${JSON.stringify(version)}, alive: !this.signal.aborted });
    });
    await new Promise((r) => setTimeout(r, ${delay}));
    return true;
  }`,
      );
    fx = await startHotApp({
      listener: { manifest: { permissions: ['events.subscribe'], events: { subscribes: ['tick'] } }, files: { [ENTRY]: listener('v1', 0) } },
    });
    const publish = (n: number): Promise<unknown> => fx!.app.bus.publish('nexus', 'tick', { n });
    await publish(0);
    await fx.app.bus.idle();
    fx.write('listener', ENTRY, listener('v2', 200));
    const swapped = fx.changed('listener', ENTRY);
    await until(() => fx!.app.manager.get('listener')!.state !== 'running');
    for (let n = 1; n <= 20; n++) await publish(n);
    await swapped;
    await publish(21);
    await expect.poll(() => ticks().length).toBe(22);
    expect(ticks().map((t) => t.n)).toEqual(Array.from({ length: 22 }, (_, n) => n));
    expect(ticks()[0]).toMatchObject({ version: 'v1' });
    expect(ticks().slice(1).every((t) => t.version === 'v2' && t.alive)).toBe(true);
  });

  test('state handed over in memory (exportHotState/importHotState) and saved with setData survive', async () => {
    const stateful = (version: string): string =>
      versionPlugin(
        version,
        `  cache = new Map<string, number>();
  saved = 0;
  override exportHotState() { return { cache: this.cache }; }
  override importHotState(state: { cache: Map<string, number> }) { this.cache = state.cache; }
  override async initialize(): Promise<boolean> { this.saved = (await this.getData<number>('saved')) ?? 0; return true; }
  override routes(router: Router): void {
    router.post('/hit', async (ctx) => {
      this.cache.set('hits', (this.cache.get('hits') ?? 0) + 1);
      this.saved += 1;
      await this.setData('saved', this.saved);
      ctx.body = { version: ${JSON.stringify(version)}, hits: this.cache.get('hits'), saved: this.saved };
    });
  }`,
      ).replace(/ {2}override routes\(router: Router\): void \{\n {4}router\.get[\s\S]*?\n {2}}\n/, '');
    fx = await startHotApp({ state: { manifest: { permissions: ['database.read', 'database.write'] }, files: { [ENTRY]: stateful('v1') } } });
    const hit = async (): Promise<any> => (await fetch(`${fx!.url}/plugins/state/hit`, { method: 'POST' })).json();
    await hit();
    await hit();
    await fx.edit('state', ENTRY, stateful('v2'));
    expect(await hit()).toEqual({ version: 'v2', hits: 3, saved: 3 });
  });

  test('resources of the old instance are released and it is never called after shutdown', async () => {
    const busy = (version: string): string =>
      versionPlugin(
        version,
        `  override initialize(): boolean {
    this.subscribeToEvent('busy.tick', () => this.touch());
    this.setInterval(() => this.touch(), 5);
    this.registerService('busy.clock', { now: () => this.touch() });
    void this.runTask(async (signal) => { while (!signal.aborted) await new Promise((r) => setTimeout(r, 5)); });
    return true;
  }
  dead = false;
  touch(): void { if (this.dead) ${zombies.ref}.push(${JSON.stringify(version)}); }
  override shutdown(): void { this.dead = true; }`,
      );
    fx = await startHotApp({
      busy: { manifest: { permissions: ['events.subscribe', 'events.publish'] }, files: { [ENTRY]: busy('v1') } },
    });
    const record = fx.app.manager.get('busy')!;
    const oldContext = record.context!;
    expect(oldContext.resources()).toEqual({ subscriptions: 1, services: 1, timers: 1, tasks: 1 });
    await fx.edit('busy', ENTRY, busy('v2'));
    expect(oldContext.resources()).toEqual({ subscriptions: 0, services: 0, timers: 0, tasks: 0 });
    expect(record.context!.resources()).toEqual({ subscriptions: 1, services: 1, timers: 1, tasks: 1 });
    await fx.app.bus.publish('busy', 'busy.tick', {});
    await fx.app.bus.idle();
    expect(zombies()).toEqual([]);
  });
});

async function until(check: () => boolean): Promise<void> {
  await expect.poll(check, { interval: 1, timeout: 5_000 }).toBe(true);
}

describe('error answers under nexus dev', () => {
  test("a failed plugin's 503 says where in its code, with a code frame (never under nexus start)", async () => {
    fx = await startHotApp({ broken: { files: { [ENTRY]: 'export default class {\n  x = = 1;\n}\n' } } });
    const { status, body } = await fx.get('/plugins/broken/anything');
    expect(status).toBe(503);
    expect(body).toMatchObject({ code: 'NEXUS_PLUGIN_UNAVAILABLE', location: { file: 'plugins/broken/src/plugin.ts', line: 2, frame: expect.stringContaining('> 2 |') } });
  });
});
