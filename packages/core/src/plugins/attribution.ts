import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from '../logger/types.ts';

/** Who owns running code: errors it leaves behind go to `fault`. */
export interface PluginOwner {
  readonly name: string;
  fault(error: unknown): void;
}

const owners = new AsyncLocalStorage<PluginOwner>();

/** Run `fn` as code of a plugin: errors it leaves behind (timers, promises) are that plugin's. */
export function runAsPlugin<T, A extends unknown[]>(owner: PluginOwner, fn: (...args: A) => T, ...args: A): T {
  return owners.run(owner, fn, ...args);
}

/** The plugin whose code is running now, if any. */
export function currentOwner(): PluginOwner | undefined {
  return owners.getStore();
}

let installed: Logger | undefined;

/**
 * Catch errors that escape plugin code (a throw in a raw timer, a rejected promise nobody awaits):
 * the owning plugin is marked failed and the host keeps serving.
 */
export function installFaultHandlers(logger: Logger): void {
  if (installed) return;
  installed = logger;
  const route = (error: unknown): void => {
    const owner = currentOwner();
    if (owner) owner.fault(error);
    else logger.error('Unhandled error outside any plugin (the host keeps running)', toError(error));
  };
  process.on('uncaughtException', route);
  process.on('unhandledRejection', route);
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
