import { ServiceRegistry } from '@nexus/core/host';

/**
 * The real ServiceRegistry of @nexus/core (same ownership and dependency rules, same errors) with
 * helpers to stand in for other plugins' services and to reach any service from a test.
 */
export class MockServices extends ServiceRegistry {
  /**
   * Register `impl` as the service `name` of another plugin (a dependency of the plugin under
   * test). The owner is the part of `name` before the first dot (`users.directory` → `users`);
   * pass `owner` for a name without one. The plugin reaches it with `getService(name)` only when
   * its manifest lists the owner in `dependencies`, as in production.
   *
   * @example services.provide('users.directory', { get: async (id) => ({ id, username: 'ada' }) });
   */
  provide<S>(name: string, impl: S, owner: string = ownerOf(name)): () => void {
    return this.register(owner, name, impl);
  }

  /**
   * The service `name`, whoever registered it, without permission checks: for assertions on what
   * the plugin under test registered.
   *
   * @example await harness.services.lookup<MyApi>('my_plugin.api').executeAction('ping');
   */
  lookup<S>(name: string): S {
    const owner = this.ownerOf(name);
    if (owner === undefined) return this.get<S>('test', name, new Set());
    return this.get<S>(owner, name, new Set());
  }
}

/** A MockServices registry, optionally with services of dependencies already provided. */
export function createMockServices(provided: Record<string, unknown> = {}): MockServices {
  const services = new MockServices();
  for (const [name, impl] of Object.entries(provided)) services.provide(name, impl);
  return services;
}

function ownerOf(name: string): string {
  const dot = name.indexOf('.');
  if (dot > 0) return name.slice(0, dot);
  throw new Error(
    `Cannot tell which plugin provides service "${name}": name it "<plugin>.${name}" (services live in their plugin's namespace), ` +
      `or pass the owner: provide("${name}", impl, "<plugin>").`,
  );
}
