// Generated TypeScript types from plugin manifests (`nexus typegen`, and `nexus dev` on manifest change).
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage, NexusError, type PluginManifest } from '@nexus/core';
import { renderPluginTypes } from './render.ts';

export { BANNER, pascalCase, renderConfigInterface, renderPluginTypes } from './render.ts';
export { configurationSchema, optionSchema } from './schema.ts';

/** Name of the generated file, in the plugin folder. */
export const GENERATED_FILE = 'nexus.generated.ts';

/** A plugin to generate types for; `manifest` must already be valid (see `loadManifest`). */
export interface TypegenPlugin {
  /** Absolute plugin folder. */
  dir: string;
  /** Plugin folder as shown to people, e.g. `plugins/users`. */
  displayDir: string;
  manifest: PluginManifest;
}

/** State of a plugin's generated file compared to what its manifest gives. */
export type TypesState = 'fresh' | 'stale' | 'missing';

/**
 * Write `<dir>/nexus.generated.ts` when its content differs from what the manifest gives.
 * `file` is the absolute path; `changed` is false when the file was already up to date (so a
 * watcher that sees the plugin folder change is not re-triggered by a no-op).
 * Throws NEXUS_MANIFEST_INVALID when the configuration cannot be compiled to a type.
 */
export async function generatePluginTypes(plugin: TypegenPlugin): Promise<{ file: string; changed: boolean }> {
  const file = path.join(plugin.dir, GENERATED_FILE);
  const [content, existing] = await Promise.all([render(plugin), readIfExists(file)]);
  if (existing !== undefined && sameText(existing, content)) return { file, changed: false };
  await writeFile(file, content, 'utf8');
  return { file, changed: true };
}

/** Whether `<dir>/nexus.generated.ts` matches the manifest, without writing anything. */
export async function checkPluginTypes(plugin: TypegenPlugin): Promise<{ file: string; state: TypesState }> {
  const file = path.join(plugin.dir, GENERATED_FILE);
  const [content, existing] = await Promise.all([render(plugin), readIfExists(file)]);
  const state = existing === undefined ? 'missing' : sameText(existing, content) ? 'fresh' : 'stale';
  return { file, state };
}

async function render(plugin: TypegenPlugin): Promise<string> {
  try {
    return await renderPluginTypes(plugin.manifest);
  } catch (error) {
    const message = `${plugin.displayDir}/manifest.json: /configuration: cannot be turned into TypeScript types: ${errorMessage(error)}`;
    throw new NexusError('NEXUS_MANIFEST_INVALID', message, { plugin: plugin.manifest.name, cause: error });
  }
}

/** Equal up to line endings (a checkout with CRLF is not stale). */
function sameText(existing: string, content: string): boolean {
  return existing.replace(/\r\n/g, '\n') === content;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
