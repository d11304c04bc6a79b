import { beforeEach, describe, expect, it } from 'vitest';
import { isNexusError } from '../src/errors.ts';
import { ServiceRegistry } from '../src/services/registry.ts';
import { thrown } from './fixtures.ts';

interface AuthApi {
  check(token: string): boolean;
}

let registry: ServiceRegistry;
const api: AuthApi = { check: (token) => token === 'ok' };

beforeEach(() => {
  registry = new ServiceRegistry();
  registry.register('auth', 'auth.api', api);
});

describe('ServiceRegistry', () => {
  it('gives a service to its owner and to plugins that depend on the owner', () => {
    expect(registry.get<AuthApi>('billing', 'auth.api', new Set(['auth']))).toBe(api);
    expect(registry.get<AuthApi>('auth', 'auth.api', new Set())).toBe(api);
    expect(registry.has('auth.api')).toBe(true);
    expect(registry.ownerOf('auth.api')).toBe('auth');
    expect(registry.ownerOf('nope')).toBeUndefined();
  });

  it('denies a service of a plugin that is not a dependency', () => {
    const error = thrown(() => registry.get('billing', 'auth.api', new Set(['mailer'])));
    expect(isNexusError(error, 'NEXUS_SERVICE_DENIED')).toBe(true);
    expect(error.message).toBe(
      'Plugin "billing" cannot use service "auth.api" of plugin "auth": add "auth" to "dependencies" in plugins/billing/manifest.json',
    );
  });

  it('lists the available names for an unknown service', () => {
    registry.register('mailer', 'mailer.send', () => {});
    const error = thrown(() => registry.get('billing', 'auth.apii', new Set(['auth'])));
    expect(isNexusError(error, 'NEXUS_SERVICE_MISSING')).toBe(true);
    expect(error.message).toContain('Plugin "billing" asked for service "auth.apii", which is not registered');
    expect(error.message).toContain('Available services: "auth.api", "mailer.send".');
    expect(thrown(() => new ServiceRegistry().get('billing', 'x', new Set())).message).toContain(
      'Available services: none.',
    );
  });

  it('refuses a duplicate name, naming both owners', () => {
    const error = thrown(() => registry.register('impostor', 'auth.api', {}));
    expect(isNexusError(error, 'NEXUS_SERVICE_DUPLICATE')).toBe(true);
    expect(error.message).toContain('Plugin "impostor" cannot register service "auth.api": plugin "auth" already registered it');
    expect(registry.get('auth', 'auth.api', new Set())).toBe(api);
  });

  it('unregisters one service, or all of an owner, and counts them', () => {
    const off = registry.register('mailer', 'mailer.send', () => {});
    registry.register('mailer', 'mailer.queue', []);
    expect(registry.count('mailer')).toBe(2);
    expect(registry.list()).toEqual([
      { name: 'auth.api', owner: 'auth' },
      { name: 'mailer.queue', owner: 'mailer' },
      { name: 'mailer.send', owner: 'mailer' },
    ]);
    off();
    expect(registry.has('mailer.send')).toBe(false);
    expect(registry.count('mailer')).toBe(1);
    registry.unregisterAll('mailer');
    expect(registry.count('mailer')).toBe(0);
    expect(registry.list()).toEqual([{ name: 'auth.api', owner: 'auth' }]);
  });

  it('an old unregister function does not remove a newer registration of the same name', () => {
    const off = registry.register('mailer', 'mailer.send', 'v1');
    off();
    registry.register('mailer', 'mailer.send', 'v2');
    off();
    expect(registry.get('mailer', 'mailer.send', new Set())).toBe('v2');
  });
});
