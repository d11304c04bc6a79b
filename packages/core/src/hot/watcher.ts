import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { errorMessage } from '../errors.ts';
import { applyAppConfig, type AppConfigReport } from './app-config.ts';
import type { HotApp, HotReloader } from './reloader.ts';

/** Options of the app watcher. */
export interface PluginWatcherOptions {
  /** The app's plugins folder; each direct subfolder is one plugin. */
  root: string;
  /** Watch only this subfolder of `root` (a plugin run on its own). */
  only?: string;
  /** The app folder: its `nexus.config.*` are watched too, through the same debounce. */
  appDir?: string;
  /** A plugin folder changed: `files` are absolute paths; empty when the folder itself came or went. */
  onChange: (dir: string, files: string[], trace: WatchTrace) => void;
  /** A `nexus.config.*` of `appDir` changed (its content, not only its time). */
  onConfigChange?: (file: string) => void;
  onError?: (error: unknown) => void;
  /**
   * After a quiet spell, how long the first change waits for others of the same save (an editor
   * writing several files) before it is handed on. 0: once the events the kernel delivered together
   * are read (a save of several files arrives as one batch), without a timer's 1 ms.
   * @default 0
   */
  settleMs?: number;
  /**
   * Changes closer together than this are a burst (a formatter, a branch switch, 100 saves in a
   * second): the whole burst is handed on once, when it has been quiet this long.
   * @default 80
   */
  burstMs?: number;
}

/** A running watcher. */
export interface PluginWatcher {
  close(): Promise<void>;
}

/** The app config files `nexus dev` applies while running. */
const CONFIG_FILE = /^nexus\.config\.(json|ts|js|mjs)$/;
/** Files whose change can mean new code, config or manifest. */
const WATCHED_FILE = /\.(?:[cm]?[jt]sx?|json|ya?ml)$/;
/** Folders inside a plugin that never hold its running code. */
const IGNORED_DIRS = new Set(['node_modules', 'tests', 'test', '__tests__', 'coverage', 'dist']);
/** Generated files, tests and editor temp files (vim's `4913` write test, backups, swap and lock files). */
const IGNORED_FILE = /^(?:nexus\.generated\.ts|4913|\.#.*|.*~|.*\.(?:sw[a-p]|tmp|bak|orig)|.*\.(?:test|spec)\.[cm]?[jt]sx?)$/;
/**
 * chokidar drops a change event that follows the previous one of the same file by less than 50 ms
 * (and a raw one within 5 ms); a file is checked again this long after it was handed on, so the
 * last save of a quick sequence is never lost.
 */
const RECHECK_MS = 60;
/** How soon a file found empty is read again (the write after a truncation takes microseconds). */
const EMPTY_LOOK_MS = 2;

/** When a change went through the watcher (epoch ms, comparable across processes). */
export interface WatchTrace {
  /** chokidar reported the first file event of the change. */
  event: number;
  /** The debounce ended (settle or burst). */
  settled: number;
  /** The changed files were read and hashed. */
  hashed: number;
}

/** Now, in epoch ms with sub-ms precision. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

interface Folder {
  files: Set<string>;
  /** The first event of the change being gathered. */
  firstEvent?: number;
  /** Cancels the scheduled hand-on. */
  cancel?: () => void;
  /** The scheduled hand-on is the first change after a quiet spell (short settle), not a burst's end. */
  leading: boolean;
  lastEvent: number;
}

/**
 * The one watcher of `nexus dev`: every plugin folder under `root` and the app's `nexus.config.*`,
 * with one chokidar instance and one debounce. Changes are reported per plugin folder (and per
 * config file), coalesced: a lone save goes through after `settleMs`, a burst once when it ends,
 * and only when a file's content changed. Ignores tests, node_modules, `.nexus/` and other dot
 * folders, `nexus.generated.ts` and editor temp files; atomic saves (write a temp file, rename it
 * over) arrive as one change.
 */
