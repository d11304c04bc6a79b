// Where the templates are and what one holds.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateError } from './errors.ts';
import type { TemplateName } from './options.ts';

/** A template's own identity, read from its manifest.json: the values a render replaces. */
export interface TemplateIdentity {
  name: string;
  title: string;
  description: string;
  author: string;
}

/** One file of a template, as it will be written (path relative to the plugin, `/`-separated). */
export interface TemplateFile {
  path: string;
  content: string;
}

/** A template read into memory. */
export interface Template {
  name: TemplateName;
  dir: string;
  identity: TemplateIdentity;
  files: TemplateFile[];
}

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Never copied from a template folder (left there by running its tests or an app). */
const SKIPPED = new Set(['node_modules', '.nexus', 'coverage', 'dist']);

/** Files stored under another name, because npm drops or rewrites the real one when publishing. */
const RENAMED: Record<string, string> = { _gitignore: '.gitignore' };

/**
 * The templates folder: `templates/` inside the published package (copied there by `prepack`),
 * else the monorepo's `templates/` next to `packages/`.
 */
export function templatesRoot(packageDir = PACKAGE_DIR): string {
  const candidates = [path.join(packageDir, 'templates')];
  if (path.basename(path.dirname(packageDir)) === 'packages') candidates.push(path.resolve(packageDir, '../../templates'));
  const found = candidates.find((dir) => existsSync(path.join(dir, 'basic', 'manifest.json')));
  if (found) return found;
  throw new CreateError('NEXUS_CREATE_NO_TEMPLATES', `No templates found (looked in ${candidates.join(', ')}); reinstall create-nexus-plugin`);
}

/** Read a template: its identity from manifest.json and every file it writes. */
export async function loadTemplate(name: TemplateName, root = templatesRoot()): Promise<Template> {
  const dir = path.join(root, name);
  const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Partial<TemplateIdentity>;
  const identity: TemplateIdentity = {
    name: String(manifest.name),
    title: String(manifest.title),
    description: String(manifest.description),
    author: String(manifest.author),
  };
  const files: TemplateFile[] = [];
  for (const relative of await listFiles(dir)) {
    const base = path.posix.basename(relative);
    const target = base in RENAMED ? path.posix.join(path.posix.dirname(relative), RENAMED[base]!).replace(/^\.\//, '') : relative;
    files.push({ path: target, content: await readFile(path.join(dir, relative), 'utf8') });
  }
  return { name, dir, identity, files: files.sort((a, b) => a.path.localeCompare(b.path)) };
}

async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(path.join(root, prefix), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    if (SKIPPED.has(entry.name)) continue;
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await listFiles(root, relative)));
    else if (entry.isFile()) files.push(relative);
  }
  return files;
}
