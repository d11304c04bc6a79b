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
