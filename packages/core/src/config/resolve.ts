import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { parseDocument } from 'yaml';
import type { ConfigOption, PluginManifest } from '../manifest/types.ts';
import { depthMessage, isTooDeep, LIMITS, sizeMessage } from '../limits.ts';
import type { PluginLocation } from '../plugins/location.ts';
import type { AppConfig } from './app.ts';
import { coerceEnvValue, envVarName } from './env.ts';
import { validateConfigValue } from './validate.ts';

/** What resolvePluginConfig needs to know about one plugin and its app. */
export interface ResolveConfigInput {
  manifest: PluginManifest;
  /** Absolute plugin folder. */
  pluginDir: string;
  /** Plugin folder as shown in messages, e.g. `plugins/x`. */
  displayDir: string;
  /** Selects `config/<envName>.yaml`, e.g. `development`. */
  envName: string;
  /** `plugins.<name>.config` from the app's nexus.config. */
  appOverrides?: Record<string, unknown>;
  /** Display name of the app config file, e.g. `nexus.config.json`. */
  appConfigFile?: string;
  /** Values saved by setConfig. */
  saved?: Record<string, unknown>;
  environ?: NodeJS.ProcessEnv;
}

/** A plugin's merged configuration, where each value came from, and every problem found. */
export interface ResolvedConfig {
  values: Record<string, unknown>;
  /** Per key, the layer that won: `manifest default`, a file or an environment variable. */
  sources: Record<string, string>;
  errors: string[];
  warnings: string[];
}

/** The label of the layer holding values saved by setConfig. */
export const SAVED_SOURCE = 'saved by setConfig';
/** The label of the layer holding the manifest's defaults. */
export const DEFAULT_SOURCE = 'manifest default';

interface Layer {
  source: string;
  values: Record<string, unknown>;
  /** Keys the manifest does not declare are kept (setConfig) instead of warned about and dropped. */
  keepUnknown?: boolean;
}

/**
 * Merges, lowest to highest: manifest defaults, config/default.yaml, config/<env>.yaml,
 * app overrides, saved values, NEXUS_<PLUGIN>_<KEY> variables; then validates every declared key.
 */
export async function resolvePluginConfig(input: ResolveConfigInput): Promise<ResolvedConfig> {
  const result: ResolvedConfig = { values: {}, sources: {}, errors: [], warnings: [] };
  applyLayer(input, result, { source: DEFAULT_SOURCE, values: manifestDefaults(input.manifest) });
  for (const name of new Set(['default', input.envName])) {
    const layer = await readYamlLayer(input, `${name}.yaml`, result);
    if (layer) applyLayer(input, result, layer);
  }
  if (input.appOverrides) {
    applyLayer(input, result, { source: input.appConfigFile ?? 'nexus.config', values: input.appOverrides });
  }
  if (input.saved) applyLayer(input, result, { source: SAVED_SOURCE, values: input.saved, keepUnknown: true });
  const badEnv = applyEnvironment(input, result);
  validateAll(input, result, badEnv);
  return result;
}

function manifestDefaults(manifest: PluginManifest): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(manifest.configuration ?? {})) {
    if (option.default !== undefined) defaults[key] = option.default;
  }
  return defaults;
}

/** Copies a layer's values over the result; `null` means "not set here" and does not override. */
function applyLayer(input: ResolveConfigInput, result: ResolvedConfig, layer: Layer): void {
  const declared = input.manifest.configuration ?? {};
  for (const [key, value] of Object.entries(layer.values)) {
    if (value === undefined || value === null) continue;
    if (!Object.hasOwn(declared, key) && !layer.keepUnknown) {
      result.warnings.push(
        `${layer.source}: ${input.manifest.name}.${key}: not declared in ${manifestFile(input)} "configuration", ignored`,
      );
      continue;
    }
    result.values[key] = copy(value);
    result.sources[key] = layer.source;
  }
}

// Values are copied so that a plugin mutating its config cannot change the manifest or app config.
function copy(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}

let yaml: Promise<typeof import('yaml')> | undefined;
/** Loaded with the first YAML file: an app whose plugins have none never pays for the parser. */
const loadYaml = (): Promise<typeof import('yaml')> => (yaml ??= import('yaml'));

