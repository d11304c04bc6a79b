import type { EventEnvelope } from './types.ts';
import type { StorageDriver } from '../storage/types.ts';

const KEY = 'nexus.handled:';

/**
 * Run `work` unless `plugin` already handled `event` (same id). Inside a storage transaction
 * (PostgreSQL) the id is recorded first: the record commits or rolls back with `work`'s writes, and a
 * concurrent second delivery waits on it and then skips, so the effect happens exactly once.
 * Elsewhere the id is recorded after `work` succeeds (a crash in between repeats `work`).
 * Resolves to true when `work` ran.
 */
export async function handleOnce(storage: StorageDriver, plugin: string, event: EventEnvelope, work: () => unknown): Promise<boolean> {
  if (storage.markHandled && inTransaction(storage)) {
    if (!(await storage.markHandled(plugin, event.id))) return false;
    await work();
    return true;
  }
  const seen = storage.wasHandled ? await storage.wasHandled(plugin, event.id) : (await storage.getData(plugin, KEY + event.id)) !== undefined;
  if (seen) return false;
  await work();
  if (storage.markHandled) await storage.markHandled(plugin, event.id);
  else await storage.setData(plugin, KEY + event.id, Date.now());
  return true;
}

function inTransaction(storage: StorageDriver): boolean {
  // afterCommit answers true (and queues) only inside a transaction: queue a no-op to ask.
  return storage.afterCommit?.(() => undefined) ?? false;
}
