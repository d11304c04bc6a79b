import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isNexusError } from '../src/errors.ts';
import { EventBus } from '../src/events/bus.ts';
import { createMittTransport } from '../src/events/mitt-transport.ts';
import type { EventEnvelope } from '../src/events/types.ts';
import { createLogger, createMemorySink } from '../src/logger/logger.ts';
import type { PluginManifest } from '../src/manifest/types.ts';
import { thrown } from './fixtures.ts';

function manifest(name: string, events: PluginManifest['events'], permissions: PluginManifest['permissions'] = ['events.publish', 'events.subscribe']): PluginManifest {
  return { name, version: '1.0.0', permissions, events };
}

let sink: ReturnType<typeof createMemorySink>;
let bus: EventBus;
let handlerErrors: [string, string, unknown][];
let published: [string, string][];

beforeEach(() => {
  sink = createMemorySink();
  handlerErrors = [];
  published = [];
  bus = new EventBus({
    transport: createMittTransport(),
    logger: createLogger({ name: 'nexus', sink, level: 'debug' }),
    onPublished: (type, source) => published.push([type, source]),
    onHandlerError: (plugin, type, error) => handlerErrors.push([plugin, type, error]),
  });
  bus.registerPlugin(manifest('users', { publishes: ['user.created', 'user.deleted'] }));
  bus.registerPlugin(manifest('mailer', { subscribes: ['user.created', 'user.deleted'] }));
  bus.registerPlugin(manifest('audit', { subscribes: ['user.created'] }));
});

afterEach(async () => {
  await bus.close();
});

describe('publishing', () => {
  it('hands out a complete envelope and delivers it after publish resolved', async () => {
    const seen: EventEnvelope[] = [];
    bus.subscribe('mailer', 'user.created', (event) => {
      seen.push(event);
    });
    const envelope = await bus.publish('users', 'user.created', { id: 7 });
    expect(envelope).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'user.created',
      data: { id: 7 },
      source: 'users',
      timestamp: expect.any(String),
    });
    expect(new Date(envelope.timestamp).toISOString()).toBe(envelope.timestamp);
    expect(seen).toEqual([]);
    await bus.idle();
    expect(seen).toEqual([envelope]);
    expect(published).toEqual([['user.created', 'users']]);
    expect(bus.stats()).toEqual({ published: 1, delivered: 1, handlerErrors: {} });
  });

  it('delivers in publish order to every subscriber', async () => {
    const mailer: number[] = [];
    const audit: number[] = [];
    bus.subscribe('mailer', 'user.created', (event) => {
      mailer.push(event.data as number);
    });
    bus.subscribe('audit', 'user.created', async (event) => {
      await new Promise((resolve) => setTimeout(resolve, 5 - (event.data as number)));
      audit.push(event.data as number);
    });
    const ids = [0, 1, 2, 3, 4];
    for (const id of ids) void bus.publish('users', 'user.created', id);
    await bus.idle();
    expect(mailer).toEqual(ids);
    expect(audit.sort()).toEqual(ids);
    expect(bus.stats().delivered).toBe(10);
  });

  it('lets the host publish anything', async () => {
    const seen: unknown[] = [];
    bus.subscribe('nexus', 'system.maintenance', (event) => {
      seen.push(event.data);
    });
    await bus.publish('nexus', 'system.maintenance', 'now');
    await bus.idle();
    expect(seen).toEqual(['now']);
  });
});

