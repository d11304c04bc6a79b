/** harness.reload() of a plugin folder runs the plugin's files as they are on disk now. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BasePlugin, isNexusError, type NexusError } from '@nexus/core';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createTestHarness } from '../src/index.ts';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A plugin folder: GET /answer says which version of src/plugin.ts and src/helper.ts answered. */
function pluginFolder(): void {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nexus-testing-reload-'));
  mkdirSync(path.join(dir, 'src'));
  // Where an installed plugin finds @nexus/core; here, this repository's (the harness's own).
  mkdirSync(path.join(dir, 'node_modules', '@nexus'), { recursive: true });
  symlinkSync(fileURLToPath(new URL('../../core', import.meta.url)), path.join(dir, 'node_modules', '@nexus', 'core'), 'dir');
  const manifest = { name: 'answers', version: '1.0.0', api_endpoints: [{ method: 'GET', path: '/answer' }] };
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  write('src/plugin.ts', entry('p1'));
  write('src/helper.ts', helper('h1'));
}

function write(file: string, source: string): void {
  writeFileSync(path.join(dir, file), source);
}

function entry(version: string, imports = `import { helper } from './helper.ts';`, answer = 'helper()'): string {
  return `import { BasePlugin, type Router } from '@nexus/core';
${imports}

export default class Answers extends BasePlugin {
  override routes(router: Router): void {
    router.get('/answer', (ctx) => {
      ctx.body = { plugin: '${version}', helper: ${answer} };
    });
  }
}
`;
}

function helper(version: string): string {
  return `export function helper(): string {\n  return '${version}';\n}\n`;
}

/** A fresh plugin folder with its harness initialized. */
async function startedHarness(): Promise<Awaited<ReturnType<typeof createTestHarness>>> {
  pluginFolder();
  const harness = await createTestHarness(dir);
  await harness.initialize();
  return harness;
}

async function answer(harness: Awaited<ReturnType<typeof createTestHarness>>): Promise<unknown> {
  return (await harness.request('GET', '/answer')).body;
}

async function failedReload(harness: Awaited<ReturnType<typeof createTestHarness>>): Promise<NexusError> {
  const error: unknown = await harness.reload().then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!isNexusError(error)) throw new Error(`expected reload() to reject with a NexusError, got ${String(error)}`);
  return error;
}

