// Private: the one module that reaches into Vitest's internals, so the harness can run a plugin's
// files as they are on disk now.
//
// Why it is needed: in `vitest run` the Vite server behind Vitest does not watch files (Vitest
// closes its watcher), so it keeps answering with the transform of a file as it first read it.
// Invalidating the test worker's module, or vi.resetModules(), re-runs that same old code. What does
// see a changed file is a URL the server has not transformed yet: `file?nexus_reload=<tag>`.
//
// So we fetch the changed file under such a URL (transformed, not run), give that code to the
// worker's module of the plain file and reset it, and the next import evaluates it. The plugin's
// modules keep their ids: vi.mock() of the test still applies to what they import, stack traces
// name the real files, and @nexus/core (externalized, or not under the plugin folder) is never
// evaluated again, so the plugin gets the harness's instance. Rejected: loading through a Vite
// server of our own (vi.mock() would not apply, a second @nexus/core), and a query on the entry
// alone (the server rewrites its imports to the plain URLs of its helpers, still the old code).
//
// What it touches, all of Vitest 4's default module runner: `globalThis.__vitest_mocker__`'s
// `moduleRunner` (a VitestModuleRunner): its `import()`, its `fetchModule(url)` and its
// `evaluatedModules` (Vite's EvaluatedModules, public API of vite/module-runner); and the message of
// a transform error (Vitest passes the file and position on only as text). When they are missing
// (experimental.viteModuleRunner: false, another Vitest), vitestRunner() says why and the harness
// falls back to a plain import() (see _entry-import.ts).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

/** A module as the test worker's module runner holds it (Vite's EvaluatedModuleNode). */
export interface RunnerModule {
  readonly id: string;
  readonly url: string;
  readonly file: string;
  /** Ids of the modules it imported when it last ran. */
  readonly imports: ReadonlySet<string>;
  /** Ids of the modules that imported it (kept across resets). */
  readonly importers: ReadonlySet<string>;
}

/** A file's code as it is on disk now, ready to replace the code of its module. */
export interface FreshCode {
  readonly module: RunnerModule;
  readonly meta: Record<string, unknown>;
}

/** Vitest's module runner, as far as the harness uses it. */
export interface PluginRunner {
  /** Import a file through Vitest (TypeScript transformed, vi.mock() applied). */
  import(file: string): Promise<Record<string, unknown>>;
  /** The module of `file` imported without a query, if it was imported. */
  moduleOf(file: string): RunnerModule | undefined;
  moduleById(id: string): RunnerModule | undefined;
  /** True for a module whose code the runner runs itself: not externalized, not a vi.mock() stand-in. */
  isInlined(module: RunnerModule): boolean;
  /** Transform the module's file as it is on disk now, without running it; rejects with the transform error. */
  fetchCurrent(module: RunnerModule): Promise<FreshCode>;
  /** Make the next import run the module again, from `fresh` code, else from the code it has. */
  reset(module: RunnerModule, fresh?: FreshCode): void;
}

interface Node extends RunnerModule {
  meta: Record<string, unknown> | undefined;
}

interface Modules {
  getModuleById(id: string): Node | undefined;
  getModulesByFile(file: string): Set<Node> | undefined;
  invalidateModule(node: Node): void;
  idToModuleMap: Map<string, Node>;
  urlToIdModuleMap: Map<string, Node>;
  fileToModulesMap: Map<string, Set<Node>>;
}

interface Runner {
  import(url: string): Promise<Record<string, unknown>>;
  fetchModule(url: string): Promise<Node>;
  evaluatedModules: Modules;
}

const TAG = 'nexus_reload';
const TAGGED = new RegExp(`[?&]${TAG}=[0-9a-f]+`, 'g');

/** Vitest's module runner of this test worker, or why it cannot be used. */
export function vitestRunner(): PluginRunner | string {
  const mocker = (globalThis as { __vitest_mocker__?: { moduleRunner?: Partial<Runner> } }).__vitest_mocker__;
  const runner = mocker?.moduleRunner;
  if (!runner) return mocker ? "Vitest's module runner is off (experimental.viteModuleRunner: false)" : 'this does not run inside a Vitest test';
  const modules = runner.evaluatedModules;
  const usable =
    typeof runner.import === 'function' &&
    typeof runner.fetchModule === 'function' &&
    typeof modules?.getModulesByFile === 'function' &&
    typeof modules.invalidateModule === 'function' &&
    modules.idToModuleMap instanceof Map;
  if (!usable) return "this Vitest's module runner is not the one @nexus/testing knows (Vitest 4)";
  return wrap(runner as Runner);
}

