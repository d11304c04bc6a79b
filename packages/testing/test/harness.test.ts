import { BasePlugin, isNexusError, type Router } from '@nexus/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createTestHarness, type TestHarness } from '../src/index.ts';
import { Counter, counterManifest } from './_plugins.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function counter(plugin: typeof Counter = Counter, config: Record<string, unknown> = { token: 'tok-123' }) {
  return createTestHarness(plugin, { manifest: counterManifest, config, timeouts: { shutdown: 50 } });
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: Error) => error,
  );
}

describe('createTestHarness: lifecycle', () => {
  it('builds, initializes and shuts down a plugin class with its manifest', async () => {
    const harness = await counter();
    expect(harness.state).toBe('discovered');
    const plugin = await harness.initialize();
    expect([plugin.initialized, plugin.name, harness.state, harness.plugin]).toEqual([true, 'counter', 'running', plugin]);
    await harness.shutdown();
    expect([plugin.initialized, harness.state]).toEqual([false, 'stopped']);
    await harness.shutdown(); // nothing left to stop
  });

  it('loads a plugin folder: manifest.json, src/plugin.ts and config/*.yaml', async () => {
    const harness = await createTestHarness(new URL('./fixtures/greeter', import.meta.url));
    await harness.initialize();
    expect((await harness.request('GET', '/greet/ada')).body).toEqual({ text: 'Hello, ada!' });
    await harness.shutdown();
  });

  it('needs the manifest with a class', async () => {
    await expect(createTestHarness(Counter, {} as never)).rejects.toThrow('createTestHarness(Counter): pass the manifest with the class');
  });

  it('reports a missing entry module as the runtime does', async () => {
    const harness = await createTestHarness(new URL('./fixtures/no_entry', import.meta.url));
    const error = await rejection(harness.initialize());
    expect(isNexusError(error, 'NEXUS_ENTRY_MISSING')).toBe(true);
    expect(error.message).toMatch(/no_entry\/src\/plugin\.ts: entry module not found; create it, or set "main" in .*no_entry\/manifest\.json/);
  });

  it('fails initialize() with the runtime error when the plugin throws, or returns false', async () => {
    class Throws extends Counter {
      override initialize(): boolean {
        throw new Error('no upstream');
      }
    }
    class Refuses extends Counter {
      override initialize(): boolean {
        return false;
      }
    }
    const error = await rejection((await counter(Throws)).initialize());
    expect([isNexusError(error, 'NEXUS_INIT_FAILED'), error.message]).toEqual([true, 'initialize() threw: no upstream']);
    expect((error.cause as Error).message).toBe('no upstream');
    const harness = await counter(Refuses);
    await expect(harness.initialize()).rejects.toThrow('initialize() returned false');
    expect([harness.state, harness.error]).toEqual(['failed', 'initialize() returned false; check its log lines above for the reason']);
  });

  it('fails initialize() on bad config with the runtime message', async () => {
    const error = await rejection((await counter(Counter, { token: 'tok-123', step: 0 })).initialize());
    expect([isNexusError(error, 'NEXUS_CONFIG_INVALID'), error.message]).toEqual([true, 'test config: counter.step: must be at least 1, got 0']);
    await expect((await counter(Counter, {})).initialize()).rejects.toThrow(
      'plugins/counter/manifest.json: counter.token: is required but not set — set it in config/default.yaml, nexus.config or NEXUS_COUNTER_TOKEN',
    );
  });

  it('takes NEXUS_<PLUGIN>_<KEY> variables from env, not from process.env', async () => {
    process.env.NEXUS_COUNTER_STEP = '9';
    try {
      const harness = await createTestHarness(Counter, { manifest: counterManifest, env: { NEXUS_COUNTER_TOKEN: 'from-env' } });
      await harness.initialize();
      expect(harness.config.values()).toEqual({ step: 1, token: 'from-env' });
      await harness.shutdown();
    } finally {
      delete process.env.NEXUS_COUNTER_STEP;
    }
  });

  it('fails initialize() when the plugin publishes an undeclared event, as production would', async () => {
    class Chatty extends Counter {
      override async initialize(): Promise<boolean> {
        await this.publishEvent('metrics.updated' as 'counter.changed', {});
        return true;
      }
    }
    await expect((await counter(Chatty)).initialize()).rejects.toThrow(
      'initialize() threw: Plugin "counter" cannot publish "metrics.updated": the type is not declared. Add it to "events.publishes"',
    );
  });

  it('fails when a timer or task of the plugin throws at run time, marking it failed', async () => {
    class Flaky extends Counter {
      override initialize(): boolean {
        this.setTimeout(() => {
          throw new Error('timer broke');
        }, 1);
        return true;
      }
    }
    const harness = await counter(Flaky);
    await harness.initialize();
    await expect.poll(() => [harness.state, harness.error]).toEqual(['failed', 'timer broke']);
    expect((await harness.request('GET', '/count')).status).toBe(503);
  });
});

