import type { ConfigOption, PluginManifest } from '@nexus/core';
import type { compile } from 'json-schema-to-typescript';

/** The JSON Schema dialect json-schema-to-typescript compiles (draft 4 typings). */
export type JsonSchema = Parameters<typeof compile>[0];

/** Keywords that hold one sub-schema. */
const ONE_SCHEMA = new Set(['additionalProperties', 'additionalItems', 'not', 'contains', 'if', 'then', 'else']);
/** Keywords that hold a list of sub-schemas. */
const SCHEMA_LIST = new Set(['anyOf', 'oneOf', 'allOf']);
/** Keywords that hold a map of sub-schemas. */
const SCHEMA_MAP = new Set(['properties', 'patternProperties', 'definitions', '$defs']);

/**
 * The JSON Schema of a manifest's `configuration`, as the config interface should see it:
 * keys with a default or `required: true` are required (getConfig never gives undefined for them),
 * `min`/`max` become the limits of the key's type, secrets are marked in the description.
 */
export function configurationSchema(manifest: PluginManifest): JsonSchema {
  const entries = Object.entries(manifest.configuration ?? {});
  return {
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(entries.map(([key, option]) => [key, optionSchema(option)])),
    required: entries.filter(([, option]) => option.required === true || hasDefault(option)).map(([key]) => key),
  };
}

/** A `null` default means "not set", as in every config layer: the key stays optional. */
function hasDefault(option: ConfigOption): boolean {
  return option.default !== undefined && option.default !== null;
}

/** The JSON Schema of one configuration entry. */
export function optionSchema(option: ConfigOption): JsonSchema {
  const schema: JsonSchema = { type: option.type };
  const description = describe(option);
  if (description) schema.description = description;
  if (hasDefault(option)) schema.default = option.default as JsonSchema['default'];
  Object.assign(schema, limits(option));
  if (option.enum) schema.enum = option.enum as JsonSchema['enum'];
  if (option.pattern !== undefined && option.type === 'string') schema.pattern = option.pattern;
  if (option.type === 'array' && option.items) schema.items = cleanFragment(option.items);
  if (option.type === 'object') {
    if (option.properties) schema.properties = mapSchemas(option.properties);
    // An object without declared properties takes any keys: Record<string, unknown>.
    else schema.additionalProperties = true;
  }
  return schema;
}

function describe(option: ConfigOption): string | undefined {
  const text = option.description?.trim();
  if (!option.secret) return text ? commentSafe(text) : undefined;
  return text ? `${commentSafe(text)} (secret)` : '(secret)';
}

/** `min`/`max` as the JSON Schema keywords of the option's type; other types have none. */
function limits(option: ConfigOption): JsonSchema {
  const [low, high] =
    option.type === 'integer' || option.type === 'number'
      ? (['minimum', 'maximum'] as const)
      : option.type === 'string'
        ? (['minLength', 'maxLength'] as const)
        : option.type === 'array'
          ? (['minItems', 'maxItems'] as const)
          : [];
  const out: JsonSchema = {};
  if (low && option.min !== undefined) out[low] = option.min;
  if (high && option.max !== undefined) out[high] = option.max;
  return out;
}

/**
 * A user-written `items` / `properties` fragment made safe to compile: `title` and `$id` dropped
 * (they would become extra exported types whose names may clash), descriptions that cannot
 * close the JSDoc early, and objects without properties typed as `Record<string, unknown>`.
 */
export function cleanFragment(fragment: unknown): JsonSchema {
  if (typeof fragment !== 'object' || fragment === null || Array.isArray(fragment)) return fragment as JsonSchema;
  const entries: [string, unknown][] = [];
  for (const [key, value] of Object.entries(fragment)) {
    if (key === 'title' || key === '$id') continue;
    if (key === 'description' && typeof value === 'string') entries.push([key, commentSafe(value)]);
    else if (key === 'items') entries.push([key, Array.isArray(value) ? value.map(cleanFragment) : cleanFragment(value)]);
    else if (ONE_SCHEMA.has(key)) entries.push([key, cleanFragment(value)]);
    else if (SCHEMA_LIST.has(key) && Array.isArray(value)) entries.push([key, value.map(cleanFragment)]);
    else if (SCHEMA_MAP.has(key) && isRecord(value)) entries.push([key, mapSchemas(value)]);
    else entries.push([key, value]);
  }
  const schema = Object.fromEntries(entries) as JsonSchema;
  const open = !('properties' in schema) && !('patternProperties' in schema) && !('additionalProperties' in schema);
  if (schema.type === 'object' && open) schema.additionalProperties = true;
  return schema;
}

function mapSchemas(map: Record<string, unknown>): Record<string, JsonSchema> {
  return Object.fromEntries(Object.entries(map).map(([key, value]) => [key, cleanFragment(value)]));
}

/** Text for a JSDoc comment: it cannot end the comment early, and has no trailing spaces. */
export function commentSafe(text: string): string {
  return text
    .replace(/\*\//g, '*\\/')
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .join('\n');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
