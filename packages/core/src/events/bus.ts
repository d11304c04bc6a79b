import { randomUUID } from 'node:crypto';
import { NexusError, errorMessage } from '../errors.ts';
import { deepFreeze, depthMessage, isTooDeep } from '../limits.ts';
import type { Logger } from '../logger/types.ts';
import { defaultManifestFile } from '../manifest/load.ts';
import type { PluginManifest } from '../manifest/types.ts';
import type { RuntimeObserver } from '../devtools/observer.ts';
import { createMittTransport } from './mitt-transport.ts';
import {
  isDurable,
  type ConsumerSpec,
  type DeliveryOutcome,
  type DurableTransport,
  type EventEnvelope,
  type EventHandler,
  type EventTransport,
  type SubscribeOptions,
  type SubscriptionMode,
} from './types.ts';

/** Options of an EventBus. */
export interface EventBusOptions {
  /** Moves envelopes; default: in-process mitt. A durable transport acknowledges after the handlers. */
  transport?: EventTransport | DurableTransport;
  /** Runs a durable delivery's handlers as one storage transaction (see StorageDriver.transaction). */
  transaction?: <T>(work: () => Promise<T>) => Promise<T>;
  /** Defers a publish made inside a storage transaction until it commits (false: not inside one). */
  afterCommit?: (run: () => unknown) => boolean;
  /** Where failing handlers are reported. */
  logger: Logger;
  /** Called once per published event (metrics). */
  onPublished?: (type: string, source: string) => void;
  /** Called once per handler that threw or rejected (metrics). */
  onHandlerError?: (plugin: string, type: string, error: unknown) => void;
  /** Sees every publish and handler run (the dev dashboard's traces). */
  observer?: RuntimeObserver;
  /** Called when the dedupe helper found a durable delivery already handled (metrics). */
  onDuplicate?: (plugin: string, type: string) => void;
}

/** Counters of an EventBus. */
export interface EventBusStats {
  published: number;
  /** Handler invocations. */
  delivered: number;
  /** Failed handler invocations per plugin. */
  handlerErrors: Record<string, number>;
}

interface Rules {
  /** The manifest to name in errors. */
  file: string;
  canPublish: boolean;
  canSubscribe: boolean;
  publishes: ReadonlySet<string>;
  subscribes: ReadonlySet<string>;
}

interface Subscription {
  plugin: string;
  handler: EventHandler;
  mode: SubscriptionMode;
  active: boolean;
}

/** A plugin being swapped: events it would receive wait in `queue` (durable ones wait on `resumed`). */
interface Paused {
  types: Set<string>;
  queue: EventEnvelope[];
  resumed: Promise<void>;
  resume: () => void;
}

/** A durable transport's consumer for one (plugin, type, mode), shared by its subscriptions. */
interface Consumer {
  spec: ConsumerSpec;
  refs: number;
  started: Promise<(() => Promise<void>) | undefined>;
}

/** The host's own name: it publishes and subscribes without rules. */
const HOST = 'nexus';
/** A plugin the bus has no rules of may do nothing. */
const NO_RULES: Omit<Rules, 'file'> = { canPublish: false, canSubscribe: false, publishes: new Set(), subscribes: new Set() };

// Captured at load so that fake timers installed by a test later do not stall delivery.
const defer = globalThis.setImmediate;

/** Routes events between plugins, enforcing each manifest's events rules. */
export class EventBus {
  readonly #transport: EventTransport | undefined;
  readonly #durable: DurableTransport | undefined;
  readonly #transaction: EventBusOptions['transaction'];
  readonly #afterCommit: EventBusOptions['afterCommit'];
  readonly #onDuplicate: EventBusOptions['onDuplicate'];
  readonly #consumers = new Map<string, Consumer>();
  readonly #logger: Logger;
  readonly #onPublished: EventBusOptions['onPublished'];
  readonly #onHandlerError: EventBusOptions['onHandlerError'];
  readonly #observer: RuntimeObserver | undefined;
  readonly #detach: () => void;
  readonly #rules = new Map<string, Rules>();
  /** Copy-on-write lists: a dispatch iterates a list that (un)subscribing never mutates. */
  readonly #subscribers = new Map<string, Subscription[]>();
  readonly #counts = new Map<string, number>();
  readonly #paused = new Map<string, Paused>();
  readonly #handlerErrors = new Map<string, number>();
  #pending: EventEnvelope[] = [];
  #scheduled = false;
  #inflight = 0;
  #waiters: (() => void)[] = [];
  #published = 0;
  #delivered = 0;
  #closed = false;

