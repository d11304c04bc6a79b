import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { checkCompatibility, parseDependency } from '../src/manifest/compat.ts';
import { loadManifest } from '../src/manifest/load.ts';
import type { PluginManifest } from '../src/manifest/types.ts';
import { validateManifest } from '../src/manifest/validate.ts';

const FILE = 'plugins/x/manifest.json';

/** The guide's manifest, with python_version replaced by node_version. */
function guideManifest(): Record<string, unknown> {
  return {
    name: 'my_awesome_plugin',
    version: '1.0.0',
    title: 'My Awesome Plugin',
    description: 'An awesome plugin that does amazing things',
    author: 'Your Name',
    email: 'your.email@example.com',
    license: 'MIT',
    category: 'productivity',
    tags: ['api', 'integration', 'automation'],
    node_version: '>=20',
    nexus_version: '>=0.1.0',
    dependencies: [],
    permissions: ['database.read', 'database.write', 'events.publish', 'events.subscribe'],
    configuration: {
      api_key: { type: 'string', required: true, secret: true, description: 'API key for external service' },
      max_retries: { type: 'integer', default: 3, min: 1, max: 10, description: 'Maximum number of retry attempts' },
      enabled: { type: 'boolean', default: true, description: 'Enable or disable the plugin' },
    },
    api_endpoints: [
      { method: 'GET', path: '/status', description: 'Get plugin status' },
      { method: 'POST', path: '/action', description: 'Perform plugin action' },
    ],
    events: {
      publishes: ['my_plugin.action_completed'],
      subscribes: ['user.created', 'system.maintenance'],
    },
  };
}

function withConfig(configuration: Record<string, unknown>): Record<string, unknown> {
  return { name: 'x', version: '1.0.0', configuration };
}

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'nexus-manifest-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadManifest', () => {
  test("the guide's manifest is valid, with no errors and no warnings", async () => {
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(guideManifest(), null, 2));
    const check = await loadManifest(dir, FILE);
    expect(check.errors).toEqual([]);
    expect(check.warnings).toEqual([]);
    expect(check.manifest?.name).toBe('my_awesome_plugin');
    expect(check.manifest?.configuration?.max_retries).toMatchObject({ type: 'integer', default: 3 });
  });

  test('a missing manifest.json is an error', async () => {
    const check = await loadManifest(dir, FILE);
    expect(check.manifest).toBeUndefined();
    expect(check.errors).toEqual([
      `${FILE}: not found — every plugin folder needs a manifest.json with at least "name" and "version"`,
    ]);
  });

  test('malformed JSON gives line and column and a hint (trailing comma)', async () => {
    await writeFile(path.join(dir, 'manifest.json'), '{\n  "name": "x",\n  "version": "1.0.0",\n  }\n');
    const check = await loadManifest(dir, FILE);
    expect(check.manifest).toBeUndefined();
    expect(check.errors).toEqual([`${FILE}: line 4, column 3: Unexpected token } — check for a trailing comma`]);
  });

  test.each([
    ['{\n  "name": "x"\n  "version": "1.0.0"\n}', 'line 3, column 3: Unexpected token " — check for a missing comma'],
    ["{ 'name': 'x' }", "line 1, column 3: Unexpected token ' — use double quotes for strings and property names"],
    ['{ name: "x" }', 'line 1, column 3: Unexpected token n — property names must be in double quotes'],
    ['{\n  "name": "x",\n', 'line 3, column 1: Unexpected end of JSON input — check for a missing }, ] or closing quote'],
    ['{ "name": }', 'line 1, column 11: Unexpected token }'],
    ['// comment\n{}', 'line 1, column 1: Unexpected token / — JSON does not allow comments'],
  ])('malformed JSON %j is located', async (text, expected) => {
    await writeFile(path.join(dir, 'manifest.json'), text);
    const check = await loadManifest(dir, FILE);
    expect(check.errors).toEqual([`${FILE}: ${expected}`]);
  });

  test('a byte order mark is accepted', async () => {
    await writeFile(path.join(dir, 'manifest.json'), `\uFEFF${JSON.stringify({ name: 'x', version: '1.0.0' })}`);
    expect((await loadManifest(dir, FILE)).errors).toEqual([]);
  });
});

