import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isNexusError } from '../src/errors.ts';
import { excessJsonDepth, isTooDeep, LIMITS } from '../src/limits.ts';
import { parseJson } from '../src/manifest/load.ts';
import { resolvePluginConfig } from '../src/config/resolve.ts';
import { createMemoryStorage } from '../src/storage/memory.ts';
import { createSqliteStorage } from '../src/storage/sqlite.ts';
import type { StorageDriver } from '../src/storage/types.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'nexus-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const deepValue = (depth: number): unknown => {
  let value: unknown = {};
  for (let i = 1; i < depth; i++) value = { a: value };
  return value;
};

describe('LIMITS', () => {
  it('measures depth the same on text and on values, without recursion', () => {
    expect(LIMITS).toEqual({ depth: 64, bytes: 1024 * 1024 });
    expect(excessJsonDepth(JSON.stringify(deepValue(64)))).toBeUndefined();
    expect(excessJsonDepth(JSON.stringify(deepValue(65)))).toBeGreaterThan(0);
    expect(excessJsonDepth('"[[[[' + '['.repeat(100) + '"')).toBeUndefined();
    expect(isTooDeep(deepValue(64))).toBe(false);
    expect(isTooDeep(deepValue(65))).toBe(true);
    expect(isTooDeep(deepValue(500_000))).toBe(true);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(isTooDeep(cycle)).toBe(true);
  });

  it('parseJson names the line and column past the depth, and refuses text past the size', () => {
    const deep = parseJson('{\n "a": ' + '['.repeat(100_000) + ']'.repeat(100_000) + '}');
    expect(deep).toEqual({ error: expect.stringMatching(/^line 2, column 70: nested more than 64 levels deep/) });
    const malformed = parseJson('['.repeat(10_000));
    expect(malformed).toEqual({ error: expect.stringContaining('nested more than 64 levels deep') });
    expect(parseJson(`"${'x'.repeat(LIMITS.bytes)}"`)).toEqual({ error: expect.stringContaining('more than the 1 MiB Nexus accepts') });
  });
});

describe('config/*.yaml past the limits', () => {
  const resolve = async (yaml: string) => {
    const pluginDir = path.join(dir, `p${Math.random().toString(36).slice(2)}`);
    mkdirSync(path.join(pluginDir, 'config'), { recursive: true });
    writeFileSync(path.join(pluginDir, 'config', 'default.yaml'), yaml);
    return resolvePluginConfig({ manifest: { name: 'p', version: '1.0.0', configuration: { a: { type: 'object' } } }, pluginDir, displayDir: 'plugins/p', envName: 'test', environ: {} });
  };

  it('names the file for an alias bomb, deep flow nesting and deep block nesting', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`)].join('\n');
    expect((await resolve(bomb)).errors).toEqual([expect.stringMatching(/^plugins\/p\/config\/default\.yaml: cannot be read: Excessive alias count/)]);
    expect((await resolve(`a: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`)).errors).toEqual([
      expect.stringMatching(/^plugins\/p\/config\/default\.yaml: line 1: the file nests objects and arrays more than 64 levels deep/),
    ]);
    const block = Array.from({ length: 70 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1\n';
    expect((await resolve(block)).errors).toEqual([expect.stringContaining('plugins/p/config/default.yaml: the file nests objects and arrays more than 64 levels deep')]);
    expect((await resolve('a: { b: "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[" } # [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n')).errors).toEqual([]);
  });
});

const drivers: Record<string, () => StorageDriver> = {
  sqlite: () => createSqliteStorage({ file: path.join(dir, `s${Math.random().toString(36).slice(2)}.db`) }),
  memory: () => createMemoryStorage(),
};

describe.each(Object.keys(drivers))('stored values past the limits: %s', (kind) => {
  it('refuses a document, a data value and a filter nested past 64 levels or larger than 1 MiB, with the same error', async () => {
    const storage = drivers[kind]!();
    await storage.ensureSchema('p', { collections: { docs: {} } });
    const docs = storage.collection('p', 'docs');
    const refusal = async (run: () => Promise<unknown>) => {
      try {
        await run();
      } catch (error) {
        return isNexusError(error) ? `${error.code}: ${error.message}` : String(error);
      }
      return 'stored';
    };
    expect(await refusal(() => docs.insert({ value: deepValue(64) as object }))).toMatch(/^NEXUS_DB_INVALID: Plugin "p" cannot store a document in collection "docs": it nests objects and arrays more than 64 levels deep/);
    expect(await refusal(() => docs.insert({ value: deepValue(63) as object }))).toBe('stored');
    expect(await refusal(() => docs.insert({ value: 'x'.repeat(LIMITS.bytes) }))).toMatch(/^NEXUS_DB_INVALID: .*its JSON form is 1 MiB, more than the 1 MiB Nexus accepts/);
    expect(await refusal(() => storage.setData('p', 'k', deepValue(1000)))).toMatch(/^NEXUS_DB_INVALID: Plugin "p" cannot store data "k"/);
    expect(await refusal(() => docs.find({ value: deepValue(65) as object }))).toMatch(/^NEXUS_DB_INVALID: Plugin "p" cannot store a filter on "value"/);
    expect(await docs.count({ missing: 'x' })).toBe(0);
    expect((await docs.find({}, { sort: { field: 'value' } })).length).toBe(1);
    expect(await storage.health!()).toEqual({ healthy: true, driver: kind });
    await storage.close();
  });
});

describe('opening a database that cannot be opened', () => {
  it('names the path and says what to do', () => {
    const file = path.join(dir, 'garbage.db');
    writeFileSync(file, 'this is not a database, it only pretends to be one'.repeat(100));
    let message = '';
    try {
      createSqliteStorage({ file });
    } catch (error) {
      message = isNexusError(error, 'NEXUS_STORAGE_OPEN_FAILED') ? error.message : String(error);
    }
    expect(message).toContain(`Cannot open the database ${file}: file is not a database`);
    expect(message).toContain('move it (and its -wal and -shm files) aside');
    const blocked = path.join(dir, 'a-file');
    writeFileSync(blocked, '');
    expect(() => createSqliteStorage({ file: path.join(blocked, 'nexus.db') })).toThrow(/Cannot open the database .*a-file\/nexus\.db: .*A file stands where the data folder should be/);
  });
});
