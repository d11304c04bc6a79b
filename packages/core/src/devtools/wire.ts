// What the dashboard's API sends, shared by the server (devtools/) and the page (dashboard/src/api.ts).
// No imports: the page type-checks this file without Node's or Koa's types. Shapes the rest of the
// core uses too (PluginState, HealthStatus, RequestSchemas, PluginInfo, SwapReport...) are defined
// here and re-exported from their usual modules, so a server change that breaks the page fails tsc.

/** Where an error points in a source file (1-based line and column), with the lines around it. */
export interface ErrorLocation {
  /** Absolute path. */
  file: string;
  line: number;
  column: number;
  /** A few source lines with a caret under the column. */
  frame?: string;
}

/** Lifecycle state of a plugin as the manager and `GET /plugins` report it. */
export type PluginState =
  | 'discovered'
  | 'loading'
  | 'initializing'
  | 'running'
  | 'swapping'
  | 'stopping'
  | 'stopped'
  | 'failed'
  | 'disabled';

/** Health of one component of a plugin. */
export interface ComponentHealth {
  status: 'healthy' | 'unhealthy' | 'disabled' | (string & {});
  [detail: string]: unknown;
}

/** What `healthCheck()` returns and `GET /plugins/<name>/health` shows. */
export interface HealthStatus {
  healthy: boolean;
  state: PluginState;
  /** Seconds since the current instance initialized. */
  uptime: number;
  components: Record<string, ComponentHealth>;
  metrics: Record<string, number>;
  error?: string;
}

/** What a plugin holds that must be released at shutdown; every count returns to 0. */
export interface PluginResources {
  subscriptions: number;
  services: number;
  timers: number;
  tasks: number;
}

/** A plugin's traffic since the app started, for `GET /plugins` and the dashboard. */
export interface PluginTraffic {
  /** Requests its routes answered. */
  requests: number;
  /** Of which answered 5xx. */
  serverErrors: number;
  /** Mean time to answer, in ms (0 before the first request). */
  meanMs: number;
  /** Events it published. */
  events: number;
}

/** What `GET /plugins` shows of one plugin. */
export interface PluginInfo {
  name: string;
  version?: string;
  title?: string;
  state: PluginState;
  error?: string;
  reloads: number;
  dir: string;
  dependencies: string[];
  /** Declared `api_endpoints`, as `METHOD /plugins/<name><path>`. */
  endpoints: string[];
  resources: PluginResources;
}

/** JSON Schemas for the parts of a request a route checks. */
export interface RequestSchemas<B extends object | undefined = object | undefined, Q extends object | undefined = object | undefined, P extends object | undefined = object | undefined> {
  body?: B;
  query?: Q;
  params?: P;
}

/** A JSON Schema, as far as the dashboard reads one (to build a form). */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  items?: JsonSchema;
  default?: unknown;
  description?: string;
  [keyword: string]: unknown;
}

/** One route of a plugin: declared in its manifest, mounted by its code, or both. */
export interface CatalogRoute {
  method: string;
  /** Full path, e.g. `/plugins/users/users/:id`. */
  path: string;
  description?: string;
  /** From `validated()`. */
  schemas?: RequestSchemas<JsonSchema, JsonSchema, JsonSchema>;
  declared: boolean;
  mounted: boolean;
}

/** Everything the dashboard's catalog shows of one plugin. */
export interface CatalogPlugin extends PluginInfo {
  description?: string;
  traffic: PluginTraffic;
  /** Only while it runs. */
  health?: HealthStatus;
  routes: CatalogRoute[];
  events: { publishes: string[]; subscribes: string[] };
  services: { offered: string[]; used: string[] };
  permissions: string[];
}

/** Every plugin, the start order, and every registered service with the plugin offering it. */
export interface Catalog {
  plugins: CatalogPlugin[];
  order: readonly string[];
  services: { name: string; owner: string }[];
}

/** The app the dashboard shows. */
export interface AppInfo {
  version: string;
  mode: 'dev' | 'start';
  /** The app folder's name. */
  app: string;
  appDir: string;
  envName: string;
  appConfigFile: string | null;
  /** Whether traces are recorded (`nexus dev`). */
  traces: boolean;
  actions: boolean;
  /** Seconds since the process started. */
  uptime: number;
}

/** One step of a trace: the request, an event, a handler run for it, a service call, a log line. */
export interface Span {
  id: number;
  parent?: number;
  kind: 'request' | 'event' | 'handler' | 'service' | 'log';
  /** `GET /plugins/users/users`, an event type, `users.directory.get()`, a log message. */
  name: string;
  /** The plugin whose code it is (the publisher of an event, the handler's plugin, the service's owner). */
  plugin?: string;
  /** Milliseconds since the trace began. */
  start: number;
  /** Absent while it runs. */
  duration?: number;
  error?: string;
  detail?: Record<string, unknown>;
}

/** A request to a plugin route, or an event published outside any request, with what followed. */
export interface Trace {
  id: string;
  kind: 'request' | 'event';
  name: string;
  plugin?: string;
  /** Epoch milliseconds. */
  startedAt: number;
  /** The HTTP status of a request. */
  status?: number;
  /** Until the last span ended. */
  duration?: number;
  errors: number;
  spans: Span[];
  /** Spans not kept because the trace was full. */
  dropped: number;
  request?: { method: string; url: string; route?: string; headers: Record<string, unknown>; body?: unknown };
  response?: { headers: Record<string, unknown>; body?: unknown };
}

