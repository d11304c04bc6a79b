import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import type { Context, Next } from 'koa';
import { errorMessage } from '../errors.ts';
import type { EventEnvelope } from '../events/types.ts';
import type { LogRecord } from '../logger/types.ts';
import type { RuntimeObserver } from './observer.ts';
import { redactHeaders, redactText, redactValue } from './redact.ts';
import type { Span, Trace, TraceSummary } from './wire.ts';

export type { Span, Trace, TraceSummary } from './wire.ts';

interface Live {
  trace: Trace;
  t0: number;
  nextSpan: number;
  running: number;
  /** Ids of the events published in it, forgotten with it. */
  events: string[];
}

interface Scope {
  live: Live;
  parent: number;
}

/** Options of a Tracer. */
export interface TracerOptions {
  /** How many traces are kept (oldest dropped first). @default 200 */
  capacity?: number;
  /** Spans kept per trace. @default 500 */
  maxSpans?: number;
  /** The app's secret config values, scrubbed from everything recorded. */
  secrets: () => readonly string[];
  /** A trace was created or changed (coalesced by the caller). */
  onChange?: (trace: Trace) => void;
  /**
   * While true, requests are traced without async context (see `middleware`). `nexus dev` passes
   * "a hot swap is under way". @default never
   */
  withoutContext?: () => boolean;
}

const TRACE_HEADER = 'x-nexus-trace';
const PLUGIN_PATH = /^\/plugins\/[^/]+\//;

/**
 * Records requests to plugin routes and events as traces, in a bounded ring: the route, the services
 * it called, the events it published and every handler that ran for them, across plugins. Async
 * context (AsyncLocalStorage) carries the trace through awaits; the bus carries it across events.
 */
export class Tracer implements Pick<RuntimeObserver, 'published' | 'handle' | 'service'> {
  readonly #als = new AsyncLocalStorage<Scope>();
  readonly #traces: Live[] = [];
  readonly #byId = new Map<string, Live>();
  /** Event id -> where it was published, so its handlers join that trace. */
  readonly #events = new Map<string, { live: Live; span: number }>();
  readonly #proxies = new WeakMap<object, Map<string, unknown>>();
  readonly #wrappers = new WeakMap<object, Map<string, unknown>>();
  readonly #capacity: number;
  readonly #maxSpans: number;
  readonly #options: TracerOptions;
  /** requester -> services it got. */
  readonly #uses = new Map<string, Set<string>>();
  #count = 0;
  /** Traced calls running: the async context is switched off while there are none (see #enter). */
  #running = 0;

  constructor(options: TracerOptions) {
    this.#options = options;
    this.#capacity = options.capacity ?? 200;
    this.#maxSpans = options.maxSpans ?? 500;
  }