describe('validateManifest', () => {
  test('missing name and version are each reported', () => {
    const check = validateManifest({}, FILE);
    expect(check.manifest).toBeUndefined();
    expect(check.errors).toEqual([`${FILE}: /name: is required`, `${FILE}: /version: is required`]);
  });

  test('a manifest that is not an object is reported at (root)', () => {
    expect(validateManifest([], FILE).errors).toEqual([`${FILE}: (root): must be an object`]);
  });

  test('a bad name says what snake_case is', () => {
    expect(validateManifest({ name: 'My-Plugin', version: '1.0.0' }, FILE).errors).toEqual([
      `${FILE}: /name: must be snake_case (lowercase letters, digits, underscores), e.g. "my_plugin"`,
    ]);
  });

  test('a bad version must be semver', () => {
    expect(validateManifest({ name: 'x', version: '1.0' }, FILE).errors).toEqual([
      `${FILE}: /version: must be a semver version such as "1.0.0", got "1.0"`,
    ]);
    expect(validateManifest({ name: 'x', version: 1 }, FILE).errors).toEqual([`${FILE}: /version: must be a string`]);
  });

  test('bad version ranges', () => {
    const check = validateManifest({ name: 'x', version: '1.0.0', nexus_version: 'abc', node_version: 'twenty' }, FILE);
    expect(check.errors).toEqual([
      `${FILE}: /nexus_version: must be a semver range such as ">=0.1.0", got "abc"`,
      `${FILE}: /node_version: must be a semver range such as ">=20", got "twenty"`,
    ]);
  });

  test('several problems are reported at once', () => {
    const check = validateManifest(
      {
        name: 'Bad Name',
        version: 'one',
        permissions: ['database.read', 'network'],
        configuration: { max_retries: { type: 'integer', min: 'one' } },
        api_endpoints: [{ method: 'FETCH', path: 'status' }],
        events: { publishes: ['a..b'] },
      },
      FILE,
    );
    expect(check.manifest).toBeUndefined();
    expect(check.errors).toEqual([
      `${FILE}: /name: must be snake_case (lowercase letters, digits, underscores), e.g. "my_plugin"`,
      `${FILE}: /permissions/1: must be one of "database.read", "database.write", "events.publish", "events.subscribe"`,
      `${FILE}: /configuration/max_retries/min: must be a number`,
      `${FILE}: /api_endpoints/0/method: must be one of "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"`,
      `${FILE}: /api_endpoints/0/path: must start with "/", e.g. "/status"`,
      `${FILE}: /events/publishes/0: must be a dotted event name with no empty parts and no wildcards (list each type by name), e.g. "user.created"`,
      `${FILE}: /version: must be a semver version such as "1.0.0", got "one"`,
    ]);
    expect(check.warnings).toEqual([
      `${FILE}: /permissions: lacks "events.publish", so publishing the events in /events/publishes will be refused; add it`,
    ]);
  });

  test('unknown top-level fields are warnings, python_version suggests node_version', () => {
    const check = validateManifest({ name: 'x', version: '1.0.0', homepage: 'https://x', python_version: '>=3.11' }, FILE);
    expect(check.errors).toEqual([]);
    expect(check.manifest).toBeDefined();
    expect(check.warnings).toEqual([
      `${FILE}: /homepage: unknown field, ignored`,
      `${FILE}: /python_version: unknown field, ignored — Nexus plugins run on Node.js: use "node_version", e.g. ">=20"`,
    ]);
  });

  test('a configuration entry with an unknown type or unknown key', () => {
    const check = validateManifest(withConfig({ a: { type: 'text', secrett: true } }), FILE);
    expect(check.errors).toEqual([
      `${FILE}: /configuration/a/secrett: unknown key; allowed keys: type, required, default, min, max, enum, pattern, secret, description, items, properties`,
      `${FILE}: /configuration/a/type: must be one of "string", "integer", "number", "boolean", "array", "object"`,
    ]);
  });

  test('a configuration entry without a type', () => {
    expect(validateManifest(withConfig({ a: { default: 1 } }), FILE).errors).toEqual([
      `${FILE}: /configuration/a/type: is required`,
    ]);
  });

  test('a default of the wrong type', () => {
    const check = validateManifest(withConfig({ n: { type: 'integer', default: 2.5 }, s: { type: 'string', default: 3 } }), FILE);
    expect(check.errors).toEqual([
      `${FILE}: /configuration/n/default: expected an integer, got 2.5`,
      `${FILE}: /configuration/s/default: expected a string, got 3`,
    ]);
  });

  test('min above max', () => {
    expect(validateManifest(withConfig({ n: { type: 'integer', min: 10, max: 1 } }), FILE).errors).toEqual([
      `${FILE}: /configuration/n/min: min (10) is greater than max (1); swap them`,
    ]);
  });

  test('a default outside min/max, enum or pattern', () => {
    const check = validateManifest(
      withConfig({
        n: { type: 'integer', default: 50, max: 10 },
        e: { type: 'string', enum: ['a', 'b'], default: 'c' },
        p: { type: 'string', pattern: '^sk-', default: 'pk-1' },
        l: { type: 'string', min: 3, default: 'ab' },
      }),
      FILE,
    );
    expect(check.errors).toEqual([
      `${FILE}: /configuration/n/default: must be at most 10, got 50`,
      `${FILE}: /configuration/e/default: must be one of "a", "b"`,
      `${FILE}: /configuration/p/default: must match /^sk-/`,
      `${FILE}: /configuration/l/default: must be at least 3 characters long, got 2`,
    ]);
  });

  test('enum values of the wrong type, an invalid pattern, an invalid items schema', () => {
    const check = validateManifest(
      withConfig({
        e: { type: 'integer', enum: [1, 'two'] },
        p: { type: 'string', pattern: '(' },
        i: { type: 'array', items: { type: 'strin' } },
      }),
      FILE,
    );
    expect(check.errors).toEqual([
      `${FILE}: /configuration/e/enum/1: expected an integer, got "two" (type is "integer")`,
      `${FILE}: /configuration/p/pattern: is not a valid regular expression: Invalid regular expression: /(/: Unterminated group`,
      `${FILE}: /configuration/i/items: is not a valid JSON Schema: /type must be equal to one of the allowed values`,
    ]);
  });

  test('required together with default is a warning; ineffective constraints are warnings', () => {
    const check = validateManifest(
      withConfig({ r: { type: 'integer', required: true, default: 1 }, b: { type: 'boolean', max: 1 } }),
      FILE,
    );
    expect(check.errors).toEqual([]);
    expect(check.warnings).toEqual([
      `${FILE}: /configuration/r: is required but has a default, so it can never be missing; drop "required" or "default"`,
      `${FILE}: /configuration/b/max: applies only to numbers, strings and arrays; ignored for type "boolean"`,
    ]);
  });

  test('dependencies: bad spec, self, duplicates', () => {
    const check = validateManifest({ name: 'x', version: '1.0.0', dependencies: ['auth@^1.0.0', 'x', 'billing@nope', 'auth'] }, FILE);
    expect(check.errors).toEqual([
      `${FILE}: /dependencies/1: a plugin cannot depend on itself; remove "x"`,
      `${FILE}: /dependencies/2: must be "name" or "name@range", e.g. "auth" or "auth@^1.0.0", got "billing@nope"`,
    ]);
    expect(check.warnings).toEqual([`${FILE}: /dependencies/3: "auth" is listed more than once; keep one entry`]);
  });

  test('duplicate endpoints', () => {
    const endpoints = [
      { method: 'GET', path: '/status' },
      { method: 'POST', path: '/status' },
      { method: 'GET', path: '/status' },
    ];
    expect(validateManifest({ name: 'x', version: '1.0.0', api_endpoints: endpoints }, FILE).errors).toEqual([
      `${FILE}: /api_endpoints/2: duplicates /api_endpoints/0 (GET /status); remove one`,
    ]);
  });

  test('a wildcard subscription is refused when the manifest is read, not at subscribe time', () => {
    const check = validateManifest({ name: 'x', version: '1.0.0', permissions: ['events.subscribe'], events: { subscribes: ['user.*'] } }, FILE);
    expect(check.errors).toEqual([
      `${FILE}: /events/subscribes/0: must be a dotted event name with no empty parts and no wildcards (list each type by name), e.g. "user.created"`,
    ]);
  });

  test('empty event names and unknown keys in events', () => {
    const check = validateManifest(
      { name: 'x', version: '1.0.0', permissions: ['events.subscribe'], events: { subscribes: [''], subscribe: [] } },
      FILE,
    );
    expect(check.errors).toEqual([
      `${FILE}: /events/subscribe: unknown key; allowed keys: publishes, subscribes`,
      `${FILE}: /events/subscribes/0: must be a dotted event name with no empty parts and no wildcards (list each type by name), e.g. "user.created"`,
    ]);
  });
});

