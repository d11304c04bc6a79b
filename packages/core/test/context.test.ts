import { describe, expect, it } from 'vitest';
import { ConfigStore } from '../src/config/store.ts';
import { isNexusError } from '../src/errors.ts';
import { createLogger } from '../src/logger/logger.ts';
import type { PluginManifest } from '../src/manifest/types.ts';
import { PluginContext } from '../src/plugins/context.ts';
import { hostPieces, thrown } from './fixtures.ts';

const ZERO = { subscriptions: 0, services: 0, timers: 0, tasks: 0 };

function setup() {
  const { sink, storage, bus, services } = hostPieces();
  const faults: { plugin: string; error: unknown }[] = [];
  const make = (fields: Partial<PluginManifest> & { name: string }) => {
    const manifest = { version: '1.0.0', ...fields } as PluginManifest;
    bus.registerPlugin(manifest);
    return new PluginContext({
      manifest,
      config: new ConfigStore(manifest, {}, storage),
      storage,
      bus,
      services,
      logger: createLogger({ name: manifest.name, sink }),
      onFault: (error) => faults.push({ plugin: manifest.name, error }),
    });
  };
  return { make, bus, services, storage, faults, sink };
}

describe('PluginContext resources', () => {
  it('counts subscriptions, services, timers and tasks, and dispose() brings each back to zero', async () => {
    const { make, bus, services } = setup();
    const context = make({ name: 'clock', permissions: ['events.subscribe'], events: { subscribes: ['tick'] } });
    context.subscribeToEvent('tick', () => {});
    context.registerService('clock.now', {});
    context.setInterval(() => {}, 60_000);
    context.setTimeout(() => {}, 60_000);
    let aborted = false;
    void context.runTask(async (signal) => {
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
      aborted = true;
    });
    expect(context.resources()).toEqual({ subscriptions: 1, services: 1, timers: 2, tasks: 1 });
    expect(bus.subscriptionCount('clock')).toBe(1);
    await context.dispose(1_000);
    expect(aborted).toBe(true);
    expect(context.signal.aborted).toBe(true);
    expect(context.resources()).toEqual(ZERO);
    expect(bus.subscriptionCount('clock')).toBe(0);
    expect(services.count('clock')).toBe(0);
  });

  it('a released handle is not counted twice; a fired timeout and a cleared timer leave the count', async () => {
    const { make } = setup();
    const context = make({ name: 'p' });
    const off = context.registerService('p.s', {});
    off();
    off();
    const timer = context.setInterval(() => {}, 60_000);
    context.clearTimer(timer);
    await new Promise<void>((resolve) => context.setTimeout(resolve, 1));
    expect(context.resources()).toEqual(ZERO);
  });

  it('a task that ignores the signal is given up on after the grace period, with a hint', async () => {
    const { make, sink } = setup();
    const context = make({ name: 'stubborn' });
    void context.runTask(() => new Promise(() => {}));
    await context.dispose(20);
    expect(context.resources()).toEqual(ZERO);
    expect(sink.records.map((r) => r.message).join('\n')).toContain('1 background task(s) ignored the shutdown signal for 20 ms; pass this.signal');
  });
});

describe('PluginContext faults', () => {
  it('a throwing timer, a rejecting timer and a failing task (async or not) go to onFault', async () => {
    const { make, faults } = setup();
    const context = make({ name: 'flaky' });
    context.setTimeout(() => {
      throw new Error('timer failed');
    }, 1);
    context.setTimeout(async () => {
      throw new Error('async timer failed');
    }, 1);
    await context.runTask(async () => {
      throw new Error('task failed');
    });
    await context.runTask(() => {
      throw new Error('task failed before its first await');
    });
    await expect.poll(() => faults.length).toBe(4);
    expect(faults.map((f) => [f.plugin, (f.error as Error).message]).sort()).toEqual([
      ['flaky', 'async timer failed'],
      ['flaky', 'task failed'],
      ['flaky', 'task failed before its first await'],
      ['flaky', 'timer failed'],
    ]);
  });

  it('a rejected promise returned by an interval callback is a fault too', async () => {
    const { make, faults } = setup();
    const context = make({ name: 'async_timer' });
    await new Promise<void>((resolve) => {
      context.setTimeout(async () => {
        resolve();
        throw new Error('async timer failed');
      }, 1);
    });
    await expect.poll(() => faults.map((f) => (f.error as Error).message)).toEqual(['async timer failed']);
  });

  it('a task that ends with an abort error at shutdown is not a fault', async () => {
    const { make, faults } = setup();
    const context = make({ name: 'polite' });
    void context.runTask((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))));
    await context.dispose(1_000);
    expect(faults).toEqual([]);
  });
});

