import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

// `nexus dev` as a user runs it: a child process on a real app folder, edited on disk.
const BIN = fileURLToPath(new URL('../packages/cli/bin/nexus.js', import.meta.url));

const plugin = (version: string, init = 'return true;'): string => `import { BasePlugin, type Router } from '@nexus/core';

export default class Hello extends BasePlugin {
  override initialize(): boolean {
    ${init}
  }

  override routes(router: Router): void {
    router.get('/version', (ctx) => {
      ctx.body = { version: '${version}' };
    });
  }
}
`;

let dir: string;
let child: ChildProcess;
let out = '';
let err = '';
let url = '';
let exit: Promise<number | null>;

function write(file: string, content: string): void {
  const target = path.join(dir, file);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, content);
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\nstdout:\n${out}\nstderr:\n${err}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const version = async (): Promise<string> => ((await (await fetch(`${url}/plugins/hello/version`)).json()) as { version: string }).version;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nexus-dev-cli-'));
  write('plugins/hello/manifest.json', JSON.stringify({ name: 'hello', version: '1.0.0' }));
  write('plugins/hello/src/plugin.ts', plugin('v1'));
  child = spawn(process.execPath, [BIN, 'dev', dir, '--port', '0'], { env: { ...process.env, NO_COLOR: '1' }, stdio: 'pipe' });
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  url = await until('the URL', () => /Local:\s+(http:\/\/\S+?)\/?\s/.exec(out)?.[1]);
  // Edits count only once the watcher is ready, which is when `watching` is printed.
  await until('the watcher', () => (out.includes('watching') ? true : undefined));
}, 20_000);

afterAll(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('nexus dev', () => {
  test('serves, then swaps an edited plugin and prints one line for it', async () => {
    expect(out).toContain('watching');
    expect(await version()).toBe('v1');
    write('plugins/hello/src/plugin.ts', plugin('v2'));
    await until('v2', async () => ((await version()) === 'v2' ? true : undefined));
    const line = await until('the swap line', () => out.split('\n').find((l) => l.includes('↻ hello')));
    expect(line).toMatch(/\[nexus\] ↻ hello {2}plugins\/hello\/src\/plugin\.ts {2}[\d.]+ ms \(load [\d.]+ · shutdown [\d.]+ · init [\d.]+\)/);
    expect(line).not.toMatch(/\x1b\[/); // NO_COLOR
  });

  test('a syntax error is shown with file:line:column and a code frame; the old version serves on', async () => {
    write('plugins/hello/src/plugin.ts', plugin('v3').replace("ctx.body = { version: 'v3' };", "ctx.body = { version: 'v3' ;"));
    const shown = await until('the error', () => (err.includes('plugins/hello/src/plugin.ts:10:') ? err : undefined));
    expect(shown).toMatch(/✗ hello {2}plugins\/hello\/src\/plugin\.ts {2}failed, the previous version goes on serving/);
    expect(shown).toMatch(/> 10 \| +ctx\.body = \{ version: 'v3' ;/);
    expect(await version()).toBe('v2');
  });

  test('initialize() throwing points at the exact line; the next good save recovers', async () => {
    err = '';
    write('plugins/hello/src/plugin.ts', plugin('v4', "throw new Error('not today');"));
    const shown = await until('the error', () => (err.includes('not today') ? err : undefined));
    expect(shown).toContain("plugins/hello/src/plugin.ts:5:11: initialize() threw: not today");
    expect(shown).toMatch(/> 5 \| +throw new Error\('not today'\);/);
    expect(await version()).toBe('v2');
    write('plugins/hello/src/plugin.ts', plugin('v5'));
    await until('v5', async () => ((await version()) === 'v5' ? true : undefined));
  });

  test('Ctrl-C stops the watcher and shuts down cleanly with exit code 0', async () => {
    child.kill('SIGINT');
    expect(await exit).toBe(0);
    expect(out).toMatch(/stopped in \d+ ms/);
  });
});
