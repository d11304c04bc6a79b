/**
 * `nexus dev` re-reads nexus.config.json: a plugin's changed overrides are swapped in (checked
 * first), `enabled: false` stops a plugin and those that need it and `true` starts them again, an
 * invalid file or value changes nothing, other settings ask for a restart.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventually, killChildren, spawnCli, type CliProcess } from './helpers/index.ts';

let dir: string;
let dev: CliProcess;
let url = '';

function write(file: string, content: string): void {
  const target = path.join(dir, file);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, content);
}

const appConfig = (config: Record<string, unknown>, extra: Record<string, unknown> = {}, enabled = true): string =>
  JSON.stringify({ ...extra, plugins: { greeter: { enabled, config } } }, null, 2);

const greeting = async (): Promise<string> => ((await (await fetch(`${url}/plugins/greeter/greet`)).json()) as { greeting: string }).greeting;
const status = async (plugin: string, route: string): Promise<number> => (await fetch(`${url}/plugins/${plugin}${route}`)).status;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nexus-dev-app-config-'));
  write(
    'plugins/greeter/manifest.json',
    JSON.stringify({
      name: 'greeter',
      version: '1.0.0',
      configuration: { greeting: { type: 'string', default: 'hello' }, times: { type: 'integer', default: 1, min: 1 } },
    }),
  );
  write(
    'plugins/greeter/src/plugin.ts',
    `import { BasePlugin, type Router } from '@nexus/core';
export default class Greeter extends BasePlugin {
  override routes(router: Router): void {
    router.get('/greet', (ctx) => { ctx.body = { greeting: this.getConfig('greeting') }; });
  }
}
`,
  );
  write('plugins/fan/manifest.json', JSON.stringify({ name: 'fan', version: '1.0.0', dependencies: ['greeter'] }));
  write(
    'plugins/fan/src/plugin.ts',
    `import { BasePlugin, type Router } from '@nexus/core';
export default class Fan extends BasePlugin {
  override routes(router: Router): void {
    router.get('/ok', (ctx) => { ctx.body = { ok: true }; });
  }
}
`,
  );
  write('nexus.config.json', appConfig({ greeting: 'hi' }));
  dev = spawnCli(['dev', dir, '--port', '0']);
  url = (await dev.waitFor(/Local:\s+(http:\/\/\S+?)\/?\s/))[1]!;
  await dev.waitFor(/watching/);
}, 30_000);

afterAll(async () => {
  await killChildren();
  rmSync(dir, { recursive: true, force: true });
});

describe('nexus dev: nexus.config.json changes', () => {
  test('a changed override is swapped in, with a line that says so', async () => {
    expect(await greeting()).toBe('hi');
    write('nexus.config.json', appConfig({ greeting: 'hey' }));
    await eventually(async () => (await greeting()) === 'hey', 10_000, 'the new greeting');
    expect(dev.stdout()).toContain('nexus.config.json changed: greeter');
    expect(dev.stdout()).toMatch(/↻ greeter → fan {2}nexus\.config\.json/);
  });

  test('an override out of range is refused: the plugin serves on with its previous config', async () => {
    write('nexus.config.json', appConfig({ greeting: 'ignored', times: 0 }));
    await dev.waitFor(/greeter\.times: must be at least 1, got 0/);
    expect(await greeting()).toBe('hey');
  });

  test('malformed JSON changes nothing and says where the file is wrong', async () => {
    write('nexus.config.json', '{ "plugins": ');
    await dev.waitFor(/nexus\.config\.json: not applied, the app keeps its previous config\n\s+nexus\.config\.json: line 1, column \d+/);
    expect(await greeting()).toBe('hey');
  });

  test('enabled: false stops the plugin and the plugins that need it; true starts them again', async () => {
    write('nexus.config.json', appConfig({ greeting: 'hey' }, {}, false));
    await dev.waitFor(/○ disabled greeter \(stopped fan\) {2}nexus\.config\.json/);
    const answer = await fetch(`${url}/plugins/greeter/greet`);
    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatchObject({ error: 'plugin_unavailable', state: 'disabled' });
    expect(await status('fan', '/ok')).toBe(503);
    write('nexus.config.json', appConfig({ greeting: 'back' }));
    await eventually(async () => (await status('greeter', '/greet')) === 200 && (await status('fan', '/ok')) === 200, 10_000, 'both serving again');
    expect(await greeting()).toBe('back');
  });

  test('a setting only a restart applies is named', async () => {
    write('nexus.config.json', appConfig({ greeting: 'back' }, { port: 4321 }));
    await dev.waitFor(/restart nexus dev to apply port/);
    expect(await greeting()).toBe('back');
  });

  test('Ctrl-C still exits 0', async () => {
    expect((await dev.stop('SIGINT')).code).toBe(0);
  });
});
