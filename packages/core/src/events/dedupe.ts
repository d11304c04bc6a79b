import type { EventEnvelope } from './types.ts';
import type { StorageDriver } from '../storage/types.ts';

/** Thrown inside a storage transaction when another delivery of the same event committed first. */
class DuplicateDelivery extends Error {
  override name = 'DuplicateDelivery';
}

/** True for the rollback signal of `handleOnce`; the bus acknowledges such a delivery. */
export function isDuplicateDelivery(error: unknown): boolean {
  return error instanceof DuplicateDelivery;
}

const KEY = 'nexus.handled:';

/**
 * Run `work` unless `plugin` already handled `event` (same id). The id is recorded after `work`
 * succeeds; inside a storage transaction (PostgreSQL) the record commits with `work`'s writes, and a
 * concurrent second delivery rolls back instead, so the effect happens exactly once.
 * Resolves to true when `work` ran.
 */
export async function handleOnce(storage: StorageDriver, plugin: string, event: EventEnvelope, work: () => unknown): Promise<boolean> {
  const seen = storage.wasHandled ? await storage.wasHandled(plugin, event.id) : (await storage.getData(plugin, KEY + event.id)) !== undefined;
  if (seen) return false;
  await work();
  const fresh = storage.markHandled
    ? await storage.markHandled(plugin, event.id)
    : (await storage.setData(plugin, KEY + event.id, Date.now()), true);
  if (!fresh && storage.transaction && inTransaction(storage)) throw new DuplicateDelivery(`event ${event.id} was handled by another delivery`);
  return true;
}

function inTransaction(storage: StorageDriver): boolean {
  // afterCommit answers true (and queues) only inside a transaction: queue a no-op to ask.
  return storage.afterCommit?.(() => undefined) ?? false;
}
