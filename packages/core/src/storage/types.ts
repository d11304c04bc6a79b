import type { LeaseStore } from '../leases/leases.ts';

/** A stored document; `id` is assigned on insert when missing. */
export type Document = { id?: string } & Record<string, unknown>;

/** A document as read back from storage: it always has an id. */
export type Stored<T extends Document> = T & { id: string };

/** An index on one top-level field of a collection's documents. */
export interface IndexSpec {
  field: string;
  unique?: boolean;
}

/** What `databaseSchema()` returns: the plugin's collections, created before `initialize()`. */
export interface DatabaseSchema {
  collections: Record<string, { indexes?: IndexSpec[] }>;
  /** Documents inserted into a collection when it is first created. */
  initialData?: Record<string, Document[]>;
}

/** Options for `find`. */
export interface FindOptions<T extends Document> {
  limit?: number;
  offset?: number;
  sort?: { field: keyof T & string; order?: 'asc' | 'desc' };
}

/** A plugin's collection of JSON documents; filters match top-level fields by equality. */
export interface Collection<T extends Document = Document> {
  insert(doc: T): Promise<Stored<T>>;
  get(id: string): Promise<Stored<T> | undefined>;
  find(filter?: Partial<T>, options?: FindOptions<T>): Promise<Stored<T>[]>;
  findOne(filter: Partial<T>): Promise<Stored<T> | undefined>;
  /** Merge `patch` into the document; resolves to the new document, or undefined when absent. */
  update(id: string, patch: Partial<T>): Promise<Stored<T> | undefined>;
  delete(id: string): Promise<boolean>;
  count(filter?: Partial<T>): Promise<number>;
}

/**
 * Everything Nexus persists. The default is embedded SQLite in the app's `.nexus/` folder; a
 * PostgreSQL driver implements the same interface. Every method is async for that reason.
 */
export interface StorageDriver {
  /** Values saved by `setConfig`, for one plugin. */
  loadConfig(plugin: string): Promise<Record<string, unknown>>;
  saveConfig(plugin: string, key: string, value: unknown): Promise<void>;
  getData<T = unknown>(plugin: string, key: string): Promise<T | undefined>;
  setData(plugin: string, key: string, value: unknown): Promise<void>;
  deleteData(plugin: string, key: string): Promise<boolean>;
  /** Create the plugin's collections and indexes (idempotent), seeding initialData on creation. */
  ensureSchema(plugin: string, schema: DatabaseSchema): Promise<void>;
  collection<T extends Document = Document>(plugin: string, name: string): Collection<T>;
  /** Whether `plugin` recorded event `eventId` as handled (the dedupe helper). */
  wasHandled?(plugin: string, eventId: string): Promise<boolean>;
  /** Record event `eventId` as handled by `plugin`; false when it already was. */
  markHandled?(plugin: string, eventId: string): Promise<boolean>;
  /**
   * Run `work` as one transaction: every storage call inside it (and the outbox row of an event
   * published inside it, on the postgres transport) commits together, or none does.
   */
  transaction?<T>(work: () => Promise<T>): Promise<T>;
  /** Leases for once-per-app work; absent: leases are local to this process. */
  readonly leases?: LeaseStore;
  /** Defer `run` until the current transaction commits; false (nothing deferred) outside one. */
  afterCommit?(run: () => unknown): boolean;
  close(): Promise<void>;
  /** Whether the database answers and no write or read has failed for a reason of its own (disk full, damaged file). */
  health?(): Promise<StorageHealth>;
}

/** What `/health` shows of the storage. */
export interface StorageHealth {
  healthy: boolean;
  /** Which driver, e.g. `sqlite`. */
  driver: string;
  /** Why it is unhealthy, and what to do. */
  error?: string;
}
