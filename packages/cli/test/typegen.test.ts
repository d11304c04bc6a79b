import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isNexusError, type PluginManifest } from '@nexus/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BANNER,
  checkPluginTypes,
  configurationSchema,
  generatePluginTypes,
  optionSchema,
  pascalCase,
  renderPluginTypes,
} from '../src/typegen/index.ts';

const manifest = (extra: Partial<PluginManifest> = {}): PluginManifest => ({ name: 'demo_plugin', version: '1.0.0', ...extra });

describe('typegen module', () => {
  it('exports what nexus dev and the typegen command use, and nothing else', async () => {
    expect(Object.keys(await import('../src/typegen/index.ts')).sort()).toEqual([
      'BANNER',
      'GENERATED_FILE',
      'checkPluginTypes',
      'configurationSchema',
      'generatePluginTypes',
      'optionSchema',
      'pascalCase',
      'renderConfigInterface',
      'renderPluginTypes',
    ]);
  });
});

describe('pascalCase', () => {
  it('turns snake_case plugin names into type names', () => {
    expect(pascalCase('my_awesome_plugin')).toBe('MyAwesomePlugin');
    expect(pascalCase('users')).toBe('Users');
    expect(pascalCase('auth_2fa')).toBe('Auth2fa');
  });
});

describe('configurationSchema', () => {
  it('makes keys with a default or required: true required, others optional', () => {
    const schema = configurationSchema(manifest({
      configuration: {
        a: { type: 'string', required: true },
        b: { type: 'integer', default: 3 },
        c: { type: 'number' },
        d: { type: 'boolean', default: false },
        e: { type: 'string', default: null },
      },
    }));
    expect(schema.required).toEqual(['a', 'b', 'd']);
    expect(schema.additionalProperties).toBe(false);
  });

  it('maps min/max to the limits of the type', () => {
    expect(optionSchema({ type: 'integer', min: 1, max: 10 })).toMatchObject({ minimum: 1, maximum: 10 });
    expect(optionSchema({ type: 'number', min: 0.5 })).toMatchObject({ minimum: 0.5 });
    expect(optionSchema({ type: 'string', min: 1, max: 8 })).toMatchObject({ minLength: 1, maxLength: 8 });
    expect(optionSchema({ type: 'array', min: 1, max: 3 })).toMatchObject({ minItems: 1, maxItems: 3 });
    expect(optionSchema({ type: 'boolean', min: 1 })).toEqual({ type: 'boolean' });
  });

  it('keeps enum, pattern, default and description; marks secrets', () => {
    expect(optionSchema({ type: 'string', enum: ['a', 'b'], pattern: '^[ab]$', default: 'a', description: 'Mode' })).toEqual({
      type: 'string', enum: ['a', 'b'], pattern: '^[ab]$', default: 'a', description: 'Mode',
    });
    expect(optionSchema({ type: 'string', secret: true, description: 'API key' }).description).toBe('API key (secret)');
    expect(optionSchema({ type: 'string', secret: true }).description).toBe('(secret)');
  });

  it('uses items and properties, without titles that would become extra types', () => {
    const array = optionSchema({ type: 'array', items: { type: 'object', title: 'Item', properties: { id: { type: 'string', title: 'Id' } } } });
    expect(array.items).toEqual({ type: 'object', properties: { id: { type: 'string' } } });
    const object = optionSchema({ type: 'object', properties: { title: { type: 'string' }, nested: { type: 'object' } } });
    expect(object.properties).toEqual({ title: { type: 'string' }, nested: { type: 'object', additionalProperties: true } });
    expect(optionSchema({ type: 'object' }).additionalProperties).toBe(true);
  });
});

