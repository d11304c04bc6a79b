import { describe, expect, it } from 'vitest';
import { diffAppConfig } from '../src/hot/app-config.ts';

describe('diffAppConfig: what a re-read nexus.config changes in a running app', () => {
  it('plugins whose overrides changed are reconfigured; a key reordered is no change', () => {
    const before = { plugins: { users: { config: { a: 1, b: 2 } }, mail: { config: { from: 'x' } }, quiet: {} } };
    const after = { plugins: { users: { config: { b: 2, a: 1 } }, mail: { config: { from: 'y' } }, added: { config: { n: 1 } } } };
    expect(diffAppConfig(before, after)).toEqual({ reconfigure: ['added', 'mail'], restart: [] });
  });

  it('enabling or disabling a plugin and every top-level setting need a restart', () => {
    const before = { port: 3000, plugins: { users: { enabled: false } } };
    const after = { port: 4000, host: '0.0.0.0', timeouts: { initialize: 1 }, plugins: { users: {} } };
    expect(diffAppConfig(before, after)).toEqual({ reconfigure: [], restart: ['host', 'port', 'timeouts', 'plugins.users.enabled'] });
  });

  it('the same config is no change at all', () => {
    const config = { port: 3000, plugins: { users: { config: { a: [1, { b: 2 }] } } } };
    expect(diffAppConfig(config, structuredClone(config))).toEqual({ reconfigure: [], restart: [] });
  });
});