function wrap(runner: Runner): PluginRunner {
  const modules = runner.evaluatedModules;
  return {
    import: (file) => runner.import(pathToFileURL(file).href),
    moduleOf: (file) => [...(modules.getModulesByFile(toPosix(file)) ?? [])].find((node) => !node.id.includes('?')),
    moduleById: (id) => modules.getModuleById(id),
    isInlined: (module) => {
      const meta = (module as Node).meta;
      return meta !== undefined && 'code' in meta && !('mockedModule' in meta);
    },
    fetchCurrent: (module) => fetchCurrent(runner, module as Node),
    reset(module, fresh) {
      const node = module as Node;
      const meta = fresh?.meta ?? node.meta;
      modules.invalidateModule(node);
      node.meta = meta;
    },
  };
}

async function fetchCurrent(runner: Runner, module: Node): Promise<FreshCode> {
  const url = `${module.url}${module.url.includes('?') ? '&' : '?'}${TAG}=${randomBytes(6).toString('hex')}`;
  let tagged: Node;
  try {
    tagged = await runner.fetchModule(url);
  } catch (error) {
    throw transformError(error, module.file);
  }
  forget(runner.evaluatedModules, tagged);
  const code = untagSourceMap(String(tagged.meta?.code ?? ''));
  return { module, meta: { ...tagged.meta, id: module.id, url: module.url, file: module.file, code } };
}

/** The tagged module was only a way to get the code: keep it out of the worker's module graph. */
function forget(modules: Modules, node: Node): void {
  modules.idToModuleMap.delete(node.id);
  modules.urlToIdModuleMap.delete(node.url);
  modules.fileToModulesMap.get(node.file)?.delete(node);
}

const MAP_PREFIX = '//# sourceMappingURL=data:application/json;base64,';

/** Stack traces are mapped through the code's inline source map: name the file, not the tagged URL. */
function untagSourceMap(code: string): string {
  const start = code.lastIndexOf(MAP_PREFIX);
  if (start < 0) return code;
  const end = code.indexOf('\n', start);
  const data = code.slice(start + MAP_PREFIX.length, end < 0 ? undefined : end);
  try {
    const map = JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { sources?: string[]; file?: string };
    map.sources = map.sources?.map(untag);
    if (map.file) map.file = untag(map.file);
    const encoded = Buffer.from(JSON.stringify(map)).toString('base64');
    return `${code.slice(0, start)}${MAP_PREFIX}${encoded}${end < 0 ? '' : code.slice(end)}`;
  } catch {
    return code; // an unexpected map: traces show the tagged URL, nothing worse
  }
}

function untag(text: string): string {
  return text.replace(TAGGED, '');
}

interface RollupLikeError {
  __vitest_rollup_error__?: { id?: string; loc?: { file?: string; line: number; column: number } };
}

/**
 * A file that does not transform, as @nexus/core reads a Vite error: `errors[0]` with the file, the
 * position (0-based column) and the parser's message. Vitest passes the position on only inside the
 * message (`[ path:line:column ]`); when it cannot be read, the message is kept and names the file.
 */
export function transformError(error: unknown, knownFile?: string): unknown {
  if (!(error instanceof Error)) return error;
  const text = untag(stripVTControlCharacters(error.message));
  const rollup = (error as RollupLikeError).__vitest_rollup_error__;
  const file = knownFile ?? (rollup?.id ? untag(rollup.id) : undefined);
  if (!file) return error;
  const position = rollup?.loc ?? positionIn(text, file);
  const message = /^\[[A-Z_]+\][^\n]*/m.exec(text)?.[0] ?? text.split('\n')[0]!;
  const shaped = new Error(position ? text : `${path.relative(process.cwd(), file)}: ${text}`, { cause: error });
  if (position) Object.assign(shaped, { errors: [{ message, loc: { file, line: position.line, column: position.column } }] });
  return shaped;
}

/** `[ ../plugins/x/src/a.ts:3:14 ]` in the message: line, and column made 0-based as Vite's `loc` has it. */
function positionIn(text: string, file: string): { line: number; column: number } | undefined {
  const name = path.basename(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`${name}:(\\d+):(\\d+)`).exec(text);
  return match ? { line: Number(match[1]), column: Number(match[2]) - 1 } : undefined;
}

function toPosix(file: string): string {
  return file.split(path.sep).join('/');
}