describe('rules', () => {
  it('requires the events.publish permission', async () => {
    bus.registerPlugin(manifest('x', { publishes: ['user.deleted'] }, []));
    const error = await bus.publish('x', 'user.deleted', {}).catch((e: unknown) => e as Error);
    expect(isNexusError(error, 'NEXUS_EVENT_PERMISSION')).toBe(true);
    expect((error as Error).message).toBe(
      'Plugin "x" cannot publish "user.deleted": it lacks the "events.publish" permission. Add "events.publish" to "permissions" in plugins/x/manifest.json.',
    );
  });

  it('requires the published type to be declared', async () => {
    bus.registerPlugin(manifest('x', {}));
    const error = await bus.publish('x', 'user.deleted', {}).catch((e: unknown) => e as Error);
    expect(isNexusError(error, 'NEXUS_EVENT_UNDECLARED')).toBe(true);
    expect((error as Error).message).toBe(
      'Plugin "x" cannot publish "user.deleted": the type is not declared. Add it to "events.publishes" in plugins/x/manifest.json, or use a type in its own namespace "x.*".',
    );
    expect(bus.stats().published).toBe(0);
  });

  it('requires the events.subscribe permission', () => {
    bus.registerPlugin(manifest('x', { subscribes: ['user.created'] }, ['events.publish']));
    const error = thrown(() => bus.subscribe('x', 'user.created', () => {}));
    expect(isNexusError(error, 'NEXUS_EVENT_PERMISSION')).toBe(true);
    expect(error.message).toBe(
      'Plugin "x" cannot subscribe to "user.created": it lacks the "events.subscribe" permission. Add "events.subscribe" to "permissions" in plugins/x/manifest.json.',
    );
  });

  it('requires the subscribed type to be declared, and refuses wildcards', () => {
    const error = thrown(() => bus.subscribe('audit', 'user.deleted', () => {}));
    expect(isNexusError(error, 'NEXUS_EVENT_UNDECLARED')).toBe(true);
    expect(error.message).toBe(
      'Plugin "audit" cannot subscribe to "user.deleted": the type is not declared. Add it to "events.subscribes" in plugins/audit/manifest.json, or use a type in its own namespace "audit.*".',
    );
    bus.registerPlugin(manifest('greedy', { subscribes: ['*'] }));
    const wildcard = thrown(() => bus.subscribe('greedy', '*', () => {}));
    expect(isNexusError(wildcard, 'NEXUS_EVENT_UNDECLARED')).toBe(true);
    expect(wildcard.message).toContain('wildcard subscriptions are not supported');
  });

  it('allows types in the plugin own namespace without declaring them', async () => {
    bus.registerPlugin(manifest('my_plugin', {}));
    const seen: string[] = [];
    bus.subscribe('my_plugin', 'my_plugin.initialized', (event) => {
      seen.push(event.type);
    });
    await bus.publish('my_plugin', 'my_plugin.initialized', {});
    await bus.idle();
    expect(seen).toEqual(['my_plugin.initialized']);
    await expect(bus.publish('my_plugin', 'my_plugin', {})).rejects.toMatchObject({ code: 'NEXUS_EVENT_UNDECLARED' });
    await expect(bus.publish('my_plugin', 'my_plugin_x.done', {})).rejects.toMatchObject({ code: 'NEXUS_EVENT_UNDECLARED' });
    expect(() => bus.subscribe('my_plugin', 'users.initialized', () => {})).toThrow(/not declared/);
  });

  it('uses the rules of the latest manifest and none after unregistering', async () => {
    bus.registerPlugin(manifest('users', { publishes: [] }));
    await expect(bus.publish('users', 'user.created', {})).rejects.toMatchObject({ code: 'NEXUS_EVENT_UNDECLARED' });
    bus.unregisterPlugin('users');
    await expect(bus.publish('users', 'users.ping', {})).rejects.toMatchObject({ code: 'NEXUS_EVENT_PERMISSION' });
  });
});

describe('failing handlers', () => {
  it('logs, counts and isolates handlers that throw or reject', async () => {
    const seen: string[] = [];
    bus.subscribe('mailer', 'user.created', () => {
      throw new Error('smtp down');
    });
    bus.subscribe('audit', 'user.created', async () => {
      throw new Error('disk full');
    });
    bus.subscribe('mailer', 'user.created', (event) => {
      seen.push(event.id);
    });
    const envelope = await bus.publish('users', 'user.created', {});
    await bus.idle();
    expect(seen).toEqual([envelope.id]);
    expect(bus.stats().handlerErrors).toEqual({ mailer: 1, audit: 1 });
    expect(handlerErrors.map(([plugin, type, error]) => [plugin, type, (error as Error).message])).toEqual([
      ['mailer', 'user.created', 'smtp down'],
      ['audit', 'user.created', 'disk full'],
    ]);
    const logged = sink.records.filter((r) => r.level === 'error');
    expect(logged.map((r) => r.message)).toEqual([
      'Plugin "mailer" failed to handle event "user.created": smtp down',
      'Plugin "audit" failed to handle event "user.created": disk full',
    ]);
    expect(logged[0].meta).toMatchObject({ plugin: 'mailer', type: 'user.created', eventId: envelope.id });
    expect(logged[0].error?.message).toBe('smtp down');
  });
});

