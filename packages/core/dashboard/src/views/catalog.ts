import { act, type CatalogPlugin, type CatalogRoute, type PluginAction } from '../api.ts';
import { badge, empty, h, pretty, replace, s } from '../dom.ts';
import { on, refreshCatalog, store } from '../store.ts';
import type { View } from './view.ts';

/** The catalog: a dependency graph, then one card per plugin with everything it declares and does. */
export function catalogView(navigate: (hash: string) => void): View {
  const el = h('section', { class: 'view', id: 'catalog' });
  const render = (): void => {
    const catalog = store.catalog;
    if (!catalog) return replace(el, empty('Loading…'));
    const counts = new Map<string, number>();
    for (const p of catalog.plugins) counts.set(p.state, (counts.get(p.state) ?? 0) + 1);
    replace(
      el,
      h('div', { class: 'summary' }, [...counts].map(([state, n]) => badge(`${n} ${state}`, state)), catalog.plugins.length === 0 ? 'No plugins found' : null),
      catalog.plugins.length > 0 ? h('div', { class: 'panel graph-panel' }, h('h3', null, 'Dependencies'), dependencyGraph(catalog.plugins)) : null,
      h('div', { class: 'cards' }, catalog.plugins.map((p) => pluginCard(p, navigate))),
    );
  };
  render();
  const off = on('catalog', render);
  return { el, dispose: off };
}

function pluginCard(plugin: CatalogPlugin, navigate: (hash: string) => void): HTMLElement {
  const health = plugin.health;
  const t = plugin.traffic;
  const running = plugin.state === 'running';
  return h(
    'article',
    { class: `card panel state-${plugin.state}`, 'data-plugin': plugin.name },
    h(
      'header',
      null,
      h('div', null, h('h3', null, plugin.name, ' ', h('small', { class: 'dim' }, plugin.version ?? '')), plugin.title || plugin.description ? h('p', { class: 'dim desc' }, plugin.description ?? plugin.title) : null),
      h('div', { class: 'card-state' }, badge(plugin.state), plugin.reloads > 0 ? h('span', { class: 'dim' }, `${plugin.reloads} reload${plugin.reloads === 1 ? '' : 's'}`) : null),
    ),
    plugin.error ? h('pre', { class: 'error' }, plugin.error) : null,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', 'data-action': 'reload', onclick: (e: Event) => run(e, plugin.name, 'reload') }, 'Reload'),
      plugin.state === 'disabled'
        ? h('button', { type: 'button', 'data-action': 'enable', onclick: (e: Event) => run(e, plugin.name, 'enable') }, 'Enable')
        : h('button', { type: 'button', 'data-action': 'disable', class: 'secondary', onclick: (e: Event) => run(e, plugin.name, 'disable') }, 'Disable'),
      h('code', { class: 'dim dir' }, plugin.dir),
    ),
    h(
      'dl',
      { class: 'facts' },
      fact('Traffic', `${t.requests} req${t.requests > 0 ? ` · ${t.meanMs} ms avg` : ''}${t.serverErrors > 0 ? ` · ${t.serverErrors} 5xx` : ''} · ${t.events} events out`),
      fact('Depends on', plugin.dependencies.length > 0 ? plugin.dependencies.join(', ') : '—'),
      fact('Publishes', list(plugin.events.publishes)),
      fact('Subscribes', list(plugin.events.subscribes)),
      fact('Services offered', list(plugin.services.offered)),
      fact('Services used', list(plugin.services.used)),
      fact('Resources', `${plugin.resources.subscriptions} subs · ${plugin.resources.services} services · ${plugin.resources.timers} timers · ${plugin.resources.tasks} tasks`),
      health
        ? fact(
            'Health',
            h('span', null, badge(health.healthy ? 'healthy' : 'unhealthy', health.healthy ? 'running' : 'failed'), ' ',
              Object.entries(health.components).map(([name, c]) => h('span', { class: 'component', title: pretty(c) }, badge(`${name}: ${c.status}`, c.status === 'healthy' ? 'running' : c.status === 'disabled' ? 'disabled' : 'failed'), ' '))),
          )
        : null,
    ),
    h(
      'div',
      { class: 'routes' },
      h('h4', null, 'Routes'),
      plugin.routes.length === 0
        ? empty('No routes')
        : h('ul', null, plugin.routes.map((route) => routeItem(route, running, navigate))),
    ),
  );
}

