import { createTestHarness, expectManifestContract } from '@nexus/testing';
import { describe, expect, it } from 'vitest';
import type BasicTemplatePlugin from '../src/plugin.ts';

/** The plugin folder: the harness reads manifest.json, config/*.yaml and src/plugin.ts from it. */
const pluginDir = new URL('..', import.meta.url);

describe('basic_template', () => {
  it('starts, answers GET /hello and stops cleanly', async () => {
    const harness = await createTestHarness<BasicTemplatePlugin>(pluginDir);
    await harness.initialize();
    const res = await harness.request('GET', '/hello?name=Ada');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: 'Hello, Ada!' });
    expect(harness.plugin.greetings).toBe(1);
    await expect(harness).toBeHealthy();
    expectManifestContract(harness);
    await harness.shutdown();
    expect(harness.state).toBe('stopped');
  });

  it('uses its configuration', async () => {
    const harness = await createTestHarness<BasicTemplatePlugin>(pluginDir, { config: { greeting: 'Hi', shout: true } });
    await harness.initialize();
    expect((await harness.request('GET', '/hello')).body).toEqual({ message: 'HI, WORLD!' });
    await harness.shutdown();
  });

  it('refuses to start with an invalid configuration', async () => {
    const harness = await createTestHarness<BasicTemplatePlugin>(pluginDir, { config: { greeting: '' } });
    await expect(harness.initialize()).rejects.toThrow('basic_template.greeting');
    expect(harness.state).toBe('failed');
  });
});
