// Private: import a plugin folder's entry module so that it runs the plugin's files as they are on
// disk now. The first import runs what the test worker has (or loads it); a later one, from
// reload() or another harness, runs again every file of the plugin folder that changed since it
// last ran, and the plugin files that import it. Files outside the folder and in node_modules are
// never run again: @nexus/core stays the harness's instance.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { transformError, vitestRunner, type PluginRunner, type RunnerModule } from './_vitest-runner.ts';

interface Registry {
  /** Hash of the content a module's code was made from, when the harness saw it or reloaded it. */
  hashes: WeakMap<RunnerModule, string>;
  /** Per entry module: the plugin folder's modules it imported (also during a failed import). */
  families: WeakMap<RunnerModule, Set<RunnerModule>>;
  /** Entry modules whose last import failed: a failed run stays cached, so all of it runs again. */
  failed: WeakSet<RunnerModule>;
  /** Without Vitest's runner: a fingerprint of the plugin folder's scripts per entry file. */
  prints: Map<string, string>;
}

// Kept per worker, not per test file: the worker keeps its modules from one test file to the next.
const REGISTRY = Symbol.for('nexus.testing.entry-import');
const registry = ((globalThis as Record<symbol, Registry | undefined>)[REGISTRY] ??= {
  hashes: new WeakMap(),
  families: new WeakMap(),
  failed: new WeakSet(),
  prints: new Map(),
});

/** Import the entry `file` of the plugin folder `dir`, its changed files run afresh. */
export async function importEntry(file: string, dir: string): Promise<Record<string, unknown>> {
  const runner = vitestRunner();
  if (typeof runner === 'string') return importPlain(file, dir, runner);
  const before = runner.moduleOf(file);
  if (before) await refresh(runner, before, dir);
  try {
    const loaded = await runner.import(file);
    remember(runner, runner.moduleOf(file), dir, true);
    return loaded;
  } catch (error) {
    const entry = runner.moduleOf(file);
    if (entry) registry.failed.add(entry);
    remember(runner, entry, dir, false);
    throw transformError(error);
  }
}

/** Give the changed modules their current code, and reset them and their importers in the folder. */
async function refresh(runner: PluginRunner, entry: RunnerModule, dir: string): Promise<void> {
  const family = new Set([...(registry.families.get(entry) ?? []), ...reachable(runner, entry, dir)]);
  const now = new Map([...family].map((module) => [module, hashOf(module.file)] as const));
  // A module the harness had not seen yet runs the content it was made from: take it as current.
  for (const [module, hash] of now) if (!registry.hashes.has(module)) registry.hashes.set(module, hash);
  const changed = [...family].filter((module) => registry.hashes.get(module) !== now.get(module));
  const failed = registry.failed.has(entry);
  if (changed.length === 0 && !failed) return;
  // Fetch everything first: a file that does not transform leaves every module as it was. A deleted
  // file is not fetched, its importers run again; one that still imports it gets its last content
  // (the Vite server behind Vitest still has it).
  const present = changed.filter((module) => now.get(module) !== MISSING);
  const fresh = new Map(await Promise.all(present.map(async (module) => [module, await runner.fetchCurrent(module)] as const)));
  for (const module of failed ? family : importersOf(runner, changed, family)) runner.reset(module, fresh.get(module));
  for (const module of changed) registry.hashes.set(module, now.get(module)!);
  registry.failed.delete(entry);
}

/** After an import: note the modules it reached (and their content, the first time). */
function remember(runner: PluginRunner, entry: RunnerModule | undefined, dir: string, ok: boolean): void {
  if (!entry) return;
  const reached = reachable(runner, entry, dir);
  const family = ok ? reached : new Set([...(registry.families.get(entry) ?? []), ...reached]);
  registry.families.set(entry, family);
  for (const module of family) if (!registry.hashes.has(module)) registry.hashes.set(module, hashOf(module.file));
}

/** The entry and the modules of the plugin folder it imports, directly or not. */
function reachable(runner: PluginRunner, entry: RunnerModule, dir: string): Set<RunnerModule> {
  const found = new Set<RunnerModule>();
  const stack = [entry];
  while (stack.length > 0) {
    const module = stack.pop()!;
    if (found.has(module) || !inFolder(module.file, dir) || !runner.isInlined(module)) continue;
    found.add(module);
    for (const id of module.imports) {
      const imported = runner.moduleById(id);
      if (imported) stack.push(imported);
    }
  }
  return found;
}

/** The changed modules and, within the family, every module that imports one of them. */
function importersOf(runner: PluginRunner, changed: RunnerModule[], family: Set<RunnerModule>): Set<RunnerModule> {
  const affected = new Set<RunnerModule>();
  const stack = [...changed];
  while (stack.length > 0) {
    const module = stack.pop()!;
    if (affected.has(module) || !family.has(module)) continue;
    affected.add(module);
    for (const id of module.importers) {
      const importer = runner.moduleById(id);
      if (importer) stack.push(importer);
    }
  }
  return affected;
}

function inFolder(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) && !relative.split(path.sep).includes('node_modules');
}

const MISSING = 'missing';

function hashOf(file: string): string {
  try {
    return createHash('sha1').update(readFileSync(file)).digest('hex');
  } catch {
    return MISSING;
  }
}

/**
 * Without Vitest's module runner, import() runs a file once per worker. Refuse to hand the old code
 * over as new: once a script of the folder changed, a later import fails and says why.
 */
async function importPlain(file: string, dir: string, why: string): Promise<Record<string, unknown>> {
  const print = fingerprint(dir);
  const before = registry.prints.get(file);
  if (before !== undefined && before !== print) {
    throw new Error(
      `@nexus/testing cannot run the changed files of ${path.relative(process.cwd(), dir) || '.'} again: ${why}. ` +
        `Run the test with Vitest 4's default module runner, or create the harness for the changed plugin in a test file of its own.`,
    );
  }
  registry.prints.set(file, print);
  try {
    return (await import(/* @vite-ignore */ pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    throw new Error(
      `@nexus/testing could not import ${file}: it ran outside Vitest's transform, so Node refused the TypeScript. ` +
        `Add server: { deps: { inline: ['@nexus/testing'] } } to the test options in vitest.config.ts (as the create-nexus-plugin templates do).`,
      { cause: error },
    );
  }
}

const SCRIPT = /\.(?:[cm]?[jt]sx?|json)$/;

/** The scripts of a plugin folder (not node_modules, not dot folders), as one hash. */
function fingerprint(dir: string): string {
  const hash = createHash('sha1');
  const visit = (folder: string): void => {
    let entries;
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.')) visit(full);
      else if (entry.isFile() && SCRIPT.test(entry.name)) hash.update(`${full}\0${hashOf(full)}\0`);
    }
  };
  visit(dir);
  return hash.digest('hex');
}
