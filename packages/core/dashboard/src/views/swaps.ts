import type { HeapSample, SwapEntry } from '../api.ts';
import { badge, clock, empty, h, ms, replace, s } from '../dom.ts';
import { on, store } from '../store.ts';
import type { View } from './view.ts';

/** Hot swaps as a timeline (newest first) under a chart of swap time and heap after gc. */
export function swapsView(): View {
  const el = h('section', { class: 'view', id: 'swaps' });
  const render = (): void => {
    const swaps = [...store.swaps].reverse();
    replace(
      el,
      h('div', { class: 'panel' }, h('h3', null, 'Swap time and heap after gc since start'), store.swaps.length === 0 && store.heap.length === 0 ? empty('No swaps yet: edit a plugin file and save.') : chart(store.swaps, store.heap)),
      h('div', { class: 'panel' }, h('h3', null, 'Timeline'), swaps.length === 0 ? empty('No swaps yet.') : h('ol', { class: 'timeline' }, swaps.map(swapItem))),
    );
  };
  render();
  const off = on('swaps', render);
  return { el, dispose: off };
}

function swapItem(swap: SwapEntry): HTMLElement {
  const t = swap.timings;
  return h(
    'li',
    { class: `swap outcome-${swap.outcome}`, 'data-swap': swap.seq },
    h('div', { class: 'swap-head' },
      badge(swap.outcome === 'ok' ? 'ok' : swap.outcome.replace('_', ' '), swap.outcome === 'ok' ? 'running' : 'failed'),
      h('b', null, swap.kind),
      h('span', { class: 'cascade' }, swap.plugins.join(' → ')),
      h('span', { class: 'dim' }, `${clock(swap.time)} · ${ms(t.total)}`),
    ),
    h('div', { class: 'phases' },
      h('span', null, `load ${ms(t.load)}`), h('span', null, `shutdown ${ms(t.shutdown)}`), h('span', null, `initialize ${ms(t.initialize)}`),
      swap.files.length > 0 ? h('code', { class: 'dim' }, swap.files.join(', ')) : null,
    ),
    swap.error
      ? h('div', { class: 'swap-error' },
          h('div', { class: 'error-line' }, h('b', null, swap.error.code), ' ', where(swap.error.location), swap.error.message),
          swap.error.details ? h('pre', { class: 'details' }, swap.error.details.join('\n')) : null,
          swap.error.location?.frame ? h('pre', { class: 'frame' }, swap.error.location.frame) : null,
        )
      : null,
  );
}

function where(location: { file: string; line: number; column: number } | undefined): string {
  return location ? `${location.file}:${location.line}:${location.column}: ` : '';
}

/** Bars: each swap's total time (left axis); line: heap MB after gc (right axis). */
function chart(swaps: SwapEntry[], heap: HeapSample[]): SVGElement {
  const W = 720, H = 200, L = 44, R = 48, T = 10, B = 26;
  const maxAt = Math.max(1, ...swaps.map((x) => x.at), ...heap.map((x) => x.at));
  const maxMs = Math.max(10, ...swaps.map((x) => x.timings.total));
  const heaps = heap.map((x) => x.heapMB);
  const minMB = heaps.length > 0 ? Math.floor(Math.min(...heaps) * 0.9) : 0;
  const maxMB = heaps.length > 0 ? Math.ceil(Math.max(...heaps) * 1.05) : 1;
  const x = (at: number): number => L + 8 + (at / maxAt) * (W - L - R - 24);
  const yMs = (v: number): number => H - B - (v / maxMs) * (H - B - T);
  const yMB = (v: number): number => H - B - ((v - minMB) / Math.max(maxMB - minMB, 1)) * (H - B - T);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': 'Swap time and heap after gc' });
  svg.append(s('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, class: 'axis' }));
  svg.append(s('text', { x: 4, y: T + 8, class: 'tick' }, ms(maxMs)), s('text', { x: 4, y: H - B, class: 'tick' }, '0'));
  svg.append(s('text', { x: W - R + 4, y: T + 8, class: 'tick heap' }, `${maxMB} MB`), s('text', { x: W - R + 4, y: H - B, class: 'tick heap' }, `${minMB} MB`));
  svg.append(s('text', { x: L, y: H - 6, class: 'tick' }, '0 s'), s('text', { x: W - R - 30, y: H - 6, class: 'tick' }, `${maxAt.toFixed(0)} s`));
  const barW = Math.max(3, Math.min(14, (W - L - R) / Math.max(swaps.length, 1) / 2));
  for (const swap of swaps) {
    const bar = s('rect', { x: x(swap.at) - barW / 2, y: yMs(swap.timings.total), width: barW, height: H - B - yMs(swap.timings.total), class: `bar outcome-${swap.outcome}` });
    bar.append(s('title', {}, `${swap.plugins.join(' → ')}: ${ms(swap.timings.total)} (${swap.outcome})`));
    svg.append(bar);
  }
  if (heap.length > 0) {
    svg.append(s('polyline', { points: heap.map((p) => `${x(p.at)},${yMB(p.heapMB)}`).join(' '), class: 'heap-line' }));
    for (const p of heap) {
      const dot = s('circle', { cx: x(p.at), cy: yMB(p.heapMB), r: 3, class: 'heap-dot' });
      dot.append(s('title', {}, `${p.heapMB} MB after gc at ${p.at.toFixed(1)} s`));
      svg.append(dot);
    }
  }
  const legend = s('g', { class: 'legend', transform: `translate(${L + 8},${T + 4})` },
    s('rect', { width: 10, height: 10, class: 'bar outcome-ok' }), s('text', { x: 14, y: 9 }, 'swap time'),
    s('line', { x1: 90, y1: 5, x2: 104, y2: 5, class: 'heap-line' }), s('text', { x: 108, y: 9 }, 'heap after gc'));
  svg.append(legend);
  return svg;
}
