import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import semver from 'semver';
import schema from '../../schema/manifest.schema.json' with { type: 'json' };
import { checkValueSchema, validateConfigValue } from '../config/validate.ts';
import { parseDependency } from './compat.ts';
import type { ConfigOption, PluginManifest } from './types.ts';

/** The outcome of checking a manifest: `manifest` is set only when there are no errors. */
export interface ManifestCheck {
  manifest?: PluginManifest;
  errors: string[];
  warnings: string[];
}

/** One schema problem, located by JSON pointer ("(root)" for the document itself). */
export interface SchemaProblem {
  path: string;
  message: string;
}

// verbose: true so that errors carry their parent schema (to list allowed keys).
const ajv = new Ajv({ allErrors: true, verbose: true });
// Compiled on first use: an app with no plugin (and `nexus --help`) never pays for it.
let validateSchema: ValidateFunction | undefined;

const NAME = /^[a-z][a-z0-9_]*$/;
const KNOWN_FIELDS = new Set(Object.keys(schema.properties));

/** A JSON pointer from path segments, escaped as in RFC 6901. */
export function pointer(...segments: (string | number)[]): string {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** Turns one Ajv error into a located, human-readable problem that says how to fix it. */
export function describeSchemaError(error: ErrorObject): SchemaProblem {
  const params = error.params as Record<string, unknown>;
  const at = error.instancePath;
  switch (error.keyword) {
    case 'required':
      return { path: `${at}${pointer(String(params.missingProperty))}`, message: 'is required' };
    case 'additionalProperties':
      return { path: `${at}${pointer(String(params.additionalProperty))}`, message: unknownKeyMessage(error) };
    case 'type':
      return { path: at || '(root)', message: `must be ${typeWords(String(params.type))}` };
    case 'enum':
      return { path: at || '(root)', message: `must be one of ${listValues(params.allowedValues)}` };
    default:
      return { path: at || '(root)', message: otherMessage(error, params) };
  }
}

/** Every schema problem as `<file>: <path>: <message>`; `hint` may replace the message of an error. */
export function formatSchemaErrors(
  file: string,
  errors: readonly ErrorObject[] | null | undefined,
  hint?: (error: ErrorObject) => string | undefined,
): string[] {
  return (errors ?? []).map((error) => {
    const { path, message } = describeSchemaError(error);
    return `${file}: ${path}: ${hint?.(error) ?? message}`;
  });
}

function unknownKeyMessage(error: ErrorObject): string {
  const parent = error.parentSchema as { properties?: Record<string, unknown> } | undefined;
  const allowed = Object.keys(parent?.properties ?? {});
  return allowed.length ? `unknown key; allowed keys: ${allowed.join(', ')}` : 'unknown key';
}

function typeWords(types: string): string {
  const article = (t: string) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);
  return types.split(',').map(article).join(' or ');
}

function listValues(values: unknown): string {
  return Array.isArray(values) ? values.map((v) => JSON.stringify(v)).join(', ') : String(values);
}

function otherMessage(error: ErrorObject, params: Record<string, unknown>): string {
  switch (error.keyword) {
    case 'pattern':
      return patternMessage(error.instancePath, String(params.pattern));
    case 'minLength':
      return params.limit === 1 ? 'must not be empty' : `must be at least ${params.limit} characters long`;
    case 'minItems':
      return `must have at least ${params.limit} item(s)`;
    case 'minimum':
      return `must be at least ${params.limit}`;
    case 'maximum':
      return `must be at most ${params.limit}`;
    default:
      return error.message ?? 'is invalid';
  }
}

function patternMessage(path: string, pattern: string): string {
  if (path === '/name') return 'must be snake_case (lowercase letters, digits, underscores), e.g. "my_plugin"';
  if (/^\/api_endpoints\/\d+\/path$/.test(path)) return 'must start with "/", e.g. "/status"';
  if (path.startsWith('/events/')) {
    return 'must be a dotted event name with no empty parts and no wildcards (list each type by name), e.g. "user.created"';
  }
  return `must match /${pattern}/`;
}

