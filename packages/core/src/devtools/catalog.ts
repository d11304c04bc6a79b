import type { Router } from '@koa/router';
import type { NexusMetrics } from '../http/metrics.ts';
import { healthOf } from '../http/system-routes.ts';
import { requestSchemasOf } from '../http/validate.ts';
import type { PluginManager, PluginView } from '../plugins/manager.ts';
import type { Logger } from '../logger/types.ts';
import type { ServiceRegistry } from '../services/registry.ts';
import type { CatalogPlugin, CatalogRoute } from './wire.ts';

/** What the catalog is built from. */
export interface CatalogSources {
  manager: PluginManager;
  services: ServiceRegistry;
  metrics: NexusMetrics;
  /** Where a failing health check is logged. */
  logger: Logger;
  /** Services each plugin asked for (recorded in dev). */
  servicesUsed: () => Record<string, string[]>;
}

/** Every plugin with its routes (and their schemas), events, services, dependencies and health. */
export async function buildCatalog(sources: CatalogSources): Promise<CatalogPlugin[]> {
  const { manager, services, metrics } = sources;
  const offered = new Map<string, string[]>();
  for (const { name, owner } of services.list()) offered.set(owner, [...(offered.get(owner) ?? []), name]);
  const used = sources.servicesUsed();
  const infos = manager.list();
  return Promise.all(
    infos.map(async (info) => {
      const record = manager.get(info.name)!;
      const manifest = record.manifest;
      const plugin: CatalogPlugin = {
        ...info,
        traffic: metrics.traffic(info.name),
        routes: routesOf(record),
        events: { publishes: manifest?.events?.publishes ?? [], subscribes: manifest?.events?.subscribes ?? [] },
        services: { offered: offered.get(info.name) ?? [], used: used[info.name] ?? [] },
        permissions: manifest?.permissions ?? [],
      };
      if (manifest?.description) plugin.description = manifest.description;
      if (record.state === 'running') plugin.health = await healthOf(manager, record, sources.logger);
      return plugin;
    }),
  );
}

interface Layer {
  path: string | RegExp;
  methods: string[];
  stack: unknown[];
}

function routesOf(record: PluginView): CatalogRoute[] {
  const prefix = `/plugins/${record.name}`;
  const routes = new Map<string, CatalogRoute>();
  for (const endpoint of record.manifest?.api_endpoints ?? []) {
    const route: CatalogRoute = { method: endpoint.method, path: prefix + endpoint.path, declared: true, mounted: false };
    if (endpoint.description) route.description = endpoint.description;
    routes.set(`${route.method} ${route.path}`, route);
  }
  const layers = (record.router as (Router & { stack: Layer[] }) | undefined)?.stack ?? [];
  for (const layer of layers) {
    if (typeof layer.path !== 'string') continue;
    const schemas = layer.stack.map(requestSchemasOf).find((s) => s !== undefined);
    for (const method of layer.methods) {
      if (method === 'HEAD' && layer.methods.includes('GET')) continue;
      const key = `${method} ${layer.path}`;
      const route = routes.get(key) ?? { method, path: layer.path, declared: false, mounted: false };
      route.mounted = true;
      if (schemas) route.schemas = schemas;
      routes.set(key, route);
    }
  }
  return [...routes.values()];
}
