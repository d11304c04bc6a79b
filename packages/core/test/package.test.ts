import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import * as core from '../src/index.ts';

describe('@nexus/core public surface', () => {
  it('exports exactly this list (a new export is a deliberate API decision)', () => {
    expect(Object.keys(core).sort()).toMatchInlineSnapshot(`
      [
        "BasePlugin",
        "ConfigStore",
        "ErrorCodes",
        "EventBus",
        "NEXUS_VERSION",
        "NexusError",
        "PgDatabase",
        "PluginContext",
        "PluginManager",
        "REDACTED",
        "ServiceRegistry",
        "appDirProblem",
        "bindPluginContext",
        "checkCompatibility",
        "checkConnections",
        "chooseBackends",
        "codeFrame",
        "createApp",
        "createConsoleSink",
        "createHotReloader",
        "createHttpApp",
        "createLocalLeases",
        "createLogger",
        "createMemorySink",
        "createMemoryStorage",
        "createMittTransport",
        "createPgLeases",
        "createPostgresStorage",
        "createPostgresTransport",
        "createRedisTransport",
        "createSqliteStorage",
        "defineConfig",
        "dependentsOf",
        "diffAppConfig",
        "discoverPlugins",
        "envVarName",
        "errorMessage",
        "isNexusError",
        "loadAppConfig",
        "loadManifest",
        "locateError",
        "planDependencies",
        "redactConfig",
        "resolveEnvName",
        "resolvePluginConfig",
        "setPluginStatus",
        "validateConfigValue",
        "validateManifest",
        "validated",
        "writeLine",
      ]
    `);
  });

  it('exposes only the barrel, the manifest schema, the native preload and package.json; sources in the repository, built JavaScript when installed', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    expect(Object.keys(pkg.exports)).toEqual(['.', './manifest.schema.json', './preload', './package.json']);
    // Order matters: the source condition (set only inside the repository) before types and default.
    expect(pkg.exports['.']).toEqual({ '@nexus/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' });
  });

  it('preloads every runtime dependency natively (a new one left out would load through the TypeScript hooks, slowly)', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
    const { RUNTIME_PACKAGES, ON_DEMAND_PACKAGES } = await import('@nexus/core/preload');
    // Imported for its types only: nothing to load at run time.
    const typeOnly = ['json-schema-to-ts', '@types/koa', '@types/pg'];
    expect([...RUNTIME_PACKAGES, ...ON_DEMAND_PACKAGES].sort()).toEqual(Object.keys(pkg.dependencies).filter((name) => !typeOnly.includes(name)).sort());
  });
});
