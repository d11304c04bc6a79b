// Must compile: every use of the generated types that a plugin may make.
import { BasePlugin, type EventEnvelope } from '@nexus/core';
import type { TypedFixtureConfig, TypedFixtureTypes } from '../nexus.generated.ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<_ extends true>(): void {}

export default class TypedFixture extends BasePlugin<TypedFixtureTypes> {
  override async initialize(): Promise<boolean> {
    // Required, or with a default: never undefined.
    const apiKey = this.getConfig('api_key');
    expectType<Equal<typeof apiKey, string>>();
    const retries = this.getConfig('max_retries');
    expectType<Equal<typeof retries, number>>();
    const mode = this.getConfig('mode');
    expectType<Equal<typeof mode, 'fast' | 'safe'>>();
    const enabled = this.getConfig('enabled');
    expectType<Equal<typeof enabled, boolean>>();
    const tags = this.getConfig('tags');
    expectType<Equal<typeof tags, string[]>>();
    const server = this.getConfig('server');
    expectType<Equal<typeof server, { host?: string; port?: number }>>();

    // Optional without a default: T | undefined, narrowed or given a fallback.
    const timeout = this.getConfig('timeout');
    expectType<Equal<typeof timeout, number | undefined>>();
    if (timeout !== undefined) expectType<Equal<typeof timeout, number>>();
    const timeoutOrDefault = this.getConfig('timeout', 30);
    expectType<Equal<typeof timeoutOrDefault, number>>();
    const level = this.getConfig('level');
    expectType<Equal<typeof level, 1 | 2 | 3 | undefined>>();
    const prefix = this.getConfig('prefix') ?? 'x';
    expectType<Equal<typeof prefix, string>>();
    const endpoints = this.getConfig('endpoints') ?? [];
    expectType<Equal<typeof endpoints, { url: string; weight?: number }[]>>();
    const extra = this.getConfig('extra');
    expectType<Equal<typeof extra, { [k: string]: unknown } | undefined>>();
    const anything = this.getConfig('anything');
    expectType<Equal<typeof anything, unknown[] | undefined>>();

    // setConfig takes the key's type.
    await this.setConfig('max_retries', retries + 1);
    await this.setConfig('mode', 'fast');
    await this.setConfig('tags', ['a', 'b']);
    await this.setConfig('server', { host: 'example.org', port: 8080 });
    await this.setConfig('endpoints', [{ url: 'https://example.org', weight: 2 }]);
    await this.setConfig('extra', { anything: [1, 'two'] });

    // Declared events and the plugin's own namespace.
    await this.publishEvent('typed_fixture.done', { apiKeyLength: apiKey.length });
    await this.publishEvent('audit.logged');
    await this.publishEvent('typed_fixture.anything_else');
    this.subscribeToEvent('user.created', (event: EventEnvelope) => this.logger.info(event.type));
    this.subscribeToEvent('system.maintenance', () => undefined);
    this.subscribeToEvent('typed_fixture.internal', () => undefined);
    return true;
  }
}

/** The whole config as one object, e.g. for a test harness. */
export const sampleConfig: TypedFixtureConfig = {
  api_key: 'sk-123',
  max_retries: 3,
  mode: 'safe',
  enabled: true,
  tags: ['default'],
  server: { host: 'localhost' },
};

/** A plugin without generated types still accepts any key and any event name. */
export class Untyped extends BasePlugin {
  override async initialize(): Promise<void> {
    const value = this.getConfig('whatever');
    expectType<Equal<typeof value, unknown>>();
    await this.setConfig('whatever', { any: 'thing' });
    await this.publishEvent('anyone.anything');
    this.subscribeToEvent('someone.something', () => undefined);
  }
}
