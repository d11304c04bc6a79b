import { get, type PluginConfigView } from '../api.ts';
import { empty, h, pretty, replace } from '../dom.ts';
import { on } from '../store.ts';
import type { View } from './view.ts';

/** Each plugin's resolved config: every value with the layer it came from; secrets redacted. */
export function configView(): View {
  const el = h('section', { class: 'view', id: 'config' });
  const load = async (): Promise<void> => {
    const { plugins } = await get('/config');
    replace(
      el,
      h('p', { class: 'dim' }, 'Layers, lowest first: manifest default → config/default.yaml → config/<env>.yaml → nexus.config → saved by setConfig → NEXUS_<PLUGIN>_<KEY> environment variable.'),
      plugins.length === 0 ? empty('No plugins.') : plugins.map(section),
    );
  };
  void load();
  const off = on('catalog', () => void load());
  return { el, dispose: off };
}

function section(view: PluginConfigView): HTMLElement {
  return h(
    'div',
    { class: 'panel config', 'data-plugin': view.plugin },
    h('h3', null, view.plugin),
    view.errors.map((e) => h('pre', { class: 'error' }, e)),
    view.warnings.map((w) => h('p', { class: 'warn-text' }, w)),
    view.entries.length === 0
      ? empty('No configuration.')
      : h('div', { class: 'table-wrap' }, h('table', { class: 'config-table' },
          h('thead', null, h('tr', null, h('th', null, 'Key'), h('th', null, 'Value'), h('th', null, 'Source'), h('th', null, ''))),
          h('tbody', null, view.entries.map((entry) =>
            h('tr', { 'data-key': entry.key },
              h('td', null, h('code', null, entry.key), entry.description ? h('div', { class: 'dim small' }, entry.description) : null),
              h('td', { class: 'value' }, entry.value === undefined ? h('span', { class: 'dim' }, 'unset') : h('code', { class: entry.secret ? 'secret' : '' }, pretty(entry.value))),
              h('td', { class: 'source' }, entry.source ? h('span', { class: `src ${sourceKind(entry.source)}` }, entry.source) : h('span', { class: 'dim' }, '—')),
              h('td', null, entry.secret ? h('span', { class: 'badge b-warn' }, 'secret') : null, entry.required ? h('span', { class: 'badge b-dim' }, 'required') : null, entry.undeclared ? h('span', { class: 'badge b-dim' }, 'undeclared') : null),
            ))),
        )),
  );
}

function sourceKind(source: string): string {
  if (/^NEXUS_/.test(source)) return 'src-env';
  if (source.endsWith('.yaml')) return 'src-yaml';
  if (source.startsWith('nexus.config')) return 'src-app';
  if (source.startsWith('saved')) return 'src-saved';
  return 'src-default';
}