describe('compat', () => {
  const manifest = { name: 'x', version: '1.0.0', nexus_version: '>=0.2.0', node_version: '>=22' } as PluginManifest;

  test('nexus_version and node_version are checked', () => {
    expect(checkCompatibility(manifest, FILE, { coreVersion: '0.1.0', nodeVersion: 'v20.19.0' })).toEqual([
      `${FILE}: /nexus_version: requires @nexus/core ">=0.2.0", but this is @nexus/core 0.1.0 — upgrade @nexus/core or widen nexus_version`,
      `${FILE}: /node_version: requires Node.js ">=22", but this is Node.js 20.19.0 — switch Node.js version or widen node_version`,
    ]);
    expect(checkCompatibility(manifest, FILE, { coreVersion: '0.2.0', nodeVersion: '22.1.0' })).toEqual([]);
  });

  test('prereleases satisfy ranges', () => {
    expect(checkCompatibility(manifest, FILE, { coreVersion: '0.3.0-beta.1', nodeVersion: '23.0.0-pre' })).toEqual([]);
  });

  test('parseDependency', () => {
    expect(parseDependency('auth')).toEqual({ name: 'auth' });
    expect(parseDependency('auth@^1.2.0')).toEqual({ name: 'auth', range: '^1.2.0' });
    expect(parseDependency('auth@')).toEqual({ name: 'auth', range: '' });
  });
});

test('the schema file is valid JSON with a description on every property', async () => {
  const { default: schema } = await import('../schema/manifest.schema.json', { with: { type: 'json' } });
  const missing: string[] = [];
  const walk = (node: unknown, where: string): void => {
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    for (const [key, child] of Object.entries((record.properties ?? {}) as Record<string, Record<string, unknown>>)) {
      if (typeof child.description !== 'string') missing.push(`${where}/${key}`);
      walk(child, `${where}/${key}`);
    }
    for (const [key, child] of Object.entries((record.definitions ?? {}) as Record<string, unknown>)) walk(child, `#${key}`);
  };
  walk(schema, '');
  expect(missing).toEqual([]);
});
