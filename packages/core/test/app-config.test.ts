import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { defineConfig, loadAppConfig } from '../src/config/app.ts';

const APP_MODULE = fileURLToPath(new URL('../src/config/app.ts', import.meta.url));

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'nexus-app-config-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(file: string, text: string): Promise<void> {
  await writeFile(path.join(dir, file), text);
}

describe('loadAppConfig', () => {
  test('no config file: empty config, no error', async () => {
    expect(await loadAppConfig(dir)).toEqual({ config: {}, errors: [] });
  });

  test('nexus.config.json', async () => {
    const config = {
      port: 4000,
      host: '0.0.0.0',
      pluginsDir: 'extensions',
      plugins: { my_plugin: { enabled: false, config: { max_retries: 5 } } },
      timeouts: { initialize: 2000, shutdown: 1000 },
      bodyLimit: '512kb',
      dataDir: '.state',
    };
    await write('nexus.config.json', JSON.stringify(config));
    expect(await loadAppConfig(dir)).toEqual({ config, file: 'nexus.config.json', errors: [] });
  });

  test('nexus.config.ts with defineConfig and TypeScript syntax', async () => {
    await write(
      'nexus.config.ts',
      [
        `import { defineConfig, type AppConfig } from ${JSON.stringify(APP_MODULE)};`,
        `const port: number = 4100;`,
        `const plugins: AppConfig['plugins'] = { x: { config: { level: 'debug' } } };`,
        `export default defineConfig({ port, plugins });`,
      ].join('\n'),
    );
    expect(await loadAppConfig(dir)).toEqual({
      config: { port: 4100, plugins: { x: { config: { level: 'debug' } } } },
      file: 'nexus.config.ts',
      errors: [],
    });
  });

  test('nexus.config.mjs', async () => {
    await write('nexus.config.mjs', 'export default { host: "localhost" };\n');
    expect(await loadAppConfig(dir)).toEqual({ config: { host: 'localhost' }, file: 'nexus.config.mjs', errors: [] });
  });

  test('nexus.config.json wins over nexus.config.ts', async () => {
    await write('nexus.config.json', '{ "port": 1 }');
    await write('nexus.config.ts', 'export default { port: 2 };');
    expect((await loadAppConfig(dir)).config.port).toBe(1);
  });

  test('every shape problem is reported', async () => {
    await write(
      'nexus.config.json',
      JSON.stringify({
        port: 'eighty',
        prot: 80,
        plugins: { x: { enabled: 'no', settings: {} } },
        timeouts: { initialize: 0 },
        bodyLimit: 'big',
      }),
    );
    const loaded = await loadAppConfig(dir);
    expect(loaded.config).toEqual({});
    expect(loaded.errors).toEqual([
      'nexus.config.json: /prot: unknown key; allowed keys: $schema, port, host, allowedHosts, pluginsDir, plugins, timeouts, bodyLimit, dataDir, dashboard, storage, events',
      'nexus.config.json: /port: must be an integer',
      'nexus.config.json: /plugins/x/settings: unknown key; allowed keys: enabled, config',
      'nexus.config.json: /plugins/x/enabled: must be a boolean',
      'nexus.config.json: /timeouts/initialize: must be at least 1',
      'nexus.config.json: /bodyLimit: must be a size such as "1mb" or "512kb"',
    ]);
  });

  test('malformed JSON gives line and column', async () => {
    await write('nexus.config.json', '{\n  "port": 3000,\n}\n');
    expect((await loadAppConfig(dir)).errors).toEqual([
      'nexus.config.json: line 3, column 1: Unexpected token } — check for a trailing comma',
    ]);
  });

  test('a TypeScript config without a default export', async () => {
    await write('nexus.config.ts', 'export const port = 1;\n');
    expect((await loadAppConfig(dir)).errors).toEqual([
      'nexus.config.ts: has no default export — write `export default defineConfig({ ... })`',
    ]);
  });

  test('a TypeScript config that throws', async () => {
    await write('nexus.config.ts', 'throw new Error("boom");\nexport default {};\n');
    const loaded = await loadAppConfig(dir);
    expect(loaded.file).toBe('nexus.config.ts');
    expect(loaded.errors).toEqual(['nexus.config.ts: failed to load: boom']);
  });

  test('a TypeScript config of the wrong shape', async () => {
    await write('nexus.config.ts', 'export default { port: "3000" };\n');
    expect((await loadAppConfig(dir)).errors).toEqual(['nexus.config.ts: /port: must be an integer']);
  });
});

test('defineConfig returns its argument', () => {
  const config = { port: 1 };
  expect(defineConfig(config)).toBe(config);
});
