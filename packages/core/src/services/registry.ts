import type { RuntimeObserver } from '../devtools/observer.ts';
import { NexusError } from '../errors.ts';
import { defaultManifestFile } from '../manifest/load.ts';

interface Entry {
  owner: string;
  impl: unknown;
}

/** Services plugins share by name; a plugin reaches only its own and its dependencies' services. */
export class ServiceRegistry {
  readonly #services = new Map<string, Entry>();
  readonly #observer: RuntimeObserver | undefined;

  /** `observer` sees which plugin uses which service, and wraps what it gets (dev dashboard traces). */
  constructor(options: { observer?: RuntimeObserver } = {}) {
    this.#observer = options.observer;
  }

  /** Register `impl` as `name` for plugin `owner`; returns a function that unregisters it. */
  register(owner: string, name: string, impl: unknown): () => void {
    const existing = this.#services.get(name);
    if (existing) throw duplicateError(owner, name, existing.owner);
    const entry: Entry = { owner, impl };
    this.#services.set(name, entry);
    return () => {
      // Only the registration that made this function: a later one under the same name stays.
      if (this.#services.get(name) === entry) this.#services.delete(name);
    };
  }

  /** The service `name` for `requester`, whose dependencies are `allowedOwners`; errors name `manifestFile`. */
  get<T>(requester: string, name: string, allowedOwners: ReadonlySet<string>, manifestFile = defaultManifestFile(requester)): T {
    const entry = this.#services.get(name);
    if (!entry) throw missingError(requester, name, [...this.#services.keys()], manifestFile);
    if (entry.owner !== requester && !allowedOwners.has(entry.owner)) {
      throw new NexusError(
        'NEXUS_SERVICE_DENIED',
        `Plugin "${requester}" cannot use service "${name}" of plugin "${entry.owner}": add "${entry.owner}" to "dependencies" in ${manifestFile}`,
        { plugin: requester },
      );
    }
    return this.#observer ? this.#observer.service(requester, name, entry.owner, entry.impl as T) : (entry.impl as T);
  }

  /** True when a service called `name` is registered. */
  has(name: string): boolean {
    return this.#services.has(name);
  }

  /** The plugin that registered `name`, if any. */
  ownerOf(name: string): string | undefined {
    return this.#services.get(name)?.owner;
  }

  /** Remove every service of `owner` (it shuts down). */
  unregisterAll(owner: string): void {
    for (const [name, entry] of this.#services) {
      if (entry.owner === owner) this.#services.delete(name);
    }
  }

  /** How many services `owner` has registered. */
  count(owner: string): number {
    let count = 0;
    for (const entry of this.#services.values()) if (entry.owner === owner) count++;
    return count;
  }

  /** Every service with its owner, sorted by name. */
  list(): { name: string; owner: string }[] {
    return [...this.#services]
      .map(([name, entry]) => ({ name, owner: entry.owner }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

function duplicateError(owner: string, name: string, existingOwner: string): NexusError {
  const who = existingOwner === owner ? 'it already registered it' : `plugin "${existingOwner}" already registered it`;
  return new NexusError(
    'NEXUS_SERVICE_DUPLICATE',
    `Plugin "${owner}" cannot register service "${name}": ${who}. Service names are unique across plugins; use one in its own namespace, e.g. "${owner}.${name.split('.').pop()}".`,
    { plugin: owner },
  );
}

function missingError(requester: string, name: string, available: string[], manifestFile: string): NexusError {
  const list = available.length > 0 ? available.sort().map((n) => `"${n}"`).join(', ') : 'none';
  return new NexusError(
    'NEXUS_SERVICE_MISSING',
    `Plugin "${requester}" asked for service "${name}", which is not registered. Available services: ${list}. Check the name, and that the plugin providing it is listed in "dependencies" in ${manifestFile} and started.`,
    { plugin: requester },
  );
}
