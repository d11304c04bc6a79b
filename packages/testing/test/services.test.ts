import { describe, expect, it } from 'vitest';
import { createMockServices, createTestHarness } from '../src/index.ts';
import { Counter, counterManifest } from './_plugins.ts';

class ClockUser extends Counter {
  now = 0;
  override initialize() {
    this.now = this.getService<{ now(): number }>('clock.time').now();
    return super.initialize();
  }
}

describe('createMockServices', () => {
  it('provides a dependency service under its owner, the part of the name before the dot', () => {
    const services = createMockServices({ 'clock.time': { now: () => 42 } });
    expect(services.ownerOf('clock.time')).toBe('clock');
    expect(services.get<{ now(): number }>('counter', 'clock.time', new Set(['clock'])).now()).toBe(42);
  });

  it('needs an owner for a name without a namespace', () => {
    expect(() => createMockServices({ time: {} })).toThrow(
      'Cannot tell which plugin provides service "time": name it "<plugin>.time" (services live in their plugin\'s namespace), or pass the owner: provide("time", impl, "<plugin>").',
    );
    const services = createMockServices();
    const withdraw = services.provide('time', {}, 'clock');
    expect(services.list()).toEqual([{ name: 'time', owner: 'clock' }]);
    withdraw();
    expect(services.list()).toEqual([]);
  });

  it('gives the plugin a service of a plugin it depends on', async () => {
    const harness = await createTestHarness(ClockUser, {
      manifest: counterManifest,
      config: { token: 'tok-123' },
      services: { 'clock.time': { now: () => 42 } },
    });
    expect((await harness.initialize()).now).toBe(42);
    expect(harness.services.lookup<{ current(): number }>('counter.api').current()).toBe(0);
    await harness.shutdown();
    expect(harness.services.has('counter.api')).toBe(false);
  });

  it('refuses a service of a plugin not in dependencies, with the runtime error', async () => {
    const harness = await createTestHarness(ClockUser, {
      manifest: { ...counterManifest, dependencies: [] },
      config: { token: 'tok-123' },
      services: { 'clock.time': { now: () => 42 } },
    });
    await expect(harness.initialize()).rejects.toThrow(
      'initialize() threw: Plugin "counter" cannot use service "clock.time" of plugin "clock": add "clock" to "dependencies" in plugins/counter/manifest.json',
    );
  });

  it('lookup() lists what exists when the name is wrong', () => {
    const services = createMockServices({ 'clock.time': {} });
    expect(() => services.lookup('clock.tim')).toThrow('Available services: "clock.time"');
  });
});
