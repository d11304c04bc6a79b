import { realpathSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorMessage, NexusError } from '../errors.ts';
import type { Logger } from '../logger/types.ts';

/** Who owns running code: errors it leaves behind go to `fault`. */
export interface PluginOwner {
  readonly name: string;
  fault(error: unknown): void;
}

interface Claim {
  /** The folder (and its real path, when a symbolic link leads to it) as paths and file URLs, each ending in a separator. */
  prefixes: string[];
  owner: PluginOwner;
}

// Attribution reads the stack of the escaped error rather than tracking async context: on Node 20,
// AsyncLocalStorage runs a hook for every promise in the process, which cost every request ~20% CPU.
const claims = new Map<string, Claim>();

/**
 * From now on, an error that escapes code under `dir` (a raw timer that throws, a promise nobody
 * awaits) is `owner`'s. A later claim of the same folder wins: the instance a hot swap brought in.
 */
export function claimSourceDir(dir: string, owner: PluginOwner): void {
  const folder = path.resolve(dir) + path.sep;
  // A hot swap claims the folder again: its prefixes stand (realpath costs a syscall per path part).
  const prefixes = claims.get(folder)?.prefixes ?? prefixesOf(folder);
  claims.set(folder, { prefixes, owner });
}

/** `folder` and its real path, when a symbolic link leads to it, as paths and file URLs. */
function prefixesOf(folder: string): string[] {
  let real: string | undefined;
  try {
    real = realpathSync(folder) + path.sep;
  } catch {
    // Gone already: its own path is all there is to match.
  }
  const folders = real && real !== folder ? [folder, real] : [folder];
  return folders.flatMap((f) => [f, pathToFileURL(f).href]);
}

/** Forget `dir` (its plugin is gone or its app stopped), unless another owner has claimed it since. */
export function releaseSourceDir(dir: string, owner: PluginOwner): void {
  const folder = path.resolve(dir) + path.sep;
  if (claims.get(folder)?.owner === owner) claims.delete(folder);
}

/** The owner of the innermost stack frame of `error` that lies in a claimed folder, if any. */
export function ownerOf(error: unknown): PluginOwner | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  if (!stack || claims.size === 0) return undefined;
  for (const line of stack.split('\n')) {
    if (!line.trimStart().startsWith('at ')) continue;
    let best: Claim | undefined;
    for (const claim of claims.values()) {
      // The longest folder wins, should one plugin folder sit inside another.
      if (claim.prefixes.some((prefix) => line.includes(prefix)) && claim.prefixes[0]!.length > (best?.prefixes[0]!.length ?? 0)) best = claim;
    }
    if (best) return best.owner;
  }
  return undefined;
}

/**
 * Promises returned to a plugin by a service call, and the errors that came back through them: if
 * the calling plugin drops the rejection, the fault is the caller's, not the provider's whose code
 * is on the stack.
 */
const callerOfPromise = new WeakMap<object, PluginOwner>();
const callerOfError = new WeakMap<object, PluginOwner>();
/** Read-only views handed out by serviceView, to their service objects. */
const viewTargets = new WeakMap<object, object>();

/** The plugin a dropped rejection belongs to: the caller of a service call, else the code on the stack. */
export function ownerOfRejection(reason: unknown, promise?: unknown): PluginOwner | undefined {
  const caller =
    (typeof promise === 'object' && promise !== null ? callerOfPromise.get(promise) : undefined) ??
    (typeof reason === 'object' && reason !== null ? callerOfError.get(reason) : undefined);
  return caller ?? ownerOf(reason);
}

/** Who a service view is for and what it shows, for the error a refused change raises. */
export interface ServiceLabel {
  service: string;
  provider: string;
}

/**
 * What `getService()` hands to `caller`: a read-only view of a service (its methods, nested objects
 * and functions too) whose async results are tracked, so a rejection the caller drops is the
 * caller's fault. `cache` keeps one view per object for this caller.
 */
export function serviceView<T>(impl: T, caller: PluginOwner, cache: WeakMap<object, unknown>, label: ServiceLabel): T {
  if ((typeof impl !== 'object' && typeof impl !== 'function') || impl === null) return impl;
  const target = impl as object;
  let view = cache.get(target);
  if (view === undefined) {
    view = readOnlyView(target, caller, cache, label);
    cache.set(target, view);
    viewTargets.set(view as object, target);
  }
  return view as T;
}