describe('createTestHarness: config, requests and health', () => {
  it('exposes the live config, typed, including values the plugin saved', async () => {
    const harness = await counter();
    expect(() => harness.config.values()).toThrow('harness.config of "counter" is available once initialize() has run');
    const plugin = await harness.initialize();
    await plugin.setConfig('step', 4);
    expect(harness.config.get('step')).toBe(4);
    await harness.shutdown();
  });

  it('answers requests through the host middleware, in memory', async () => {
    const harness = await counter();
    expect((await harness.request('GET', '/count')).status).toBe(503); // not started yet, as in production
    await harness.initialize();
    const ok = await harness.request('post', '/increment', { by: 2 });
    expect(ok).toMatchObject({ status: 200, body: { count: 2 } });
    expect(ok.headers['content-type']).toBe('application/json; charset=utf-8');
    expect((await harness.request('POST', '/increment', { by: 0 })).body).toMatchObject({ error: 'validation_failed', problems: ['body/by: must be >= 1'] });
    expect((await harness.request('POST', '/increment', '{"by": ')).status).toBe(400);
    expect((await harness.request('GET', '/nope')).body).toMatchObject({ error: 'not_found' });
    await harness.shutdown();
  });

  it('reports health as GET /plugins/<name>/health does', async () => {
    const harness = await counter();
    expect(await harness.health()).toMatchObject({ healthy: false, state: 'discovered' });
    await harness.initialize();
    expect(await harness.health()).toMatchObject({ healthy: true, state: 'running', components: {}, metrics: { uptime: expect.any(Number) } });
    await harness.shutdown();
  });

  it('delivers emitted events to the plugin and records what it published', async () => {
    const harness = await counter();
    await harness.initialize();
    await harness.events.emit('clock.tick', {});
    expect(harness.plugin.count).toBe(1);
    expect(harness.events.published('counter.changed').map((e) => e.data)).toEqual([{ count: 1, via: 'tick' }]);
    await harness.shutdown();
  });
});

describe('createTestHarness: reload', () => {
  it('swaps in a fresh instance with the hot state, saved config and data', async () => {
    const harness = await counter();
    const first = await harness.initialize();
    await harness.request('POST', '/increment', { by: 3 });
    await first.setConfig('step', 2);
    await first.setData('note', 'kept');
    const second = await harness.reload();
    expect(second).not.toBe(first);
    expect([second.imported, second.count, harness.config.get('step'), await second.getData('note')]).toEqual([{ count: 3 }, 3, 2, 'kept']);
    expect(await harness.db.collection('increments').count()).toBe(1);
    await harness.events.emit('clock.tick', {});
    expect([first.count, second.count]).toEqual([3, 5]);
    await harness.shutdown();
  });

  it('holds requests and events during the swap and serves them with the new instance', async () => {
    const harness = await counter();
    const first = await harness.initialize();
    const reloading = harness.reload();
    const [response] = await Promise.all([harness.request('POST', '/increment', {}), harness.events.emit('clock.tick', {})]);
    const second = await reloading;
    expect([response.status, first.count, second.count]).toEqual([200, 0, 2]);
    await harness.shutdown();
  });

  it('needs a running plugin', async () => {
    await expect((await counter()).reload()).rejects.toThrow('"counter" is not running; call initialize() before reload()');
  });
});

