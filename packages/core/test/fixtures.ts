// Shared set-up of the core's unit tests: the host pieces a plugin context is built from, and
// catching what a call throws.
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
