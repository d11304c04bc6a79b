import { isNexusError, type EventEnvelope } from '@nexus/core';
import { describe, expect, it } from 'vitest';
import { createMockEventBus, createMockLogger } from '../src/index.ts';
import { clockManifest, counterManifest } from './_plugins.ts';

function bus() {
  const logger = createMockLogger({ name: 'nexus' });
  const events = createMockEventBus({ logger });
  events.registerPlugin(counterManifest);
  events.registerPlugin(clockManifest);
  return { events, logger };
}

describe('createMockEventBus', () => {
  it('records every publish in order with type, data and source; emitted events are not in the record', async () => {
    const { events } = bus();
    await events.publish('clock', 'clock.tick', { n: 1 });
    await events.publish('counter', 'counter.changed', { count: 1 });
    await events.emit('clock.tick', { n: 2 });
    expect(events.published().map((e) => [e.type, e.data, e.source])).toEqual([
      ['clock.tick', { n: 1 }, 'clock'],
      ['counter.changed', { count: 1 }, 'counter'],
    ]);
    expect(events.published('counter.changed')).toHaveLength(1);
    events.clear();
    expect(events.published()).toEqual([]);
  });

  it('emit() resolves once the handlers, async ones included, have run', async () => {
    const { events } = bus();
    const seen: EventEnvelope[] = [];
    events.subscribe('counter', 'clock.tick', async (event) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.push(event);
    });
    const envelope = await events.emit('clock.tick', { n: 1 });
    expect(seen).toEqual([envelope]);
    expect(envelope.source).toBe('nexus');
  });

  it('emit() can publish as another plugin', async () => {
    const { events } = bus();
    const sources: string[] = [];
    events.subscribe('counter', 'clock.tick', (event) => void sources.push(event.source));
    await events.emit('clock.tick', {}, { source: 'metronome' });
    expect(sources).toEqual(['metronome']);
  });

  it('emit() rejects with the error a handler threw, which the real bus also logs', async () => {
    const { events, logger } = bus();
    events.subscribe('counter', 'clock.tick', () => {
      throw new Error('tick went wrong');
    });
    await expect(events.emit('clock.tick', {})).rejects.toThrow('tick went wrong');
    expect(logger.messages('error')).toEqual(['Plugin "counter" failed to handle event "clock.tick": tick went wrong']);
    expect(events.stats().handlerErrors).toEqual({ counter: 1 });
  });

  it('emit() refuses a type no plugin declares in events.subscribes, since nothing could receive it', async () => {
    const { events } = bus();
    await expect(events.emit('clock.tock' as 'clock.tick', {})).rejects.toThrow(
      'emit("clock.tock"): no plugin declares "clock.tock" in "events.subscribes", so in production nothing could receive it. Declared: "clock.tick".',
    );
  });

  it('refuses an undeclared event with the runtime error', async () => {
    const { events } = bus();
    const error = await events.publish('counter', 'counter_other.changed', {}).catch((e: unknown) => e);
    expect(isNexusError(error, 'NEXUS_EVENT_UNDECLARED')).toBe(true);
    expect((error as Error).message).toBe(
      'Plugin "counter" cannot publish "counter_other.changed": the type is not declared. Add it to "events.publishes" in plugins/counter/manifest.json, or use a type in its own namespace "counter.*".',
    );
    expect(events.published()).toEqual([]);
  });

  it('refuses a plugin without the permission with the runtime error', () => {
    const { events } = bus();
    expect(() => events.subscribe('clock', 'clock.tick', () => {})).toThrow(
      'Plugin "clock" cannot subscribe to "clock.tick": it lacks the "events.subscribe" permission. Add "events.subscribe" to "permissions" in plugins/clock/manifest.json.',
    );
  });

  it('lists live subscriptions', () => {
    const { events } = bus();
    const off = events.subscribe('counter', 'clock.tick', () => {});
    expect(events.subscriptions()).toEqual([{ plugin: 'counter', type: 'clock.tick' }]);
    off();
    expect(events.subscriptions('counter')).toEqual([]);
  });

  it('emit() waits while the receiving plugin is paused for a swap, and delivers after resume', async () => {
    const { events } = bus();
    const seen: number[] = [];
    events.subscribe('counter', 'clock.tick', (event) => void seen.push((event.data as { n: number }).n));
    events.pause('counter');
    let done = false;
    const emitted = events.emit('clock.tick', { n: 1 }).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect([done, seen]).toEqual([false, []]);
    await events.resume('counter');
    await emitted;
    expect(seen).toEqual([1]);
  });
});
