/**
 * The module loader of `nexus start` and `nexus dev` (Vite's module runner) on real files: the
 * native plugins it calls only for their own ids (JSON files, oxc's runtime helpers) still work for
 * those ids.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createModuleLoader, type ModuleLoader } from '../src/plugins/loader.ts';

let dir: string;
let loader: ModuleLoader;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'nexus-loader-'));
  loader = await createModuleLoader(dir);
});
afterEach(async () => {
  await loader.close();
  rmSync(dir, { recursive: true, force: true });
});

it('a module importing a JSON file gets its data, and sees it change', async () => {
  writeFileSync(path.join(dir, 'data.json'), JSON.stringify({ greeting: 'hi' }));
  writeFileSync(path.join(dir, 'plugin.ts'), `import data from './data.json';\nexport const greeting: string = data.greeting;\n`);
  expect((await loader.import(path.join(dir, 'plugin.ts'))).greeting).toBe('hi');
  writeFileSync(path.join(dir, 'data.json'), JSON.stringify({ greeting: 'hello' }));
  loader.invalidate([path.join(dir, 'data.json')]);
  expect((await loader.import(path.join(dir, 'plugin.ts'))).greeting).toBe('hello');
});

it("TypeScript that needs oxc's runtime helpers (legacy decorators) runs", async () => {
  mkdirSync(path.join(dir, 'src'));
  writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { experimentalDecorators: true } }));
  writeFileSync(
    path.join(dir, 'src/plugin.ts'),
    `const seen: string[] = [];
function log(_target: object, key: string): void { seen.push(key); }
class Routes { @log list(): string { return 'list'; } }
export const result = [new Routes().list(), ...seen];
`,
  );
  expect((await loader.import(path.join(dir, 'src/plugin.ts'))).result).toEqual(['list', 'list']);
});

it('import.meta in a plugin module: its file, folder and URL, and resolve()', async () => {
  writeFileSync(path.join(dir, 'helper.ts'), `export const x = 1;\n`);
  writeFileSync(
    path.join(dir, 'plugin.ts'),
    `export const meta = { filename: import.meta.filename, dirname: import.meta.dirname, url: import.meta.url, helper: import.meta.resolve('./helper.ts') };\n`,
  );
  const { meta } = (await loader.import(path.join(dir, 'plugin.ts'))) as { meta: Record<string, string> };
  expect(meta).toEqual({
    filename: path.join(dir, 'plugin.ts'),
    dirname: dir,
    url: pathToFileURL(path.join(dir, 'plugin.ts')).href,
    helper: pathToFileURL(path.join(dir, 'helper.ts')).href,
  });
});

it.each([false, true])("an error's stack points at the TypeScript line (Node's own source maps %s)", async (nodeMaps) => {
  const before = process.sourceMapsEnabled;
  process.setSourceMapsEnabled(nodeMaps);
  try {
    // Type-only lines the JavaScript does not have: the thrown line is 8 in the source, 2 once compiled.
    writeFileSync(
      path.join(dir, 'plugin.ts'),
      `interface Shape {\n  a: string;\n  b: number;\n}\ntype Other = Shape;\n\nexport function fail(_: Other | undefined): never {\n  throw new Error('mapped');\n}\n`,
    );
    const { fail } = (await loader.import(path.join(dir, 'plugin.ts'))) as { fail: (x: undefined) => never };
    let stack = '';
    try {
      fail(undefined);
    } catch (error) {
      stack = (error as Error).stack ?? '';
    }
    expect(stack).toContain(`${path.join(dir, 'plugin.ts')}:8:9`);
  } finally {
    process.setSourceMapsEnabled(before);
  }
});