/** A trace as listed (no spans). */
export type TraceSummary = Omit<Trace, 'spans' | 'request' | 'response'> & { spanCount: number };

/** One config value and the layer it came from. */
export interface ConfigEntry {
  key: string;
  /** REDACTED for a set secret. */
  value: unknown;
  /** `manifest default`, `plugins/x/config/development.yaml`, `nexus.config.json`, `saved by setConfig` or `NEXUS_X_KEY`. */
  source?: string;
  type: string;
  secret: boolean;
  required: boolean;
  description?: string;
  /** Set by a layer but not declared in the manifest (saved values). */
  undeclared?: boolean;
}

/** A plugin's resolved config as the dashboard shows it. */
export interface PluginConfigView {
  plugin: string;
  entries: ConfigEntry[];
  errors: string[];
  warnings: string[];
}

/** Log levels, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One log line as the dashboard shows it. */
export interface LogEntry {
  seq: number;
  /** Epoch milliseconds. */
  time: number;
  level: LogLevel;
  /** A plugin name, or `nexus` for the host. */
  name: string;
  message: string;
  meta?: unknown;
  error?: string;
}

/** Milliseconds spent in each phase of one hot swap. */
export interface SwapTimings {
  /** Validating a changed manifest, regenerating types, loading and evaluating the new code. */
  load: number;
  /** Letting requests in flight finish, handing state over and shutting the old instances down. */
  shutdown: number;
  /** Initializing the new instances (and, after a failure, the previous ones again). */
  initialize: number;
  /** From taking the change to serving again. */
  total: number;
}

/** Why a swap did not go through: what, where (as data), and the code around it. */
export interface SwapError {
  plugin: string;
  /** A `NEXUS_*` code (the server's type narrows it to `ErrorCode`). */
  code: string;
  /** One line: what is wrong and how to fix it. */
  message: string;
  /** Further lines of the message (validation problems), if any. */
  details?: string[];
  /** Where it points in the plugin's code (file relative to the app), with the source lines around it. */
  location?: ErrorLocation;
}

/**
 * What one hot swap did: one line of `nexus dev` output.
 *
 * - `swap`: changed code, config or manifest of a running plugin (and its dependents) swapped in;
 * - `add`: a new plugin folder started; `remove`: a removed folder's plugin stopped and forgotten;
 * - `disable`: nexus.config disabled a running plugin: it stopped (the plugins that need it first);
 * - `invalid`: a manifest became invalid; nothing was unloaded, the previous version goes on serving.
 */
export interface SwapReport {
  kind: 'swap' | 'add' | 'remove' | 'disable' | 'invalid';
  /** Plugins re-initialized (or stopped), in the order it happened: the changed one first. */
  plugins: string[];
  /** Changed files, relative to the app folder (`plugins/users/src/plugin.ts`). */
  files: string[];
  /**
   * `ok`: the new version serves; `rolled_back`: it failed and the previous version serves again;
   * `failed`: it failed and there was no previous version to go back to.
   */
  outcome: 'ok' | 'rolled_back' | 'failed';
  timings: SwapTimings;
  error?: SwapError;
  /**
   * When the change went through each stage, in epoch ms (comparable with another process's
   * clock): the first file event, the end of the debounce, the files hashed, the batch began, the
   * new code ready. Set for the first swap of a change that came from the watcher.
   */
  trace?: { event: number; settled: number; hashed: number; began: number; ready: number };
}

/** One swap on the timeline. */
export interface SwapEntry extends SwapReport {
  seq: number;
  /** Epoch milliseconds when it was reported. */
  time: number;
  /** Seconds since the app started. */
  at: number;
}

/** Heap in use after a full garbage collection, sampled after each swap. */
export interface HeapSample {
  /** Seconds since the app started. */
  at: number;
  /** Megabytes. */
  heapMB: number;
  /** The swap it follows. */
  swap?: number;
}

/** What each GET under `/_nexus/api` answers. */
export interface DashboardApi {
  '/app': AppInfo;
  '/catalog': Catalog;
  /** Newest first; empty when traces are off. */
  '/traces': { enabled: boolean; traces: TraceSummary[] };
  [trace: `/traces/${string}`]: Trace;
  '/swaps': { swaps: SwapEntry[]; heap: HeapSample[] };
  '/logs': { logs: LogEntry[] };
  '/config': { plugins: PluginConfigView[] };
}

/** What the page may do to a plugin: `POST /_nexus/api/plugins/<name>/<action>`. */
export type PluginAction = 'reload' | 'disable' | 'enable';

/** The answer to a plugin action, once it is done. */
export interface ActionResult {
  plugin: string;
  action: PluginAction;
  state: PluginState | 'removed';
  error: string | null;
}

/** A dashboard API answer that is not a success (404, 403). */
export interface ApiError {
  error: string;
  message: string;
}

/** The event stream (`/_nexus/api/stream`): each key an SSE `event:`, its value the `data:` JSON. */
export interface StreamEvents {
  trace: Trace;
  log: LogEntry;
  swap: SwapEntry;
  heap: HeapSample;
  /** Fetch `/catalog` again. */
  catalog: { reason: string };
}
