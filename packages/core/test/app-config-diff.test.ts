import { describe, expect, it } from 'vitest';
import { diffAppConfig } from '../src/hot/app-config.ts';

describe('diffAppConfig: what a re-read nexus.config changes in a running app', () => {
  it('plugins whose overrides changed are reconfigured; a key reordered is no change', () => {
    const before = { plugins: { users: { config: { a: 1, b: 2 } }, mail: { config: { from: 'x' } }, quiet: {} } };
    const after = { plugins: { users: { config: { b: 2, a: 1 } }, mail: { config: { from: 'y' } }, added: { config: { n: 1 } } } };
    expect(diffAppConfig(before, after)).toEqual({ reconfigure: ['added', 'mail'], restart: [] });
  });

  it('a plugin enabled or disabled is reconfigured; every top-level setting needs a restart', () => {
    const before = { port: 3000, plugins: { users: { enabled: false }, mail: {} } };
    const after = { port: 4000, host: '0.0.0.0', timeouts: { initialize: 1 }, plugins: { users: {}, mail: { enabled: false } } };
    expect(diffAppConfig(before, after)).toEqual({ reconfigure: ['mail', 'users'], restart: ['host', 'port', 'timeouts'] });
  });

  it('the same config is no change at all', () => {
    const config = { port: 3000, plugins: { users: { config: { a: [1, { b: 2 }] } } } };
    expect(diffAppConfig(config, structuredClone(config))).toEqual({ reconfigure: [], restart: [] });
  });
});
