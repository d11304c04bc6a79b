import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from '../logger/types.ts';

/** Who owns running code: errors it leaves behind go to `fault`. */
export interface PluginOwner {
  readonly name: string;
  fault(error: unknown): void;
}

interface Claim {
  /** The folder as a path and as a file URL, each ending in a separator. */
  prefixes: [string, string];
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
  claims.set(folder, { prefixes: [folder, pathToFileURL(folder).href], owner });
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
      if (claim.prefixes.some((prefix) => line.includes(prefix)) && claim.prefixes[0].length > (best?.prefixes[0].length ?? 0)) best = claim;
    }
    if (best) return best.owner;
  }
  return undefined;
}

let installed: Logger | undefined;

/**
 * Catch errors that escape plugin code (a throw in a raw timer, a rejected promise nobody awaits):
 * the plugin whose code is on the error's stack is marked failed and the host keeps serving.
 */
export function installFaultHandlers(logger: Logger): void {
  if (installed) return;
  installed = logger;
  const route = (error: unknown): void => {
    const owner = ownerOf(error);
    if (owner) owner.fault(error);
    else logger.error('Unhandled error outside any plugin (the host keeps running)', toError(error));
  };
  process.on('uncaughtException', route);
  process.on('unhandledRejection', route);
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