  constructor(options: EventBusOptions) {
    const transport = options.transport ?? createMittTransport();
    this.#logger = options.logger;
    this.#onPublished = options.onPublished;
    this.#onHandlerError = options.onHandlerError;
    this.#observer = options.observer;
    this.#onDuplicate = options.onDuplicate;
    this.#transaction = options.transaction;
    this.#afterCommit = options.afterCommit;
    if (isDurable(transport)) {
      this.#durable = transport;
      this.#detach = () => {};
    } else {
      this.#transport = transport;
      this.#detach = transport.subscribe((envelope) => this.#receive(envelope));
    }
  }

  /** The durable transport's name, or `memory` for the in-process one. */
  get transportName(): 'memory' | 'postgres' | 'redis' {
    return this.#durable?.name ?? 'memory';
  }

  /** The durable transport, when there is one (health, dead letters). */
  get durable(): DurableTransport | undefined {
    return this.#durable;
  }

  /** Count a delivery the dedupe helper skipped (`handleOnce` found its id handled). */
  deduplicated(plugin: string, type: string): void {
    this.#onDuplicate?.(plugin, type);
  }

  /** Resolves when every durable consumer started so far is registered with the transport. */
  async ready(): Promise<void> {
    await Promise.all([...this.#consumers.values()].map((consumer) => consumer.started));
  }

  /** Take (or replace) a plugin's events rules from its manifest; errors name `manifestFile`. */
  registerPlugin(manifest: PluginManifest, manifestFile = defaultManifestFile(manifest.name)): void {
    const permissions = new Set(manifest.permissions ?? []);
    this.#rules.set(manifest.name, {
      file: manifestFile,
      canPublish: permissions.has('events.publish'),
      canSubscribe: permissions.has('events.subscribe'),
      publishes: new Set(manifest.events?.publishes ?? []),
      subscribes: new Set(manifest.events?.subscribes ?? []),
    });
  }

  /** Forget a plugin's rules; its subscriptions stay until their unsubscribe functions run. */
  unregisterPlugin(name: string): void {
    this.#rules.delete(name);
  }

