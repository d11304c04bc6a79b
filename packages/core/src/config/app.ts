import { statSync } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { depthMessage, isTooDeep } from '../limits.ts';
import { parseJson } from '../manifest/load.ts';
import { formatSchemaErrors } from '../manifest/validate.ts';

/** Per-plugin settings in the app config. */
export interface AppPluginConfig {
  /**
   * Whether the plugin is loaded and started.
   * @default true
   */
  enabled?: boolean;
  /** Config overrides, above config/*.yaml and below setConfig values and environment variables. */
  config?: Record<string, unknown>;
}

/** The app's own configuration: nexus.config.json, or the default export of nexus.config.ts/.js/.mjs. */
export interface AppConfig {
  /**
   * Path or URL of a JSON Schema, for editors; ignored by Nexus.
   */
  $schema?: string;
  /**
   * HTTP port; 0 picks a free one.
   * @default 3000
   */
  port?: number;
  /**
   * HTTP host to listen on.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * Host names (besides localhost, IP addresses and the `host` being listened on) that requests may
   * name in their Host header; any other gets 403, so a DNS-rebinding page cannot reach the app.
   * A leading dot allows every subdomain: `.example.com` allows `example.com` and `api.example.com`.
   * `true` allows any host (only behind a proxy that checks it).
   * @default []
   * @example ['nexus.internal', '.example.com']
   */
  allowedHosts?: string[] | true;
  /**
   * Folder holding one subfolder per plugin, relative to the app.
   * @default 'plugins'
   */
  pluginsDir?: string;
  /**
   * Per-plugin settings, by plugin name.
   * @default {}
   */
  plugins?: Record<string, AppPluginConfig>;
  /**
   * Time limits for plugin lifecycle methods, in milliseconds.
   * @default { initialize: 10000, shutdown: 5000 }
   */
  timeouts?: {
    /** @default 10000 */
    initialize?: number;
    /** @default 5000 */
    shutdown?: number;
  };
  /**
   * Largest accepted request body, e.g. '1mb' or '512kb'.
   * @default '1mb'
   */
  bodyLimit?: string;
  /**
   * Folder for Nexus state (SQLite database), relative to the app.
   * @default '.nexus'
   */
  dataDir?: string;
  /**
   * Serve the dashboard at `/_nexus/`. On under `nexus dev` (with request traces), off under
   * `nexus start` unless true (without traces).
   */
  dashboard?: boolean;
  /** Where state and collections live; NEXUS_DATABASE_URL overrides `url`. @default SQLite in dataDir */
  storage?: StorageConfig;
  /** How events travel between plugins and instances; NEXUS_EVENTS_URL overrides `url`. @default in-process */
  events?: EventsConfig;
}

/** `storage` in nexus.config: SQLite (one instance) or PostgreSQL (several instances as one app). */
export interface StorageConfig {
  /** @default 'postgres' when a url is given, else 'sqlite' */
  driver?: 'sqlite' | 'postgres';
  /** `postgres://user:password@host:5432/database` */
  url?: string;
  /**
   * Most connections one instance opens.
   * @default 10
   */
  poolSize?: number;
  /** PostgreSQL schema (namespace) for Nexus's tables. @default 'public' */
  schema?: string;
}

/** `events` in nexus.config: in-process, or durable (at-least-once) through PostgreSQL or Redis. */
export interface EventsConfig {
  /** @default from the url's scheme (postgres:// or redis://), else 'memory' */
  transport?: 'memory' | 'postgres' | 'redis';
  /** `redis://host:6379` or `postgres://...`; postgres defaults to the storage url. */
  url?: string;
  /** Redis key prefix, one per app sharing a server. @default 'nexus' */
  prefix?: string;
  /** Deliveries of one event to one plugin before it becomes a dead letter. @default 5 */
  maxAttempts?: number;
  /** Wait before the second attempt, doubled for each next one. @default 500 */
  backoffMs?: number;
  /** An event not acknowledged this long after delivery goes to another instance. @default 30000 */
  claimTimeoutMs?: number;
  /** Redis: entries kept per event type. @default 1000000 */
  maxLength?: number;
  /** PostgreSQL: poll interval when no notification arrives. @default 1000 */
  pollMs?: number;
}

/** The app config, where it came from, and every problem found in it. */
export interface LoadedAppConfig {
  config: AppConfig;
  /** File name relative to the app folder, e.g. `nexus.config.json`; absent when there is none. */
  file?: string;
  errors: string[];
}

/** Returns `config` as is; gives completion and checking in nexus.config.ts. */
export function defineConfig(config: AppConfig): AppConfig {
  return config;
}

/** Candidate config files, in order of preference. */
export const APP_CONFIG_FILES = ['nexus.config.json', 'nexus.config.ts', 'nexus.config.js', 'nexus.config.mjs'] as const;

