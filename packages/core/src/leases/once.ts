import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger/types.ts';
import type { LeaseStore } from './leases.ts';

/** Options of work that runs on one instance of the app. */
export interface OnceOptions {
  /** Lease name, unique within the plugin: instances running the same `once` share one lease. */
  once: string;
  /** How long a lease lasts without renewal; a dead holder's work resumes elsewhere after it. @default 15000 */
  leaseMs?: number;
}

interface Holder {
  leases: LeaseStore;
  holder: string;
  logger: Logger;
}

/**
 * Run `task` while this instance holds the lease `name`: wait as a standby until it is free, renew
 * it every third of `leaseMs`, and abort the task's signal when it is lost or `signal` aborts.
 */
export async function runWithLease(
  { leases, holder, logger }: Holder,
  name: string,
  leaseMs: number,
  signal: AbortSignal,
  task: (signal: AbortSignal) => Promise<unknown>,
): Promise<void> {
  while (!signal.aborted) {
    if (await tryAcquire(leases, name, holder, leaseMs, logger)) {
      const lost = new AbortController();
      const stop = (): void => lost.abort(signal.reason);
      signal.addEventListener('abort', stop, { once: true });
      const renew = setInterval(() => {
        void tryAcquire(leases, name, holder, leaseMs, logger).then((held) => {
          if (!held) lost.abort(new Error(`lost the lease "${name}"`));
        });
      }, Math.max(50, Math.floor(leaseMs / 3)));
      try {
        await task(lost.signal);
        return;
      } finally {
        clearInterval(renew);
        signal.removeEventListener('abort', stop);
        await leases.release(name, holder).catch(() => {});
      }
    }
    await sleep(Math.max(50, Math.floor(leaseMs / 2)), signal);
  }
}

/** True when this instance holds (or just took) the lease; a storage failure counts as not. */
export async function tryAcquire(leases: LeaseStore, name: string, holder: string, leaseMs: number, logger: Logger): Promise<boolean> {
  try {
    return await leases.acquire(name, holder, leaseMs);
  } catch (error) {
    logger.warn(`Cannot take the lease "${name}": ${errorMessage(error)}`);
    return false;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
