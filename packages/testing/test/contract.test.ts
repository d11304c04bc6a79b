import type { Router } from '@nexus/core';
import { describe, expect, it } from 'vitest';
import { createTestHarness, expectManifestContract } from '../src/index.ts';
import { Counter, counterManifest } from './_plugins.ts';

const options = { manifest: counterManifest, config: { token: 'tok-123' } };

describe('expectManifestContract', () => {
  it('passes when routes and events match the manifest', async () => {
    const harness = await createTestHarness(Counter, options);
    await harness.initialize();
    await harness.request('POST', '/increment', {});
    await harness.plugin.publishEvent('counter.reset', {}); // its own namespace is allowed
    expectManifestContract(harness);
    await harness.shutdown();
  });

  it('lists undeclared routes, endpoints without a route, and undeclared events the plugin swallowed', async () => {
    class Drifted extends Counter {
      override routes(router: Router): void {
        router.get('/count', (ctx) => void (ctx.body = {}));
        router.delete('/count', (ctx) => void (ctx.body = {}));
      }
      override async initialize(): Promise<boolean> {
        await this.publishEvent('stats.updated' as 'counter.changed', {}).catch(() => {});
        return super.initialize();
      }
    }
    const harness = await createTestHarness(Drifted, options);
    await harness.initialize();
    expect(() => expectManifestContract(harness)).toThrow(
      [
        'Plugin "counter" does not keep the contract of plugins/counter/manifest.json:',
        '  - api_endpoints declares POST /increment, but no route serves it',
        '  - the route DELETE /count is not declared in "api_endpoints"',
        '  - it published "stats.updated", which is not declared in "events.publishes" (nor in its namespace "counter.*")',
      ].join('\n'),
    );
    await harness.shutdown();
  });

  it('checks the playground plugin folder against its manifest', async () => {
    const harness = await createTestHarness(new URL('../../../playground/plugins/my_awesome_plugin', import.meta.url));
    await harness.initialize();
    expectManifestContract(harness);
    await harness.shutdown();
  });

  it('needs an initialized plugin', async () => {
    const harness = await createTestHarness(Counter, options);
    expect(() => expectManifestContract(harness)).toThrow('initialize() plugin "counter" first');
  });
});
