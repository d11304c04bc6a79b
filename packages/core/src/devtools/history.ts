import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { REDACTED } from '../config/redact.ts';
import type { SwapReport } from '../hot/types.ts';
import type { LogRecord } from '../logger/types.ts';
import { redactText } from './redact.ts';
import type { HeapSample, LogEntry, SwapEntry } from './wire.ts';

/** A bounded list: the newest `capacity` items. */
class Ring<T> {
  readonly items: T[] = [];
  constructor(readonly capacity: number) {}
  push(item: T): void {
    this.items.push(item);
    if (this.items.length > this.capacity) this.items.shift();
  }
}

/** Log lines, swaps and heap samples since the app started, each in a bounded ring. */
export class History {
  readonly logs = new Ring<LogEntry>(1_000);
  readonly swaps = new Ring<SwapEntry>(500);
  readonly heap = new Ring<HeapSample>(1_000);
  readonly #began = performance.now();
  #seq = 0;
  #gc: (() => void) | undefined | null = null;

  constructor(private readonly secrets: () => readonly string[]) {}

  log(record: LogRecord): LogEntry {
    const secrets = this.secrets();
    const entry: LogEntry = {
      seq: ++this.#seq,
      time: record.time.getTime(),
      level: record.level,
      name: record.name,
      message: redactText(record.message, secrets),
    };
    if (record.meta) entry.meta = scrubMeta(record.meta, secrets);
    if (record.error) entry.error = redactText(record.error.stack ?? record.error.message, secrets);
    this.logs.push(entry);
    return entry;
  }

  swap(report: SwapReport): SwapEntry {
    const secrets = this.secrets();
    const entry: SwapEntry = { ...report, seq: ++this.#seq, time: Date.now(), at: this.#since() };
    if (report.error) {
      entry.error = { ...report.error, message: redactText(report.error.message, secrets) };
      const where = report.error.location;
      if (where?.frame) entry.error.location = { ...where, frame: redactText(where.frame, secrets) };
      if (report.error.details) entry.error.details = report.error.details.map((d) => redactText(d, secrets));
    }
    this.swaps.push(entry);
    return entry;
  }

  /** Collect garbage fully and record the heap left; undefined when gc cannot be forced. */
  sampleHeap(swap?: number): HeapSample | undefined {
    const gc = this.#collector();
    if (!gc) return undefined;
    gc();
    const sample: HeapSample = { at: this.#since(), heapMB: Math.round((process.memoryUsage().heapUsed / 1048576) * 10) / 10 };
    if (swap !== undefined) sample.swap = swap;
    this.heap.push(sample);
    return sample;
  }

  #since(): number {
    return Math.round(performance.now() - this.#began) / 1000;
  }

  /** `global.gc` when node runs with --expose-gc, else one made through V8's flag (dev only). */
  #collector(): (() => void) | undefined {
    if (this.#gc !== null) return this.#gc;
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) return (this.#gc = exposed);
    try {
      setFlagsFromString('--expose-gc');
      this.#gc = runInNewContext('gc') as () => void;
    } catch {
      this.#gc = undefined;
    }
    return this.#gc;
  }
}

function scrubMeta(meta: Record<string, unknown>, secrets: readonly string[]): unknown {
  try {
    const text = JSON.stringify(meta, (_key, value: unknown) => (value instanceof Error ? value.message : typeof value === 'bigint' ? String(value) : value));
    return text === undefined ? undefined : (JSON.parse(redactText(text, secrets)) as unknown);
  } catch {
    return REDACTED;
  }
}
