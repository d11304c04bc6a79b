// Private: which code belongs to the plugin under test, and the timers that code created.
//
// A harness runs everything it calls on the plugin (lifecycle, routes, event handlers) inside a
// scope token. An async hook notes every timer created while a token is current, so shutdown()
// can name the timers a plugin started with the global setTimeout/setInterval and never cleared:
// production does not release those, and they keep firing after a hot reload.
import { AsyncLocalStorage, createHook, type AsyncHook } from 'node:async_hooks';
import path from 'node:path';

/** The code of one plugin under test, and the timers it created. */
export interface Scope {
  readonly timers: Set<TrackedTimer>;
}

/** A timer created by plugin code. */
export interface TrackedTimer {
  readonly timer: NodeJS.Timeout;
  /** `file:line:column` of the call that created it, when it could be found. */
  readonly site: string | undefined;
}

const storage = new AsyncLocalStorage<Scope>();
let hook: AsyncHook | undefined;

/** A fresh scope for one plugin; timers created inside it are tracked from now on. */
export function createScope(): Scope {
  hook ??= createHook({ init: onInit }).enable();
  return { timers: new Set() };
}

/** Run `fn` as code of the scope's plugin. */
export function runInScope<T>(scope: Scope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** The scope of the code running now, if any. */
export function currentScope(): Scope | undefined {
  return storage.getStore();
}

/** Timers of the scope that are still pending and keep the process alive. */
export function pendingTimers(scope: Scope): TrackedTimer[] {
  return [...scope.timers].filter(({ timer }) => isPending(timer) && timer.hasRef());
}

/** Clear every pending timer of the scope (after they were reported). */
export function clearTimers(scope: Scope): void {
  for (const { timer } of scope.timers) clearTimeout(timer);
  scope.timers.clear();
}

/** `setInterval every 500 ms` / `setTimeout of 500 ms`, from Node's timer fields when present. */
export function describeTimer(timer: NodeJS.Timeout): string {
  const fields = timer as unknown as { _idleTimeout?: unknown; _repeat?: unknown };
  const ms = typeof fields._idleTimeout === 'number' ? fields._idleTimeout : undefined;
  const repeats = fields._repeat !== null && fields._repeat !== undefined;
  if (ms === undefined) return repeats ? 'setInterval' : 'setTimeout';
  return repeats ? `setInterval every ${ms} ms` : `setTimeout of ${ms} ms`;
}

function isPending(timer: NodeJS.Timeout): boolean {
  return (timer as unknown as { _destroyed?: boolean })._destroyed !== true;
}

function onInit(_id: number, type: string, _trigger: number, resource: object): void {
  if (type !== 'Timeout') return;
  const scope = storage.getStore();
  if (!scope) return;
  if (scope.timers.size >= 256) prune(scope);
  scope.timers.add({ timer: resource as NodeJS.Timeout, site: creationSite() });
}

function prune(scope: Scope): void {
  for (const tracked of scope.timers) if (!isPending(tracked.timer)) scope.timers.delete(tracked);
}

const OWN_FILES = `${path.sep}packages${path.sep}testing${path.sep}src${path.sep}`;
const CORE_FILES = `${path.sep}packages${path.sep}core${path.sep}src${path.sep}`;

// The first stack frame outside Node, this package and @nexus/core: where plugin code made the timer.
function creationSite(): string | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 30;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  for (const line of stack.split('\n').slice(1)) {
    const frame = line.trim().replace(/^at /, '');
    const location = /\(([^()]+)\)$/.exec(frame)?.[1] ?? frame;
    const match = /^(?:file:\/\/)?(\/.+):(\d+):(\d+)$/.exec(location);
    if (!match) continue;
    const file = match[1]!;
    if (file.includes(OWN_FILES) || file.includes(CORE_FILES) || file.includes(`${path.sep}node_modules${path.sep}`)) continue;
    return `${path.relative(process.cwd(), file)}:${match[2]}:${match[3]}`;
  }
  return undefined;
}
