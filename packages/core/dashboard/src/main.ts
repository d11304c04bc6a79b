import './style.css';
import { h, replace } from './dom.ts';
import { on, start, store } from './store.ts';
import { catalogView } from './views/catalog.ts';
import { configView } from './views/config.ts';
import { explorerView } from './views/explorer.ts';
import { logsView } from './views/logs.ts';
import { swapsView } from './views/swaps.ts';
import { tracesView } from './views/traces.ts';
import type { View } from './views/view.ts';

const PAGES = {
  catalog: { title: 'Catalog', make: (_q: URLSearchParams) => catalogView(navigate) },
  explorer: { title: 'Explorer', make: explorerView },
  traces: { title: 'Traces', make: tracesView },
  swaps: { title: 'Swaps', make: (_q: URLSearchParams) => swapsView() },
  logs: { title: 'Logs', make: logsView },
  config: { title: 'Config', make: (_q: URLSearchParams) => configView() },
} as const;
type Page = keyof typeof PAGES;

const THEMES = ['auto', 'light', 'dark'] as const;
const root = document.getElementById('app')!;
const main = h('main');
const status = h('span', { class: 'conn', title: 'live updates' });
const meta = h('span', { class: 'dim meta' });
const themeButton = h('button', { type: 'button', class: 'ghost', id: 'theme', onclick: cycleTheme });
const nav = h('nav', null, Object.entries(PAGES).map(([id, page]) => h('a', { href: `#${id}`, 'data-page': id }, page.title)));
let current: View | undefined;

function navigate(hash: string): void {
  if (location.hash === hash) show();
  else location.hash = hash;
}

function show(): void {
  const [name = 'catalog', search = ''] = location.hash.slice(1).split('?');
  const page: Page = name in PAGES ? (name as Page) : 'catalog';
  current?.dispose();
  current = PAGES[page].make(new URLSearchParams(search));
  for (const link of nav.querySelectorAll('a')) link.classList.toggle('active', link.dataset.page === page);
  document.title = `${PAGES[page].title} · Nexus`;
  replace(main, current.el);
}

function applyTheme(theme: string): void {
  if (theme === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  themeButton.textContent = `theme: ${theme}`;
}

function cycleTheme(): void {
  const now = localStorage.getItem('nexus-theme') ?? 'auto';
  const next = THEMES[(THEMES.indexOf(now as (typeof THEMES)[number]) + 1) % THEMES.length]!;
  localStorage.setItem('nexus-theme', next);
  applyTheme(next);
}

function renderMeta(): void {
  const app = store.app;
  meta.textContent = app ? `v${app.version} · ${app.mode} · ${app.app} (${app.envName})` : '';
  status.className = `conn ${store.connected ? 'on' : 'off'}`;
  status.textContent = store.connected ? 'live' : 'offline';
}

applyTheme(localStorage.getItem('nexus-theme') ?? 'auto');
replace(root, h('header', { class: 'top' }, h('h1', null, 'Nexus'), meta, status, themeButton), nav, main);
on('app', renderMeta);
on('connection', renderMeta);
addEventListener('hashchange', show);
show();
void start().catch((error: unknown) => {
  replace(main, h('pre', { class: 'error' }, `The dashboard API did not answer: ${String(error)}`));
});