/** Collects problems by JSON pointer; semantic checks skip parts the schema already rejected. */
class Findings {
  readonly errors: SchemaProblem[] = [];
  readonly warnings: SchemaProblem[] = [];

  error(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  warn(path: string, message: string): void {
    this.warnings.push({ path, message });
  }

  /** True when a problem was already found at `path` or below it. */
  failed(path: string): boolean {
    return this.errors.some((e) => e.path === path || e.path.startsWith(`${path}/`));
  }
}

/** Checks a parsed manifest.json against the schema and the rules the schema cannot express. */
export function validateManifest(raw: unknown, file: string): ManifestCheck {
  const findings = new Findings();
  validateSchema ??= ajv.compile(schema);
  if (!validateSchema(raw)) {
    for (const error of validateSchema.errors ?? []) {
      const { path, message } = describeSchemaError(error);
      findings.error(path, message);
    }
  }
  if (isRecord(raw)) runSemanticChecks(raw, findings);
  const errors = findings.errors.map((p) => `${file}: ${p.path}: ${p.message}`);
  const warnings = findings.warnings.map((p) => `${file}: ${p.path}: ${p.message}`);
  return errors.length ? { errors, warnings } : { manifest: raw as unknown as PluginManifest, errors, warnings };
}

function runSemanticChecks(raw: Record<string, unknown>, findings: Findings): void {
  checkVersion(raw.version, findings);
  checkRange('/nexus_version', raw.nexus_version, '">=0.1.0"', findings);
  checkRange('/node_version', raw.node_version, '">=20"', findings);
  checkDependencies(raw, findings);
  checkConfiguration(raw.configuration, findings);
  checkEndpoints(raw.api_endpoints, findings);
  checkEventPermissions(raw, findings);
  checkUnknownFields(raw, findings);
}

function checkVersion(version: unknown, findings: Findings): void {
  if (typeof version !== 'string' || semver.valid(version) !== null) return;
  findings.error('/version', `must be a semver version such as "1.0.0", got ${JSON.stringify(version)}`);
}

function checkRange(path: string, range: unknown, example: string, findings: Findings): void {
  if (typeof range !== 'string' || semver.validRange(range) !== null) return;
  findings.error(path, `must be a semver range such as ${example}, got ${JSON.stringify(range)}`);
}

function checkDependencies(raw: Record<string, unknown>, findings: Findings): void {
  if (!Array.isArray(raw.dependencies)) return;
  const seen = new Set<string>();
  raw.dependencies.forEach((spec: unknown, index) => {
    if (typeof spec !== 'string') return;
    const path = pointer('dependencies', index);
    const { name, range } = parseDependency(spec);
    if (!NAME.test(name) || (range !== undefined && (range === '' || semver.validRange(range) === null))) {
      findings.error(path, `must be "name" or "name@range", e.g. "auth" or "auth@^1.0.0", got ${JSON.stringify(spec)}`);
    } else if (name === raw.name) {
      findings.error(path, `a plugin cannot depend on itself; remove ${JSON.stringify(spec)}`);
    } else if (seen.has(name)) {
      findings.warn(path, `${JSON.stringify(name)} is listed more than once; keep one entry`);
    }
    seen.add(name);
  });
}

function checkConfiguration(configuration: unknown, findings: Findings): void {
  if (!isRecord(configuration)) return;
  for (const [key, option] of Object.entries(configuration)) {
    const path = pointer('configuration', key);
    if (isRecord(option) && !findings.failed(path)) checkOption(path, key, option as unknown as ConfigOption, findings);
  }
}

function checkOption(path: string, key: string, option: ConfigOption, findings: Findings): void {
  const patternOk = checkPattern(path, option, findings);
  const schemaProblem = checkValueSchema(option);
  if (schemaProblem) findings.error(`${path}/${option.type === 'array' ? 'items' : 'properties'}`, schemaProblem);
  if (option.min !== undefined && option.max !== undefined && option.min > option.max) {
    findings.error(`${path}/min`, `min (${option.min}) is greater than max (${option.max}); swap them`);
  }
  checkEnumValues(path, key, option, findings);
  if (option.default !== undefined && patternOk && !schemaProblem && !findings.failed(`${path}/min`)) {
    const problem = validateConfigValue(key, option, option.default);
    if (problem) findings.error(`${path}/default`, problem);
  }
  if (option.required && option.default !== undefined) {
    findings.warn(path, 'is required but has a default, so it can never be missing; drop "required" or "default"');
  }
  warnIneffective(path, option, findings);
}

function checkPattern(path: string, option: ConfigOption, findings: Findings): boolean {
  if (option.pattern === undefined) return true;
  try {
    new RegExp(option.pattern);
    return true;
  } catch (error) {
    findings.error(`${path}/pattern`, `is not a valid regular expression: ${(error as Error).message}`);
    return false;
  }
}

function checkEnumValues(path: string, key: string, option: ConfigOption, findings: Findings): void {
  option.enum?.forEach((value, index) => {
    const problem = validateConfigValue(key, { type: option.type }, value);
    if (problem) findings.error(`${path}/enum/${index}`, `${problem} (type is ${JSON.stringify(option.type)})`);
  });
}

/** Warns about constraints that do not apply to the option's type (they would be silently ignored). */
function warnIneffective(path: string, option: ConfigOption, findings: Findings): void {
  const sized = option.type === 'string' || option.type === 'array' || option.type === 'integer' || option.type === 'number';
  for (const bound of ['min', 'max'] as const) {
    if (option[bound] !== undefined && !sized) {
      findings.warn(`${path}/${bound}`, `applies only to numbers, strings and arrays; ignored for type ${JSON.stringify(option.type)}`);
    }
  }
  if (option.pattern !== undefined && option.type !== 'string') {
    findings.warn(`${path}/pattern`, `applies only to strings; ignored for type ${JSON.stringify(option.type)}`);
  }
  if (option.items !== undefined && option.type !== 'array') findings.warn(`${path}/items`, 'applies only to type "array"; ignored');
  if (option.properties !== undefined && option.type !== 'object') {
    findings.warn(`${path}/properties`, 'applies only to type "object"; ignored');
  }
}

function checkEndpoints(endpoints: unknown, findings: Findings): void {
  if (!Array.isArray(endpoints)) return;
  const first = new Map<string, number>();
  endpoints.forEach((endpoint: unknown, index) => {
    if (!isRecord(endpoint) || typeof endpoint.method !== 'string' || typeof endpoint.path !== 'string') return;
    const route = `${endpoint.method.toUpperCase()} ${endpoint.path}`;
    const earlier = first.get(route);
    if (earlier === undefined) first.set(route, index);
    else findings.error(pointer('api_endpoints', index), `duplicates /api_endpoints/${earlier} (${route}); remove one`);
  });
}

function checkEventPermissions(raw: Record<string, unknown>, findings: Findings): void {
  const events = isRecord(raw.events) ? raw.events : {};
  const permissions = Array.isArray(raw.permissions) ? raw.permissions : [];
  const pairs = [
    ['publishes', 'events.publish', 'publishing'],
    ['subscribes', 'events.subscribe', 'subscribing'],
  ] as const;
  for (const [list, permission, verb] of pairs) {
    const declared = events[list];
    if (Array.isArray(declared) && declared.length > 0 && !permissions.includes(permission)) {
      findings.warn('/permissions', `lacks ${JSON.stringify(permission)}, so ${verb} the events in /events/${list} will be refused; add it`);
    }
  }
}

function checkUnknownFields(raw: Record<string, unknown>, findings: Findings): void {
  for (const key of Object.keys(raw)) {
    if (KNOWN_FIELDS.has(key)) continue;
    const hint = key === 'python_version' ? ' — Nexus plugins run on Node.js: use "node_version", e.g. ">=20"' : '';
    findings.warn(pointer(key), `unknown field, ignored${hint}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
