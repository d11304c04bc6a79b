import type { LogEntry } from '../api.ts';
import { clock, empty, h, pretty, replace } from '../dom.ts';
import { on, store } from '../store.ts';
import type { View } from './view.ts';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const SHOWN = 300;

/** The live log stream, filtered by plugin, lowest level and text. */
export function logsView(query: URLSearchParams): View {
  const el = h('section', { class: 'view', id: 'logs' });
  const plugin = h('select', { name: 'plugin', 'aria-label': 'Plugin' });
  const level = h('select', { name: 'level', 'aria-label': 'Lowest level' }, LEVELS.map((l) => h('option', { value: l }, `${l} and above`)));
  const text = h('input', { name: 'text', type: 'search', placeholder: 'filter text', 'aria-label': 'Filter text' });
  const listBox = h('ol', { class: 'log-list' });
  const count = h('span', { class: 'dim' });
  level.value = query.get('level') ?? 'debug';
  const wantedPlugin = query.get('plugin') ?? '';

  const fillPlugins = (): void => {
    const names = new Set<string>(['nexus', ...(store.catalog?.plugins.map((p) => p.name) ?? []), ...store.logs.map((l) => l.name)]);
    const current = plugin.value || wantedPlugin;
    replace(plugin, h('option', { value: '' }, 'all plugins'), [...names].sort().map((n) => h('option', { value: n }, n)));
    plugin.value = current;
  };
  const matches = (entry: LogEntry): boolean =>
    (!plugin.value || entry.name === plugin.value) &&
    LEVELS.indexOf(entry.level) >= LEVELS.indexOf(level.value as LogEntry['level']) &&
    (!text.value || `${entry.message} ${entry.error ?? ''}`.toLowerCase().includes(text.value.toLowerCase()));
  const line = (entry: LogEntry): HTMLElement =>
    h('li', { class: `log l-${entry.level}`, 'data-plugin': entry.name },
      h('span', { class: 'time dim' }, clock(entry.time)),
      h('span', { class: `level l-${entry.level}` }, entry.level.toUpperCase()),
      h('span', { class: 'chip' }, entry.name),
      h('span', { class: 'message' }, entry.message),
      entry.meta !== undefined ? h('code', { class: 'dim meta' }, pretty(entry.meta).replace(/\s*\n\s*/g, ' ')) : null,
      entry.error ? h('pre', { class: 'error' }, entry.error) : null,
    );
  const render = (): void => {
    const shown = store.logs.filter(matches).slice(-SHOWN).reverse();
    count.textContent = `${shown.length} shown of ${store.logs.length}`;
    if (shown.length === 0) replace(listBox, empty('No log lines match.'));
    else replace(listBox, shown.map(line));
  };
  for (const control of [plugin, level]) control.addEventListener('change', render);
  text.addEventListener('input', render);
  replace(el, h('div', { class: 'panel' }, h('div', { class: 'row filters' }, plugin, level, text, count), listBox));
  fillPlugins();
  render();
  const offLogs = on('logs', (detail) => {
    const entry = detail as LogEntry | undefined;
    if (entry && ![...plugin.options].some((o) => o.value === entry.name)) fillPlugins();
    if (!entry || matches(entry)) render();
    else count.textContent = `${listBox.children.length} shown of ${store.logs.length}`;
  });
  const offCatalog = on('catalog', fillPlugins);
  return { el, dispose: () => (offLogs(), offCatalog()) };
}