describe('harness.reload() of a plugin folder', () => {
  it('runs the changed entry and the changed helper it imports', async () => {
    const harness = await startedHarness();
    expect(await answer(harness)).toEqual({ plugin: 'p1', helper: 'h1' });

    write('src/plugin.ts', entry('p2'));
    write('src/helper.ts', helper('h2'));
    await harness.reload();
    expect(await answer(harness)).toEqual({ plugin: 'p2', helper: 'h2' });

    // Only the helper changed: the entry that imports it runs again too.
    write('src/helper.ts', helper('h3'));
    await harness.reload();
    expect(await answer(harness)).toEqual({ plugin: 'p2', helper: 'h3' });
    // The plugin still extends the harness's own @nexus/core.
    expect(harness.plugin).toBeInstanceOf(BasePlugin);
  });

  it('keeps the same instance of the code when nothing changed', async () => {
    pluginFolder();
    const harness = await createTestHarness(dir);
    const first = await harness.initialize();
    const second = await harness.reload();
    expect(second).not.toBe(first);
    expect(second.constructor).toBe(first.constructor);
  });

  it('a file that does not parse: rejects naming it, the previous version serves on, the fix reloads', async () => {
    const harness = await startedHarness();
    write('src/plugin.ts', entry('p2'));
    write('src/helper.ts', `export function helper(): string {\n  return 'h2' +;\n}\n`);

    const error = await failedReload(harness);
    expect(error.code).toBe('NEXUS_LOAD_FAILED');
    expect(error.message).toMatch(/src\/helper\.ts:2:\d+: Unexpected token/);
    expect(error.location).toMatchObject({ file: path.join(dir, 'src', 'helper.ts'), line: 2, frame: expect.stringContaining('> 2 |') });
    expect(harness.state).toBe('running');
    expect(await answer(harness)).toEqual({ plugin: 'p1', helper: 'h1' });

    write('src/helper.ts', helper('h2'));
    await harness.reload();
    expect(await answer(harness)).toEqual({ plugin: 'p2', helper: 'h2' });
  });

  it('a file that throws when it runs: rejects naming it, then the fix reloads', async () => {
    const harness = await startedHarness();
    write('src/helper.ts', `${helper('h2')}throw new Error('helper is broken');\n`);

    const error = await failedReload(harness);
    expect([error.code, error.message]).toEqual(['NEXUS_LOAD_FAILED', expect.stringContaining('helper is broken')]);
    expect(error.location?.file).toBe(path.join(dir, 'src', 'helper.ts'));
    expect(await answer(harness)).toEqual({ plugin: 'p1', helper: 'h1' });

    write('src/helper.ts', helper('h3'));
    await harness.reload();
    expect(await answer(harness)).toEqual({ plugin: 'p1', helper: 'h3' });
  });

  it('an import of a file that does not exist yet, then the file is created', async () => {
    const harness = await startedHarness();
    write('src/plugin.ts', entry('p2', `import { later } from './later.ts';`, 'later'));

    const error = await failedReload(harness);
    expect([error.code, error.message]).toEqual(['NEXUS_LOAD_FAILED', expect.stringContaining('later.ts')]);
    expect(await answer(harness)).toEqual({ plugin: 'p1', helper: 'h1' });

    write('src/later.ts', `export const later = 'created';\n`);
    await harness.reload();
    expect(await answer(harness)).toEqual({ plugin: 'p2', helper: 'created' });
  });

  it("applies the test's vi.mock() to what the reloaded files import", async () => {
    pluginFolder();
    write('src/clock.ts', `export const now = (): string => 'real';\n`);
    write('src/helper.ts', `import { now } from './clock.ts';\nexport const helper = (): string => 'h1 ' + now();\n`);
    vi.doMock(path.join(dir, 'src', 'clock.ts'), () => ({ now: () => 'mocked' }));
    onTestFinished(() => vi.doUnmock(path.join(dir, 'src', 'clock.ts')));
    const harness = await createTestHarness(dir);
    await harness.initialize();
    expect(await answer(harness)).toEqual({ plugin: 'p1', helper: 'h1 mocked' });

    write('src/helper.ts', `import { now } from './clock.ts';\nexport const helper = (): string => 'h2 ' + now();\n`);
    await harness.reload();
    expect(await answer(harness)).toEqual({ plugin: 'p1', helper: 'h2 mocked' });
  });

  it('a new harness on a folder that changed since another one ran it runs the files as they are now', async () => {
    pluginFolder();
    const first = await createTestHarness(dir);
    await first.initialize();
    await first.shutdown();
    write('src/helper.ts', helper('h2'));
    const second = await createTestHarness(dir);
    await second.initialize();
    expect(await answer(second)).toEqual({ plugin: 'p1', helper: 'h2' });
  });

  it("without Vitest's module runner, a reload after a change fails saying why instead of running the old code", async () => {
    pluginFolder();
    const harness = await createTestHarness(dir);
    // What experimental.viteModuleRunner: false leaves: a mocker without Vite's module runner.
    vi.stubGlobal('__vitest_mocker__', {});
    try {
      await harness.initialize();
      await harness.reload(); // nothing changed: fine
      write('src/helper.ts', helper('h2'));
      const error = await failedReload(harness);
      expect(error.code).toBe('NEXUS_LOAD_FAILED');
      expect(error.message).toContain(`@nexus/testing cannot run the changed files of ${path.relative(process.cwd(), dir)} again: Vitest's module runner is off`);
      expect(await answer(harness)).toEqual({ plugin: 'p1', helper: 'h1' });
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
