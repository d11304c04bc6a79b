import type { HealthStatus } from '@nexus/core';
import { describe, expect, it } from 'vitest';
import { createMockEventBus, createTestHarness } from '../src/index.ts';
import { Counter, counterManifest } from './_plugins.ts';

async function started() {
  const harness = await createTestHarness(Counter, { manifest: counterManifest, config: { token: 'tok-123' } });
  await harness.initialize();
  return harness;
}

describe('toHavePublished', () => {
  it('matches type and a subset of the data, asymmetric matchers included', async () => {
    const harness = await started();
    await harness.request('POST', '/increment', { by: 2 });
    expect(harness).toHavePublished('counter.changed');
    expect(harness).toHavePublished('counter.changed', { count: 2 });
    expect(harness).toHavePublished('counter.changed', { via: expect.stringMatching(/^ht/) });
    expect(harness).not.toHavePublished('counter.changed', { count: 3 });
    await harness.shutdown();
  });

  it('says what was published instead', async () => {
    const harness = await started();
    await harness.request('POST', '/increment', {});
    expect(() => expect(harness).toHavePublished('counter.changed', { count: 5 })).toThrow(
      /expected plugin "counter" to have published "counter.changed" with .*count.*5.*; it published 1 event\(s\):\n {2}1\. "counter.changed" .*count.*1/s,
    );
    await harness.shutdown();
  });

  it('works on a MockEventBus', async () => {
    const bus = createMockEventBus();
    bus.registerPlugin(counterManifest);
    await bus.publish('counter', 'counter.changed', { count: 1 });
    expect(bus).toHavePublished('counter.changed', { count: 1 });
    expect(() => expect(bus).toHavePublished('counter.reset')).toThrow('expected the event bus to have published "counter.reset"');
  });
});

describe('toBeHealthy', () => {
  it('runs the health check of a harness', async () => {
    const harness = await started();
    await expect(harness).toBeHealthy();
    await harness.shutdown();
    await expect(harness).not.toBeHealthy();
    await expect(expect(harness).toBeHealthy()).rejects.toThrow('expected plugin "counter" to be healthy, but it is not: state is stopped');
  });

  it('reads a HealthStatus and names what is unhealthy', () => {
    const health: HealthStatus = { healthy: false, state: 'running', uptime: 1, components: { db: { status: 'unhealthy' } }, metrics: {} };
    expect(() => expect(health).toBeHealthy()).toThrow('expected the plugin to be healthy, but it is not: state is running; db is unhealthy');
    expect({ ...health, healthy: true, components: {} }).toBeHealthy();
  });
});
