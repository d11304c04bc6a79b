/** PluginManager over real plugin folders (loaded through the real module loader), without HTTP. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type NexusApp } from '../src/app/create.ts';
import { createMemorySink } from '../src/logger/logger.ts';
import { createMemoryStorage } from '../src/storage/memory.ts';
import { testChannel } from './fixtures.ts';

const ZERO = { subscriptions: 0, services: 0, timers: 0, tasks: 0 };
/** What the plugins' lifecycle methods did, in order. */
const calls = testChannel('__managerCalls', (): string[] => []);

interface Plugin {
  manifest?: Record<string, unknown>;
  /** Class body, or a whole module when it starts with "import" or "export". */
  source?: string;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(plugins: Record<string, Plugin>, config: Record<string, unknown> = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nexus-manager-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'nexus.config.json'), JSON.stringify(config));
  for (const [name, plugin] of Object.entries(plugins)) {
    const pluginDir = path.join(dir, 'plugins', name);
    mkdirSync(path.join(pluginDir, 'src'), { recursive: true });
    writeFileSync(path.join(pluginDir, 'manifest.json'), JSON.stringify({ name, version: '1.0.0', ...plugin.manifest }));
    const source = plugin.source ?? '';
    const module = /^(import|export)/.test(source.trimStart())
      ? source
      : `import { BasePlugin } from '@nexus/core';\nconst calls = ${calls.ref};\nexport default class extends BasePlugin {\n${source}\n}\n`;
    writeFileSync(path.join(pluginDir, 'src', 'plugin.ts'), module);
  }
  const sink = createMemorySink();
  const app: NexusApp = await createApp({ appDir: dir, logSink: sink, environ: {}, storage: createMemoryStorage(), catchPluginFaults: false });
  cleanups.push(() => app.stop());
  await app.manager.startAll();
  const logs = () => sink.records.map((r) => `${r.level} [${r.name}] ${r.message}`).join('\n');
  return { app, manager: app.manager, logs };
}

const lifecycle = (name: string) => `
  override initialize() { calls.push('init ${name}'); }
  override shutdown() { calls.push('shutdown ${name}'); }`;

