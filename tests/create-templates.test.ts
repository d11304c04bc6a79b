/**
 * The templates against the other packages: every template, rendered under any name, has a valid
 * manifest (as @nexus/core checks it) and exactly the nexus.generated.ts that `nexus typegen` writes.
 * Running, testing and type-checking what users get is in create-scaffold.test.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type PluginManifest } from '@nexus/core';
import { validateManifest } from '@nexus/core/host';
import { describe, expect, it } from 'vitest';
import { renderPluginTypes } from '../packages/cli/src/typegen/index.ts';
import { TEMPLATES } from '../packages/create-nexus-plugin/src/options.ts';
import { renderTemplate } from '../packages/create-nexus-plugin/src/render.ts';
import { loadTemplate } from '../packages/create-nexus-plugin/src/templates.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const NAMES = TEMPLATES.map((t) => t.name);
const SCHEMA = '../../node_modules/@nexus/core/schema/manifest.schema.json';

describe.each(NAMES)('template %s', (name) => {
  it('renders, under any name, a valid manifest and the nexus.generated.ts typegen gives for it', async () => {
    const template = await loadTemplate(name);
    for (const pluginName of ['hello', 'my_awesome_thing', 'x1', 'a_very_long_plugin_name_that_makes_long_type_names']) {
      const files = renderTemplate(template, { name: pluginName }, { schemaPath: SCHEMA, nexusVersion: '0.1.0' });
      const text = (file: string) => files.find((f) => f.path === file)!.content;
      const check = validateManifest(JSON.parse(text('manifest.json')), `plugins/${pluginName}/manifest.json`);
      expect(check.errors).toEqual([]);
      expect(check.warnings).toEqual([]);
      expect(text('nexus.generated.ts')).toBe(await renderPluginTypes(check.manifest as PluginManifest));
    }
  });

  it('keeps package.json in the form the scaffolder writes it back', () => {
    const text = readFileSync(path.join(ROOT, 'templates', name, 'package.json'), 'utf8');
    expect(`${JSON.stringify(JSON.parse(text), null, 2)}\n`).toBe(text);
  });
});

describe('the templates together', () => {
  it('share their tooling files, so one of them checks the others', () => {
    const read = (template: string, file: string) => readFileSync(path.join(ROOT, 'templates', template, file), 'utf8');
    for (const file of ['tsconfig.json', 'vitest.config.ts', '_gitignore']) {
      expect(new Set(NAMES.map((t) => read(t, file))).size, file).toBe(1);
    }
    const packages = NAMES.map((t) => ({ ...JSON.parse(read(t, 'package.json')), name: '', description: '' }));
    for (const pkg of packages) expect(pkg).toEqual(packages[0]);
  });

  it('depend on the versions of this repository', () => {
    const version = (pkg: string) => (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
    const scaffolder = JSON.parse(readFileSync(path.join(ROOT, 'packages/create-nexus-plugin/package.json'), 'utf8')) as { version: string };
    for (const pkg of ['@nexus/core', '@nexus/cli', '@nexus/testing']) expect(version(pkg), pkg).toBe(scaffolder.version);
  });
});
