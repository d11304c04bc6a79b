// Put the rendered files on disk, never over a folder that has something in it unless forced.
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CreateError } from './errors.ts';
import type { TemplateFile } from './templates.ts';

/** Kept when a folder is emptied with --force, and not counted when deciding if it is empty. */
const KEPT = new Set(['.git']);

/** What is in the target folder that would be overwritten (empty when it is free to use). */
export async function occupants(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  if (!statSync(dir).isDirectory()) {
    throw new CreateError('NEXUS_CREATE_NOT_A_DIR', `${dir} exists and is not a folder; choose another place for the plugin`);
  }
  return (await readdir(dir)).filter((entry) => !KEPT.has(entry)).sort();
}

/** Fail unless `dir` is free, or `force` allows emptying it. `shown` is the folder as the user typed it. */
export async function checkTarget(dir: string, shown: string, force: boolean): Promise<string[]> {
  const found = await occupants(dir);
  if (found.length > 0 && !force) {
    const listed = found.length > 3 ? `${found.slice(0, 3).join(', ')} and ${found.length - 3} more` : found.join(', ');
    throw new CreateError(
      'NEXUS_CREATE_DIR_NOT_EMPTY',
      `${shown} is not empty (${listed}). Choose a new folder, or pass --force to remove its contents first (.git is kept)`,
    );
  }
  return found;
}

/** Write `files` into `dir`, first removing what `clear` lists (with --force). Resolves to the paths written. */
export async function writeFiles(dir: string, files: readonly TemplateFile[], clear: readonly string[] = []): Promise<string[]> {
  await Promise.all(clear.map((entry) => rm(path.join(dir, entry), { recursive: true, force: true })));
  await mkdir(dir, { recursive: true });
  for (const file of files) {
    const target = path.join(dir, ...file.path.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.content, 'utf8');
  }
  return files.map((file) => file.path);
}