describe('PluginContext rules', () => {
  it('db: reads need database.read, writes need database.write, each error names the manifest', async () => {
    const { make, storage } = setup();
    await storage.ensureSchema('reader', { collections: { notes: {} } });
    const reader = make({ name: 'reader', permissions: ['database.read'] });
    expect(await reader.db.collection('notes').count()).toBe(0);
    const error = thrown(() => reader.db.collection('notes').insert({}));
    expect(isNexusError(error, 'NEXUS_DB_PERMISSION')).toBe(true);
    expect(error.message).toBe(
      'Plugin "reader" cannot call db.collection("notes").insert(): it lacks the "database.write" permission. Add "database.write" to "permissions" in plugins/reader/manifest.json.',
    );
    await storage.ensureSchema('writer', { collections: { notes: {} } });
    const writer = make({ name: 'writer', permissions: ['database.write'] });
    await writer.db.collection('notes').insert({ id: 'a' });
    expect(thrown(() => writer.db.collection('notes').get('a')).message).toContain('lacks the "database.read" permission');
  });

  it('getService reaches its own services and its dependencies only', () => {
    const { make } = setup();
    make({ name: 'auth' }).registerService('auth.users', { who: 'auth' });
    const own = make({ name: 'shop' });
    own.registerService('shop.cart', { who: 'shop' });
    expect(own.getService('shop.cart')).toEqual({ who: 'shop' });
    const dependent = make({ name: 'orders', dependencies: ['auth@^1.0.0'] });
    expect(dependent.getService('auth.users')).toEqual({ who: 'auth' });
    const error = thrown(() => own.getService('auth.users'));
    expect(isNexusError(error, 'NEXUS_SERVICE_DENIED')).toBe(true);
    expect(error.message).toBe('Plugin "shop" cannot use service "auth.users" of plugin "auth": add "auth" to "dependencies" in plugins/shop/manifest.json');
  });

  it('publishing needs events.publish and a declared or own-namespace type; the error names the field', async () => {
    const { make } = setup();
    const mute = make({ name: 'mute' });
    await expect(mute.publishEvent('mute.x', {})).rejects.toThrow('lacks the "events.publish" permission. Add "events.publish" to "permissions"');
    const shop = make({ name: 'shop', permissions: ['events.publish'], events: { publishes: ['order.placed'] } });
    await expect(shop.publishEvent('order.placed', {})).resolves.toMatchObject({ type: 'order.placed', source: 'shop' });
    await expect(shop.publishEvent('shop.opened', {})).resolves.toMatchObject({ type: 'shop.opened' });
    await expect(shop.publishEvent('order.cancelled', {})).rejects.toThrow('Add it to "events.publishes" in plugins/shop/manifest.json');
  });

  it('a subscription handler gets the envelope', async () => {
    const { make, bus } = setup();
    const listener = make({ name: 'listener', permissions: ['events.subscribe'], events: { subscribes: ['ping'] } });
    const seen: { source: string; type: string; data: unknown }[] = [];
    listener.subscribeToEvent('ping', (event) => {
      seen.push({ source: event.source, type: event.type, data: event.data });
    });
    await bus.publish('nexus', 'ping', { n: 1 });
    await bus.idle();
    expect(seen).toEqual([{ source: 'nexus', type: 'ping', data: { n: 1 } }]);
  });
});
