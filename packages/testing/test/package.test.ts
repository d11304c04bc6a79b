import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import * as testing from '../src/index.ts';

describe('@nexus/testing package', () => {
  it('exports exactly this (a new export shows up in review)', () => {
    expect(Object.keys(testing).sort()).toMatchInlineSnapshot(`
      [
        "MockEventBus",
        "MockServices",
        "createMockConfig",
        "createMockEventBus",
        "createMockLogger",
        "createMockServices",
        "createMockStorage",
        "createTestHarness",
        "expectManifestContract",
        "matchers",
      ]
    `);
  });

  it('exposes the main entry and the matcher registration: sources in the repository, built JavaScript when installed', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, unknown> };
    expect(pkg.exports).toEqual({
      '.': { '@nexus/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' },
      './vitest': { '@nexus/source': './src/vitest.ts', types: './dist/vitest.d.ts', default: './dist/vitest.js' },
      './package.json': './package.json',
    });
  });

  it('registers the matchers from @nexus/testing/vitest', async () => {
    await import('@nexus/testing/vitest');
    expect(typeof expect({}).toBeHealthy).toBe('function');
  });
});
