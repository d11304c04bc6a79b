import { type EventEnvelope, type EventHandler, type Logger, type PluginManifest } from '@nexus/core';
import { EventBus } from '@nexus/core/host';
import { currentScope, runInScope } from './_scope.ts';
import { createMockLogger } from './logger.ts';

/** The host's name on the bus: what `emit()` publishes as, unless told otherwise. */
const HOST = 'nexus';

/** A publish or subscribe the bus refused (kept for expectManifestContract). */
export interface Refusal {
  plugin: string;
  type: string;
  action: 'publish' | 'subscribe';
  error: unknown;
}

/** Options of `emit()`. */
export interface EmitOptions {
  /**
   * Who publishes the event, as seen in `event.source`. A name that is not a registered plugin
   * stands in for a plugin that declares this type; a registered plugin keeps its own rules.
   * @default 'nexus'
   */
  source?: string;
}

/** Options of createMockEventBus. */
export interface MockEventBusOptions {
  /** Where failing handlers are reported, as the real bus does. @default a MockLogger named 'nexus' */
  logger?: Logger;
}

/** Refused publishes and subscriptions of each bus; read by the contract check. */
export const refusals = new WeakMap<MockEventBus, Refusal[]>();

/**
 * The real EventBus of @nexus/core (same permission and declaration rules, same errors, same
 * delivery) that also records what was published and lets a test emit events and wait for them.
 *
 * `Publishes` and `Subscribes` are the plugin's event names (from its generated types).
 */
export class MockEventBus<Publishes extends string = string, Subscribes extends string = string> extends EventBus {
  readonly #log: EventEnvelope[] = [];
  readonly #refused: Refusal[] = [];
  readonly #manifests = new Map<string, PluginManifest>();
  readonly #subscriptions = new Set<{ plugin: string; type: string }>();
  /** Handler errors of the events emit() is waiting for, by event id. */
  readonly #errors = new Map<string, unknown[]>();
  /** Plugins being swapped: emit() waits until their queued events are delivered. */
  readonly #swaps = new Map<string, { done: Promise<void>; resolve: () => void }>();
  /** Sources emit() published as that are not registered plugins, with the types they sent. */
  readonly #standIns = new Map<string, Set<string>>();

