/**
 * Every error Nexus raises on purpose has a code from this table, a message that names the plugin,
 * the file or field and the fix, and (for HTTP) a status.
 */
export const ErrorCodes = {
  NEXUS_MANIFEST_INVALID: 'manifest.json is not valid',
  NEXUS_MANIFEST_DUPLICATE: 'two plugins share one name',
  NEXUS_CONFIG_INVALID: 'configuration is not valid',
  NEXUS_DEPENDENCY_MISSING: 'a dependency is missing',
  NEXUS_DEPENDENCY_VERSION: 'a dependency has the wrong version',
  NEXUS_DEPENDENCY_CYCLE: 'plugins depend on each other in a cycle',
  NEXUS_DEPENDENCY_FAILED: 'a dependency failed to start',
  NEXUS_VERSION_MISMATCH: 'nexus_version or node_version does not match',
  NEXUS_ENTRY_MISSING: 'the entry module does not exist',
  NEXUS_ENTRY_INVALID: 'the entry module does not export a plugin',
  NEXUS_LOAD_FAILED: 'the entry module failed to load',
  NEXUS_INIT_FAILED: 'initialize() failed',
  NEXUS_INIT_TIMEOUT: 'initialize() did not finish in time',
  NEXUS_SHUTDOWN_FAILED: 'shutdown() failed',
  NEXUS_SHUTDOWN_TIMEOUT: 'shutdown() did not finish in time',
  NEXUS_EVENT_PERMISSION: 'the plugin lacks an events permission',
  NEXUS_EVENT_UNDECLARED: 'the event type is not declared in the manifest',
  NEXUS_DB_PERMISSION: 'the plugin lacks a database permission',
  NEXUS_DB_UNKNOWN_COLLECTION: 'the collection is not declared in databaseSchema()',
  NEXUS_DB_CONSTRAINT: 'a unique index rejects a duplicate value',
  NEXUS_DB_INVALID: 'a collection name, field or document cannot be stored',
  NEXUS_SERVICE_DENIED: 'the service belongs to a plugin that is not a dependency',
  NEXUS_SERVICE_MISSING: 'no such service',
  NEXUS_SERVICE_DUPLICATE: 'a service with this name is already registered',
  NEXUS_PLUGIN_FAILED: 'the plugin failed at run time',
  NEXUS_PORT_IN_USE: 'the port is already in use',
  NEXUS_APP_CONFIG_INVALID: 'nexus.config is not valid',
  NEXUS_APP_NOT_FOUND: 'the app folder does not exist',
  NEXUS_LIMIT_EXCEEDED: 'a value nests deeper or is larger than Nexus accepts',
  NEXUS_SERVICE_READ_ONLY: 'a plugin tried to change a service of another plugin',
  NEXUS_HOST_NOT_ALLOWED: 'the Host header names a host that is not allowed',
  NEXUS_STORAGE_OPEN_FAILED: 'the database cannot be opened',
  NEXUS_STORAGE_FAILED: 'the database failed (disk full, damaged, read-only)',
  NEXUS_BAD_REQUEST: 'the request cannot be read (malformed JSON, bad escapes, not HTTP)',
  NEXUS_PAYLOAD_TOO_LARGE: 'the request body is larger than bodyLimit',
  NEXUS_UNSUPPORTED_MEDIA_TYPE: 'the route cannot read a body of this type',
  NEXUS_HTTP_ERROR: 'a route answered with an HTTP error of its own',
  NEXUS_INTERNAL: 'a route failed; the server log says why',
  NEXUS_RESPONSE_INVALID: 'a route answered with a value JSON cannot encode',
  NEXUS_REQUEST_TIMEOUT: 'the request did not arrive within the server timeouts',
  NEXUS_HEADERS_TOO_LARGE: 'the request headers are too large',
} as const;

/** A Nexus error code, e.g. `NEXUS_CONFIG_INVALID`. */
export type ErrorCode = keyof typeof ErrorCodes;

/** An error raised by Nexus: `code` says what kind, `message` says where and how to fix it. */
export class NexusError extends Error {
  override name = 'NexusError';
  readonly code: ErrorCode;
  /** The plugin the error is about, when there is one. */
  readonly plugin: string | undefined;
  /** Individual problems when the error gathers several (validation). */
  readonly problems: readonly string[];

  constructor(
    code: ErrorCode,
    message: string,
    options: { plugin?: string; problems?: readonly string[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.plugin = options.plugin;
    this.problems = options.problems ?? [message];
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
