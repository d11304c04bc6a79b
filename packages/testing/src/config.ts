import { NexusError, type StorageDriver } from '@nexus/core';
import { ConfigStore, resolvePluginConfig } from '@nexus/core/host';
import { readPluginSource, type ManifestInput, type PluginSource } from './_source.ts';
import { createMockStorage } from './storage.ts';

/** How the overrides a test passes are named in config messages. */
export const OVERRIDES_SOURCE = 'test config';

/** The config environment of tests: `config/test.yaml` is read after `config/default.yaml`. */
export const TEST_ENV = 'test';

/** A plugin's resolved configuration, typed by its generated config interface `C`. */
export interface MockConfig<C extends object = Record<string, unknown>> {
  /** A value, as the plugin's `getConfig(key)` returns it. */
  get<K extends keyof C & string>(key: K): C[K];
  /** Change a value as the plugin's `setConfig` does: validated against the manifest and saved. */
  set<K extends keyof C & string>(key: K, value: C[K]): Promise<void>;
  /** Every value (secrets in clear). */
  values(): C;
  /** The real ConfigStore underneath, as a PluginContext takes it. */
  readonly store: ConfigStore;
}

/** Options of createMockConfig. */
export interface MockConfigOptions {
  /**
   * Environment variables for `NEXUS_<PLUGIN>_<KEY>` lookups.
   * @default {} (process.env is not read, so tests do not depend on the shell)
   */
  env?: Record<string, string | undefined>;
  /** Where `set()` saves values. @default a fresh MockStorage */
  storage?: StorageDriver;
}

/**
 * Resolve a plugin's configuration the way the runtime does: manifest defaults, then (for a plugin
 * folder) `config/default.yaml` and `config/test.yaml`, then `overrides`, then `env`. The result is
 * validated by the runtime's validator; any problem throws NEXUS_CONFIG_INVALID with the runtime's
 * messages (`<source>: <plugin>.<key>: <what is wrong>`, overrides named `test config`). An override
 * the manifest does not declare is an error too (production would ignore it with a warning).
 *
 * @example
 * const config = await createMockConfig<MyPluginConfig>(pluginDir, { max_retries: 5 });
 * config.get('max_retries'); // 5, typed number
 */
export async function createMockConfig<C extends object = Record<string, unknown>>(
  manifestOrDir: ManifestInput,
  overrides: Partial<C> = {},
  options: MockConfigOptions = {},
): Promise<MockConfig<C>> {
  const source = await readPluginSource(manifestOrDir);
  const storage = options.storage ?? createMockStorage();
  const values = await resolveConfig(source, overrides, options.env ?? {}, await storage.loadConfig(source.manifest.name));
  const store = new ConfigStore(source.manifest, values, storage);
  return viewConfig<C>(() => store);
}

/** Resolve and validate, throwing NEXUS_CONFIG_INVALID with every problem. */
export async function resolveConfig(
  source: PluginSource,
  overrides: object,
  env: Record<string, string | undefined>,
  saved?: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const { manifest } = source;
  const problems = undeclaredOverrides(source, overrides);
  const resolved = await resolvePluginConfig({
    manifest,
    pluginDir: source.dir,
    displayDir: source.displayDir,
    envName: TEST_ENV,
    appOverrides: overrides as Record<string, unknown>,
    appConfigFile: OVERRIDES_SOURCE,
    saved,
    environ: env,
  });
  problems.push(...resolved.errors);
  if (problems.length > 0) {
    throw new NexusError('NEXUS_CONFIG_INVALID', problems.join('\n'), { plugin: manifest.name, problems });
  }
  return resolved.values;
}

/** Overrides the manifest does not declare: a typo in a test should fail it, not be ignored. */
export function undeclaredOverrides(source: PluginSource, overrides: object): string[] {
  const declared = source.manifest.configuration ?? {};
  return Object.keys(overrides)
    .filter((key) => !Object.hasOwn(declared, key))
    .map((key) => {
      const known = Object.keys(declared);
      const list = known.length > 0 ? `declared keys: ${known.join(', ')}` : 'it declares no configuration';
      return `${OVERRIDES_SOURCE}: ${source.manifest.name}.${key}: not declared in ${source.displayDir}/manifest.json "configuration" (${list})`;
    });
}

/** A typed MockConfig over the ConfigStore `current()` returns (the live one of a plugin). */
export function viewConfig<C extends object>(current: () => ConfigStore): MockConfig<C> {
  return {
    get: (key) => current().get(key) as C[typeof key],
    set: (key, value) => current().set(key, value),
    values: () => current().snapshot() as C,
    get store() {
      return current();
    },
  };
}
