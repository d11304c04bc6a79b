import type { ErrorLocation } from './devtools/wire.ts';

/**
 * Every error Nexus raises on purpose has a code from this table: what it means and the HTTP status
 * a request that runs into it is answered with (Fastify's `lib/errors.js` pairs them the same way).
 * Messages name the plugin, the file or field and the fix; where in a file is a field
 * (`location`), formatted at the edges (the terminal, an HTTP answer).
 */
export const ErrorCodes = {
  NEXUS_MANIFEST_INVALID: { status: 500, description: 'manifest.json is not valid' },
  NEXUS_MANIFEST_DUPLICATE: { status: 500, description: 'two plugins share one name' },
  NEXUS_CONFIG_INVALID: { status: 500, description: 'configuration is not valid' },
  NEXUS_DEPENDENCY_MISSING: { status: 500, description: 'a dependency is missing' },
  NEXUS_DEPENDENCY_VERSION: { status: 500, description: 'a dependency has the wrong version' },
  NEXUS_DEPENDENCY_CYCLE: { status: 500, description: 'plugins depend on each other in a cycle' },
  NEXUS_DEPENDENCY_FAILED: { status: 500, description: 'a dependency failed to start' },
  NEXUS_VERSION_MISMATCH: { status: 500, description: 'nexus_version or node_version does not match' },
  NEXUS_ENTRY_MISSING: { status: 500, description: 'the entry module does not exist' },
  NEXUS_ENTRY_INVALID: { status: 500, description: 'the entry module does not export a plugin' },
  NEXUS_LOAD_FAILED: { status: 500, description: 'the entry module failed to load' },
  NEXUS_INIT_FAILED: { status: 500, description: 'initialize() failed' },
  NEXUS_INIT_TIMEOUT: { status: 500, description: 'initialize() did not finish in time' },
  NEXUS_SHUTDOWN_FAILED: { status: 500, description: 'shutdown() failed' },
  NEXUS_SHUTDOWN_TIMEOUT: { status: 500, description: 'shutdown() did not finish in time' },
  NEXUS_EVENT_PERMISSION: { status: 500, description: 'the plugin lacks an events permission' },
  NEXUS_EVENT_UNDECLARED: { status: 500, description: 'the event type is not declared in the manifest' },
  NEXUS_DB_PERMISSION: { status: 500, description: 'the plugin lacks a database permission' },
  NEXUS_DB_UNKNOWN_COLLECTION: { status: 500, description: 'the collection is not declared in databaseSchema()' },
  NEXUS_DB_CONSTRAINT: { status: 409, description: 'a unique index rejects a duplicate value' },
  NEXUS_DB_INVALID: { status: 500, description: 'a collection name, field or document cannot be stored' },
  NEXUS_SERVICE_DENIED: { status: 500, description: 'the service belongs to a plugin that is not a dependency' },
  NEXUS_SERVICE_MISSING: { status: 500, description: 'no such service' },
  NEXUS_SERVICE_DUPLICATE: { status: 500, description: 'a service with this name is already registered' },
  NEXUS_PLUGIN_FAILED: { status: 500, description: 'the plugin failed at run time' },
  NEXUS_PLUGIN_UNAVAILABLE: { status: 503, description: 'the plugin is not running (starting, swapping, failed or disabled)' },
  NEXUS_PORT_IN_USE: { status: 500, description: 'the port is already in use' },
  NEXUS_APP_CONFIG_INVALID: { status: 500, description: 'nexus.config is not valid' },
  NEXUS_APP_NOT_FOUND: { status: 500, description: 'the app folder does not exist' },
  NEXUS_STORAGE_UNAVAILABLE: { status: 503, description: 'the storage server cannot be reached or used' },
  NEXUS_EVENTS_UNAVAILABLE: { status: 503, description: 'the event transport server cannot be reached or used' },
  NEXUS_ROUTE_NOT_FOUND: { status: 404, description: 'no route answers this method and path' },
  NEXUS_BAD_REQUEST: { status: 400, description: 'the request cannot be read (malformed JSON, bad escapes, not HTTP)' },
  NEXUS_REQUEST_INVALID: { status: 400, description: "the request does not match the route's schema" },
  NEXUS_PAYLOAD_TOO_LARGE: { status: 413, description: 'the request body is larger than bodyLimit' },
  NEXUS_UNSUPPORTED_MEDIA_TYPE: { status: 415, description: 'the route cannot read a body of this type' },
  NEXUS_HTTP_ERROR: { status: 400, description: 'a route answered with an HTTP error of its own' },
  NEXUS_INTERNAL: { status: 500, description: 'a route failed; the server log says why' },
  NEXUS_LIMIT_EXCEEDED: { status: 500, description: 'a value nests deeper or is larger than Nexus accepts (a request body past it gets 400)' },
  NEXUS_SERVICE_READ_ONLY: { status: 500, description: 'a plugin tried to change a service of another plugin' },
  NEXUS_HOST_NOT_ALLOWED: { status: 403, description: 'the Host header names a host that is not allowed (allowedHosts in nexus.config)' },
  NEXUS_STORAGE_OPEN_FAILED: { status: 500, description: 'the database cannot be opened' },
  NEXUS_RESPONSE_INVALID: { status: 500, description: 'a route answered with a value JSON cannot encode' },
  NEXUS_REQUEST_TIMEOUT: { status: 408, description: 'the request did not arrive within the server timeouts' },
  NEXUS_HEADERS_TOO_LARGE: { status: 431, description: 'the request headers are too large' },
} as const satisfies Record<string, { status: number; description: string }>;

/** A Nexus error code, e.g. `NEXUS_CONFIG_INVALID`. */
export type ErrorCode = keyof typeof ErrorCodes;

export type { ErrorLocation } from './devtools/wire.ts';

/** Options of a NexusError. */
export interface NexusErrorOptions {
  plugin?: string;
  /** Individual problems when the error gathers several (validation). @default [message] */
  problems?: readonly string[];
  cause?: unknown;
  /** Where in the plugin's source the error points. */
  location?: ErrorLocation;
  /** Send the message to HTTP clients (Koa's `expose`). @default true for a 4xx status */
  expose?: boolean;
}

/** An error raised by Nexus: `code` says what kind, `message` says what is wrong and how to fix it. */
export class NexusError extends Error {
  override name = 'NexusError';
  readonly code: ErrorCode;
  /** The plugin the error is about, when there is one. */
  readonly plugin: string | undefined;
  /** Individual problems when the error gathers several (validation). */
  readonly problems: readonly string[];
  /** The HTTP status a request that runs into this error is answered with. */
  readonly status: number;
  /** The message is safe to send to a client. */
  readonly expose: boolean;
  /** Where in the plugin's source the error points, when it does. */
  readonly location: ErrorLocation | undefined;

  constructor(code: ErrorCode, message: string, options: NexusErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.plugin = options.plugin;
    this.problems = options.problems ?? [message];
    this.status = ErrorCodes[code].status;
    this.expose = options.expose ?? this.status < 500;
    this.location = options.location;
  }
}

/** True when `error` is a NexusError, optionally of the given code. */
export function isNexusError(error: unknown, code?: ErrorCode): error is NexusError {
  return error instanceof NexusError && (code === undefined || error.code === code);
}

/** The message of any thrown value, for people. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : JSON.stringify(error);
}