  /** Publish `data` as `type` from `source`; resolves once the transport has the envelope. */
  async publish(source: string, type: string, data: unknown): Promise<EventEnvelope> {
    if (this.#closed) throw new Error(`The event bus is closed: "${source}" cannot publish "${type}".`);
    if (source !== HOST) this.#checkPublish(source, type);
    const envelope: EventEnvelope = Object.freeze({
      id: randomUUID(),
      type,
      data: frozenCopy(source, type, data),
      source,
      timestamp: new Date().toISOString(),
    });
    // Counted as in flight until handed over, so idle() cannot resolve in between.
    this.#inflight++;
    try {
      const handed = this.#hand(envelope);
      if (handed) await handed;
    } finally {
      this.#settle();
    }
    this.#published++;
    this.#onPublished?.(type, source);
    this.#observer?.published(envelope);
    return envelope;
  }

  /** Call `handler` for every event of `type`; returns the unsubscribe function. */
  subscribe(plugin: string, type: string, handler: EventHandler, options: SubscribeOptions = {}): () => void {
    if (type.includes('*')) throw wildcardError(plugin, type, this.#rulesOf(plugin).file);
    if (plugin !== HOST) this.#checkSubscribe(plugin, type);
    const mode = options.mode ?? 'group';
    const subscription: Subscription = { plugin, handler, mode, active: true };
    this.#subscribers.set(type, [...(this.#subscribers.get(type) ?? []), subscription]);
    this.#counts.set(plugin, (this.#counts.get(plugin) ?? 0) + 1);
    if (this.#durable) this.#addConsumer({ plugin, type, mode });
    return () => this.#unsubscribe(type, subscription);
  }

  /** Queue the events `plugin` would receive until resume() (it is being swapped). */
  pause(plugin: string): void {
    if (this.#paused.has(plugin)) return;
    const types = new Set(this.#rulesOf(plugin).subscribes);
    for (const [type, list] of this.#subscribers) {
      if (list.some((s) => s.plugin === plugin)) types.add(type);
    }
    let resume = (): void => {};
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    this.#paused.set(plugin, { types, queue: [], resumed, resume });
  }

  /** Deliver what was queued for `plugin`, in order, to its current handlers; then deliver normally. */
  async resume(plugin: string): Promise<void> {
    const paused = this.#paused.get(plugin);
    if (!paused) return;
    const running: Promise<void>[] = [];
    for (const envelope of paused.queue) {
      for (const subscription of this.#subscribers.get(envelope.type) ?? []) {
        if (!subscription.active || subscription.plugin !== plugin) continue;
        const settled = this.#invoke(subscription, envelope);
        if (settled) running.push(settled);
      }
    }
    // Synchronous up to here: no dispatch can slip between the queue and normal delivery.
    this.#paused.delete(plugin);
    paused.resume();
    for (const consumer of this.#consumers.values()) {
      if (consumer.spec.plugin === plugin && consumer.refs === 0) this.#stopConsumer(consumer);
    }
    await Promise.all(running);
  }

  /** The event types `plugin` has live subscriptions to, one entry per subscription. */
  subscribedTypes(plugin: string): string[] {
    const types: string[] = [];
    for (const [type, list] of this.#subscribers) for (const s of list) if (s.active && s.plugin === plugin) types.push(type);
    return types;
  }

  /** Live subscriptions of `plugin`. */
  subscriptionCount(plugin: string): number {
    return this.#counts.get(plugin) ?? 0;
  }

  /** Resolves when no delivery is in flight (events queued for a paused plugin excepted). */
  idle(): Promise<void> {
    if (this.#inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Counters since the bus was created. */
  stats(): EventBusStats {
    return {
      published: this.#published,
      delivered: this.#delivered,
      handlerErrors: Object.fromEntries(this.#handlerErrors),
    };
  }

  /** Wait for deliveries in flight, then detach from and close the transport. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.idle();
    this.#closed = true;
    this.#detach();
    await Promise.all([...this.#consumers.values()].map((consumer) => this.#stopConsumer(consumer)));
    await (this.#durable ?? this.#transport)!.close();
    this.#subscribers.clear();
    this.#paused.clear();
  }

  #rulesOf(plugin: string): Rules {
    return this.#rules.get(plugin) ?? { ...NO_RULES, file: defaultManifestFile(plugin) };
  }

  #checkPublish(plugin: string, type: string): void {
    const rules = this.#rulesOf(plugin);
    if (!rules.canPublish) throw permissionError(plugin, type, 'publish', rules.file);
    if (!rules.publishes.has(type) && !inNamespace(plugin, type)) throw undeclaredError(plugin, type, 'publish', rules.file);
  }

  #checkSubscribe(plugin: string, type: string): void {
    const rules = this.#rulesOf(plugin);
    if (!rules.canSubscribe) throw permissionError(plugin, type, 'subscribe', rules.file);
    if (!rules.subscribes.has(type) && !inNamespace(plugin, type)) throw undeclaredError(plugin, type, 'subscribe', rules.file);
  }

  #unsubscribe(type: string, subscription: Subscription): void {
    if (!subscription.active) return;
    subscription.active = false;
    const rest = (this.#subscribers.get(type) ?? []).filter((s) => s !== subscription);
    if (rest.length > 0) this.#subscribers.set(type, rest);
    else this.#subscribers.delete(type);
    const count = (this.#counts.get(subscription.plugin) ?? 1) - 1;
    if (count > 0) this.#counts.set(subscription.plugin, count);
    else this.#counts.delete(subscription.plugin);
    const consumer = this.#consumers.get(consumerKey({ plugin: subscription.plugin, type, mode: subscription.mode }));
    if (consumer && --consumer.refs === 0 && !this.#paused.has(subscription.plugin)) void this.#stopConsumer(consumer);
  }

  // Inside a storage transaction an event leaves when the transaction commits: a handler never
  // sees an event whose state change was rolled back. The postgres outbox joins the transaction.
  #hand(envelope: EventEnvelope): void | Promise<void> {
    if (this.#durable) {
      const durable = this.#durable;
      if (!durable.transactional && this.#afterCommit?.(() => durable.publish(envelope))) return;
      return durable.publish(envelope);
    }
    const transport = this.#transport!;
    if (this.#afterCommit?.(() => transport.publish(envelope))) return;
    return transport.publish(envelope);
  }

  #addConsumer(spec: ConsumerSpec): void {
    const key = consumerKey(spec);
    const existing = this.#consumers.get(key);
    if (existing) {
      existing.refs++;
      return;
    }
    const consumer: Consumer = { spec, refs: 1, started: Promise.resolve(undefined) };
    consumer.started = this.#durable!.consume(spec, (envelope, attempt) => this.#deliver(spec, envelope, attempt)).catch((error: unknown) => {
      this.#consumers.delete(key);
      this.#logger.error(`Cannot consume "${spec.type}" for plugin "${spec.plugin}" on the ${this.#durable!.name} transport: ${errorMessage(error)}`, { plugin: spec.plugin, error });
      return undefined;
    });
    this.#consumers.set(key, consumer);
  }

  async #stopConsumer(consumer: Consumer): Promise<void> {
    const key = consumerKey(consumer.spec);
    if (this.#consumers.get(key) === consumer) this.#consumers.delete(key);
    const stop = await consumer.started;
    await stop?.();
  }

  // One durable delivery: every handler of the plugin for this type and mode, in one storage
  // transaction; resolves when all succeeded (the transport acknowledges), rejects otherwise.
  async #deliver(spec: ConsumerSpec, envelope: EventEnvelope, attempt: number): Promise<DeliveryOutcome> {
    this.#inflight++;
    try {
      const paused = this.#paused.get(spec.plugin);
      if (paused) await paused.resumed;
      const handlers = (this.#subscribers.get(spec.type) ?? []).filter((s) => s.active && s.plugin === spec.plugin && s.mode === spec.mode);
      if (handlers.length === 0) return 'unhandled';
      // Parsed from the transport, so a copy of its own: frozen like an in-process envelope's data.
      const frozen = Object.freeze({ ...envelope, data: deepFreeze(envelope.data) });
      const run = async (): Promise<void> => {
        for (const subscription of handlers) {
          this.#delivered++;
          await subscription.handler(frozen);
        }
      };
      try {
        await (this.#transaction ? this.#transaction(run) : run());
      } catch (error) {
        this.#fail(spec.plugin, envelope, error, attempt);
        throw error;
      }
      return 'handled';
    } finally {
      this.#settle();
    }
  }

  // Transports may call this synchronously from publish(): delivery is deferred to a later
  // turn so the publisher resumes first, and one deferral serves a whole batch.
  #receive(envelope: EventEnvelope): void {
    this.#pending.push(envelope);
    this.#inflight++;
    if (this.#scheduled) return;
    this.#scheduled = true;
    defer(() => this.#drain());
  }

  #drain(): void {
    this.#scheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    for (const envelope of batch) this.#dispatch(envelope);
    this.#inflight -= batch.length - 1;
    this.#settle();
  }

  #dispatch(envelope: EventEnvelope): void {
    const list = this.#subscribers.get(envelope.type);
    const anyPaused = this.#paused.size > 0;
    if (list) {
      for (const subscription of list) {
        if (!subscription.active || (anyPaused && this.#paused.has(subscription.plugin))) continue;
        this.#invoke(subscription, envelope);
      }
    }
    if (anyPaused) this.#park(envelope, list);
  }

  #park(envelope: EventEnvelope, list: Subscription[] | undefined): void {
    for (const [plugin, paused] of this.#paused) {
      const wanted =
        paused.types.has(envelope.type) ||
        this.#rulesOf(plugin).subscribes.has(envelope.type) ||
        (list?.some((s) => s.active && s.plugin === plugin) ?? false);
      if (wanted) paused.queue.push(envelope);
    }
  }

  // Returns a promise only for async handlers; it settles after the handler and never rejects.
  #invoke(subscription: Subscription, envelope: EventEnvelope): Promise<void> | undefined {
    this.#delivered++;
    let result: void | Promise<void>;
    try {
      const observer = this.#observer;
      result = observer ? observer.handle(subscription.plugin, envelope, subscription.handler) : subscription.handler(envelope);
    } catch (error) {
      this.#fail(subscription.plugin, envelope, error);
      return undefined;
    }
    if (!isThenable(result)) return undefined;
    this.#inflight++;
    return Promise.resolve(result).then(
      () => this.#settle(),
      (error: unknown) => {
        this.#fail(subscription.plugin, envelope, error);
        this.#settle();
      },
    );
  }

  #fail(plugin: string, envelope: EventEnvelope, error: unknown, attempt?: number): void {
    this.#handlerErrors.set(plugin, (this.#handlerErrors.get(plugin) ?? 0) + 1);
    const retry = attempt === undefined ? '' : ` (attempt ${attempt}; it will be retried, then kept as a dead letter)`;
    this.#logger.error(`Plugin "${plugin}" failed to handle event "${envelope.type}"${retry}: ${errorMessage(error)}`, {
      plugin,
      type: envelope.type,
      eventId: envelope.id,
      error,
    });
    this.#onHandlerError?.(plugin, envelope.type, error);
  }

  #settle(): void {
    this.#inflight--;
    if (this.#inflight > 0 || this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}

function consumerKey(spec: ConsumerSpec): string {
  return `${spec.plugin}\0${spec.type}\0${spec.mode}`;
}

/**
 * Subscribers share one envelope: its data is a frozen copy, so no handler changes what the
 * publisher or another handler sees (as with a transport that serializes). Data structuredClone
 * cannot copy (functions, class instances with private state) is delivered as is.
 */
function frozenCopy(source: string, type: string, data: unknown): unknown {
  if (typeof data !== 'object' || data === null) return data;
  if (isTooDeep(data)) {
    throw new NexusError('NEXUS_LIMIT_EXCEEDED', `Plugin "${source}" cannot publish "${type}": ${depthMessage('its data')}`, { plugin: source });
  }
  try {
    return deepFreeze(structuredClone(data));
  } catch {
    return data;
  }
}

function isThenable(value: unknown): value is PromiseLike<void> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<void>).then === 'function';
}

function inNamespace(plugin: string, type: string): boolean {
  return type.length > plugin.length + 1 && type.startsWith(`${plugin}.`);
}

function verb(action: 'publish' | 'subscribe'): string {
  return action === 'publish' ? 'publish' : 'subscribe to';
}

function permissionError(plugin: string, type: string, action: 'publish' | 'subscribe', file: string): NexusError {
  return new NexusError(
    'NEXUS_EVENT_PERMISSION',
    `Plugin "${plugin}" cannot ${verb(action)} "${type}": it lacks the "events.${action}" permission. Add "events.${action}" to "permissions" in ${file}.`,
    { plugin },
  );
}

function undeclaredError(plugin: string, type: string, action: 'publish' | 'subscribe', file: string): NexusError {
  const field = action === 'publish' ? 'events.publishes' : 'events.subscribes';
  return new NexusError(
    'NEXUS_EVENT_UNDECLARED',
    `Plugin "${plugin}" cannot ${verb(action)} "${type}": the type is not declared. Add it to "${field}" in ${file}, or use a type in its own namespace "${plugin}.*".`,
    { plugin },
  );
}

function wildcardError(plugin: string, type: string, file: string): NexusError {
  return new NexusError(
    'NEXUS_EVENT_UNDECLARED',
    `Plugin "${plugin}" cannot subscribe to "${type}": wildcard subscriptions are not supported. Subscribe to each type by name and list it in "events.subscribes" in ${file}.`,
    { plugin },
  );
}
