import type { EventEnvelope, HealthStatus } from '@nexus/core';
import type { MatcherResult as ExpectationResult, MatcherState } from 'vitest';
import { MockEventBus } from './events.ts';
import type { TestHarness } from './harness.ts';

/** The matchers @nexus/testing adds to `expect`. */
export interface NexusMatchers<T = unknown> {
  /**
   * The harness's plugin (or anyone, on a MockEventBus) published an event of `type`, with data
   * that contains `data` when given (compared like `toMatchObject`; asymmetric matchers work).
   * @example expect(harness).toHavePublished('my_plugin.done', { action: 'ping' });
   */
  toHavePublished(type: string, data?: unknown): void;
  /**
   * The plugin is running and its health check says healthy. On a harness it runs the check, so
   * await it; on a HealthStatus it is synchronous.
   * @example await expect(harness).toBeHealthy();
   */
  toBeHealthy(): T extends HealthStatus ? void : Promise<void>;
}

declare module 'vitest' {
  interface Matchers<T = any> extends NexusMatchers<T> {}
}

type Matcher = (this: MatcherState, received: unknown, ...expected: unknown[]) => ExpectationResult;

function toHavePublished(this: MatcherState, received: unknown, type: string, data?: unknown): ExpectationResult {
  const { events, who } = publishedBy(received);
  const ofType = events.filter((event) => event.type === type);
  const pass = ofType.some((event) => data === undefined || contains(this, event.data, data));
  const what = `"${type}"${data === undefined ? '' : ` with ${this.utils.printExpected(data)}`}`;
  return {
    pass,
    message: () =>
      pass
        ? `expected ${who} not to have published ${what}, but it did`
        : `expected ${who} to have published ${what}; it published ${list(this, events)}`,
  };
}

function toBeHealthy(this: MatcherState, received: unknown): ExpectationResult {
  if (isHarness(received)) return received.health().then((health) => judge(this, health, `plugin "${received.name}"`));
  if (isHealth(received)) return judge(this, received, 'the plugin');
  throw new TypeError(`toBeHealthy() expects a TestHarness or a HealthStatus, got ${typeof received}`);
}

/** Vitest matchers to hand to `expect.extend`. */
export const matchers: Record<'toHavePublished' | 'toBeHealthy', Matcher> = {
  toHavePublished: toHavePublished as Matcher,
  toBeHealthy,
};

function judge(state: MatcherState, health: HealthStatus, who: string): { pass: boolean; message: () => string } {
  const pass = health.healthy && health.state === 'running';
  const sick = Object.entries(health.components ?? {})
    .filter(([, c]) => c.status !== 'healthy')
    .map(([name, c]) => `${name} is ${c.status}`);
  const why = [`state is ${health.state}`, ...(health.error ? [`error: ${health.error}`] : []), ...sick].join('; ');
  return {
    pass,
    message: () =>
      pass ? `expected ${who} not to be healthy, but it is (${why})` : `expected ${who} to be healthy, but it is not: ${why}`,
  };
}

function publishedBy(received: unknown): { events: EventEnvelope[]; who: string } {
  if (received instanceof MockEventBus) return { events: received.published(), who: 'the event bus' };
  if (isHarness(received)) {
    return { events: received.events.published().filter((e) => e.source === received.name), who: `plugin "${received.name}"` };
  }
  throw new TypeError('toHavePublished() expects a TestHarness or a MockEventBus');
}

// toMatchObject-like: objects match when every expected key matches; everything else by equals().
function contains(state: MatcherState, actual: unknown, expected: unknown): boolean {
  if (isPlainObject(expected) && isPlainObject(actual)) {
    return Object.entries(expected).every(([key, value]) => Object.hasOwn(actual, key) && contains(state, actual[key], value));
  }
  return state.equals(actual, expected);
}

function list(state: MatcherState, events: EventEnvelope[]): string {
  if (events.length === 0) return 'nothing';
  return `${events.length} event(s):\n${events.map((e, i) => `  ${i + 1}. "${e.type}" ${state.utils.printReceived(e.data)}`).join('\n')}`;
}

function isHarness(value: unknown): value is TestHarness {
  return typeof value === 'object' && value !== null && 'events' in value && 'health' in value && 'name' in value;
}

function isHealth(value: unknown): value is HealthStatus {
  return typeof value === 'object' && value !== null && 'healthy' in value && 'state' in value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