  constructor(options: MockEventBusOptions = {}) {
    super({ logger: options.logger ?? createMockLogger({ name: HOST }) });
    refusals.set(this, this.#refused);
  }

  override registerPlugin(manifest: PluginManifest): void {
    super.registerPlugin(manifest);
    this.#manifests.set(manifest.name, manifest);
  }

  override async publish(source: string, type: string, data: unknown): Promise<EventEnvelope> {
    let envelope: EventEnvelope;
    try {
      envelope = await super.publish(source, type, data);
    } catch (error) {
      this.#refused.push({ plugin: source, type, action: 'publish', error });
      throw error;
    }
    this.#log.push(envelope);
    return envelope;
  }

  override subscribe(plugin: string, type: string, handler: EventHandler): () => void {
    const scope = currentScope();
    const watched: EventHandler = (event) => this.#watch(event, () => (scope ? runInScope(scope, () => handler(event)) : handler(event)));
    let off: () => void;
    try {
      off = super.subscribe(plugin, type, watched);
    } catch (error) {
      this.#refused.push({ plugin, type, action: 'subscribe', error });
      throw error;
    }
    const entry = { plugin, type };
    this.#subscriptions.add(entry);
    return () => {
      this.#subscriptions.delete(entry);
      off();
    };
  }

  override pause(plugin: string): void {
    super.pause(plugin);
    if (this.#swaps.has(plugin)) return;
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    this.#swaps.set(plugin, { done, resolve });
  }

  override async resume(plugin: string): Promise<void> {
    try {
      await super.resume(plugin);
    } finally {
      this.#swaps.get(plugin)?.resolve();
      this.#swaps.delete(plugin);
    }
  }

  /**
   * Events published through this bus, oldest first, optionally of one type. What the test sent
   * with `emit()` is not included.
   */
  published(type?: Publishes): EventEnvelope[] {
    return this.#log.filter((event) => type === undefined || event.type === type);
  }

  /** Live subscriptions, optionally of one plugin, in the order they were made. */
  subscriptions(plugin?: string): { plugin: string; type: string }[] {
    return [...this.#subscriptions].filter((s) => plugin === undefined || s.plugin === plugin).map((s) => ({ ...s }));
  }

  /** Forget what was published (and refused) so far. */
  clear(): void {
    this.#log.length = 0;
    this.#refused.length = 0;
  }

  /**
   * Deliver an event to its subscribers and resolve once every handler has run (including work
   * they published in turn). Rejects with the error of a handler that threw, where production
   * would only log it. The type must be one some registered plugin declares in `events.subscribes`
   * (or its own namespace), or nothing could ever receive it.
   *
   * @example await harness.events.emit('user.created', { user_id: '123', username: 'ada' });
   */
  async emit(type: Subscribes, data?: unknown, options: EmitOptions = {}): Promise<EventEnvelope> {
    this.#checkReceivable(type);
    const source = options.source ?? HOST;
    if (source !== HOST) this.#allowPublisher(source, type);
    const envelope = await super.publish(source, type, data);
    // Delivery happens on a later turn, so the handlers have not run yet.
    const errors: unknown[] = [];
    this.#errors.set(envelope.id, errors);
    try {
      await Promise.all([...this.#swaps.values()].map((swap) => swap.done));
      await this.idle();
    } finally {
      this.#errors.delete(envelope.id);
    }
    if (errors.length > 0) throw errors[0];
    return envelope;
  }

  #watch(event: EventEnvelope, run: () => void | Promise<void>): void | Promise<void> {
    const failed = (error: unknown): never => {
      this.#errors.get(event.id)?.push(error);
      throw error;
    };
    let result: void | Promise<void>;
    try {
      result = run();
    } catch (error) {
      return failed(error);
    }
    return result instanceof Promise ? result.catch(failed) : result;
  }

  #checkReceivable(type: string): void {
    const plugins = [...this.#manifests.values()].filter((m) => m.name !== HOST);
    if (plugins.length === 0) return;
    const receivers = plugins.filter(
      (m) => m.permissions?.includes('events.subscribe') && (m.events?.subscribes?.includes(type) || type.startsWith(`${m.name}.`)),
    );
    if (receivers.length > 0) return;
    const declared = plugins.flatMap((m) => m.events?.subscribes ?? []);
    throw new Error(
      `emit("${type}"): no plugin declares "${type}" in "events.subscribes", so in production nothing could receive it. ` +
        `Declared: ${declared.length > 0 ? declared.map((t) => `"${t}"`).join(', ') : 'none'}.`,
    );
  }

  // A registered plugin keeps its real rules; any other source stands in for a plugin declaring `type`.
  #allowPublisher(source: string, type: string): void {
    if (this.#manifests.has(source)) return;
    const types = this.#standIns.get(source) ?? new Set<string>();
    this.#standIns.set(source, types.add(type));
    super.registerPlugin({ name: source, version: '0.0.0', permissions: ['events.publish'], events: { publishes: [...types] } });
  }
}

/**
 * A MockEventBus: the real bus with recording, `emit()` and `published()`.
 *
 * @example
 * const bus = createMockEventBus();
 * bus.registerPlugin(manifest);           // the plugin's events rules, as the host does
 * await bus.publish('my_plugin', 'my_plugin.done', { ok: true });
 * bus.published('my_plugin.done');        // [{ type, data, source, id, timestamp }]
 */
export function createMockEventBus<Publishes extends string = string, Subscribes extends string = string>(
  options: MockEventBusOptions = {},
): MockEventBus<Publishes, Subscribes> {
  return new MockEventBus<Publishes, Subscribes>(options);
}
