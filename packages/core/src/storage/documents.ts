import { randomUUID } from 'node:crypto';
import { NexusError } from '../errors.ts';
import { depthMessage, isTooDeep, LIMITS, sizeMessage } from '../limits.ts';
import type { Document, FindOptions, IndexSpec, Stored } from './types.ts';

// What every storage driver does alike: names it accepts, documents it stores, how a filter matches
// and how a page is cut, and the errors it raises. The memory, SQLite and PostgreSQL drivers share
// these so that a plugin sees the same rules and messages whichever one runs it.

const NAME = /^[a-z][a-z0-9_]*$/;
const FIELD = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Throws NEXUS_DB_INVALID unless a plugin or collection name is `^[a-z][a-z0-9_]*$`. */
export function assertStorageName(plugin: string, collection?: string): void {
  if (collection === undefined) {
    if (NAME.test(plugin)) return;
    throw new NexusError(
      'NEXUS_DB_INVALID',
      `Plugin "${plugin}" cannot use storage: its name must match ^[a-z][a-z0-9_]*$. Change "name" in plugins/${plugin}/manifest.json.`,
      { plugin },
    );
  }
  if (NAME.test(collection)) return;
  throw new NexusError(
    'NEXUS_DB_INVALID',
    `Plugin "${plugin}" declares collection "${collection}", which is not a valid name: use lower-case letters, digits and "_", starting with a letter (^[a-z][a-z0-9_]*$). Rename it in databaseSchema().`,
    { plugin },
  );
}

/** Throws NEXUS_DB_INVALID unless `field` can be indexed, filtered and sorted on. */
export function assertFieldName(plugin: string, collection: string, field: string): void {
  if (FIELD.test(field)) return;
  throw new NexusError(
    'NEXUS_DB_INVALID',
    `Plugin "${plugin}", collection "${collection}": field "${field}" cannot be indexed, filtered or sorted on. Field names must match ^[A-Za-z_][A-Za-z0-9_]*$.`,
    { plugin },
  );
}

/** The error for a collection that `ensureSchema` did not create. */
export function unknownCollectionError(plugin: string, collection: string): NexusError {
  return new NexusError(
    'NEXUS_DB_UNKNOWN_COLLECTION',
    `Plugin "${plugin}" has no collection "${collection}": declare it in databaseSchema() (collections: { ${collection}: {} }) so Nexus creates it before initialize().`,
    { plugin },
  );
}

/** The error for a value a unique index already holds (`existing`: when adding the index). */
export function duplicateError(
  plugin: string,
  collection: string,
  field: string,
  value: unknown,
  existing = false,
): NexusError {
  const shown = JSON.stringify(value);
  const message = existing
    ? `Plugin "${plugin}" cannot add a unique index on field "${field}" of collection "${collection}": several documents have the value ${shown}. Remove the duplicates, or drop "unique: true" from the "${field}" index in databaseSchema().`
    : field === 'id'
      ? `Plugin "${plugin}" cannot save to collection "${collection}": a document with id ${shown} already exists. Use another id, or leave "id" out to get a generated one.`
      : `Plugin "${plugin}" cannot save to collection "${collection}": field "${field}" must be unique and another document already has the value ${shown}. Use another value, or drop "unique: true" from the "${field}" index in databaseSchema().`;
  return new NexusError('NEXUS_DB_CONSTRAINT', message, { plugin });
}

/** JSON text of a value to store; throws NEXUS_DB_INVALID when it has no JSON form. */
export function toStoredJson(plugin: string, where: string, value: unknown): string {
  if (isTooDeep(value)) throw invalidValue(plugin, where, depthMessage('it'));
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw invalidValue(plugin, where, (error as Error).message, error);
  }
  if (json === undefined) throw invalidValue(plugin, where, `a ${typeof value} has no JSON form`);
  if (json.length > LIMITS.bytes / 4 && Buffer.byteLength(json) > LIMITS.bytes) {
    throw invalidValue(plugin, where, sizeMessage('its JSON form', Buffer.byteLength(json)));
  }
  return json;
}

function invalidValue(plugin: string, where: string, why: string, cause?: unknown): NexusError {
  return new NexusError(
    'NEXUS_DB_INVALID',
    `Plugin "${plugin}" cannot store ${where}: ${why}. Store plain JSON data (objects, arrays, strings, numbers, booleans, null).`,
    { plugin, cause },
  );
}

/** The document to insert with its id: the given one, or a new UUID. */
export function withId<T extends Document>(plugin: string, collection: string, doc: T): Stored<T> {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw invalidValue(plugin, `a document in collection "${collection}"`, 'it is not an object');
  }
  const id = doc.id ?? randomUUID();
  if (typeof id !== 'string' || id === '') {
    throw invalidValue(plugin, `a document in collection "${collection}"`, '"id" must be a non-empty string');
  }
  // Spread first: an explicit `id: undefined` in doc must not win over the generated id.
  return { ...doc, id };
}

/** Index specs of a schema collection, validated; the primary key `id` needs none. */
export function indexesOf(plugin: string, collection: string, indexes: readonly IndexSpec[] = []): IndexSpec[] {
  for (const index of indexes) assertFieldName(plugin, collection, index.field);
  return indexes.filter((index) => index.field !== 'id');
}

/** Filter entries that take part in matching (`undefined` values are ignored), validated. */
export function filterEntries(plugin: string, collection: string, filter: object = {}): [string, unknown][] {
  const entries = Object.entries(filter).filter(([, value]) => value !== undefined);
  for (const [field, value] of entries) {
    assertFieldName(plugin, collection, field);
    if (typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol') {
      throw invalidValue(plugin, `a filter on "${field}" in collection "${collection}"`, `a ${typeof value} cannot be compared`);
    }
    if (isTooDeep(value)) throw invalidValue(plugin, `a filter on "${field}" in collection "${collection}"`, depthMessage('it'));
  }
  return entries;
}

/** Equality of a stored field with a filter value: null matches null or missing, objects by JSON. */
export function fieldMatches(actual: unknown, expected: unknown): boolean {
  if (expected === null) return actual === null || actual === undefined;
  if (typeof expected === 'object') {
    return typeof actual === 'object' && actual !== null && JSON.stringify(actual) === JSON.stringify(expected);
  }
  return actual === expected;
}

/** Key under which a unique index holds a value (as SQLite compares them); undefined: not held. */
export function uniqueKey(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'boolean') return `n:${Number(value)}`;
  if (typeof value === 'number') return `n:${value}`;
  return `s:${typeof value === 'string' ? value : JSON.stringify(value)}`;
}

/** Sort order of field values, as SQLite orders `json_extract` results: null, numbers, text. */
export function compareFieldValues(a: unknown, b: unknown): number {
  const rankA = sortRank(a);
  const rankB = sortRank(b);
  if (rankA !== rankB) return rankA - rankB;
  if (rankA === 1) return Number(a) - Number(b);
  if (rankA === 2) return Buffer.compare(Buffer.from(sortText(a)), Buffer.from(sortText(b)));
  return 0;
}

function sortRank(value: unknown): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' || typeof value === 'boolean' ? 1 : 2;
}

function sortText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Limit and offset of find options; a missing or negative limit means no limit. */
export function pageOf(options: FindOptions<Document> = {}): { limit: number; offset: number } {
  const limit = options.limit === undefined || options.limit < 0 ? -1 : Math.floor(options.limit);
  const offset = Math.max(0, Math.floor(options.offset ?? 0));
  return { limit, offset };
}
