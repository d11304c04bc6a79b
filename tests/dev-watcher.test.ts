import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { isIgnored, watchPlugins, type PluginWatcher } from '../packages/core/src/hot/watcher.ts';

interface HandOn {
  dir: string;
  files: string[];
  /** What the first changed file held when it was handed on. */
  content?: string;
}

let root: string;
let watcher: PluginWatcher | undefined;
let handOns: HandOn[];

beforeEach(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'nexus-watch-'));
  write('alpha/manifest.json', '{}');
  write('alpha/src/plugin.ts', 'export const v = 0;\n');
  handOns = [];
  watcher = await watchPlugins({
    root,
    onChange: (dir, files) => {
      let content: string | undefined;
      try {
        content = files[0] ? readFileSync(files[0], 'utf8') : undefined;
      } catch {
        content = undefined;
      }
      handOns.push({ dir, files: files.map((f) => path.relative(root, f)), content });
    },
  });
});

afterEach(async () => {
  await watcher?.close();
  rmSync(root, { recursive: true, force: true });
});

function write(file: string, content: string): string {
  const target = path.join(root, file);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, content);
  return target;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`no hand-on in time; got ${JSON.stringify(handOns)}`);
    await sleep(5);
  }
}

describe('watchPlugins', () => {
  test('a save is handed on once, per plugin folder, with the file', async () => {
    write('alpha/src/plugin.ts', 'export const v = 1;\n');
    await until(() => handOns.length > 0);
    await sleep(150);
    expect(handOns).toEqual([{ dir: path.join(root, 'alpha'), files: ['alpha/src/plugin.ts'], content: 'export const v = 1;\n' }]);
  });

  test('ignores generated files, tests, node_modules, .nexus, editor temp files and non-code files', async () => {
    for (const file of [
      'alpha/nexus.generated.ts',
      'alpha/tests/plugin.test.ts',
      'alpha/src/plugin.spec.ts',
      'alpha/node_modules/dep/index.js',
      'alpha/.nexus/state.json',
      'alpha/src/plugin.ts~',
      'alpha/src/.plugin.ts.swp',
      'alpha/src/4913',
      'alpha/src/.#plugin.ts',
      'alpha/src/plugin.ts.tmp',
      'alpha/README.md',
      'notes.ts',
    ]) {
      write(file, 'x');
    }
    await sleep(250);
    expect(handOns).toEqual([]);
    expect(isIgnored(root, path.join(root, 'alpha/src/plugin.ts'))).toBe(false);
    expect(isIgnored(root, path.join(root, 'alpha/config/default.yaml'))).toBe(false);
  });

  test('an atomic save (temp file renamed over the original) is one change of the original', async () => {
    const tmp = write('alpha/src/plugin.ts.tmp', 'export const v = 2;\n');
    renameSync(tmp, path.join(root, 'alpha/src/plugin.ts'));
    await until(() => handOns.length > 0);
    await sleep(200);
    expect(handOns).toEqual([{ dir: path.join(root, 'alpha'), files: ['alpha/src/plugin.ts'], content: 'export const v = 2;\n' }]);
  });

  test('100 saves in a second: one or two hand-ons, the last content wins', async () => {
    let pauses = 0; // a loaded machine can stall the writer past the burst window: that ends a burst
    let last = performance.now();
    for (let i = 1; i <= 100; i++) {
      write('alpha/src/plugin.ts', `export const v = ${i};\n`);
      await sleep(10);
      if (performance.now() - last > 60) pauses++;
      last = performance.now();
    }
    await sleep(300);
    expect(handOns.length).toBeGreaterThanOrEqual(1);
    expect(handOns.length).toBeLessThanOrEqual(2 + pauses);
    expect(handOns.at(-1)!.content).toBe('export const v = 100;\n');
  });

  test('two quick saves (the second inside chokidar 50 ms window): the second is not lost', async () => {
    write('alpha/src/plugin.ts', 'export const v = 1;\n');
    await until(() => handOns.length > 0);
    write('alpha/src/plugin.ts', 'export const v = 2;\n');
    await until(() => handOns.at(-1)!.content === 'export const v = 2;\n');
  });

  test('a save in place (truncated, written a moment later) is handed on with its content, never empty', async () => {
    const file = path.join(root, 'alpha/src/plugin.ts');
    writeFileSync(file, '');
    await sleep(20);
    writeFileSync(file, 'export const v = 3;\n');
    // An empty hand-on would come before this one (the file was empty for 20 ms before it).
    await until(() => handOns.some((h) => h.content === 'export const v = 3;\n'));
    expect(handOns.map((h) => h.content)).toEqual(['export const v = 3;\n']);
  });

  test('a file emptied on purpose is handed on, once it stays empty', async () => {
    write('alpha/src/plugin.ts', '');
    await until(() => handOns.length > 0);
    expect(handOns).toEqual([{ dir: path.join(root, 'alpha'), files: ['alpha/src/plugin.ts'], content: '' }]);
  });

  test('the same content saved again is not handed on twice', async () => {
    write('alpha/src/plugin.ts', 'export const v = 1;\n');
    await until(() => handOns.length > 0);
    await sleep(120);
    write('alpha/src/plugin.ts', 'export const v = 1;\n');
    await sleep(200);
    expect(handOns).toHaveLength(1);
  });

  test('a new folder and a removed folder are handed on', async () => {
    write('beta/manifest.json', '{}');
    await until(() => handOns.some((h) => h.dir === path.join(root, 'beta')));
    handOns.length = 0;
    rmSync(path.join(root, 'alpha'), { recursive: true });
    await until(() => handOns.some((h) => h.dir === path.join(root, 'alpha')));
  });
});
