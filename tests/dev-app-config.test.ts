/**
 * `nexus dev` re-reads nexus.config.json: a plugin's changed overrides are swapped in (checked
 * first), an invalid file or value changes nothing, other settings ask for a restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { NEXUS_BIN, cleanEnv } from './helpers/index.ts';

let dir: string;
let child: ChildProcess;
let out = '';
let err = '';
let url = '';

function write(file: string, content: string): void {
  const target = path.join(dir, file);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, content);
}

const appConfig = (config: Record<string, unknown>, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ ...extra, plugins: { greeter: { config } } }, null, 2);

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\nstdout:\n${out}\nstderr:\n${err}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const greeting = async (): Promise<string> => ((await (await fetch(`${url}/plugins/greeter/greet`)).json()) as { greeting: string }).greeting;

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
  write('nexus.config.json', appConfig({ greeting: 'hi' }));
  child = spawn(process.execPath, [NEXUS_BIN, 'dev', dir, '--port', '0'], { env: cleanEnv(), stdio: 'pipe' });
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  url = await until('the URL', () => /Local:\s+(http:\/\/\S+?)\/?\s/.exec(out)?.[1], 20_000);
  await until('the watcher', () => (out.includes('watching') ? true : undefined));
}, 30_000);

afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('nexus dev: nexus.config.json changes', () => {
  test('a changed override is swapped in, with a line that says so', async () => {
    expect(await greeting()).toBe('hi');
    write('nexus.config.json', appConfig({ greeting: 'hey' }));
    await until('the new greeting', async () => ((await greeting()) === 'hey' ? true : undefined));
    expect(out).toContain('nexus.config.json: new config for greeter');
    expect(out).toMatch(/↻ greeter {2}nexus\.config\.json/);
  });

  test('an override out of range is refused: the plugin serves on with its previous config', async () => {
    write('nexus.config.json', appConfig({ greeting: 'ignored', times: 0 }));
    await until('the refusal', () => (/times.*at least 1/.test(err) ? true : undefined));
    expect(await greeting()).toBe('hey');
  });

  test('malformed JSON changes nothing and says where the file is wrong', async () => {
    write('nexus.config.json', '{ "plugins": ');
    await until('the parse error', () => (err.includes('nexus.config.json: not applied') ? true : undefined));
    expect(await greeting()).toBe('hey');
  });

  test('a setting only a restart applies is named', async () => {
    write('nexus.config.json', appConfig({ greeting: 'hey' }, { port: 4321 }));
    await until('the restart hint', () => (err.includes('restart nexus dev to apply port') ? true : undefined));
    expect(await greeting()).toBe('hey');
  });

  test('Ctrl-C still exits 0', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
