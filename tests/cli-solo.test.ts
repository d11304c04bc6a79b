/**
 * A plugin folder on its own (a manifest.json, no plugins/ folder): `nexus validate`, `start` and
 * `dev` run inside it treat it as an app of that one plugin, so an author can call its routes
 * before it has an app.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { killChildren, runCli, spawnCli, startCli } from './helpers/index.ts';

vi.setConfig({ testTimeout: 60_000 });

const source = (word: string) => `import { BasePlugin, type Router } from '@nexus/core';

export default class Solo extends BasePlugin {
  override routes(router: Router): void {
    router.get('/word', (ctx) => {
      ctx.body = { word: ${JSON.stringify(word)}, greeting: this.getConfig('greeting') };
    });
  }
}
`;

let dir: string;
const write = (file: string, content: string) => {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), content);
};
const word = async (url: string) => (await (await fetch(`${url}/plugins/solo/word`)).json()) as { word: string; greeting: string };

beforeAll(() => {
  dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'nexus-solo-')), 'solo');
  write('manifest.json', JSON.stringify({ name: 'solo', version: '1.0.0', configuration: { greeting: { type: 'string', default: 'hi' } } }));
  write('config/default.yaml', 'greeting: hello\n');
  write('src/plugin.ts', source('one'));
});

afterAll(async () => {
  await killChildren();
  rmSync(path.dirname(dir), { recursive: true, force: true });
});

describe('a plugin folder run on its own', () => {
  it('nexus validate checks it as the only plugin', async () => {
    const run = await runCli(['validate'], { cwd: dir });
    expect(run.stdout).toMatch(/^✓ solo$/m);
    expect(run.stdout).toContain('The plugin is valid.');
    expect(run.code).toBe(0);
  });

  it('nexus start serves its routes with its config, keeping state in its own .nexus folder', async () => {
    const server = await startCli('.', [], { cwd: dir });
    try {
      expect(await word(server.url)).toEqual({ word: 'one', greeting: 'hello' });
      const plugins = (await (await fetch(`${server.url}/plugins`)).json()) as { plugins: { name: string; state: string }[] };
      expect(plugins.plugins.map((p) => [p.name, p.state])).toEqual([['solo', 'running']]);
    } finally {
      expect((await server.stop()).code).toBe(0);
    }
  });

  it('nexus dev swaps it when its code changes', async () => {
    const server = spawnCli(['dev', '--port', '0'], { cwd: dir });
    try {
      const url = (await server.waitFor(/Local:\s+(http:\/\/[^\s/]+:\d+)/))[1]!;
      await server.waitFor(/watching .*for changes/);
      expect((await word(url)).word).toBe('one');
      write('src/plugin.ts', source('two'));
      await server.waitFor(/↻ solo/);
      expect((await word(url)).word).toBe('two');
    } finally {
      expect((await server.stop()).code).toBe(0);
    }
  });
});
