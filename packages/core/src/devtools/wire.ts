// What the dashboard's API sends, shared by the server (devtools/) and the page (dashboard/src/api.ts).
// No imports: the page type-checks this file without Node's or Koa's types.

/** One step of a trace: the request, an event, a handler run for it, a service call, a log line. */
export interface Span {
  id: number;
  parent?: number;
  kind: 'request' | 'event' | 'handler' | 'service' | 'log';
  /** `GET /plugins/users/users`, an event type, `users.directory.get()`, a log message. */
  name: string;
  /** The plugin whose code it is (the publisher of an event, the handler's plugin, the service's owner). */
  plugin?: string;
  /** Milliseconds since the trace began. */
  start: number;
  /** Absent while it runs. */
  duration?: number;
  error?: string;
  detail?: Record<string, unknown>;
}

/** A request to a plugin route, or an event published outside any request, with what followed. */
export interface Trace {
  id: string;
  kind: 'request' | 'event';
  name: string;
  plugin?: string;
  /** Epoch milliseconds. */
  startedAt: number;
  /** The HTTP status of a request. */
  status?: number;
  /** Until the last span ended. */
  duration?: number;
  errors: number;
  spans: Span[];
  /** Spans not kept because the trace was full. */
  dropped: number;
  request?: { method: string; url: string; route?: string; headers: Record<string, unknown>; body?: unknown };
  response?: { headers: Record<string, unknown>; body?: unknown };
}

/** A trace as listed (no spans). */
export type TraceSummary = Omit<Trace, 'spans' | 'request' | 'response'> & { spanCount: number };

/** One config value and the layer it came from. */
export interface ConfigEntry {
  key: string;
  /** REDACTED for a set secret. */
  value: unknown;
  /** `manifest default`, `plugins/x/config/development.yaml`, `nexus.config.json`, `saved by setConfig` or `NEXUS_X_KEY`. */
  source?: string;
  type: string;
  secret: boolean;
  required: boolean;
  description?: string;
  /** Set by a layer but not declared in the manifest (saved values). */
  undeclared?: boolean;
}
