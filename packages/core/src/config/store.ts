import { NexusError } from '../errors.ts';
import type { PluginManifest } from '../manifest/types.ts';
import type { StorageDriver } from '../storage/types.ts';
import { validateConfigValue } from './validate.ts';

/** A plugin's resolved configuration in memory; `set` validates and persists. */
export class ConfigStore {
  readonly #values: Map<string, unknown>;
  // Private for real (not TypeScript `private`): a plugin reaching its store must not reach the
  // storage driver (every plugin's data) or the manager's copy of its manifest.
  readonly #manifest: PluginManifest;
  readonly #storage: StorageDriver;

  constructor(manifest: PluginManifest, values: Record<string, unknown>, storage: StorageDriver) {
    this.#manifest = manifest;
    this.#storage = storage;
    this.#values = new Map(Object.entries(values));
    Object.freeze(this);
  }

  get(key: string, fallback?: unknown): unknown {
    const value = this.#values.get(key);
    return value === undefined || value === null ? fallback : value;
  }

  async set(key: string, value: unknown): Promise<void> {
    const option = this.#manifest.configuration?.[key];
    const problem = option ? validateConfigValue(key, option, value) : undefined;
    if (problem) {
      throw new NexusError(
        'NEXUS_CONFIG_INVALID',
        `setConfig: ${this.#manifest.name}.${key}: ${problem}`,
        { plugin: this.#manifest.name },
      );
    }
    await this.#storage.saveConfig(this.#manifest.name, key, value);
    this.#values.set(key, value);
  }

  /** Every value, for health pages and dumps; secrets still in clear, redact before printing. */
  snapshot(): Record<string, unknown> {
    return Object.fromEntries(this.#values);
  }
}

// Shared by every plugin's store: frozen, so that no plugin changes how another one's works.
Object.freeze(ConfigStore.prototype);