export async function watchPlugins(options: PluginWatcherOptions): Promise<PluginWatcher> {
  const root = path.resolve(options.root);
  const settleMs = options.settleMs ?? 0;
  const burstMs = options.burstMs ?? 80;
  const folders = new Map<string, Folder>();
  const seen = new Map<string, string>();
  /** Files found empty: `wait` for the write that follows a truncation, or `take` them empty. */
  const emptied = new Map<string, 'wait' | 'take'>();
  const rechecks = new Set<NodeJS.Timeout>();
  /** Folders to hand on together, once the events being handled are read. */
  const due = new Set<string>();
  let flush: NodeJS.Immediate | undefined;
  let closed = false;
  /**
   * Hand `dir` on after `ms`, and then with every other folder due by then, in one call: the
   * reloader takes what one call hands on as one batch. Returns what cancels it.
   */
  const schedule = (dir: string, ms: number): (() => void) => {
    let timer: NodeJS.Timeout | undefined;
    if (ms > 0) timer = setTimeout(() => markDue(dir), ms);
    else markDue(dir);
    return () => {
      clearTimeout(timer);
      due.delete(dir);
    };
  };
  function markDue(dir: string): void {
    due.add(dir);
    flush ??= setImmediate(() => {
      flush = undefined;
      const dirs = [...due];
      due.clear();
      for (const folder of dirs) handOn(folder);
    });
  }

  /** `eager`: a lone change goes on after `settleMs`; a new folder waits to be filled (`burstMs`). */
  const touch = (dir: string, file?: string, eager: boolean | 'now' = true): void => {
    if (closed) return;
    let folder = folders.get(dir);
    if (!folder) folders.set(dir, (folder = { files: new Set(), leading: false, lastEvent: -Infinity }));
    if (file) folder.files.add(file);
    folder.firstEvent ??= epochNow();
    const at = performance.now();
    const quiet = eager === 'now' || (eager && at - folder.lastEvent > burstMs);
    folder.lastEvent = at;
    if (folder.cancel && folder.leading) return; // joins the hand-on already scheduled
    folder.cancel?.();
    folder.leading = quiet;
    folder.cancel = schedule(dir, quiet ? settleMs : burstMs);
  };

  /**
   * Saved in place, a file is truncated and then written: an empty file is most likely the moment
   * between the two. Look again soon (the kernel may report both as one event), and once more
   * RECHECK_MS later, when a file still empty is taken as it is.
   */
  const awaitWrite = (dir: string, folder: Folder, file: string): void => {
    if (emptied.has(file)) return;
    emptied.set(file, 'wait');
    folder.lastEvent = -Infinity; // the write that follows is the save itself, not a burst
    for (const [ms, then] of [[EMPTY_LOOK_MS, 'wait'], [RECHECK_MS, 'take']] as const) {
      const timer = setTimeout(() => {
        rechecks.delete(timer);
        if (!emptied.has(file)) return; // written meanwhile
        emptied.set(file, then);
        touch(dir, file, 'now');
      }, ms);
      rechecks.add(timer);
    }
  };

  const handOn = (dir: string): void => {
    const folder = folders.get(dir);
    if (!folder || closed) return;
    folder.cancel = undefined;
    const settled = epochNow();
    const event = folder.firstEvent ?? settled;
    folder.firstEvent = undefined;
    const touched = folder.files.size;
    const files = [...folder.files].filter((file) => {
      const now = signature(file);
      if (now === EMPTY && emptied.get(file) !== 'take') {
        awaitWrite(dir, folder, file);
        return false;
      }
      emptied.delete(file);
      if (seen.get(file) === now) return false; // the same content again: an echo of one save
      seen.set(file, now);
      return true;
    });
    folder.files.clear();
    if (touched > 0 && files.length === 0) return;
    if (files.length > 0) {
      const timer = setTimeout(() => {
        rechecks.delete(timer);
        for (const file of files) if (signature(file) !== seen.get(file)) touch(dir, file);
      }, RECHECK_MS);
      rechecks.add(timer);
    }
    if (!configFiles.has(dir)) options.onChange(dir, files, { event, settled, hashed: epochNow() });
    else if (files.length > 0) options.onConfigChange?.(dir);
  };

  const plugins = options.only === undefined ? root : path.join(root, options.only);
  const appDir = options.appDir === undefined ? undefined : path.resolve(options.appDir);
  const configFiles = new Set<string>();
  const isConfig = (file: string): boolean => appDir !== undefined && path.dirname(file) === appDir && CONFIG_FILE.test(path.basename(file));
  const inPlugins = (file: string): boolean => file === plugins || file.startsWith(plugins + path.sep);
  // Of the app folder, only its config files (and the way down to the plugins folder) are watched.
  const within = (dir: string, file: string): boolean => file.startsWith(dir + path.sep);
  const watched = appDir === undefined || inPlugins(appDir) ? [plugins] : within(appDir, plugins) ? [appDir] : [plugins, appDir];
  const watcher: FSWatcher = watch(watched, {
    ignoreInitial: true,
    ignored: (file) => (inPlugins(file) ? isIgnored(root, file) : file !== appDir && !isConfig(file) && !plugins.startsWith(file + path.sep)),
  });
  const changed = (file: string): void => {
    if (isConfig(file)) {
      configFiles.add(file);
      touch(file, file);
      return;
    }
    if (!inPlugins(file) || isIgnored(root, file)) return;
    const dir = pluginFolder(root, file);
    if (dir && file !== dir && WATCHED_FILE.test(file)) touch(dir, file);
  };
  watcher.on('all', (event, file) => {
    if (event !== 'addDir' && event !== 'unlinkDir') return changed(file);
    const dir = inPlugins(file) ? pluginFolder(root, file) : undefined;
    if (file === dir) touch(dir, undefined, event === 'unlinkDir');
  });
  // chokidar reports a change after an fs.stat of the file, ~2 ms after the kernel told it: the
  // folder's own event starts the settle at once (what was written is compared by content anyway).
  // A file watcher's events (the path is the file itself) are left to chokidar.
  watcher.on('raw', (event, name, details) => {
    const folder = (details as { watchedPath?: unknown } | undefined)?.watchedPath;
    if (event !== 'change' || !name || typeof folder !== 'string' || path.basename(folder) === name) return;
    changed(path.join(folder, name));
  });
  watcher.on('error', (error) => options.onError?.(error));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));

  return {
    async close() {
      closed = true;
      for (const folder of folders.values()) folder.cancel?.();
      for (const timer of rechecks) clearTimeout(timer);
      if (flush) clearImmediate(flush);
      await watcher.close();
    },
  };
}

