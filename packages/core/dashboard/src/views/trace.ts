import type { Span, Trace } from '../api.ts';
import { badge, clock, empty, h, ms, pretty } from '../dom.ts';

const KIND_LABEL: Record<Span['kind'], string> = { request: 'route', event: 'event', handler: 'handler', service: 'service', log: 'log' };

/** Spans in tree order (each after its parent), with their depth. */
function ordered(spans: Span[]): { span: Span; depth: number }[] {
  const children = new Map<number | undefined, Span[]>();
  const ids = new Set(spans.map((s) => s.id));
  for (const span of spans) {
    const parent = span.parent !== undefined && ids.has(span.parent) ? span.parent : undefined;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const out: { span: Span; depth: number }[] = [];
  const walk = (parent: number | undefined, depth: number): void => {
    for (const span of (children.get(parent) ?? []).sort((a, b) => a.start - b.start)) {
      out.push({ span, depth });
      walk(span.id, depth + 1);
    }
  };
  walk(undefined, 0);
  return out;
}

/** One trace as a waterfall: every span as a row with a bar on a shared time axis. */
export function traceWaterfall(trace: Trace): HTMLElement {
  const spans = trace.spans ?? [];
  const total = Math.max(trace.duration ?? 0, ...spans.map((s) => s.start + (s.duration ?? 0)), 0.01);
  const rows = ordered(spans).map(({ span, depth }) => {
    const left = (span.start / total) * 100;
    const width = Math.max(((span.duration ?? total - span.start) / total) * 100, 0.6);
    return h(
      'div',
      { class: `wf-row k-${span.kind}${span.error ? ' has-error' : ''}`, 'data-kind': span.kind, 'data-plugin': span.plugin ?? '' },
      h(
        'div',
        { class: 'wf-label', style: `padding-left:${depth * 14}px` },
        h('span', { class: `kind k-${span.kind}` }, KIND_LABEL[span.kind]),
        h('span', { class: 'wf-name', title: span.name }, span.name),
        span.plugin ? h('span', { class: 'chip' }, span.plugin) : null,
        span.error ? h('div', { class: 'wf-error' }, span.error) : null,
        typeof span.detail?.error === 'string' ? h('div', { class: 'wf-error' }, span.detail.error) : null,
      ),
      h('div', { class: 'wf-track' }, h('div', { class: 'wf-bar', style: `left:${left}%;width:${Math.min(width, 100 - left)}%` })),
      h('div', { class: 'wf-ms' }, span.kind === 'log' || span.kind === 'event' ? `+${ms(span.start)}` : ms(span.duration)),
    );
  });
  return h(
    'div',
    { class: 'trace', 'data-trace': trace.id },
    h(
      'div',
      { class: 'trace-head' },
      h('b', null, trace.name),
      trace.status !== undefined ? badge(String(trace.status), trace.status >= 500 ? 'failed' : trace.status >= 400 ? 'warn' : 'running') : badge(trace.kind, 'dim'),
      h('span', { class: 'dim' }, `${clock(trace.startedAt)} · ${ms(trace.duration)} · ${spans.length} spans`),
      trace.request?.route ? h('code', { class: 'dim' }, `route ${trace.request.route}`) : null,
      trace.errors > 0 ? badge(`${trace.errors} error${trace.errors === 1 ? '' : 's'}`, 'failed') : null,
    ),
    rows.length > 0 ? h('div', { class: 'waterfall' }, rows) : empty('No spans recorded.'),
    trace.dropped > 0 ? h('p', { class: 'dim' }, `${trace.dropped} more spans not kept`) : null,
    trace.request
      ? h(
          'details',
          { class: 'trace-io' },
          h('summary', null, 'Request and response'),
          h('div', { class: 'io' },
            h('div', null, h('h4', null, `${trace.request.method} ${trace.request.url}`), h('pre', null, pretty(trace.request.headers)), trace.request.body !== undefined ? h('pre', null, pretty(trace.request.body)) : null),
            h('div', null, h('h4', null, `Response ${trace.status ?? ''}`), h('pre', null, pretty(trace.response?.headers ?? {})), trace.response?.body !== undefined ? h('pre', null, pretty(trace.response.body)) : null),
          ),
        )
      : null,
  );
}