describe('renderPluginTypes', () => {
  it('starts with the do-not-edit banner and imports PluginTypes', async () => {
    const code = await renderPluginTypes(manifest());
    expect(code.startsWith(`${BANNER}\nimport type { PluginTypes } from '@nexus/core';\n`)).toBe(true);
    expect(code).toContain('export interface DemoPluginConfig {}');
    expect(code).toContain('export type DemoPluginPublishes = `demo_plugin.${string}`;');
    expect(code).toContain('export interface DemoPluginTypes extends PluginTypes {');
  });

  it('types config keys with one-line JSDoc from descriptions', async () => {
    const code = await renderPluginTypes(manifest({
      configuration: {
        api_key: { type: 'string', required: true, secret: true, description: 'API key' },
        retries: { type: 'integer', default: 3, description: 'Retries' },
        timeout: { type: 'number' },
        mode: { type: 'string', enum: ['fast', 'safe'] },
        hosts: { type: 'array', items: { type: 'string' } },
        extra: { type: 'object' },
      },
    }));
    expect(code).toContain([
      'export interface DemoPluginConfig {',
      '  /** API key (secret) */',
      '  api_key: string;',
      '  /** Retries */',
      '  retries: number;',
      '  timeout?: number;',
      "  mode?: 'fast' | 'safe';",
      '  hosts?: string[];',
      '  extra?: {',
      '    [k: string]: unknown;',
      '  };',
      '}',
    ].join('\n'));
  });

  it('cannot be broken out of a comment by a description', async () => {
    const code = await renderPluginTypes(manifest({ configuration: { a: { type: 'string', description: 'ends */ here' } } }));
    expect(code).toContain('/** ends *\\/ here */');
  });

  it('keeps multi-line descriptions, without trailing spaces', async () => {
    const code = await renderPluginTypes(manifest({ configuration: { a: { type: 'string', description: 'one  \r\ntwo' } } }));
    expect(code).toContain('  /**\n   * one\n   * two\n   */\n  a?: string;');
  });

  it('lists declared events once, plus the own namespace; drops wildcard subscriptions', async () => {
    const code = await renderPluginTypes(manifest({
      events: { publishes: ['demo_plugin.done', 'audit.logged', 'audit.logged'], subscribes: ['user.created', 'system.*'] },
    }));
    expect(code).toContain("export type DemoPluginPublishes = 'demo_plugin.done' | 'audit.logged' | `demo_plugin.${string}`;");
    expect(code).toContain("export type DemoPluginSubscribes = 'user.created' | `demo_plugin.${string}`;");
  });

  it('is deterministic', async () => {
    const input = manifest({ configuration: { b: { type: 'integer', default: 1 }, a: { type: 'string' } }, events: { subscribes: ['x.y'] } });
    const [first, second] = await Promise.all([renderPluginTypes(input), renderPluginTypes(structuredClone(input))]);
    expect(second).toBe(first);
  });

  it('matches the checked-in playground files', async () => {
    const root = path.resolve(import.meta.dirname, '../../..');
    for (const name of ['my_awesome_plugin', 'notifications', 'users']) {
      const dir = path.join(root, 'playground/plugins', name);
      const parsed = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as PluginManifest;
      expect(await renderPluginTypes(parsed)).toBe(readFileSync(path.join(dir, 'nexus.generated.ts'), 'utf8'));
    }
  });
});

describe('generatePluginTypes', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'nexus-typegen-unit-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const plugin = (extra: Partial<PluginManifest> = {}) => ({ dir, displayDir: 'plugins/demo_plugin', manifest: manifest(extra) });

  it('writes the file once, then reports it unchanged without touching it', async () => {
    const first = await generatePluginTypes(plugin());
    expect(first).toEqual({ file: path.join(dir, 'nexus.generated.ts'), changed: true });
    const written = statSync(first.file).mtimeMs;
    const again = await generatePluginTypes(plugin());
    expect(again.changed).toBe(false);
    expect(statSync(first.file).mtimeMs).toBe(written);
    const changed = await generatePluginTypes(plugin({ events: { publishes: ['demo_plugin.x'] } }));
    expect(changed.changed).toBe(true);
    expect(readFileSync(first.file, 'utf8')).toContain("'demo_plugin.x'");
  });

  it('checks without writing: missing, stale, fresh; CRLF line endings count as fresh', async () => {
    const file = path.join(dir, 'nexus.generated.ts');
    expect(await checkPluginTypes(plugin())).toEqual({ file, state: 'missing' });
    writeFileSync(file, '// old\n');
    expect((await checkPluginTypes(plugin())).state).toBe('stale');
    expect(readFileSync(file, 'utf8')).toBe('// old\n');
    writeFileSync(file, (await renderPluginTypes(manifest())).replace(/\n/g, '\r\n'));
    expect((await checkPluginTypes(plugin())).state).toBe('fresh');
  });

  it('names the manifest when the configuration cannot be compiled', async () => {
    const bad = plugin({ configuration: { list: { type: 'array', items: { $ref: 'elsewhere.json' } } } });
    const error = await generatePluginTypes(bad).catch((e: unknown) => e);
    expect(isNexusError(error, 'NEXUS_MANIFEST_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(/^plugins\/demo_plugin\/manifest\.json: \/configuration: cannot be turned into TypeScript types: /);
  });
});