describe('createTestHarness: shutdown fails on what production would not release', () => {
  it('does not complain about what went through the context (released for the plugin)', async () => {
    const harness = await counter();
    await harness.initialize();
    expect(harness.events.subscriptions('counter')).toHaveLength(1);
    await harness.shutdown();
    expect(harness.events.subscriptions('counter')).toEqual([]);
  });

  it('names a timer started with the global setInterval and where', async () => {
    class Leaky extends Counter {
      override initialize() {
        setInterval(() => this.increment('poll'), 1_000);
        return super.initialize();
      }
    }
    const harness = await counter(Leaky);
    await harness.initialize();
    const error = await rejection(harness.shutdown());
    expect(error.message).toMatch(
      /^Plugin "counter" did not stop cleanly in shutdown\(\):\n {2}- a timer \(setInterval every 1000 ms, created at packages\/testing\/test\/harness\.test\.ts:\d+:\d+\): use this\.setTimeout\(\)\/this\.setInterval\(\), which are cleared at shutdown, or clear it in shutdown\(\)$/,
    );
  });

  it('refuses a subscription made after shutdown, as production does', async () => {
    let late: unknown;
    class Late extends Counter {
      override shutdown(): void {
        void this.runTask(async () => {
          await sleep(5);
          try {
            this.subscribeToEvent('clock.tick', () => {});
          } catch (error) {
            late = error;
          }
        });
      }
    }
    const harness = await createTestHarness(Late, { manifest: counterManifest, config: { token: 'tok-123' } });
    await harness.initialize();
    await harness.shutdown();
    await expect.poll(() => String(late)).toContain('Plugin "counter" tried to register a subscription or service after it shut down');
    expect(harness.events.subscriptionCount('counter')).toBe(0);
  });

  it('names background tasks that ignore the shutdown signal, and a throwing shutdown()', async () => {
    class Stubborn extends Counter {
      override initialize() {
        void this.runTask(() => new Promise(() => {}));
        return super.initialize();
      }
      override shutdown(): void {
        throw new Error('disk full');
      }
    }
    const harness = await counter(Stubborn);
    await harness.initialize();
    const error = await rejection(harness.shutdown());
    expect(error.message.split('\n')).toEqual([
      'Plugin "counter" did not stop cleanly in shutdown():',
      '  - shutdown() threw: disk full',
      '  - 1 background task(s) ignored the shutdown signal for 50 ms: they still run; pass this.signal to what they await, or check signal.aborted in their loop',
    ]);
  });

  it('checks the old instance on reload too, unless it handed its state over', async () => {
    class Poller extends BasePlugin {
      override initialize(): void {
        setTimeout(() => {}, 5_000);
      }
    }
    const harness = await createTestHarness(Poller, { manifest: { name: 'poller', version: '1.0.0' } });
    await harness.initialize();
    await expect(harness.reload()).rejects.toThrow(/did not stop cleanly in reload\(\):\n {2}- a timer \(setTimeout of 5000 ms/);
    expect(harness.state).toBe('running');
    await expect(harness.shutdown()).rejects.toThrow('setTimeout of 5000 ms');
  });
});

describe('createTestHarness: types and cleanup', () => {
  it('types config and events by the plugin class', async () => {
    const harness = await counter();
    await harness.initialize();
    expectTypeOf(harness.config.get('step')).toEqualTypeOf<number>();
    expectTypeOf(harness.events.emit).parameter(0).toEqualTypeOf<'clock.tick' | `counter.${string}`>();
    // @ts-expect-error: not a config key of Counter
    expect(() => harness.config.get('steps')).not.toThrow();
    await harness.shutdown();
  });

  it('hands the error of a failing route to the test', async () => {
    class Broken extends Counter {
      override routes(router: Router): void {
        router.get('/count', () => {
          throw new Error('count unavailable');
        });
      }
    }
    const harness = await counter(Broken);
    await harness.initialize();
    const response = await harness.request('GET', '/count');
    expect([response.status, response.body.error, response.error?.message]).toEqual([500, 'internal_error', 'count unavailable']);
    await harness.shutdown();
  });

  let forgotten: TestHarness | undefined;
  it('(a test that forgets to shut its plugin down)', async () => {
    forgotten = await counter();
    await forgotten.initialize();
  });

  it('shuts down what a finished test left running', () => {
    expect(forgotten?.state).toBe('stopped');
  });
});
