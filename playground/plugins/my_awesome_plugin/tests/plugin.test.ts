// The guide's test suite (TestMyAwesomePlugin, TestPluginIntegration), on @nexus/testing.
import { createTestHarness, expectManifestContract, type TestHarness } from '@nexus/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type MyAwesomePlugin from '../src/plugin.ts';

let harness: TestHarness<MyAwesomePlugin>;
const start = async (config = {}) => {
  harness = await createTestHarness<MyAwesomePlugin>(new URL('..', import.meta.url), { config: { api_key: 'test-api-key', ...config } });
  return harness.initialize();
};
const act = (action: string, parameters?: object) => harness.request('POST', '/action', { action, parameters });
afterEach(() => harness.shutdown());

describe('MyAwesomePlugin', () => {
  it('initializes', async () => {
    const plugin = await start();
    expect([plugin.initialized, plugin.name]).toEqual([true, 'my_awesome_plugin']);
  });

  it('still initializes when disabled, but refuses actions', async () => {
    await start({ enabled: false });
    expect(await act('ping')).toMatchObject({ status: 503, body: { message: 'Plugin is disabled' } });
  });

  it('executes actions, and rejects an invalid one', async () => {
    await start();
    expect((await act('ping')).body.result.message).toBe('pong');
    expect((await act('echo', { message: 'test' })).body.result).toEqual({ echo: 'test' });
    expect(await act('invalid')).toMatchObject({ status: 422, body: { message: 'Action failed: Unknown action: invalid' } });
    expect(harness).toHavePublished('my_awesome_plugin.action_completed', { action: 'echo' });
  });

  it('reports its health', async () => {
    await start();
    await expect(harness).toBeHealthy();
    expect((await harness.health()).components).toHaveProperty('actions');
  });

  it('handles user.created', async () => {
    await start();
    await harness.events.emit('user.created', { user_id: '123', username: 'testuser' });
    expect(harness.logs.messages('info')).toContain('New user created: testuser (ID: 123)');
  });
});

describe('plugin integration', () => {
  it('runs the full workflow, keeps its count across a hot reload, and keeps its manifest contract', async () => {
    await start();
    expect((await act('count')).body.result).toHaveProperty('current_count', 0);
    await expect(harness).toBeHealthy();
    expect((await harness.reload()).actionCount).toBe(1);
    expectManifestContract(harness);
    await harness.shutdown();
  });
});