describe('pause and resume', () => {
  it('queues events for a swapped plugin and delivers them once, in order, to its new handlers', async () => {
    const old: number[] = [];
    const fresh: number[] = [];
    const audit: number[] = [];
    const offOld = bus.subscribe('mailer', 'user.created', (event) => {
      old.push(event.data as number);
    });
    bus.subscribe('audit', 'user.created', (event) => {
      audit.push(event.data as number);
    });
    await bus.publish('users', 'user.created', 1);
    await bus.idle();

    void bus.publish('users', 'user.created', 2);
    bus.pause('mailer'); // 2 is published but not yet delivered: it must wait too
    await bus.publish('users', 'user.created', 3);
    await bus.idle();
    offOld();
    bus.subscribe('mailer', 'user.created', async (event) => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      fresh.push(event.data as number);
    });
    await bus.publish('users', 'user.created', 4);
    await bus.publish('users', 'user.deleted', 40);
    await bus.idle();
    expect(fresh).toEqual([]);

    await bus.resume('mailer');
    expect(fresh).toEqual([2, 3, 4]);
    await bus.publish('users', 'user.created', 5);
    await bus.idle();
    expect(old).toEqual([1]);
    expect(fresh).toEqual([2, 3, 4, 5]);
    expect(audit).toEqual([1, 2, 3, 4, 5]);
  });

  it('queues own-namespace events the plugin had handlers for', async () => {
    bus.registerPlugin(manifest('cron', {}));
    const seen: string[] = [];
    const off = bus.subscribe('cron', 'cron.tick', () => {});
    bus.pause('cron');
    off();
    await bus.publish('cron', 'cron.tick', 1);
    await bus.idle();
    bus.subscribe('cron', 'cron.tick', (event) => {
      seen.push(event.type);
    });
    await bus.resume('cron');
    expect(seen).toEqual(['cron.tick']);
  });

  it('resume of a plugin that is not paused does nothing', async () => {
    await expect(bus.resume('mailer')).resolves.toBeUndefined();
  });
});

describe('bookkeeping', () => {
  it('counts live subscriptions down to 0', () => {
    const offs = [
      bus.subscribe('mailer', 'user.created', () => {}),
      bus.subscribe('mailer', 'user.deleted', () => {}),
      bus.subscribe('mailer', 'user.created', () => {}),
    ];
    expect(bus.subscriptionCount('mailer')).toBe(3);
    for (const off of offs) off();
    offs[0]();
    expect(bus.subscriptionCount('mailer')).toBe(0);
  });

  it('stops delivering to a handler unsubscribed during a dispatch', async () => {
    const seen: string[] = [];
    let offSecond = (): void => {};
    bus.subscribe('mailer', 'user.created', () => {
      seen.push('first');
      offSecond();
    });
    offSecond = bus.subscribe('audit', 'user.created', () => {
      seen.push('second');
    });
    await bus.publish('users', 'user.created', {});
    await bus.idle();
    expect(seen).toEqual(['first']);
  });

  it('idle waits for async handlers and for the events they publish', async () => {
    const done: string[] = [];
    bus.registerPlugin(manifest('mailer', { subscribes: ['user.created'], publishes: ['mail.sent'] }));
    bus.registerPlugin(manifest('audit', { subscribes: ['mail.sent'] }));
    bus.subscribe('mailer', 'user.created', async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      await bus.publish('mailer', 'mail.sent', {});
      done.push('mailer');
    });
    bus.subscribe('audit', 'mail.sent', async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      done.push('audit');
    });
    void bus.publish('users', 'user.created', {});
    await bus.idle();
    expect(done).toEqual(['mailer', 'audit']);
  });

  it('keeps delivering while a test fakes timers', async () => {
    vi.useFakeTimers();
    try {
      const seen: unknown[] = [];
      bus.subscribe('mailer', 'user.created', (event) => {
        seen.push(event.data);
      });
      await bus.publish('users', 'user.created', 1);
      await bus.idle();
      expect(seen).toEqual([1]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses to publish after close', async () => {
    await bus.close();
    await expect(bus.publish('nexus', 'system.stop', {})).rejects.toThrow(/closed/);
  });
});
