import { describe, expect, it } from 'vitest';
import { ConfigStore } from '../src/config/store.ts';
import type { PluginManifest } from '../src/manifest/types.ts';
import { BasePlugin, bindPluginContext, isPluginInstance, setPluginStatus } from '../src/plugins/base.ts';
import { PluginContext } from '../src/plugins/context.ts';
import { hostPieces } from './fixtures.ts';

const manifest: PluginManifest = {
  name: 'greeter',
  version: '1.2.3',
  configuration: { greeting: { type: 'string', default: 'hi' }, retries: { type: 'integer', min: 0 } },
} as PluginManifest;

class Greeter extends BasePlugin {
  override getMetrics(): Record<string, number> {
    return { ...super.getMetrics(), greeted: 2 };
  }
}

function bound(): { plugin: Greeter; storage: ReturnType<typeof hostPieces>['storage'] } {
  const { storage, logger, bus, services } = hostPieces('greeter');
  const plugin = new Greeter();
  const context = new PluginContext({
    manifest,
    config: new ConfigStore(manifest, { greeting: 'hello' }, storage),
    storage,
    bus,
    services,
    logger,
    onFault: () => {},
  });
  bindPluginContext(plugin, context);
  return { plugin, storage };
}

describe('BasePlugin', () => {
  it('without a context, says who creates plugins instead of failing obscurely', () => {
    const plugin = new Greeter();
    expect(() => plugin.name).toThrow(/Greeter has no Nexus context yet: plugins are created by the plugin manager, or in tests by createTestHarness\(\)/);
  });

  it('defaults: initialize() succeeds, shutdown() does nothing, it is recognised as a plugin', async () => {
    const plugin = new Greeter();
    expect(await plugin.initialize()).toBe(true);
    expect(await plugin.shutdown()).toBeUndefined();
    expect(isPluginInstance(plugin)).toBe(true);
    expect(isPluginInstance({})).toBe(false);
  });

  it('reads name, version and config through its context; getConfig takes a fallback', () => {
    const { plugin } = bound();
    expect([plugin.name, plugin.version]).toEqual(['greeter', '1.2.3']);
    expect(plugin.getConfig('greeting')).toBe('hello');
    expect(plugin.getConfig('retries')).toBeUndefined();
    expect(plugin.getConfig('retries', 5)).toBe(5);
  });

  it('setConfig validates against the manifest and persists', async () => {
    const { plugin, storage } = bound();
    await plugin.setConfig('retries', 3);
    expect(plugin.getConfig('retries')).toBe(3);
    expect(await storage.loadConfig('greeter')).toEqual({ retries: 3 });
    await expect(plugin.setConfig('retries', -1)).rejects.toThrow('setConfig: greeter.retries: must be at least 0, got -1');
    await expect(plugin.setConfig('retries', 'x' as never)).rejects.toThrow('expected an integer, got "x"');
  });

  it('setData/getData persist plugin state', async () => {
    const { plugin, storage } = bound();
    await plugin.setData('seen', { n: 1 });
    expect(await plugin.getData('seen')).toEqual({ n: 1 });
    expect(await storage.getData('greeter', 'seen')).toEqual({ n: 1 });
  });

  it('healthCheck() reports state, uptime, metrics and the error; `initialized` follows the state', async () => {
    const { plugin } = bound();
    expect(plugin.initialized).toBe(false);
    setPluginStatus(plugin, { state: 'running', startedAt: Date.now() - 5_000 });
    expect(plugin.initialized).toBe(true);
    const health = await plugin.healthCheck();
    expect(health).toMatchObject({ healthy: true, state: 'running', components: {}, metrics: { greeted: 2 } });
    expect(health.uptime).toBeGreaterThanOrEqual(5);
    setPluginStatus(plugin, { state: 'failed', error: 'boom' });
    expect(await plugin.healthCheck()).toMatchObject({ healthy: false, state: 'failed', error: 'boom', uptime: 0 });
  });
});
