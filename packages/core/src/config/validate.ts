import { isDeepStrictEqual } from 'node:util';
import { Ajv, type ValidateFunction } from 'ajv';
import type { ConfigOption, ConfigValueType } from '../manifest/types.ts';
import { envVarName } from './env.ts';

// strict: false because `items` / `properties` are user-written fragments that may carry
// annotations (title, examples, x-…) Ajv would otherwise reject.
const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new WeakMap<ConfigOption, ValidateFunction>();

const EXPECTED: Record<ConfigValueType, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean (true or false)',
  array: 'an array',
  object: 'an object',
};

/**
 * What is wrong with `value` for the config option, or undefined when it is fine.
 * `null` and `undefined` mean "not set". `plugin` names the environment variable in the hint.
 */
export function validateConfigValue(
  key: string,
  option: ConfigOption,
  value: unknown,
  plugin?: string,
): string | undefined {
  if (value === undefined || value === null) {
    return option.required ? missingMessage(key, plugin) : undefined;
  }
  return (
    typeProblem(option, value) ??
    rangeProblem(option, value) ??
    enumProblem(option, value) ??
    patternProblem(option, value) ??
    shapeProblem(option, value)
  );
}

/** What is wrong with an option's `items` / `properties` JSON Schema, or undefined when it is usable. */
export function checkValueSchema(option: ConfigOption): string | undefined {
  const schema = valueSchema(option);
  if (!schema) return undefined;
  if (!ajv.validateSchema(schema)) {
    const first = ajv.errors?.[0];
    const where = first?.instancePath.replace(/^\/(items|properties)/, '') || '(root)';
    return `is not a valid JSON Schema: ${where} ${first?.message ?? 'is invalid'}`;
  }
  try {
    valueValidator(option);
    return undefined;
  } catch (error) {
    return `is not a valid JSON Schema: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function missingMessage(key: string, plugin: string | undefined): string {
  const variable =
    plugin === undefined ? envVarName('PLUGIN', key).replace('NEXUS_PLUGIN_', 'NEXUS_<PLUGIN>_') : envVarName(plugin, key);
  return `is required but not set — set it in config/default.yaml, nexus.config or ${variable}`;
}

/** True when `value` has the declared config type. */
function hasType(type: ConfigValueType, value: unknown): boolean {
  switch (type) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return typeof value === type;
  }
}

function typeProblem(option: ConfigOption, value: unknown): string | undefined {
  if (hasType(option.type, value)) return undefined;
  return `expected ${EXPECTED[option.type]}, got ${show(option, value)}`;
}

function rangeProblem(option: ConfigOption, value: unknown): string | undefined {
  if (typeof value === 'number') return bounds(option, value, '', option.secret ? undefined : value);
  if (typeof value === 'string') return bounds(option, [...value].length, ' characters long', [...value].length);
  if (Array.isArray(value)) return bounds(option, value.length, ' items', value.length, 'have');
  return undefined;
}

function bounds(
  option: ConfigOption,
  measure: number,
  unit: string,
  shown: number | undefined,
  verb = 'be',
): string | undefined {
  const got = shown === undefined ? '' : `, got ${shown}`;
  if (option.min !== undefined && measure < option.min) return `must ${verb} at least ${option.min}${unit}${got}`;
  if (option.max !== undefined && measure > option.max) return `must ${verb} at most ${option.max}${unit}${got}`;
  return undefined;
}

function enumProblem(option: ConfigOption, value: unknown): string | undefined {
  if (!option.enum || option.enum.some((allowed) => isDeepStrictEqual(allowed, value))) return undefined;
  return `must be one of ${option.enum.map((allowed) => JSON.stringify(allowed)).join(', ')}`;
}

function patternProblem(option: ConfigOption, value: unknown): string | undefined {
  if (option.pattern === undefined || typeof value !== 'string') return undefined;
  let regex: RegExp;
  try {
    regex = new RegExp(option.pattern);
  } catch {
    return undefined; // an invalid pattern is reported once, by manifest validation
  }
  return regex.test(value) ? undefined : `must match /${option.pattern}/`;
}

function shapeProblem(option: ConfigOption, value: unknown): string | undefined {
  let validate: ValidateFunction | undefined;
  try {
    validate = valueValidator(option);
  } catch {
    return undefined; // reported by manifest validation
  }
  if (!validate || validate(value)) return undefined;
  const problems = (validate.errors ?? []).map((e) => `at ${e.instancePath || '(root)'}: ${e.message ?? 'is invalid'}`);
  return problems.join('; ');
}

/** The JSON Schema a value must match beyond its type, from `items` / `properties`. */
function valueSchema(option: ConfigOption): Record<string, unknown> | undefined {
  if (option.type === 'array' && option.items) return { type: 'array', items: option.items };
  if (option.type === 'object' && option.properties) return { type: 'object', properties: option.properties };
  return undefined;
}

/** A compiled validator for the option's `items` / `properties`, or undefined when it has none. */
function valueValidator(option: ConfigOption): ValidateFunction | undefined {
  const cached = compiled.get(option);
  if (cached) return cached;
  const schema = valueSchema(option);
  if (!schema) return undefined;
  const validate = ajv.compile(schema);
  compiled.set(option, validate);
  return validate;
}

/** A short rendering of a value for messages; secrets show only their kind. */
function show(option: ConfigOption, value: unknown): string {
  if (option.secret) return kindOf(value);
  const text = typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
