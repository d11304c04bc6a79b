import type { ActionResult, ApiError, DashboardApi, PluginAction, Span, Trace as WireTrace } from '../../src/devtools/wire.ts';

export type {
  AppInfo,
  Catalog,
  CatalogPlugin,
  CatalogRoute,
  HeapSample,
  JsonSchema,
  LogEntry,
  PluginAction,
  PluginConfigView,
  Span,
  StreamEvents,
  SwapEntry,
} from '../../src/devtools/wire.ts';

/** A trace as the page keeps it: listed (`spanCount`, no spans) or whole (`spans`, request, response). */
export type Trace = Omit<WireTrace, 'spans'> & { spans?: Span[]; spanCount?: number };

export const BASE = '/_nexus/api';

/** GET a dashboard API path as JSON. */
export async function get<P extends keyof DashboardApi>(path: P): Promise<DashboardApi[P]> {
  const response = await fetch(BASE + path, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return (await response.json()) as DashboardApi[P];
}

/** POST an action; the answer's JSON (or the error it carries). */
export async function act(plugin: string, action: PluginAction): Promise<ActionResult | ApiError> {
  const response = await fetch(`${BASE}/plugins/${encodeURIComponent(plugin)}/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  return (await response.json()) as ActionResult | ApiError;
}
