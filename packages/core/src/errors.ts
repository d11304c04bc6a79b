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
  NEXUS_STORAGE_UNAVAILABLE: 'the storage server cannot be reached or used',
  NEXUS_EVENTS_UNAVAILABLE: 'the event transport server cannot be reached or used',
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
