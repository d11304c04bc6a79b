import { type PluginDatabase, type StorageDriver } from '@nexus/core';
import { createMemoryStorage } from '@nexus/core/host';

/** One plugin's persisted state (what it reads and writes with getData / setData). */
export interface MockData {
  get<V = unknown>(key: string): Promise<V | undefined>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<boolean>;
}

/**
 * @nexus/core's in-memory StorageDriver (the reference for storage semantics: same errors, same
 * matching and sorting as SQLite), with test views of one plugin's data and collections.
 */
export interface MockStorage extends StorageDriver {
  /**
   * The plugin's persisted state, to seed it before `initialize()` or check it afterwards.
   * @example await storage.data('my_plugin').set('last_action', { action: 'ping' });
   */
  data(plugin: string): MockData;
  /**
   * The plugin's collections, without the permission checks the plugin itself gets. A collection
   * exists once the plugin's `databaseSchema()` was applied (at `initialize()`).
   * @example await storage.db('my_plugin').collection('plugin_actions').count();
   */
  db(plugin: string): PluginDatabase;
}

/** A fresh, empty MockStorage. */
export function createMockStorage(): MockStorage {
  const storage = createMemoryStorage();
  return {
    ...storage,
    data: (plugin) => ({
      get: (key) => storage.getData(plugin, key),
      set: (key, value) => storage.setData(plugin, key, value),
      delete: (key) => storage.deleteData(plugin, key),
    }),
    db: (plugin) => ({ collection: (name) => storage.collection(plugin, name) }),
  };
}
