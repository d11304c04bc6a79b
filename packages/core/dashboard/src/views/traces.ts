import { get, type Trace } from '../api.ts';
import { badge, clock, empty, h, ms, replace } from '../dom.ts';
import { on, store } from '../store.ts';
import { traceWaterfall } from './trace.ts';
import type { View } from './view.ts';

/** Every recorded request and event, newest first; the chosen one as a waterfall. */
export function tracesView(query: URLSearchParams): View {
  const el = h('section', { class: 'view split', id: 'traces' });
  const listBox = h('div', { class: 'panel list' });
  const detail = h('div', { class: 'panel detail' });
  const kind = h('select', { 'aria-label': 'Kind' }, h('option', { value: '' }, 'requests and events'), h('option', { value: 'request' }, 'requests'), h('option', { value: 'event' }, 'events'));
  let selected = query.get('id') ?? undefined;

  const renderList = (): void => {
    if (store.app && !store.app.traces) return replace(listBox, empty('Traces are recorded under nexus dev only.'));
    const traces = store.traces.filter((t) => !kind.value || t.kind === kind.value);
    replace(
      listBox,
      h('div', { class: 'row' }, kind, h('span', { class: 'dim' }, `${traces.length} kept`)),
      traces.length === 0
        ? empty('Nothing yet: call a route (the Explorer can) or publish an event.')
        : h('ul', { class: 'trace-list' }, traces.map((t) =>
            h('li', { class: t.id === selected ? 'selected' : '', 'data-trace': t.id, onclick: () => void select(t.id) },
              h('span', { class: `kind k-${t.kind === 'request' ? 'request' : 'event'}` }, t.kind === 'request' ? 'req' : 'event'),
              h('span', { class: 'name' }, t.name),
              t.status !== undefined ? badge(String(t.status), t.status >= 500 ? 'failed' : t.status >= 400 ? 'warn' : 'running') : null,
              t.errors > 0 ? badge('error', 'failed') : null,
              h('span', { class: 'dim' }, `${clock(t.startedAt)} · ${ms(t.duration)}`),
            ))),
    );
  };
  const select = async (id: string): Promise<void> => {
    selected = id;
    renderList();
    const known = store.traces.find((t) => t.id === id && t.spans);
    const trace = known ?? (await get(`/traces/${id}`).catch(() => undefined));
    replace(detail, trace ? traceWaterfall(trace) : empty(`Trace ${id} is no longer kept.`));
  };
  kind.addEventListener('change', renderList);
  replace(el, listBox, detail);
  renderList();
  selected ??= store.traces[0]?.id;
  if (selected) void select(selected);
  else replace(detail, empty('Pick a trace.'));
  const off = on('traces', (changed) => {
    renderList();
    const trace = changed as Trace | undefined;
    if (trace && trace.id === selected && trace.spans) replace(detail, traceWaterfall(trace));
  });
  return { el, dispose: off };
}
