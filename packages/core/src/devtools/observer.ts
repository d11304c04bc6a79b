import type { EventEnvelope } from '../events/types.ts';
import type { LogRecord } from '../logger/types.ts';

/**
 * The one hook the core's hot paths call when the dev dashboard records what happens (request
 * path, event bus, service registry, logger). Absent under `nexus start`: each call site is a
 * single `if (observer)`.
 */
export interface RuntimeObserver {
  /** An event was handed to the transport by `envelope.source`. */
  published(envelope: EventEnvelope): void;
  /** Run `handler(envelope)`, a handler of `plugin`; returns what it returned. */
  handle<T>(plugin: string, envelope: EventEnvelope, handler: (envelope: EventEnvelope) => T): T;
  /** `requester` got service `name` of `owner`; returns the object the requester uses. */
  service<T>(requester: string, name: string, owner: string, impl: T): T;
  /** A log record passed the logger's level and redaction. */
  logged(record: LogRecord): void;
}
