/**
 * A door in front of one plugin: open while it serves, closed while it starts, swaps or stops.
 * Requests and events wait at a closed gate instead of failing; the gate also counts requests in
 * flight so a swap can let them finish on the old instance before shutting it down.
 */
export class Gate {
  #open = true;
  #waiters = new Set<(open: boolean) => void>();
  #inflight = 0;
  #drainers = new Set<() => void>();

  get isOpen(): boolean {
    return this.#open;
  }

  close(): void {
    this.#open = false;
  }

  open(): void {
    this.#open = true;
    for (const wake of this.#waiters) wake(true);
    this.#waiters.clear();
  }

  /** Resolves true once the gate is open, or false after `timeoutMs`. */
  wait(timeoutMs: number): Promise<boolean> {
    if (this.#open) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = (open: boolean): void => {
        clearTimeout(timer);
        resolve(open);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(wake);
        resolve(false);
      }, timeoutMs);
      timer.unref();
      this.#waiters.add(wake);
    });
  }

  /** How many callers wait at the closed gate. */
  get waiting(): number {
    return this.#waiters.size;
  }

  /** How many requests are inside. */
  get inflight(): number {
    return this.#inflight;
  }

  /** A request goes in. */
  enter(): void {
    this.#inflight++;
  }

  /** A request is done. */
  leave(): void {
    this.#inflight--;
    if (this.#inflight === 0 && this.#drainers.size > 0) {
      for (const done of this.#drainers) done();
      this.#drainers.clear();
    }
  }

  /** Resolves true when no request is inside, or false after `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.#inflight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#drainers.delete(done);
        resolve(false);
      }, timeoutMs);
      timer.unref();
      this.#drainers.add(done);
    });
  }
}