const positiveMs = { type: 'integer', minimum: 1 };
const appConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    host: { type: 'string', minLength: 1 },
    allowedHosts: {
      anyOf: [{ const: true }, { type: 'array', items: { type: 'string', minLength: 1, pattern: '^[^\\s/:]+$' } }],
    },
    pluginsDir: { type: 'string', minLength: 1 },
    plugins: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: { enabled: { type: 'boolean' }, config: { type: 'object' } },
      },
    },
    timeouts: {
      type: 'object',
      additionalProperties: false,
      properties: { initialize: positiveMs, shutdown: positiveMs },
    },
    bodyLimit: { type: 'string', pattern: '^\\d+(\\.\\d+)?\\s*([kKmMgG]?[bB])?$' },
    dataDir: { type: 'string', minLength: 1 },
    dashboard: { type: 'boolean' },
    storage: {
      type: 'object',
      additionalProperties: false,
      properties: {
        driver: { enum: ['sqlite', 'postgres'] },
        url: { type: 'string', pattern: '^postgres(ql)?://' },
        poolSize: { type: 'integer', minimum: 1, maximum: 1000 },
        schema: { type: 'string', pattern: '^[a-z_][a-z0-9_]*$' },
      },
    },
    events: {
      type: 'object',
      additionalProperties: false,
      properties: {
        transport: { enum: ['memory', 'postgres', 'redis'] },
        url: { type: 'string', pattern: '^(postgres(ql)?|rediss?)://' },
        prefix: { type: 'string', minLength: 1 },
        maxAttempts: { type: 'integer', minimum: 1 },
        backoffMs: { type: 'integer', minimum: 0 },
        claimTimeoutMs: positiveMs,
        maxLength: { type: 'integer', minimum: 100 },
        pollMs: positiveMs,
      },
    },
  },
};
const ajv = new Ajv({ allErrors: true, verbose: true });
const validateAppConfig = ajv.compile(appConfigSchema);

/** Why `appDir` cannot be an app folder (it does not exist, or is a file), or undefined when it can. */
export function appDirProblem(appDir: string): string | undefined {
  const stats = statSync(appDir, { throwIfNoEntry: false });
  if (!stats) return `${appDir} does not exist; give the folder that holds plugins/ (and nexus.config), e.g. \`nexus start playground\``;
  if (!stats.isDirectory()) return `${appDir} is a file, not an app folder; give the folder that holds plugins/ (and nexus.config)`;
  return undefined;
}

/** Finds and reads the app config in `appDir`; no file means an empty config and no error. */
export async function loadAppConfig(appDir: string): Promise<LoadedAppConfig> {
  const file = await findConfigFile(appDir);
  if (!file) return { config: {}, errors: [] };
  const loaded = await readConfigFile(path.join(appDir, file));
  if ('error' in loaded) return { config: {}, file, errors: [`${file}: ${loaded.error}`] };
  if (isTooDeep(loaded.value)) return { config: {}, file, errors: [`${file}: ${depthMessage('the config')}`] };
  if (!validateAppConfig(loaded.value)) {
    return { config: {}, file, errors: [...new Set(formatSchemaErrors(file, validateAppConfig.errors, hintFor))] };
  }
  return { config: loaded.value as AppConfig, file, errors: [] };
}

function hintFor(error: ErrorObject): string | undefined {
  if (error.instancePath === '/bodyLimit' && error.keyword === 'pattern') return 'must be a size such as "1mb" or "512kb"';
  if (error.instancePath.startsWith('/allowedHosts')) return 'must be true or a list of host names such as ["nexus.internal", ".example.com"] (no port, no scheme)';
  return undefined;
}

async function findConfigFile(appDir: string): Promise<string | undefined> {
  for (const file of APP_CONFIG_FILES) {
    try {
      await access(path.join(appDir, file));
      return file;
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}

async function readConfigFile(file: string): Promise<{ value: unknown } | { error: string }> {
  return file.endsWith('.json') ? readJsonConfig(file) : importConfigModule(file);
}

async function readJsonConfig(file: string): Promise<{ value: unknown } | { error: string }> {
  return parseJson(await readFile(file, 'utf8'));
}

async function importConfigModule(file: string): Promise<{ value: unknown } | { error: string }> {
  try {
    const { runnerImport } = await import('vite');
    const { module } = await runnerImport<{ default?: unknown }>(file, {
      root: path.dirname(file),
      logLevel: 'error',
    });
    if (module.default === undefined) {
      return { error: 'has no default export — write `export default defineConfig({ ... })`' };
    }
    return { value: module.default };
  } catch (error) {
    return { error: `failed to load: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Whether an app config and mode serve the dashboard: on in dev unless `"dashboard": false`, off in start unless `true`. */
export function dashboardEnabled(config: AppConfig, mode: 'dev' | 'start'): boolean {
  return config.dashboard ?? mode === 'dev';
}
