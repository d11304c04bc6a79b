import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import * as host from '../src/host.ts';
import * as core from '../src/index.ts';

describe('@nexus/core public surface', () => {
  it('the plugin entry exports exactly this list: what plugins need, nothing of the host', () => {
    expect(Object.keys(core).sort()).toMatchInlineSnapshot(`
      [
        "BasePlugin",
        "ErrorCodes",
        "NEXUS_VERSION",
        "NexusError",
        "defineConfig",
        "errorMessage",
        "isNexusError",
        "validated",
      ]
    `);
  });

  it('the host entry exports exactly this list (a new export is a deliberate API decision)', () => {
    expect(Object.keys(host).sort()).toMatchInlineSnapshot(`
      [
        "ConfigStore",
        "EventBus",
        "PgDatabase",
        "PluginContext",
        "PluginManager",
        "REDACTED",
        "ServiceRegistry",
        "appDirProblem",
        "applyAppConfig",
        "checkConnections",
        "chooseBackends",
        "createApp",
        "createConsoleSink",
        "createHotReloader",
        "createHttpApp",
        "createLocalLeases",
        "createLogger",
        "createMemorySink",
        "createMemoryStorage",
        "createMetrics",
        "createMittTransport",
        "createPgLeases",
        "createPostgresStorage",
        "createPostgresTransport",
        "createRedisTransport",
        "createSqliteStorage",
        "dependencyNames",
        "describeLeftovers",
        "diffAppConfig",
        "discoverPlugins",
        "entryProblem",
        "envVarName",
        "formatFailure",
        "isIgnored",
        "loadAppConfig",
        "loadManifest",
        "planPlugins",
        "pluginLocation",
        "redactConfig",
        "resolveAppPluginConfig",
        "resolveEnvName",
        "resolvePluginConfig",
        "validateConfigValue",
        "validateManifest",
        "watchApp",
        "watchPlugins",
        "writeLine",
      ]
    `);
  });

  it('exposes only the plugin entry, the host entry, the manifest schema, the native preload and package.json; sources in the repository, built JavaScript when installed', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    expect(Object.keys(pkg.exports)).toEqual(['.', './host', './manifest.schema.json', './preload', './package.json']);
    // Order matters: the source condition (set only inside the repository) before types and default.
    expect(pkg.exports['.']).toEqual({ '@nexus/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' });
    expect(pkg.exports['./host']).toEqual({ '@nexus/source': './src/host.ts', types: './dist/host.d.ts', default: './dist/host.js' });
  });

  it('preloads every runtime dependency natively (a new one left out would load through the TypeScript hooks, slowly)', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
    const { RUNTIME_PACKAGES, ON_DEMAND_PACKAGES } = await import('@nexus/core/preload');
    // Imported for its types only: nothing to load at run time.
    const typeOnly = ['json-schema-to-ts', '@types/koa', '@types/pg'];
    expect([...RUNTIME_PACKAGES, ...ON_DEMAND_PACKAGES].sort()).toEqual(Object.keys(pkg.dependencies).filter((name) => !typeOnly.includes(name)).sort());
  });
});