/** True for paths under `root` the watcher skips (see `watchPlugins`). */
export function isIgnored(root: string, file: string): boolean {
  const rel = path.relative(root, file);
  if (rel === '' || rel.startsWith('..')) return false;
  const parts = rel.split(path.sep);
  const name = parts[parts.length - 1]!;
  if (parts.some((part) => part.startsWith('.') || IGNORED_DIRS.has(part))) return true;
  return IGNORED_FILE.test(name);
}

/** The plugin folder (direct child of `root`) a path is in, or is. */
function pluginFolder(root: string, file: string): string | undefined {
  const rel = path.relative(root, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return path.join(root, rel.split(path.sep)[0]!);
}

/** The signature of an empty file. */
const EMPTY = createHash('sha1').digest('base64');

/** What a file holds (a hash), or `gone`; file times are too coarse to tell two quick saves apart. */
function signature(file: string): string {
  try {
    return createHash('sha1').update(readFileSync(file)).digest('base64');
  } catch {
    return 'gone';
  }
}

/** Options of `watchApp`. */
export interface WatchAppOptions {
  /** A re-read nexus.config: what it changed, or why it was not applied. */
  onAppConfig?: (report: AppConfigReport) => void;
  onError?: (error: unknown) => void;
}

/**
 * The change pipeline of `nexus dev`: one watcher over the plugin folders and nexus.config, one
 * debounce, and here the one place a change is classified: a plugin folder goes to the hot
 * reloader as it is; a config file is re-read and applied (see `applyAppConfig`).
 */
export async function watchApp(app: HotApp, hot: HotReloader, options: WatchAppOptions = {}): Promise<PluginWatcher> {
  const { root, only } = app.manager.pluginsLocation;
  let applying = Promise.resolve();
  const watcher = await watchPlugins({
    root,
    only,
    appDir: app.appDir,
    onChange: (dir, files, trace) => hot.notify(dir, files, { trace }),
    onConfigChange: (file) => {
      applying = applying
        .then(() => applyAppConfig(app, hot, file))
        .then(
          (report) => report && options.onAppConfig?.(report),
          (error: unknown) => options.onAppConfig?.({ file: path.basename(file), reconfigured: [], restart: [], problems: [errorMessage(error)] }),
        );
    },
    onError: options.onError,
  });
  return {
    async close() {
      await watcher.close();
      await applying;
    },
  };
}
