/**
 * The module loader of `nexus start` and `nexus dev` (Vite's module runner), on real files: what a
 * hot swap imports after `invalidateFiles` is what the files hold then, whether or not the watcher
 * asked for an early compile (`prefetch`) while the change was being gathered.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createModuleLoader, type ModuleLoader } from '../src/plugins/loader.ts';

let dir: string;
let loader: ModuleLoader;
const file = (name: string): string => path.join(dir, name);
const write = (name: string, value: string): void => writeFileSync(file(name), `export const value: string = ${JSON.stringify(value)};\n`);
const valueOf = async (name: string): Promise<unknown> => (await loader.import(file(name))).value;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'nexus-loader-'));
  loader = await createModuleLoader(dir);
});
afterEach(async () => {
  await loader.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('prefetch', () => {
  it('a compile started early serves the import after the change is handed on', async () => {
    write('a.ts', 'v1');
    expect(await valueOf('a.ts')).toBe('v1');
    write('a.ts', 'v2');
    await loader.prefetch!(file('a.ts'));
    expect(loader.invalidateFiles!([file('a.ts')])).toEqual([file('a.ts')]);
    expect(await valueOf('a.ts')).toBe('v2');
  });

  it('a file written again after the early compile is compiled again', async () => {
    write('a.ts', 'v1');
    expect(await valueOf('a.ts')).toBe('v1');
    write('a.ts', 'v2');
    await loader.prefetch!(file('a.ts'));
    write('a.ts', 'v3');
    loader.invalidateFiles!([file('a.ts')]);
    expect(await valueOf('a.ts')).toBe('v3');
  });

  it('an importer runs the changed module it imports', async () => {
    write('b.ts', 'b1');
    writeFileSync(file('a.ts'), `import { value as b } from './b.ts';\nexport const value: string = 'a+' + b;\n`);
    expect(await valueOf('a.ts')).toBe('a+b1');
    write('b.ts', 'b2');
    await loader.prefetch!(file('b.ts'));
    expect(loader.invalidateFiles!([file('b.ts')]).sort()).toEqual([file('a.ts'), file('b.ts')]);
    expect(await valueOf('a.ts')).toBe('a+b2');
  });

  it('is only a hint: a file never loaded is left alone, a broken one fails at the import, not before', async () => {
    write('new.ts', 'n1');
    await loader.prefetch!(file('new.ts'));
    expect(await valueOf('new.ts')).toBe('n1');

    write('a.ts', 'v1');
    expect(await valueOf('a.ts')).toBe('v1');
    writeFileSync(file('a.ts'), 'export const value = ;\n');
    await loader.prefetch!(file('a.ts'));
    loader.invalidateFiles!([file('a.ts')]);
    await expect(loader.import(file('a.ts'))).rejects.toThrow(/a\.ts/);
    write('a.ts', 'v2');
    loader.invalidateFiles!([file('a.ts')]);
    expect(await valueOf('a.ts')).toBe('v2');
  });
});