function routeItem(route: CatalogRoute, running: boolean, navigate: (hash: string) => void): HTMLElement {
  const schemas = route.schemas ? Object.entries(route.schemas).filter(([, v]) => v !== undefined) : [];
  return h(
    'li',
    { class: 'route', 'data-route': `${route.method} ${route.path}` },
    h('span', { class: `method m-${route.method}` }, route.method),
    ' ',
    h('code', null, route.path),
    route.description ? h('span', { class: 'dim' }, ` — ${route.description}`) : null,
    !route.mounted && running ? h('span', { class: 'warn-text' }, ' (declared, not mounted)') : null,
    !route.declared ? h('span', { class: 'dim' }, ' (not in manifest)') : null,
    running && route.mounted ? h('a', { href: `#explorer?route=${encodeURIComponent(`${route.method} ${route.path}`)}`, class: 'try', onclick: (e: Event) => { e.preventDefault(); navigate(`#explorer?route=${encodeURIComponent(`${route.method} ${route.path}`)}`); } }, 'Try it') : null,
    schemas.length > 0 ? h('details', { class: 'schema' }, h('summary', null, `request schema (${schemas.map(([k]) => k).join(', ')})`), h('pre', null, pretty(route.schemas))) : null,
  );
}

async function run(event: Event, plugin: string, action: PluginAction): Promise<void> {
  const button = event.currentTarget as HTMLButtonElement;
  button.disabled = true;
  button.textContent = `${action[0]!.toUpperCase()}${action.slice(1, -1)}ing…`;
  try {
    const result = await act(plugin, action);
    toast('message' in result ? result.message : `${plugin}: ${action} → ${result.state}${result.error ? ` (${result.error.split('\n')[0]})` : ''}`);
  } catch (error) {
    toast(`${plugin}: ${action} failed: ${String(error)}`);
  } finally {
    await refreshCatalog();
  }
}

function toast(text: string): void {
  const note = h('div', { class: 'toast', role: 'status' }, text);
  document.body.append(note);
  setTimeout(() => note.remove(), 4000);
}

function fact(label: string, value: string | Node): HTMLElement[] {
  return [h('dt', null, label), h('dd', null, value)];
}

function list(items: string[]): string {
  return items.length > 0 ? items.join(', ') : '—';
}

/** Plugins in columns by dependency depth, an arrow from each dependency to the plugin that needs it. */
export function dependencyGraph(plugins: CatalogPlugin[]): SVGElement {
  const byName = new Map(plugins.map((p) => [p.name, p]));
  const level = new Map<string, number>();
  const depth = (name: string, seen = new Set<string>()): number => {
    if (level.has(name)) return level.get(name)!;
    if (seen.has(name)) return 0;
    seen.add(name);
    const deps = (byName.get(name)?.dependencies ?? []).filter((d) => byName.has(d));
    const value = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => depth(d, seen)));
    level.set(name, value);
    return value;
  };
  for (const p of plugins) depth(p.name);
  const columns: string[][] = [];
  for (const p of plugins) (columns[level.get(p.name)!] ??= []).push(p.name);
  const W = 196, H = 40, GX = 70, GY = 18, PAD = 12;
  const pos = new Map<string, { x: number; y: number }>();
  columns.forEach((names, col) => names.forEach((name, row) => pos.set(name, { x: PAD + col * (W + GX), y: PAD + row * (H + GY) })));
  const width = PAD * 2 + columns.length * W + (columns.length - 1) * GX;
  const height = PAD * 2 + Math.max(...columns.map((c) => c.length)) * (H + GY) - GY;
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'graph', role: 'img', 'aria-label': 'Plugin dependency graph', style: `max-width:${width}px` });
  svg.append(s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' }))));
  for (const p of plugins) {
    for (const dep of p.dependencies) {
      const from = pos.get(dep);
      const to = pos.get(p.name);
      if (!from || !to) continue;
      const x1 = from.x + W, y1 = from.y + H / 2, x2 = to.x - 2, y2 = to.y + H / 2;
      const mid = (x1 + x2) / 2;
      svg.append(s('path', { d: `M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`, class: 'edge', 'marker-end': 'url(#arrow)' }));
    }
  }
  for (const p of plugins) {
    const { x, y } = pos.get(p.name)!;
    svg.append(
      s('g', { class: `node state-${p.state}`, transform: `translate(${x},${y})`, 'data-node': p.name },
        s('rect', { width: W, height: H, rx: 8 }),
        s('text', { x: 12, y: 17, class: 'node-name' }, p.name),
        s('text', { x: 12, y: 32, class: 'node-state' }, `${p.state}${p.version ? ` · ${p.version}` : ''}`),
      ),
    );
  }
  return svg;
}
