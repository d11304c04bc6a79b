import { depthMessage, excessJsonDepth } from '../limits.ts';
import type { ConfigOption } from '../manifest/types.ts';

/** The result of coercing an environment variable: the typed value, or what is wrong with it. */
export type CoercedEnvValue = { value: unknown } | { error: string };

/** The config environment: NEXUS_ENV, else NODE_ENV, else development (`nexus dev`) or production (`nexus start`). */
export function resolveEnvName(mode: 'dev' | 'start', environ: NodeJS.ProcessEnv = process.env): string {
  const explicit = environ.NEXUS_ENV?.trim() || environ.NODE_ENV?.trim();
  if (explicit) return explicit;
  return mode === 'dev' ? 'development' : 'production';
}

/** The environment variable that overrides a plugin's config key, e.g. `NEXUS_MY_PLUGIN_API_KEY`. */
export function envVarName(plugin: string, key: string): string {
  return `NEXUS_${plugin}_${key}`.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BOOLEANS: Record<string, boolean> = { true: true, false: false, 1: true, 0: false, yes: true, no: false };

/** Converts an environment variable's text to the option's declared type, strictly. */
export function coerceEnvValue(option: ConfigOption, raw: string): CoercedEnvValue {
  const got = option.secret ? ' (value hidden: secret)' : `, got ${JSON.stringify(raw)}`;
  const text = raw.trim();
  switch (option.type) {
    case 'integer':
      return INTEGER.test(text) ? { value: Number(text) } : { error: `expected an integer${got}` };
    case 'number':
      return NUMBER.test(text) ? { value: Number(text) } : { error: `expected a number${got}` };
    case 'boolean':
      return coerceBoolean(text, got);
    case 'array':
    case 'object':
      return coerceJson(option.type, text, got);
    default:
      return { value: raw };
  }
}

function coerceBoolean(text: string, got: string): CoercedEnvValue {
  const value = BOOLEANS[text.toLowerCase()];
  return value === undefined ? { error: `expected true, false, 1, 0, yes or no${got}` } : { value };
}

function coerceJson(type: 'array' | 'object', text: string, got: string): CoercedEnvValue {
  const example = type === 'array' ? '["a","b"]' : '{"a":1}';
  const expected = `expected a JSON ${type} such as ${example}${got}`;
  if (excessJsonDepth(text) !== undefined) return { error: depthMessage('the value') };
  try {
    const value: unknown = JSON.parse(text);
    const isArray = Array.isArray(value);
    const ok = type === 'array' ? isArray : typeof value === 'object' && value !== null && !isArray;
    return ok ? { value } : { error: expected };
  } catch {
    return { error: expected };
  }
}
