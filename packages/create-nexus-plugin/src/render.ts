// Turn a template into a plugin: replace the template's identity (name, class and type names,
// title, description, author) with the new plugin's, then point manifest.json and package.json at
// the right schema and versions. Pure functions: nothing here touches the disk.
import { CreateError } from './errors.ts';
import { className, pascalCase, titleCase } from './name.ts';
import type { Template, TemplateFile, TemplateIdentity } from './templates.ts';

/** Who the new plugin is. */
export interface PluginIdentity {
  /** snake_case name (validated before rendering). */
  name: string;
  /** @default the name in Title Case */
  title?: string;
  /** @default the template's description */
  description?: string;
  /** @default the template's author ("Your Name") */
  author?: string;
}

/** Where the plugin goes, as far as the file contents care. */
export interface RenderOptions {
  /** Value of `"$schema"` in manifest.json, relative to the plugin folder. */
  schemaPath: string;
  /** Version of the Nexus packages: `^<version>` becomes `nexus_version` and the @nexus/* ranges. */
  nexusVersion: string;
}

type Replacement = { from: string; to: string; kind: 'code' | 'text' };

/** What each template value becomes, longest first so `FooPlugin` is replaced before `Foo`. */
export function replacementsFor(template: TemplateIdentity, plugin: PluginIdentity): Replacement[] {
  const to = resolveIdentity(template, plugin);
  const list: Replacement[] = [
    { from: className(template.name), to: className(to.name), kind: 'code' },
    { from: pascalCase(template.name), to: pascalCase(to.name), kind: 'code' },
    { from: template.name.toUpperCase(), to: to.name.toUpperCase(), kind: 'code' },
    { from: template.name, to: to.name, kind: 'code' },
    { from: template.title, to: to.title, kind: 'text' },
    { from: template.description, to: to.description, kind: 'text' },
    { from: template.author, to: to.author, kind: 'text' },
  ];
  return list.sort((a, b) => b.from.length - a.from.length);
}

/** The identity with every default filled in and the free texts checked. */
export function resolveIdentity(template: TemplateIdentity, plugin: PluginIdentity): Required<PluginIdentity> {
  const resolved = {
    name: plugin.name,
    title: plugin.title ?? titleCase(plugin.name),
    description: plugin.description ?? template.description,
    author: plugin.author ?? template.author,
  };
  for (const key of ['title', 'description', 'author'] as const) {
    const value = resolved[key];
    // eslint-disable-next-line no-control-regex -- control characters are what is refused
    if (value.trim() === '' || /[\u0000-\u001f\u007f]/.test(value)) {
      throw new CreateError('NEXUS_CREATE_INVALID_TEXT', `The ${key} must be one line of text, got ${JSON.stringify(value)}`);
    }
  }
  return resolved;
}

/** Every file of `template`, rendered for `plugin`. */
export function renderTemplate(template: Template, plugin: PluginIdentity, options: RenderOptions): TemplateFile[] {
  checkIdentifiers(template, plugin.name);
  const replacements = replacementsFor(template.identity, plugin);
  return template.files.map((file) => {
    let content = replaceAll(file.content, replacements, escaperFor(file.path));
    if (file.path === 'manifest.json') content = pointManifest(content, options);
    if (file.path === 'package.json') content = pinPackages(content, options.nexusVersion);
    return { path: file.path, content };
  });
}

/** Replace every template value in one pass, so a replacement is never replaced again. */
function replaceAll(content: string, replacements: Replacement[], escape: (text: string) => string): string {
  const pattern = new RegExp(replacements.map((r) => escapeRegExp(r.from)).join('|'), 'g');
  const byValue = new Map(replacements.map((r) => [r.from, r.kind === 'text' ? escape(r.to) : r.to]));
  return content.replace(pattern, (match) => byValue.get(match) ?? match);
}

/** How free text is written into a file of this kind without breaking it. */
function escaperFor(file: string): (text: string) => string {
  if (file.endsWith('.json')) return (text) => JSON.stringify(text).slice(1, -1);
  if (file.endsWith('.ts')) return (text) => text.replace(/\*\//g, '*\\/');
  return (text) => text;
}

function pointManifest(content: string, options: RenderOptions): string {
  return content
    .replace(/("\$schema"\s*:\s*)"[^"]*"/, (_, key: string) => `${key}${JSON.stringify(options.schemaPath)}`)
    .replace(/("nexus_version"\s*:\s*)"[^"]*"/, (_, key: string) => `${key}"^${options.nexusVersion}"`);
}

function pinPackages(content: string, version: string): string {
  const pkg = JSON.parse(content) as Record<string, unknown>;
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies']) {
    const deps = pkg[field] as Record<string, string> | undefined;
    for (const name of Object.keys(deps ?? {})) if (name.startsWith('@nexus/')) deps![name] = `^${version}`;
  }
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

/**
 * Refuse a name whose class or type names would collide with an identifier the template already
 * uses (e.g. `base` → class `BasePlugin`, which the templates import from @nexus/core).
 */
function checkIdentifiers(template: Template, name: string): void {
  const clash = identifierClash(template, name);
  if (clash === undefined) return;
  const other = [`my_${name}`, `${name}_app`, `${name}_service`].find((candidate) => identifierClash(template, candidate) === undefined);
  throw new CreateError(
    'NEXUS_CREATE_NAME_CLASH',
    `The name "${name}" would make the identifier ${clash}, which the ${template.name} template already uses for something else; ` +
      `choose another name${other ? `, e.g. "${other}"` : ''}`,
  );
}

/** The first identifier that renaming the template to `name` would make twice, if any. */
export function identifierClash(template: Template, name: string): string | undefined {
  const code = replacementsFor(template.identity, { name }).filter((r) => r.kind === 'code' && /^[A-Z]/.test(r.from));
  const tokens = new RegExp(`\\w*(?:${code.map((r) => escapeRegExp(r.from)).join('|')})\\w*`, 'g');
  const sources = template.files.filter((f) => f.path.endsWith('.ts')).map((f) => f.content);
  const taken = new Set(sources.flatMap((s) => s.replace(tokens, ' ').match(/[A-Za-z_$][\w$]*/g) ?? []));
  const made = new Map<string, string>();
  for (const identifier of new Set(sources.flatMap((s) => s.match(tokens) ?? []))) {
    const renamed = replaceAll(identifier, code, (text) => text);
    if (taken.has(renamed) || (made.has(renamed) && made.get(renamed) !== identifier)) return renamed;
    made.set(renamed, identifier);
  }
  return undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
