// Shared set-up of the core's unit tests: the host pieces a plugin context is built from, catching
// what a call throws, and channels to plugin code written to disk.
import { afterAll, beforeEach } from 'vitest';
import { EventBus } from '../src/events/bus.ts';
import { createLogger, createMemorySink } from '../src/logger/logger.ts';
import { ServiceRegistry } from '../src/services/registry.ts';
import { createMemoryStorage } from '../src/storage/memory.ts';

/** A logger writing to memory, an event bus, a service registry and in-memory storage. */
export function hostPieces(name = 'test') {
  const sink = createMemorySink();
  const logger = createLogger({ name, sink });
  return { sink, logger, bus: new EventBus({ logger }), services: new ServiceRegistry(), storage: createMemoryStorage() };
}

/** What `run` throws; fails the test when it does not. */
export function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

/** What `promise` rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** A value on `globalThis` shared by a test and the plugin code it writes to disk. */
export interface TestChannel<T> {
  /** The value of the current test. */
  (): T;
  /** How plugin source reaches it, e.g. `${calls.ref}.push('init')`. */
  readonly ref: string;
}

/**
 * `globalThis[name]`, set to a fresh `init()` before each test of the file that calls this (call it
 * at the top of the file, before its own hooks) and removed after the file: what one test's plugins
 * wrote never reaches the next test.
 */
export function testChannel<T>(name: string, init: () => T): TestChannel<T> {
  const global = globalThis as Record<string, unknown>;
  beforeEach(() => {
    global[name] = init();
  });
  afterAll(() => {
    delete global[name];
  });
  return Object.assign(() => global[name] as T, { ref: `(globalThis as any).${name}` });
}
