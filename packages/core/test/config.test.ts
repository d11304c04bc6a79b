import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { coerceEnvValue, envVarName, resolveEnvName } from '../src/config/env.ts';
import { REDACTED, redactConfig, secretValues } from '../src/config/redact.ts';
import { resolvePluginConfig, type ResolveConfigInput } from '../src/config/resolve.ts';
import { validateConfigValue } from '../src/config/validate.ts';
import type { ConfigOption, PluginManifest } from '../src/manifest/types.ts';

const manifest: PluginManifest = {
  name: 'x',
  version: '1.0.0',
  configuration: {
    api_key: { type: 'string', required: true, secret: true, min: 8 },
    max_retries: { type: 'integer', default: 3, min: 1, max: 10 },
    enabled: { type: 'boolean', default: true },
    level: { type: 'string', enum: ['debug', 'info'], default: 'info' },
    region: { type: 'string', pattern: '^[a-z]{2}-[a-z]+$' },
    ratio: { type: 'number', default: 0.5 },
    hosts: { type: 'array', items: { type: 'string' } },
  },
};

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'nexus-config-'));
  await mkdir(path.join(dir, 'config'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function input(overrides: Partial<ResolveConfigInput> = {}): ResolveConfigInput {
  return { manifest, pluginDir: dir, displayDir: 'plugins/x', envName: 'development', environ: {}, ...overrides };
}

async function yaml(file: string, text: string): Promise<void> {
  await writeFile(path.join(dir, 'config', file), text);
}

describe('resolvePluginConfig layers', () => {
  test('each layer overrides the one below, and sources say which won', async () => {
    await yaml('default.yaml', 'api_key: from-default-yaml\nmax_retries: 4\nenabled: false\nlevel: debug\nratio: 0.1\n');
    await yaml('development.yaml', 'api_key: from-development-yaml\nmax_retries: 5\nenabled: true\nratio: 0.2\n');
    await yaml('production.yaml', 'max_retries: 9\n');
    const result = await resolvePluginConfig(
      input({
        appOverrides: { api_key: 'from-app-config', max_retries: 6, ratio: 0.3 },
        appConfigFile: 'nexus.config.json',
        saved: { api_key: 'saved-api-key', max_retries: 7, action_count: 12 },
        environ: { NEXUS_X_API_KEY: 'from-environment', NEXUS_OTHER_MAX_RETRIES: 'abc' },
      }),
    );
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.values).toEqual({
      api_key: 'from-environment',
      max_retries: 7,
      enabled: true,
      level: 'debug',
      ratio: 0.3,
      action_count: 12,
    });
    expect(result.sources).toEqual({
      api_key: 'NEXUS_X_API_KEY',
      max_retries: 'saved by setConfig',
      enabled: 'plugins/x/config/development.yaml',
      level: 'plugins/x/config/default.yaml',
      ratio: 'nexus.config.json',
      action_count: 'saved by setConfig',
    });
  });

  test('manifest defaults apply when nothing else is set', async () => {
    const result = await resolvePluginConfig(input({ environ: { NEXUS_X_API_KEY: 'abcdefgh' } }));
    expect(result.values).toEqual({ api_key: 'abcdefgh', max_retries: 3, enabled: true, level: 'info', ratio: 0.5 });
    expect(result.sources.max_retries).toBe('manifest default');
  });

  test('envName selects the YAML file', async () => {
    await yaml('production.yaml', 'api_key: production-key\n');
    const result = await resolvePluginConfig(input({ envName: 'production' }));
    expect(result.values.api_key).toBe('production-key');
    expect(result.sources.api_key).toBe('plugins/x/config/production.yaml');
  });

  test('YAML keys not in the manifest are warnings and ignored; saved ones are kept', async () => {
    await yaml('default.yaml', 'api_key: abcdefgh\ntimeout: 30\n');
    const result = await resolvePluginConfig(input({ appOverrides: { colour: 'red' }, saved: { action_count: 1 } }));
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([
      'plugins/x/config/default.yaml: x.timeout: not declared in plugins/x/manifest.json "configuration", ignored',
      'nexus.config: x.colour: not declared in plugins/x/manifest.json "configuration", ignored',
    ]);
    expect(result.values).not.toHaveProperty('timeout');
    expect(result.values.action_count).toBe(1);
  });

  test('a YAML syntax error names the file and line', async () => {
    await yaml('development.yaml', 'api_key: abcdefgh\nmax_retries: [1, 2\nenabled: true\n');
    const result = await resolvePluginConfig(input());
    expect(result.errors).toContain(
      'plugins/x/config/development.yaml: line 3, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]',
    );
  });

  test('a YAML file that is not a mapping', async () => {
    await yaml('default.yaml', '- a\n- b\n');
    const result = await resolvePluginConfig(input({ environ: { NEXUS_X_API_KEY: 'abcdefgh' } }));
    expect(result.errors).toEqual([
      'plugins/x/config/default.yaml: must be a mapping of config keys to values (key: value), got a list',
    ]);
  });

  test('an empty YAML file is fine', async () => {
    await yaml('default.yaml', '# nothing yet\n');
    const result = await resolvePluginConfig(input({ environ: { NEXUS_X_API_KEY: 'abcdefgh' } }));
    expect(result.errors).toEqual([]);
  });

  test('resolved values are copies', async () => {
    const withArray: PluginManifest = { name: 'x', version: '1.0.0', configuration: { tags: { type: 'array', default: ['a'] } } };
    const result = await resolvePluginConfig(input({ manifest: withArray }));
    (result.values.tags as string[]).push('b');
    expect(withArray.configuration?.tags?.default).toEqual(['a']);
  });
});

describe('resolvePluginConfig validation', () => {
  test('a missing required key names the manifest and how to set it', async () => {
    const result = await resolvePluginConfig(input());
    expect(result.errors).toEqual([
      'plugins/x/manifest.json: x.api_key: is required but not set — set it in config/default.yaml, nexus.config or NEXUS_X_API_KEY',
    ]);
  });

  test('errors name the layer that supplied the bad value', async () => {
    await yaml('default.yaml', 'api_key: short\nlevel: trace\n');
    await yaml('development.yaml', 'max_retries: "abc"\nregion: Europe\n');
    const result = await resolvePluginConfig(
      input({ appOverrides: { enabled: 'yes' }, appConfigFile: 'nexus.config.ts', saved: { ratio: 'half' } }),
    );
    expect(result.errors).toEqual([
      'plugins/x/config/default.yaml: x.api_key: must be at least 8 characters long, got 5',
      'plugins/x/config/development.yaml: x.max_retries: expected an integer, got "abc"',
      'nexus.config.ts: x.enabled: expected a boolean (true or false), got "yes"',
      'plugins/x/config/default.yaml: x.level: must be one of "debug", "info"',
      'plugins/x/config/development.yaml: x.region: must match /^[a-z]{2}-[a-z]+$/',
      'saved by setConfig: x.ratio: expected a number, got "half"',
    ]);
  });

  test('out of range numbers from an environment variable', async () => {
    const result = await resolvePluginConfig(input({ environ: { NEXUS_X_API_KEY: 'abcdefgh', NEXUS_X_MAX_RETRIES: '50' } }));
    expect(result.errors).toEqual(['NEXUS_X_MAX_RETRIES: x.max_retries: must be at most 10, got 50']);
  });

  test('an environment variable that cannot be coerced is reported once', async () => {
    const result = await resolvePluginConfig(
      input({ environ: { NEXUS_X_API_KEY: 'abcdefgh', NEXUS_X_MAX_RETRIES: 'lots', NEXUS_X_ENABLED: 'maybe' } }),
    );
    expect(result.errors).toEqual([
      'NEXUS_X_MAX_RETRIES: x.max_retries: expected an integer, got "lots"',
      'NEXUS_X_ENABLED: x.enabled: expected true, false, 1, 0, yes or no, got "maybe"',
    ]);
  });

  test('array items are checked against `items`', async () => {
    const result = await resolvePluginConfig(input({ environ: { NEXUS_X_API_KEY: 'abcdefgh', NEXUS_X_HOSTS: '["a", 2]' } }));
    expect(result.errors).toEqual(['NEXUS_X_HOSTS: x.hosts: at /1: must be string']);
  });
});

describe('validateConfigValue', () => {
  const option = (o: Partial<ConfigOption> & Pick<ConfigOption, 'type'>): ConfigOption => o;

  test.each<[ConfigOption, unknown, string | undefined]>([
    [option({ type: 'integer' }), 'abc', 'expected an integer, got "abc"'],
    [option({ type: 'integer' }), 1.5, 'expected an integer, got 1.5'],
    [option({ type: 'number' }), Number.NaN, 'expected a number, got NaN'],
    [option({ type: 'object' }), [1], 'expected an object, got [1]'],
    [option({ type: 'array' }), {}, 'expected an array, got {}'],
    [option({ type: 'integer', min: 1, max: 10 }), 0, 'must be at least 1, got 0'],
    [option({ type: 'integer', min: 1, max: 10 }), 50, 'must be at most 10, got 50'],
    [option({ type: 'string', max: 3 }), 'abcd', 'must be at most 3 characters long, got 4'],
    [option({ type: 'array', min: 1 }), [], 'must have at least 1 items, got 0'],
    [option({ type: 'string', enum: ['a', 'b'] }), 'c', 'must be one of "a", "b"'],
    [option({ type: 'string', pattern: '^x' }), 'yx', 'must match /^x/'],
    [option({ type: 'string', secret: true }), 42, 'expected a string, got a number'],
    [option({ type: 'integer', secret: true, max: 5 }), 42, 'must be at most 5'],
    [option({ type: 'object', properties: { port: { type: 'integer' } } }), { port: 'x' }, 'at /port: must be integer'],
    [option({ type: 'string', required: true }), null, 'is required but not set — set it in config/default.yaml, nexus.config or NEXUS_<PLUGIN>_KEY'],
    [option({ type: 'string' }), undefined, undefined],
    [option({ type: 'integer', min: 1, max: 10 }), 10, undefined],
  ])('%j with %j', (opt, value, expected) => {
    expect(validateConfigValue('key', opt, value)).toBe(expected);
  });

  test('the hint names the plugin variable when the plugin is given', () => {
    expect(validateConfigValue('api_key', { type: 'string', required: true }, undefined, 'my_plugin')).toBe(
      'is required but not set — set it in config/default.yaml, nexus.config or NEXUS_MY_PLUGIN_API_KEY',
    );
  });
});

describe('env', () => {
  test('resolveEnvName', () => {
    expect(resolveEnvName('dev', {})).toBe('development');
    expect(resolveEnvName('start', {})).toBe('production');
    expect(resolveEnvName('start', { NODE_ENV: 'test' })).toBe('test');
    expect(resolveEnvName('dev', { NODE_ENV: 'test', NEXUS_ENV: 'staging' })).toBe('staging');
    expect(resolveEnvName('dev', { NEXUS_ENV: '' })).toBe('development');
  });

  test('envVarName', () => {
    expect(envVarName('my_plugin', 'api_key')).toBe('NEXUS_MY_PLUGIN_API_KEY');
    expect(envVarName('x', 'max-retries')).toBe('NEXUS_X_MAX_RETRIES');
  });

  test.each<[ConfigOption['type'], string, unknown]>([
    ['string', ' keep spaces ', ' keep spaces '],
    ['integer', '42', 42],
    ['integer', '-7', -7],
    ['number', '0.25', 0.25],
    ['number', '1e3', 1000],
    ['boolean', 'true', true],
    ['boolean', 'FALSE', false],
    ['boolean', '1', true],
    ['boolean', '0', false],
    ['boolean', 'yes', true],
    ['boolean', 'no', false],
    ['array', '["a","b"]', ['a', 'b']],
    ['object', '{"a":1}', { a: 1 }],
  ])('coerces %s %j', (type, raw, value) => {
    expect(coerceEnvValue({ type }, raw)).toEqual({ value });
  });

  test.each<[ConfigOption['type'], string, string]>([
    ['integer', '4.2', 'expected an integer, got "4.2"'],
    ['integer', '', 'expected an integer, got ""'],
    ['number', '12abc', 'expected a number, got "12abc"'],
    ['number', '0x10', 'expected a number, got "0x10"'],
    ['boolean', 'maybe', 'expected true, false, 1, 0, yes or no, got "maybe"'],
    ['array', '{"a":1}', 'expected a JSON array such as ["a","b"], got "{\\"a\\":1}"'],
    ['array', 'a,b', 'expected a JSON array such as ["a","b"], got "a,b"'],
    ['object', '[1]', 'expected a JSON object such as {"a":1}, got "[1]"'],
  ])('rejects %s %j', (type, raw, error) => {
    expect(coerceEnvValue({ type }, raw)).toEqual({ error });
  });

  test('a secret value is not echoed', () => {
    expect(coerceEnvValue({ type: 'integer', secret: true }, 'hunter2')).toEqual({
      error: 'expected an integer (value hidden: secret)',
    });
  });
});

describe('redact', () => {
  const values = { api_key: 'sk-123456', max_retries: 3, token: { a: 1 }, empty: '' };
  const secretManifest: PluginManifest = {
    name: 'x',
    version: '1.0.0',
    configuration: {
      api_key: { type: 'string', secret: true },
      max_retries: { type: 'integer' },
      token: { type: 'object', secret: true },
      empty: { type: 'string', secret: true },
      unset: { type: 'string', secret: true },
    },
  };

  test('redactConfig replaces secret values in a copy', () => {
    const redacted = redactConfig(secretManifest, values);
    expect(redacted).toEqual({ api_key: REDACTED, max_retries: 3, token: REDACTED, empty: REDACTED });
    expect(values.api_key).toBe('sk-123456');
    expect(REDACTED).toBe('[redacted]');
  });

  test('secretValues lists the non-empty text of each secret', () => {
    expect(secretValues(secretManifest, values)).toEqual(['sk-123456', '{"a":1}']);
  });
});
