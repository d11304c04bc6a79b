import type { ConfigEntry, Span, Trace as WireTrace } from '../../src/devtools/wire.ts';

export type { ConfigEntry, Span };

/** What the dashboard API answers (see packages/core/src/devtools/). */
export interface AppInfo {
  version: string;
  mode: 'dev' | 'start';
  app: string;
  envName: string;
  appConfigFile: string | null;
  traces: boolean;
}

export interface RequestSchemas {
  body?: JsonSchema;
  query?: JsonSchema;
  params?: JsonSchema;
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  items?: JsonSchema;
  default?: unknown;
  description?: string;
  [key: string]: unknown;
}

export interface Route {
  method: string;
  path: string;
  description?: string;
  schemas?: RequestSchemas;
  declared: boolean;
  mounted: boolean;
}

export interface Health {
  healthy: boolean;
  state: string;
  uptime: number;
  components: Record<string, { status: string; [key: string]: unknown }>;
  metrics: Record<string, number>;
  error?: string;
}

export interface Plugin {
  name: string;
  version?: string;
  title?: string;
  description?: string;
  state: string;
  error?: string;
  reloads: number;
  dir: string;
  dependencies: string[];
  resources: { subscriptions: number; services: number; timers: number; tasks: number };
  traffic: { requests: number; serverErrors: number; meanMs: number; events: number };
  health?: Health;
  routes: Route[];
  events: { publishes: string[]; subscribes: string[] };
  services: { offered: string[]; used: string[] };
  permissions: string[];
}

export interface Catalog {
  plugins: Plugin[];
  order: string[];
  services: { name: string; owner: string }[];
}

/** A trace as the API sends it: listed (`spanCount`, no spans) or whole (`spans`, request, response). */
export type Trace = Omit<WireTrace, 'spans'> & { spans?: Span[]; spanCount?: number };

export interface SwapError {
  plugin: string;
  code: string;
  message: string;
  details?: string[];
  /** Where in the plugin's code (file relative to the app), with the source lines around it. */
  location?: { file: string; line: number; column: number; frame?: string };
}

export interface Swap {
  seq: number;
  time: number;
  at: number;
  kind: string;
  plugins: string[];
  files: string[];
  outcome: 'ok' | 'rolled_back' | 'failed';
  timings: { load: number; shutdown: number; initialize: number; total: number };
  error?: SwapError;
}

export interface HeapSample {
  at: number;
  heapMB: number;
  swap?: number;
}

export interface LogEntry {
  seq: number;
  time: number;
  level: 'debug' | 'info' | 'warn' | 'error';
  name: string;
  message: string;
  meta?: unknown;
  error?: string;
}

export interface PluginConfig {
  plugin: string;
  entries: ConfigEntry[];
  errors: string[];
  warnings: string[];
}

export const BASE = '/_nexus/api';

/** GET a dashboard API path as JSON. */
export async function get<T>(path: string): Promise<T> {
  const response = await fetch(BASE + path, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return (await response.json()) as T;
}

/** POST an action; the answer's JSON (or the error it carries). */
export async function act(plugin: string, action: 'reload' | 'disable' | 'enable'): Promise<{ state?: string; error?: string | null; message?: string }> {
  const response = await fetch(`${BASE}/plugins/${encodeURIComponent(plugin)}/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  return (await response.json()) as { state?: string; error?: string | null; message?: string };
}
