import { isNexusError } from '@nexus/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createMockConfig } from '../src/index.ts';
import { counterManifest, type CounterConfig } from './_plugins.ts';

const greeter = new URL('./fixtures/greeter', import.meta.url);

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: Error) => error,
  );
}

describe('createMockConfig', () => {
  it('applies manifest defaults under the overrides, typed by the config interface', async () => {
    const config = await createMockConfig<CounterConfig>(counterManifest, { token: 'tok-123' });
    expect(config.values()).toEqual({ step: 1, token: 'tok-123' });
    expectTypeOf(config.get('step')).toEqualTypeOf<number>();
    // @ts-expect-error: not a key of CounterConfig
    config.get('steps');
  });

  it('reads config/default.yaml and config/test.yaml of a plugin folder, then overrides, then env', async () => {
    const config = await createMockConfig(greeter, { shout: true }, { env: { NEXUS_GREETER_GREETING: 'Hey' } });
    expect(config.values()).toEqual({ greeting: 'Hey', punctuation: '!', shout: true });
  });

  it('fails on a wrong value with the message the runtime gives', async () => {
    const error = await rejection(createMockConfig<CounterConfig>(counterManifest, { token: 'tok-123', step: 50 }));
    expect(isNexusError(error, 'NEXUS_CONFIG_INVALID')).toBe(true);
    expect(error.message).toBe('test config: counter.step: must be at most 10, got 50');
  });

  it('fails on a wrong type, and on a missing required key, naming where to set it', async () => {
    const error = await rejection(createMockConfig(counterManifest, { step: 'two' }));
    expect(error.message).toBe(
      [
        'test config: counter.step: expected an integer, got "two"',
        'plugins/counter/manifest.json: counter.token: is required but not set — set it in config/default.yaml, nexus.config or NEXUS_COUNTER_TOKEN',
      ].join('\n'),
    );
  });

  it('fails on an override the manifest does not declare (a typo)', async () => {
    const error = await rejection(createMockConfig(counterManifest, { token: 'tok-123', stepp: 2 } as Partial<CounterConfig>));
    expect(error.message).toBe(
      'test config: counter.stepp: not declared in plugins/counter/manifest.json "configuration" (declared keys: step, token, label)',
    );
  });

  it('set() validates like setConfig', async () => {
    const config = await createMockConfig<CounterConfig>(counterManifest, { token: 'tok-123' });
    await config.set('step', 3);
    expect(config.get('step')).toBe(3);
    await expect(config.set('label', 'c')).rejects.toThrow('setConfig: counter.label: must be one of "a", "b"');
  });

  it('reports an invalid manifest with every problem', async () => {
    await expect(createMockConfig({ name: 'Bad-Name', version: 'one' }, {})).rejects.toThrow(
      'plugins/Bad-Name/manifest.json: /name: must be snake_case',
    );
  });
});
