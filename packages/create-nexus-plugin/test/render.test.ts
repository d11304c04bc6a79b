import { describe, expect, it } from 'vitest';
import { isCreateError } from '../src/errors.ts';
import { className, isPluginName, nameProblem, pascalCase, titleCase, toPluginName } from '../src/name.ts';
import { parseArgs, TEMPLATES } from '../src/options.ts';
import { identifierClash, renderTemplate } from '../src/render.ts';
import { loadTemplate } from '../src/templates.ts';

const options = { schemaPath: './node_modules/@nexus/core/schema/manifest.schema.json', nexusVersion: '2.3.4' };

describe('plugin names', () => {
  it('accepts snake_case starting with a letter, and says how to fix anything else', () => {
    expect(['a', 'my_plugin', 'v2_api'].every(isPluginName)).toBe(true);
    expect(['', 'My', 'my-plugin', '2fa', '_x', 'a b'].some(isPluginName)).toBe(false);
    expect(nameProblem('My-Plugin')).toBe(
      '"My-Plugin" is not a valid plugin name: a plugin name is snake_case: lowercase letters, digits and underscores, starting with a letter, e.g. "my_plugin"',
    );
    expect(nameProblem('42')).toMatch(/, e\.g\. "my_plugin"$/);
  });

  it('derives names and identifiers', () => {
    expect(['hello-world', 'HelloWorld', ' Hello  World ', 'hello.world'].map(toPluginName)).toEqual(Array(4).fill('hello_world'));
    expect([pascalCase('my_awesome_plugin'), className('users'), className('my_plugin'), titleCase('my_plugin')]).toEqual([
      'MyAwesomePlugin',
      'UsersPlugin',
      'MyPlugin',
      'My Plugin',
    ]);
  });
});

describe('parseArgs', () => {
  it('reads the folder and every flag', () => {
    expect(parseArgs(['plugins/x', '-t', 'api', '--name', '007', '--description', 'd', '--author', 'a', '-f', '-y'], '1.0.0')).toEqual({
      dir: 'plugins/x',
      name: '007',
      template: 'api',
      description: 'd',
      author: 'a',
      force: true,
      yes: true,
    });
  });

  it('refuses unknown options and missing values', () => {
    for (const argv of [['--templat', 'api'], ['--template']]) {
      let error: unknown;
      try {
        parseArgs(argv, '1.0.0');
      } catch (caught) {
        error = caught;
      }
      expect(isCreateError(error, 'NEXUS_CREATE_USAGE'), String(error)).toBe(true);
    }
  });
});

describe.each(TEMPLATES.map((t) => t.name))('renderTemplate(%s)', (name) => {
  it('leaves nothing of the template identity behind and fills in the new one', async () => {
    const template = await loadTemplate(name);
    const files = renderTemplate(template, { name: 'acme_widgets', description: 'Widgets, "quoted" */ here', author: 'Ada' }, options);
    const { identity } = template;
    for (const file of files) {
      for (const token of [identity.name, identity.name.toUpperCase(), pascalCase(identity.name), identity.title, identity.description]) {
        expect(file.content, `${file.path} still has ${token}`).not.toContain(token);
      }
    }
    const manifest = JSON.parse(files.find((f) => f.path === 'manifest.json')!.content);
    expect(manifest).toMatchObject({
      $schema: options.schemaPath,
      name: 'acme_widgets',
      title: 'Acme Widgets',
      description: 'Widgets, "quoted" */ here',
      author: 'Ada',
      nexus_version: '^2.3.4',
    });
    const pkg = JSON.parse(files.find((f) => f.path === 'package.json')!.content);
    expect(pkg).toMatchObject({ name: 'acme_widgets', author: 'Ada', peerDependencies: { '@nexus/core': '^2.3.4' } });
    expect(Object.entries(pkg.devDependencies).filter(([dep]) => dep.startsWith('@nexus/'))).toEqual([
      ['@nexus/cli', '^2.3.4'],
      ['@nexus/core', '^2.3.4'],
      ['@nexus/testing', '^2.3.4'],
    ]);
    const plugin = files.find((f) => f.path === 'src/plugin.ts')!.content;
    expect(plugin).toContain('export default class AcmeWidgetsPlugin extends BasePlugin<AcmeWidgetsTypes');
    expect(plugin).toContain('Widgets, "quoted" *\\/ here');
    expect(files.map((f) => f.path)).toContain('.gitignore');
    expect(files.map((f) => f.path)).not.toContain('_gitignore');
  });

  it('refuses a name whose class or type names the template already uses', async () => {
    const template = await loadTemplate(name);
    expect(identifierClash(template, 'base')).toBe('BasePlugin');
    expect(identifierClash(template, 'plugin')).toBe('PluginTypes');
    expect(identifierClash(template, 'my_plugin')).toBeUndefined();
    expect(() => renderTemplate(template, { name: 'base' }, options)).toThrow(
      `The name "base" would make the identifier BasePlugin, which the ${name} template already uses for something else; choose another name, e.g. "my_base"`,
    );
  });
});

describe('the package', () => {
  it('exports exactly its public API', async () => {
    expect(Object.keys(await import('../src/index.ts')).sort()).toEqual([
      'CreateError',
      'DEFAULT_TEMPLATE',
      'ErrorCodes',
      'TEMPLATES',
      'VERSION',
      'createPlugin',
      'isCreateError',
      'isPluginName',
      'main',
      'nameProblem',
      'toPluginName',
    ]);
  });
});