function readOnlyView(target: object, caller: PluginOwner, cache: WeakMap<object, unknown>, label: ServiceLabel): object {
  const refuse = (): never => {
    throw new NexusError(
      'NEXUS_SERVICE_READ_ONLY',
      `Plugin "${caller.name}" cannot change service "${label.service}" of plugin "${label.provider}": services are read-only for the plugins that use them; ask plugin "${label.provider}" for a method that makes the change`,
      { plugin: caller.name },
    );
  };
  const wrap = (value: unknown): unknown =>
    (typeof value === 'object' && value !== null) || typeof value === 'function' ? serviceView(value, caller, cache, label) : value;
  // A function is its own proxy target (so it can be called); an object gets an empty stand-in, so
  // that frozen services still show views (a proxy of a frozen object must return its raw values).
  const stand = typeof target === 'function' ? target : Object.create(null);
  return new Proxy(stand, {
    get: (_stand, key) => {
      // A provider that offers itself as a service does not hand its context (its identity) over.
      if (key === PLUGIN_CONTEXT) return undefined;
      const value: unknown = Reflect.get(target, key, target);
      if (typeof target === 'function' && isFixed(target, key)) return value;
      return wrap(value);
    },
    has: (_stand, key) => Reflect.has(target, key),
    ownKeys: () => (typeof target === 'function' ? Reflect.ownKeys(target) : Reflect.ownKeys(target)),
    getOwnPropertyDescriptor: (_stand, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(target, key);
      if (!descriptor || typeof target === 'function') return descriptor;
      return { ...descriptor, configurable: true, ...('value' in descriptor ? { value: wrap(descriptor.value), writable: false } : {}) };
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(target),
    set: refuse,
    defineProperty: refuse,
    deleteProperty: refuse,
    setPrototypeOf: refuse,
    preventExtensions: refuse,
    apply: (_fn, thisArg: unknown, args: unknown[]) => {
      const self = typeof thisArg === 'object' && thisArg !== null ? (viewTargets.get(thisArg) ?? thisArg) : thisArg;
      return tracked(Reflect.apply(target as (...a: unknown[]) => unknown, self, args), caller);
    },
  });
}

/** A non-configurable, non-writable own property: a proxy must return its value as is. */
function isFixed(target: object, key: PropertyKey): boolean {
  const descriptor = Reflect.getOwnPropertyDescriptor(target, key);
  return descriptor !== undefined && descriptor.configurable === false && descriptor.writable === false;
}

function tracked(result: unknown, caller: PluginOwner): unknown {
  if (typeof result !== 'object' || result === null || typeof (result as PromiseLike<unknown>).then !== 'function') return result;
  const derived = Promise.resolve(result).then(undefined, (error: unknown) => {
    if ((typeof error === 'object' && error !== null) || typeof error === 'function') callerOfError.set(error as object, caller);
    throw error;
  });
  callerOfPromise.set(derived, caller);
  return derived;
}

const PLUGIN_CONTEXT = Symbol.for('nexus.plugin.context');

let installed: Logger | undefined;

/**
 * Catch errors that escape plugin code (a throw in a raw timer, a rejected promise nobody awaits):
 * the plugin whose code is on the error's stack is marked failed and the host keeps serving.
 */
export function installFaultHandlers(logger: Logger): void {
  if (installed) return;
  installed = logger;
  const route = (error: unknown, promise?: unknown): void => {
    const owner = ownerOfRejection(error, promise);
    if (owner) owner.fault(error);
    else if (error instanceof Error) logger.error('Unhandled error outside any plugin (the host keeps running)', error);
    else {
      // A thrown string or object carries no stack, so nothing names the code that threw it.
      logger.error(
        `Unhandled non-Error value ${errorMessage(error)} escaped (the host keeps running); Nexus cannot tell which plugin threw it: ` +
          'throw Error objects, and start timers and background work with this.setTimeout() / this.runTask() so failures are pinned on the plugin',
      );
    }
  };
  process.on('uncaughtException', (error) => route(error));
  process.on('unhandledRejection', route);
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
