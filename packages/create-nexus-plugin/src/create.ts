// Create a plugin folder from a template: the steps without any question or output.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CreateError } from './errors.ts';
import { nameProblem } from './name.ts';
import type { TemplateName } from './options.ts';
import { findApp, pluginNamed, schemaPath } from './place.ts';
import { renderTemplate } from './render.ts';
import { loadTemplate } from './templates.ts';
import { findNexusBin, runTypegen } from './typegen.ts';
import { checkTarget, writeFiles } from './write.ts';

/** What to create. */
export interface CreatePluginOptions {
  /** Folder to create the plugin in (absolute, or relative to the working directory). */
  dir: string;
  /** snake_case plugin name. */
  name: string;
  /** @default 'basic' */
  template?: TemplateName;
  /** @default the template's description */
  description?: string;
  /** @default the template's author ("Your Name") */
  author?: string;
  /** Empty a non-empty folder first (keeps .git). @default false */
  force?: boolean;
  /** Version of the Nexus packages to depend on, `^<version>`. @default create-nexus-plugin's own */
  nexusVersion?: string;
  /** How `dir` is shown in messages. @default dir */
  shownDir?: string;
}

/** What was created. */
export interface CreatedPlugin {
  dir: string;
  name: string;
  template: TemplateName;
  /** The app the plugin is in (`<app>/plugins/<name>`), when it is in one. */
  app?: string;
  /** Paths written, relative to `dir`, `/`-separated. */
  files: string[];
  /** Entries removed first (with `force`). */
  removed: string[];
  /** Who wrote nexus.generated.ts: the app's `nexus typegen`, or the template (renamed). */
  types: 'typegen' | 'template';
  /** Why `nexus typegen` could not be used, when it was found but failed. */
  typegenProblem?: string;
  /** The rendered manifest's endpoints (for the next-steps hint). */
  endpoints: { method: string; path: string }[];
}

/** The version of create-nexus-plugin, which the Nexus packages share. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** Write a new plugin from a template; refuses a bad name, a clash, or a non-empty folder without `force`. */
export async function createPlugin(options: CreatePluginOptions): Promise<CreatedPlugin> {
  const problem = nameProblem(options.name);
  if (problem) throw new CreateError('NEXUS_CREATE_INVALID_NAME', `${problem} (set it with --name)`);
  const dir = path.resolve(options.dir);
  const shown = options.shownDir ?? options.dir;
  const template = await loadTemplate(options.template ?? 'basic');
  const app = findApp(dir);
  const twin = app ? pluginNamed(app, options.name, dir) : undefined;
  if (twin) {
    throw new CreateError(
      'NEXUS_CREATE_NAME_CLASH',
      `The app already has a plugin named "${options.name}" (in ${path.relative(process.cwd(), twin) || twin}); plugin names are unique, choose another with --name`,
    );
  }
  const existing = await checkTarget(dir, shown, options.force ?? false);
  const rendered = renderTemplate(
    template,
    { name: options.name, description: options.description, author: options.author },
    { schemaPath: schemaPath(dir, app), nexusVersion: options.nexusVersion ?? VERSION },
  );
  const files = await writeFiles(dir, rendered, existing);
  const manifest = JSON.parse(rendered.find((f) => f.path === 'manifest.json')!.content) as { api_endpoints?: { method: string; path: string }[] };
  const created: CreatedPlugin = {
    dir,
    name: options.name,
    template: template.name,
    app,
    files,
    removed: existing,
    types: 'template',
    endpoints: manifest.api_endpoints ?? [],
  };
  const bin = findNexusBin(dir);
  if (bin) {
    const failure = await runTypegen(bin, dir);
    if (failure === undefined) created.types = 'typegen';
    else created.typegenProblem = failure;
  }
  return created;
}