/** Reads `config/<file>`: undefined when absent or broken (the problem is recorded). */
async function readYamlLayer(input: ResolveConfigInput, file: string, result: ResolvedConfig): Promise<Layer | undefined> {
  const source = `${input.displayDir}/config/${file}`;
  let text: string;
  try {
    // Read synchronously: a config file is small, and fs/promises' readFile makes four thread-pool
    // round trips, which every hot swap would wait for (about 1 ms per file).
    text = readFileSync(path.join(input.pluginDir, 'config', file), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    result.errors.push(`${source}: cannot be read: ${(error as Error).message}`);
    return undefined;
  }
  const values = await parseYamlFile(path.join(input.pluginDir, 'config', file), text, source, result.errors);
  return values && { source, values };
}

/** The last parse of each YAML file, reused while its text is the same (every hot swap reads it). */
const parsed = new Map<string, { text: string; source: string; values?: Record<string, unknown>; errors: string[] }>();

async function parseYamlFile(file: string, text: string, source: string, errors: string[]): Promise<Record<string, unknown> | undefined> {
  let last = parsed.get(file);
  if (last?.text !== text || last.source !== source) {
    const { parseDocument: parse } = await loadYaml();
    const found: string[] = [];
    last = { text, source, errors: found };
    const values = parseYamlMapping(parse, text, source, found);
    if (values) last.values = values;
    parsed.set(file, last);
  }
  errors.push(...last.errors);
  return last.values;
}

function parseYamlMapping(parse: typeof parseDocument, text: string, source: string, errors: string[]): Record<string, unknown> | undefined {
  const limit = yamlLimitProblem(text);
  if (limit) {
    errors.push(`${source}: ${limit}`);
    return undefined;
  }
  let data: unknown;
  try {
    const document = parse(text);
    if (document.errors.length > 0) {
      for (const error of document.errors) {
        const where = error.linePos ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}: ` : '';
        errors.push(`${source}: ${where}${error.message.split(' at line ')[0]}`);
      }
      return undefined;
    }
    data = document.toJS();
  } catch (error) {
    // The yaml library stops alias bombs ("Excessive alias count") and runaway nesting by throwing.
    errors.push(`${source}: cannot be read: ${error instanceof Error ? error.message : String(error)}; YAML aliases (*name) may not expand to more than a hundred values`);
    return undefined;
  }
  if (isTooDeep(data)) {
    errors.push(`${source}: ${depthMessage('the file')}`);
    return undefined;
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    errors.push(`${source}: must be a mapping of config keys to values (key: value), got ${Array.isArray(data) ? 'a list' : 'a single value'}`);
    return undefined;
  }
  return data as Record<string, unknown>;
}

/** Size and flow-nesting limits, checked on the text: the yaml parser itself recurses (and worse). */
function yamlLimitProblem(text: string): string | undefined {
  const bytes = Buffer.byteLength(text);
  if (bytes > LIMITS.bytes) return `${sizeMessage('the file', bytes)}; make it smaller`;
  let depth = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    const before = i === 0 ? '\n' : text[i - 1]!;
    if (quote) {
      if (char === '\\' && quote === '"') i++;
      else if (char === quote || char === '\n') quote = '';
    } else if ((char === '"' || char === "'") && /[\s[{,:]/.test(before)) quote = char;
    else if (char === '#' && /\s/.test(before)) while (i + 1 < text.length && text[i + 1] !== '\n') i++;
    else if (char === '[' || char === '{') {
      if (++depth > LIMITS.depth) return `line ${text.slice(0, i).split('\n').length}: ${depthMessage('the file')}`;
    } else if (char === ']' || char === '}') depth = Math.max(0, depth - 1);
  }
  return undefined;
}

/** Applies NEXUS_<PLUGIN>_<KEY> variables; returns the keys whose variable could not be coerced. */
function applyEnvironment(input: ResolveConfigInput, result: ResolvedConfig): Set<string> {
  const environ = input.environ ?? process.env;
  const bad = new Set<string>();
  for (const [key, option] of declaredOptions(input.manifest)) {
    const variable = envVarName(input.manifest.name, key);
    const raw = environ[variable];
    if (raw === undefined) continue;
    const coerced = coerceEnvValue(option, raw);
    if ('error' in coerced) {
      result.errors.push(`${variable}: ${input.manifest.name}.${key}: ${coerced.error}`);
      bad.add(key);
      continue;
    }
    result.values[key] = coerced.value;
    result.sources[key] = variable;
  }
  return bad;
}

function validateAll(input: ResolveConfigInput, result: ResolvedConfig, skip: Set<string>): void {
  const plugin = input.manifest.name;
  for (const [key, option] of declaredOptions(input.manifest)) {
    if (skip.has(key)) continue;
    const value = result.values[key];
    const problem = validateConfigValue(key, option, value, plugin);
    if (!problem) continue;
    const source = value === undefined ? manifestFile(input) : result.sources[key];
    result.errors.push(`${source}: ${plugin}.${key}: ${problem}`);
  }
}

function declaredOptions(manifest: PluginManifest): [string, ConfigOption][] {
  return Object.entries(manifest.configuration ?? {});
}

function manifestFile(input: ResolveConfigInput): string {
  return `${input.displayDir}/manifest.json`;
}

/** The app-wide inputs of a plugin's configuration (everything but the plugin's own folder). */
export interface AppConfigSources {
  /** Selects `config/<envName>.yaml`. */
  envName: string;
  appConfig: AppConfig;
  /** Display name of the app config file. */
  appConfigFile?: string;
  environ: NodeJS.ProcessEnv;
}

/** resolvePluginConfig for one plugin of an app: its folder, its manifest, the app's settings, saved values. */
export function resolveAppPluginConfig(
  location: PluginLocation,
  manifest: PluginManifest,
  app: AppConfigSources,
  saved: Record<string, unknown>,
): Promise<ResolvedConfig> {
  return resolvePluginConfig({
    manifest,
    pluginDir: location.dir,
    displayDir: location.displayDir,
    envName: app.envName,
    appOverrides: app.appConfig.plugins?.[manifest.name]?.config,
    appConfigFile: app.appConfigFile,
    saved,
    environ: app.environ,
  });
}
