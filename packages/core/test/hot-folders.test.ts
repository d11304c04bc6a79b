import { renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { ManifestChange } from '../src/hot/types.ts';
import { manifestOf, startHotApp, versionPlugin, type HotFixture } from './hot-fixture.ts';

const ENTRY = 'src/plugin.ts';
let fx: HotFixture | undefined;

afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

describe('plugin folders', () => {
  test('a new folder is loaded and served', async () => {
    fx = await startHotApp({ one: { files: { [ENTRY]: versionPlugin('one') } } });
    fx.writeManifest('two', {});
    fx.write('two', ENTRY, versionPlugin('two'));
    const [report] = await fx.changed('two', 'manifest.json', ENTRY);
    expect(report).toMatchObject({ kind: 'add', plugins: ['two'], outcome: 'ok' });
    expect((await fx.get('/plugins/two/version')).body).toEqual({ version: 'two' });
  });

  test('a new folder a failed plugin was waiting for starts it too', async () => {
    fx = await startHotApp({ waiter: { manifest: { dependencies: ['late'] }, files: { [ENTRY]: versionPlugin('waiter') } } });
    expect(fx.app.manager.get('waiter')!.state).toBe('failed');
    fx.writeManifest('late', {});
    fx.write('late', ENTRY, versionPlugin('late'));
    const [report] = await fx.changed('late', 'manifest.json');
    expect(report).toMatchObject({ kind: 'add', plugins: ['late', 'waiter'], outcome: 'ok' });
    expect((await fx.get('/plugins/waiter/version')).body).toEqual({ version: 'waiter' });
  });

  test('a folder being created (no manifest yet) is ignored until its manifest appears', async () => {
    fx = await startHotApp({ one: { files: { [ENTRY]: versionPlugin('one') } } });
    fx.write('draft', ENTRY, versionPlugin('draft'));
    expect(await fx.changed('draft', ENTRY)).toEqual([]);
    fx.writeManifest('draft', {});
    expect(await fx.changed('draft', 'manifest.json')).toMatchObject([{ kind: 'add', outcome: 'ok' }]);
  });

  test('a removed folder is unloaded, and the plugins that need it stop', async () => {
    fx = await startHotApp({
      base: { files: { [ENTRY]: versionPlugin('base') } },
      user: { manifest: { dependencies: ['base'] }, files: { [ENTRY]: versionPlugin('user') } },
    });
    rmSync(fx.pluginDir('base'), { recursive: true });
    const [report] = await fx.changed('base');
    expect(report).toMatchObject({ kind: 'remove', plugins: ['base', 'user'], outcome: 'ok' });
    expect(fx.app.manager.get('base')).toBeUndefined();
    expect((await fx.get('/plugins/base/version')).status).toBe(404);
    expect(fx.app.manager.get('user')).toMatchObject({ state: 'failed' });
    expect((await fx.get('/plugins/user/version')).status).toBe(503);
  });

  test('a renamed folder is removed and added again, and goes on serving', async () => {
    fx = await startHotApp({ moving: { files: { [ENTRY]: versionPlugin('moving') } } });
    const to = path.join(path.dirname(fx.pluginDir('moving')), 'moved');
    renameSync(fx.pluginDir('moving'), to);
    // The new folder's events may come first.
    fx.hot.notify(to, []);
    fx.hot.notify(fx.pluginDir('moving'), []);
    await fx.hot.idle();
    expect(fx.reports.map((r) => [r.kind, r.outcome])).toEqual([['remove', 'ok'], ['add', 'ok']]);
    expect(fx.app.manager.get('moving')!.location.dir).toBe(to);
    expect((await fx.get('/plugins/moving/version')).body).toEqual({ version: 'moving' });
  });
});

describe('manifest changes', () => {
  const greeter = `import { BasePlugin, type Router } from '@nexus/core';
export default class Greeter extends BasePlugin {
  override routes(router: Router): void { router.get('/greeting', (ctx) => { ctx.body = { greeting: this.getConfig('greeting') }; }); }
}
`;
  const config = (value: string): Record<string, unknown> => ({ configuration: { greeting: { type: 'string', default: value } } });

  test('made invalid: nothing is unloaded, the error is shown; fixed: swapped with the new manifest, types regenerated', async () => {
    const regenerated: ManifestChange[] = [];
    fx = await startHotApp({ greeter: { manifest: config('hi'), files: { [ENTRY]: greeter } } }, {
      hot: { onManifestChange: async (plugin) => void regenerated.push(plugin) },
    });
    fx.writeManifest('greeter', { ...config('hello'), version: 'one' });
    const [invalid] = await fx.changed('greeter', 'manifest.json');
    expect(invalid).toMatchObject({ kind: 'invalid', outcome: 'rolled_back', error: { code: 'NEXUS_MANIFEST_INVALID' } });
    expect(invalid!.error!.message).toContain('plugins/greeter/manifest.json: /version');
    expect(regenerated).toEqual([]);
    expect((await fx.get('/plugins/greeter/greeting')).body).toEqual({ greeting: 'hi' });
    expect(fx.app.manager.get('greeter')).toMatchObject({ state: 'running' });

    fx.writeManifest('greeter', config('hello'));
    const [fixed] = await fx.changed('greeter', 'manifest.json');
    expect(fixed).toMatchObject({ kind: 'swap', outcome: 'ok' });
    expect((await fx.get('/plugins/greeter/greeting')).body).toEqual({ greeting: 'hello' });
    expect(regenerated).toHaveLength(1);
    expect(regenerated[0]).toMatchObject({ dir: fx.pluginDir('greeter'), displayDir: 'plugins/greeter', manifest: { name: 'greeter' } });
    expect(fx.app.manager.get('greeter')!.error).toBeUndefined();
  });

  test('JSON syntax error: line and column, old one serves on', async () => {
    fx = await startHotApp({ greeter: { manifest: config('hi'), files: { [ENTRY]: greeter } } });
    writeFileSync(path.join(fx.pluginDir('greeter'), 'manifest.json'), JSON.stringify(manifestOf('greeter'), null, 2).replace('"version"', '"version" "x",'));
    const [invalid] = await fx.changed('greeter', 'manifest.json');
    expect(invalid).toMatchObject({ kind: 'invalid', outcome: 'rolled_back' });
    expect(invalid!.error!.message).toMatch(/manifest\.json: line 3, column \d+/);
    expect((await fx.get('/plugins/greeter/greeting')).body).toEqual({ greeting: 'hi' });
  });

  test('a dependency that cannot be met is refused like an invalid manifest', async () => {
    fx = await startHotApp({ greeter: { manifest: config('hi'), files: { [ENTRY]: greeter } } });
    fx.writeManifest('greeter', { ...config('hi'), dependencies: ['ghost'] });
    const [invalid] = await fx.changed('greeter', 'manifest.json');
    expect(invalid).toMatchObject({ kind: 'invalid', outcome: 'rolled_back' });
    expect(invalid!.error!.message).toContain('needs plugin "ghost"');
    expect(fx.app.manager.get('greeter')).toMatchObject({ state: 'running' });
  });

  test('an invalid manifest of a new folder is reported; fixing it starts the plugin', async () => {
    fx = await startHotApp({ one: { files: { [ENTRY]: versionPlugin('one') } } });
    fx.writeManifest('fresh', { version: 'nope' });
    fx.write('fresh', ENTRY, versionPlugin('fresh'));
    const [bad] = await fx.changed('fresh', 'manifest.json');
    expect(bad).toMatchObject({ kind: 'add', outcome: 'failed', error: { code: 'NEXUS_MANIFEST_INVALID' } });
    fx.writeManifest('fresh', {});
    const [good] = await fx.changed('fresh', 'manifest.json');
    expect(good).toMatchObject({ outcome: 'ok', plugins: ['fresh'] });
    expect((await fx.get('/plugins/fresh/version')).body).toEqual({ version: 'fresh' });
  });
});