  /** Koa middleware tracing every request to a plugin route; it must run first. */
  middleware() {
    return async (ctx: Context, next: Next): Promise<void> => {
      if (!PLUGIN_PATH.test(ctx.path)) return next();
      const live = this.#begin('request', `${ctx.method} ${ctx.path}`);
      const root = this.#span(live, { kind: 'request', name: live.trace.name });
      live.trace.request = { method: ctx.method, url: ctx.originalUrl, headers: ctx.headers };
      ctx.set(TRACE_HEADER, live.trace.id);
      let failure: unknown;
      // During a hot swap the request is recorded whole but its events and service calls are not
      // nested under it: the async context's promise hook would slow every promise of the swap's
      // load phase (Vite's transform). In the hot-reload bench, whose client polls every millisecond,
      // that phase took 7.0 ms with the dashboard off against 7.9-9.3 with it on (one run each).
      const context = this.#options.withoutContext?.() !== true;
      if (context) this.#enter();
      try {
        await (context ? this.#als.run({ live, parent: root.id }, next) : next());
      } catch (error) {
        failure = error;
        throw error;
      } finally {
        if (context) this.#leave();
        const { trace } = live;
        trace.plugin = ctx.state.plugin as string | undefined;
        root.plugin = trace.plugin;
        trace.status = failure ? 500 : ctx.status;
        const route = (ctx as { _matchedRoute?: string })._matchedRoute;
        if (route) trace.request!.route = String(route);
        const body: unknown = (ctx.request as { body?: unknown }).body;
        // Kept as they are and redacted when shown: recording stays cheap when nobody looks.
        if (body !== undefined) trace.request!.body = body;
        trace.response = { headers: ctx.response.headers as Record<string, unknown> };
        if (ctx.body !== undefined && ctx.body !== null) trace.response.body = shownBody(ctx.body, ctx.response.is('json'));
        root.detail = { status: trace.status, ...(route ? { route: String(route) } : {}) };
        this.#end(live, root, failure ?? (trace.status >= 500 ? `answered ${trace.status}` : undefined));
      }
    };
  }

  published(envelope: EventEnvelope): void {
    const scope = this.#als.getStore();
    const live = scope?.live ?? this.#begin('event', envelope.type, envelope.source);
    const span = this.#span(live, {
      kind: 'event',
      name: envelope.type,
      plugin: envelope.source,
      parent: scope?.parent,
      detail: { id: envelope.id, data: envelope.data },
    });
    // An event's span ends when it is handed over; its handlers are its children.
    this.#end(live, span);
    this.#events.set(envelope.id, { live, span: span.id });
    live.events.push(envelope.id);
  }

  handle<T>(plugin: string, envelope: EventEnvelope, handler: (envelope: EventEnvelope) => T): T {
    const origin = this.#events.get(envelope.id);
    if (!origin) return handler(envelope);
    const span = this.#span(origin.live, { kind: 'handler', name: envelope.type, plugin, parent: origin.span });
    return this.#measure(origin.live, span, handler, envelope);
  }

  service<T>(requester: string, name: string, owner: string, impl: T): T {
    let used = this.#uses.get(requester);
    if (!used) this.#uses.set(requester, (used = new Set()));
    used.add(name);
    if ((typeof impl !== 'object' && typeof impl !== 'function') || impl === null) return impl;
    let byName = this.#proxies.get(impl);
    if (!byName) this.#proxies.set(impl, (byName = new Map()));
    const key = `${requester}\0${name}`;
    let proxy = byName.get(key) as T | undefined;
    if (!proxy) byName.set(key, (proxy = this.#proxy(impl, name, owner)));
    return proxy;
  }

  /** Records a log line inside the trace it was written in, if any. */
  logged(record: LogRecord): void {
    const scope = this.#als.getStore();
    if (!scope) return;
    const span = this.#span(scope.live, {
      kind: 'log',
      name: record.message.slice(0, 300),
      plugin: record.name,
      parent: scope.parent,
      detail: record.error ? { level: record.level, error: errorMessage(record.error) } : { level: record.level },
    });
    // A logged error is shown on its line, not counted again: the failure it reports has its own span.
    this.#end(scope.live, span);
  }

  /** Service names each plugin has asked for, by plugin. */
  servicesUsed(): Record<string, string[]> {
    return Object.fromEntries([...this.#uses].map(([plugin, names]) => [plugin, [...names].sort()]));
  }

  /** The kept traces, newest first, without their spans. */
  list(): TraceSummary[] {
    const secrets = this.#options.secrets();
    return this.#traces.map((live) => summary(live.trace, secrets)).reverse();
  }

  /** A kept trace as shown: JSON-safe, bounded, secrets redacted. */
  get(id: string): Trace | undefined {
    const live = this.#byId.get(id);
    return live && this.view(live.trace);
  }

  /** `trace` as shown: JSON-safe, bounded, secrets redacted. */
  view(trace: Trace): Trace {
    const secrets = this.#options.secrets();
    const shown: Trace = { ...trace, name: redactText(trace.name, secrets), spans: trace.spans.map((span) => viewSpan(span, secrets)) };
    if (trace.request) {
      shown.request = { ...trace.request, url: redactText(trace.request.url, secrets), headers: redactHeaders(trace.request.headers) };
      if (trace.request.body !== undefined) shown.request.body = redactValue(trace.request.body, secrets);
    }
    if (trace.response) {
      shown.response = { headers: redactHeaders(trace.response.headers) };
      if (trace.response.body !== undefined) shown.response.body = redactValue(trace.response.body, secrets);
    }
    return shown;
  }

  clear(): void {
    this.#traces.length = 0;
    this.#byId.clear();
    this.#events.clear();
  }

  #begin(kind: Trace['kind'], name: string, plugin?: string): Live {
    const trace: Trace = { id: `t${++this.#count}`, kind, name, startedAt: Date.now(), errors: 0, spans: [], dropped: 0 };
    if (plugin) trace.plugin = plugin;
    const live: Live = { trace, t0: performance.now(), nextSpan: 1, running: 0, events: [] };
    this.#traces.push(live);
    this.#byId.set(trace.id, live);
    if (this.#traces.length > this.#capacity) this.#forget(this.#traces.shift()!);
    return live;
  }

  #forget(live: Live): void {
    this.#byId.delete(live.trace.id);
    for (const id of live.events) this.#events.delete(id);
  }

  #span(live: Live, fields: Omit<Span, 'id' | 'start'>): Span {
    // One object, no `delete`: spans are made on every traced call and must stay cheap.
    const span: Span = { id: live.nextSpan++, kind: fields.kind, name: fields.name, start: round(performance.now() - live.t0) };
    if (fields.parent !== undefined) span.parent = fields.parent;
    if (fields.plugin !== undefined) span.plugin = fields.plugin;
    if (fields.detail !== undefined) span.detail = fields.detail;
    live.running++;
    if (live.trace.spans.length < this.#maxSpans) live.trace.spans.push(span);
    else live.trace.dropped++;
    return span;
  }

  #end(live: Live, span: Span, error?: unknown): void {
    span.duration = round(performance.now() - live.t0 - span.start);
    if (error !== undefined) {
      span.error = typeof error === 'string' ? error : errorMessage(error);
      live.trace.errors++;
    }
    live.running--;
    live.trace.duration = Math.max(live.trace.duration ?? 0, round(span.start + span.duration));
    this.#options.onChange?.(live.trace);
  }

  /**
   * On Node 20 an AsyncLocalStorage in use puts a hook on every promise of the process: with it on
   * for good, a hot swap's load phase (Vite's transform is hundreds of promises) took ~1 ms more in
   * the hot-reload bench. So the context is on only while traced work runs: `run()` switches it on,
   * the last one to end switches it off (an isolated traced request pays ~10 µs for the switch).
   */
  #enter(): void {
    this.#running++;
  }

  #leave(): void {
    if (--this.#running === 0) this.#als.disable();
  }

  /** Run `fn(arg)` as `span` (its children nest under it) and end the span when it settles. */
  #measure<A, T>(live: Live, span: Span, fn: (arg: A) => T, arg: A): T {
    let result: T;
    this.#enter();
    try {
      result = this.#als.run({ live, parent: span.id }, fn, arg);
    } catch (error) {
      this.#leave();
      this.#end(live, span, error);
      throw error;
    }
    if (isThenable(result)) {
      result.then(
        () => {
          this.#leave();
          this.#end(live, span);
        },
        (error: unknown) => {
          this.#leave();
          this.#end(live, span, error);
        },
      );
    } else {
      this.#leave();
      this.#end(live, span);
    }
    return result;
  }

  #proxy<T extends object>(impl: T, name: string, owner: string): T {
    const wrap = (fn: (...args: unknown[]) => unknown, target: object, label: string): unknown => {
      let cache = this.#wrappers.get(fn);
      if (!cache) this.#wrappers.set(fn, (cache = new Map()));
      let wrapped = cache.get(label);
      if (!wrapped) {
        const tracer = this;
        wrapped = function traced(this: unknown, ...args: unknown[]): unknown {
          const scope = tracer.#als.getStore();
          // Called with the real object as `this`, so private fields (#x) keep working.
          const self = this === proxy || this === undefined ? target : this;
          if (!scope) return fn.apply(self, args);
          const span = tracer.#span(scope.live, {
            kind: 'service',
            name: label,
            plugin: owner,
            parent: scope.parent,
            detail: { args },
          });
          return tracer.#measure(scope.live, span, (a: unknown[]) => fn.apply(self, a), args);
        };
        cache.set(label, wrapped);
      }
      return wrapped;
    };
    /** Per method name: the function last seen and what the proxy hands out for it. */
    const handed = new Map<string, { fn: unknown; out: unknown }>();
    const proxy: T = new Proxy(impl, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver === proxy ? target : receiver);
        if (typeof value !== 'function' || typeof property !== 'string' || property === 'constructor') return value;
        const known = handed.get(property);
        if (known?.fn === value) return known.out;
        const own = Reflect.getOwnPropertyDescriptor(target, property);
        // A frozen method must come back as is (a proxy may not change it): it is not traced.
        const out = own && !own.configurable && !own.writable ? value : wrap(value as (...args: unknown[]) => unknown, target, `${name}.${property}()`);
        handed.set(property, { fn: value, out });
        return out;
      },
      apply(target, thisArg, args) {
        return (wrap(target as unknown as (...a: unknown[]) => unknown, target, `${name}()`) as (...a: unknown[]) => unknown).apply(thisArg, args as unknown[]);
      },
    });
    return proxy;
  }
}

function summary(trace: Trace, secrets: readonly string[]): TraceSummary {
  const { spans, request: _request, response: _response, ...rest } = trace;
  return { ...rest, name: redactText(rest.name, secrets), spanCount: spans.length };
}

function viewSpan(span: Span, secrets: readonly string[]): Span {
  const shown: Span = { ...span, name: redactText(span.name, secrets) };
  if (span.error) shown.error = redactText(span.error, secrets);
  if (span.detail) shown.detail = redactValue(span.detail, secrets) as Record<string, unknown>;
  return shown;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** JSON answers reach the tracer already serialized (http/middlewares/errors.ts): show them as data again. */
function shownBody(body: unknown, json: string | false | null): unknown {
  if (typeof body !== 'string' || !json) return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}
