import type { Router } from '@nexus/core';
import { refusals } from './events.ts';
import { internals, type TestHarness } from './harness.ts';

/** One route of a plugin, relative to `/plugins/<name>`. */
interface Route {
  method: string;
  path: string;
}

/**
 * Fail unless the running plugin keeps the promises of its manifest: every `api_endpoints` entry
 * has a route, every route is declared in `api_endpoints`, and every event the plugin published
 * (or tried to, even if it caught the refusal) is declared in `events.publishes` or lies in its own
 * `<name>.` namespace, as the runtime allows. Call it after `initialize()` and after exercising the
 * plugin, so the published events are known.
 *
 * @example
 * await harness.initialize();
 * await harness.request('POST', '/action', { action: 'ping' });
 * expectManifestContract(harness);
 */
export function expectManifestContract(harness: TestHarness): void {
  const internal = internals.get(harness);
  if (!internal) throw new TypeError('expectManifestContract() takes a harness made by createTestHarness()');
  const { manifest, name } = harness;
  if (harness.state === 'discovered') {
    throw new Error(`expectManifestContract(): initialize() plugin "${name}" first, so its routes are mounted`);
  }
  const problems: string[] = [];
  const routes = routesOf(internal.router(), `/plugins/${name}`);
  const declared = (manifest.api_endpoints ?? []).map((e) => ({ method: e.method.toUpperCase(), path: normalize(e.path) }));
  const key = (r: Route): string => `${r.method} ${r.path}`;
  const served = new Set(routes.map(key));
  const listed = new Set(declared.map(key));
  for (const endpoint of declared) {
    if (!served.has(key(endpoint))) problems.push(`api_endpoints declares ${key(endpoint)}, but no route serves it`);
  }
  for (const route of routes) {
    if (!listed.has(key(route))) problems.push(`the route ${key(route)} is not declared in "api_endpoints"`);
  }
  const publishes = new Set(manifest.events?.publishes ?? []);
  const attempted = [
    ...harness.events.published().filter((e) => e.source === name).map((e) => e.type),
    ...(refusals.get(harness.events) ?? []).filter((r) => r.plugin === name && r.action === 'publish').map((r) => r.type),
  ];
  for (const type of new Set(attempted)) {
    if (!publishes.has(type) && !type.startsWith(`${name}.`)) {
      problems.push(`it published "${type}", which is not declared in "events.publishes" (nor in its namespace "${name}.*")`);
    }
  }
  for (const refusal of refusals.get(harness.events) ?? []) {
    if (refusal.plugin === name && refusal.action === 'subscribe') {
      problems.push(`it tried to subscribe to "${refusal.type}", which the runtime refused: ${errorText(refusal.error)}`);
    }
  }
  if (problems.length === 0) return;
  const file = `${internal.source.displayDir}/manifest.json`;
  throw new Error(`Plugin "${name}" does not keep the contract of ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}

/** The method routes of a router (HEAD of a GET route left out), relative to `prefix`. */
function routesOf(router: Router | undefined, prefix: string): Route[] {
  const routes: Route[] = [];
  for (const layer of router?.stack ?? []) {
    if (typeof layer.path !== 'string' || layer.methods.length === 0) continue;
    const path = normalize(layer.path.startsWith(prefix) ? layer.path.slice(prefix.length) : layer.path);
    const methods = layer.methods.filter((m) => !(m === 'HEAD' && layer.methods.includes('GET')));
    for (const method of methods) routes.push({ method, path });
  }
  return routes;
}

function normalize(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
