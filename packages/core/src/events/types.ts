/** What travels on the event bus. */
export interface EventEnvelope<T = unknown> {
  /** Unique id of this event. */
  id: string;
  type: string;
  data: T;
  /** Name of the plugin that published it, or `nexus` for the host. */
  source: string;
  /** ISO-8601 time of publishing. */
  timestamp: string;
}

/** A subscriber; may be async. A throw is logged and counted, never seen by the publisher. */
export type EventHandler<T = unknown> = (event: EventEnvelope<T>) => void | Promise<void>;

/**
 * Moves envelopes between publishers and the local dispatcher. The default is in-process (mitt);
 * a durable transport (several Nexus instances as one app) implements the same interface.
 */
export interface EventTransport {
  /** Hand an envelope over for delivery to every subscriber of every instance. */
  publish(envelope: EventEnvelope): void | Promise<void>;
  /** Receive every envelope delivered to this instance; returns an unsubscribe function. */
  subscribe(listener: (envelope: EventEnvelope) => void): () => void;
  close(): void | Promise<void>;
}

/** How a subscription shares events between the app's instances. */
export type SubscriptionMode = 'group' | 'broadcast';

/** Options of `subscribeToEvent`. */
export interface SubscribeOptions {
  /**
   * `group`: one instance of the app handles each event; `broadcast`: every running instance does.
   * Only a durable transport tells them apart: in-process, one instance is the whole app.
   * @default 'group'
   */
  mode?: SubscriptionMode;
}

/** One consumer of a durable transport: a plugin's handlers of one event type, in one mode. */
export interface ConsumerSpec {
  plugin: string;
  type: string;
  mode: SubscriptionMode;
}

/** What the bus did with a delivery: the transport acknowledges `handled`, releases `unhandled`. */
export type DeliveryOutcome = 'handled' | 'unhandled';

/** Called by a durable transport per delivery; rejects when a handler failed (retry, then dead letter). */
export type DeliveryHandler = (envelope: EventEnvelope, attempt: number) => Promise<DeliveryOutcome>;

/** An event that failed every attempt, kept for a person to look at. */
export interface DeadLetter {
  plugin: string;
  type: string;
  eventId: string;
  attempts: number;
  error: string;
  failedAt: string;
}

/** Counters and backlog of a durable transport, for /health and /metrics. */
export interface TransportHealth {
  transport: 'postgres' | 'redis';
  healthy: boolean;
  /** Server address, password hidden. */
  url: string;
  error?: string;
  /** Events waiting for a consumer of this app (all instances). */
  pending: number;
  /** Age in seconds of the oldest waiting event (0 when none). */
  lagSeconds: number;
  /** Events delivered again (after a failure, a crash or a claim timeout), by this instance. */
  redeliveries: number;
  /** Dead letters per plugin (all instances). */
  deadLetters: Record<string, number>;
  /** Redis only: entries trimmed from a stream before every group acknowledged them. */
  trimmedUnacked?: number;
}

/**
 * A transport that keeps events until a handler succeeded (at-least-once): the bus asks it to
 * consume each plugin's subscriptions and it calls back per delivery, acknowledging after.
 */
export interface DurableTransport {
  readonly name: 'postgres' | 'redis';
  /** True when `publish` inside a storage transaction joins it (postgres outbox). */
  readonly transactional: boolean;
  /** Store the envelope for every registered consumer group of its type. */
  publish(envelope: EventEnvelope): Promise<void>;
  /** Start consuming; resolves once the consumer group is registered. Returns the stop function. */
  consume(spec: ConsumerSpec, handle: DeliveryHandler): Promise<() => Promise<void>>;
  health(): Promise<TransportHealth>;
  deadLetters(plugin: string, limit?: number): Promise<DeadLetter[]>;
  close(): Promise<void>;
}

/** True when `transport` is durable (postgres or redis). */
export function isDurable(transport: EventTransport | DurableTransport): transport is DurableTransport {
  return 'consume' in transport;
}