describe('PluginManager start and stop', () => {
  it('starts dependencies first and stops in reverse order', async () => {
    const { manager } = await setup({
      a_app: { manifest: { dependencies: ['m_lib'] }, source: lifecycle('a_app') },
      m_lib: { manifest: { dependencies: ['z_core'] }, source: lifecycle('m_lib') },
      z_core: { source: lifecycle('z_core') },
    });
    expect(manager.order).toEqual(['z_core', 'm_lib', 'a_app']);
    await manager.stopAll();
    expect(calls()).toEqual(['init z_core', 'init m_lib', 'init a_app', 'shutdown a_app', 'shutdown m_lib', 'shutdown z_core']);
    expect(manager.list().map((p) => p.state)).toEqual(['stopped', 'stopped', 'stopped']);
  });

  it('list() shows name, version, state, dependencies, reloads and live resources', async () => {
    const { manager } = await setup({
      lib: { manifest: { version: '2.0.0', title: 'Lib' }, source: `override initialize() { this.registerService('lib.x', {}); this.setInterval(() => {}, 60_000); }` },
      app: { manifest: { dependencies: ['lib@^2'] } },
    });
    expect(manager.list()).toMatchObject([
      { name: 'lib', version: '2.0.0', title: 'Lib', state: 'running', reloads: 0, dependencies: [], resources: { services: 1, timers: 1 } },
      { name: 'app', version: '1.0.0', state: 'running', reloads: 0, dependencies: ['lib'], resources: ZERO },
    ]);
    expect(manager.timeouts).toEqual({ initialize: 10_000, shutdown: 5_000 });
  });

  it('a disabled plugin is not started, and plugins that need it fail saying so', async () => {
    const { manager } = await setup(
      { off: { source: lifecycle('off') }, needs_off: { manifest: { dependencies: ['off'] } } },
      { plugins: { off: { enabled: false } } },
    );
    expect(calls()).toEqual([]);
    expect(manager.get('off')).toMatchObject({ state: 'disabled' });
    expect(manager.get('needs_off')).toMatchObject({ state: 'failed', error: expect.stringContaining('needs plugin "off", which is not installed or disabled') });
  });

  it('accepts a createPlugin() factory; rejects a default export that is not a class, and code that does not load', async () => {
    const { manager } = await setup({
      factory: { source: "import { BasePlugin } from '@nexus/core';\nclass P extends BasePlugin {}\nexport function createPlugin() { return new P(); }\n" },
      not_class: { source: 'export default { initialize() {} };\n' },
      not_plugin: { source: 'export default class NotAPlugin {}\n' },
      syntax: { source: "import { BasePlugin } from '@nexus/core';\nexport default class extends BasePlugin {\n  value = = 1;\n}\n" },
    });
    expect(manager.get('factory')?.state).toBe('running');
    expect(manager.get('not_class')?.error).toBe(
      'plugins/not_class/src/plugin.ts: the default export is not a class; export default a class that extends BasePlugin from @nexus/core, or export function createPlugin() returning an instance',
    );
    expect(manager.get('not_plugin')?.error).toMatch(/^plugins\/not_plugin\/src\/plugin\.ts: the exported value does not make a plugin/);
    expect(manager.get('syntax')?.state).toBe('failed');
    // file:line:column and the parser's message, without terminal colors; the code frame is a field.
    expect(manager.get('syntax')?.error).toMatch(/^plugins\/syntax\/src\/plugin\.ts:3:\d+: [^\n\x1b]+$/);
    expect(manager.get('syntax')?.failure?.location?.frame).toMatch(/> 3 \|   value = = 1;/);
  });

  it('a failed initialize releases what the plugin registered before failing', async () => {
    const { app, manager } = await setup({
      half: {
        manifest: { permissions: ['events.subscribe'], events: { subscribes: ['x.y'] } },
        source: `override initialize() {
          this.registerService('half.s', {});
          this.subscribeToEvent('x.y', () => {});
          this.setInterval(() => {}, 60_000);
          throw new Error('half way');
        }`,
      },
    });
    expect(manager.get('half')).toMatchObject({ state: 'failed', error: 'initialize() threw: half way', instance: undefined, context: undefined });
    expect(app.services.has('half.s')).toBe(false);
    expect(app.bus.subscriptionCount('half')).toBe(0);
    expect(manager.list()[0]!.resources).toEqual(ZERO);
  });

  it('an error a background task leaves while initialize() runs fails the start', async () => {
    const { manager } = await setup({
      early: {
        source: `override async initialize() {
          void this.runTask(async () => { throw new Error('background failed'); });
          await new Promise((resolve) => setTimeout(resolve, 20));
        }`,
      },
    });
    expect(manager.get('early')).toMatchObject({
      state: 'failed',
      error: 'initialize() left an error behind (a throwing timer or an unhandled rejection): background failed',
    });
  });
});

describe('PluginManager faults', () => {
  it('fault() marks only that plugin failed, keeps the error and releases its resources', async () => {
    const { manager, logs } = await setup({
      worker: { source: `override initialize() { this.setInterval(() => {}, 60_000); }\n${lifecycle('worker')}` },
      other: { source: lifecycle('other') },
    });
    const record = manager.get('worker')!;
    const context = record.context!;
    context.owner.fault(new Error('worker crashed'));
    expect(record).toMatchObject({ state: 'failed', error: 'worker crashed' });
    await expect.poll(() => calls()).toContain('shutdown worker');
    expect(record).toMatchObject({ state: 'failed', error: 'worker crashed', instance: undefined });
    expect(context.resources()).toEqual(ZERO);
    expect(manager.get('other')?.state).toBe('running');
    expect(logs()).toContain('[worker] failed at run time: worker crashed');
    // A later error from the retired instance is logged, and changes nothing.
    context.owner.fault(new Error('late echo'));
    expect(record.error).toBe('worker crashed');
    expect(logs()).toContain('[worker] error from a retired instance: late echo');
  });
});
