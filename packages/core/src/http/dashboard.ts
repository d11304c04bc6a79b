import type { Context } from 'koa';
import { NEXUS_VERSION } from '../version.ts';

/**
 * `GET /`: a live page of every plugin (state, version, reloads, traffic, resources, last error), refreshed
 * from `/plugins` every second, for people who would rather look than read JSON.
 */
export function dashboard(ctx: Context): void {
  ctx.type = 'html';
  ctx.body = PAGE;
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Nexus</title>
<style>
  :root { color-scheme: light dark; --ok: #16a34a; --bad: #dc2626; --dim: #6b7280; --warn: #d97706; }
  body { font: 14px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; }
  h1 { font-size: 1.4rem; margin: 0; } h1 small { color: var(--dim); font-weight: normal; }
  header { display: flex; justify-content: space-between; align-items: baseline; margin-bottom: 1rem; }
  nav a { margin-left: 1rem; color: inherit; }
  #summary { font-size: 1.1rem; margin: .5rem 0 1rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid #8883; vertical-align: top; }
  th { color: var(--dim); font-weight: 600; font-size: .8rem; text-transform: uppercase; }
  .state { font-weight: 600; } .running { color: var(--ok); } .failed { color: var(--bad); }
  .disabled, .stopped { color: var(--dim); } .swapping, .initializing, .loading, .stopping { color: var(--warn); }
  pre { margin: .3rem 0 0; white-space: pre-wrap; color: var(--bad); font-size: .8rem; }
  .dim { color: var(--dim); } code { font-size: .85rem; } .traffic, .res { white-space: nowrap; }
</style>
</head>
<body>
<header>
  <h1>Nexus <small>v${NEXUS_VERSION}</small></h1>
  <nav><a href="/health">/health</a><a href="/plugins">/plugins</a><a href="/metrics">/metrics</a></nav>
</header>
<div id="summary" class="dim">Loading…</div>
<table>
  <thead><tr><th>Plugin</th><th>State</th><th>Reloads</th><th>Traffic</th><th>Endpoints</th><th>Depends on</th><th>Resources</th></tr></thead>
  <tbody id="plugins"></tbody>
</table>
<script>
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
async function refresh() {
  try {
    const { plugins } = await (await fetch('/plugins')).json();
    const counts = {};
    for (const p of plugins) counts[p.state] = (counts[p.state] || 0) + 1;
    document.getElementById('summary').innerHTML = Object.entries(counts)
      .map(([s, n]) => '<span class="' + s + '">' + n + ' ' + s + '</span>').join(' · ') || 'No plugins found';
    document.getElementById('plugins').innerHTML = plugins.map((p) => {
      const r = p.resources;
      const t = p.traffic;
      const traffic = t.requests + ' req' + (t.requests > 0 ? ' · ' + t.meanMs + ' ms avg' : '')
        + (t.serverErrors > 0 ? ' · <span class="failed">' + t.serverErrors + ' 5xx</span>' : '')
        + '<br><span class="dim">' + t.events + (t.events === 1 ? ' event' : ' events') + ' out</span>';
      return '<tr><td><b>' + esc(p.name) + '</b> <span class="dim">' + esc(p.version || '') + '</span><br><code class="dim">' + esc(p.dir) + '</code>'
        + (p.error ? '<pre>' + esc(p.error) + '</pre>' : '') + '</td>'
        + '<td class="state ' + esc(p.state) + '">' + esc(p.state) + '</td><td>' + p.reloads + '</td><td class="traffic">' + traffic + '</td>'
        + '<td>' + (p.endpoints.map((e) => e.startsWith('GET ') && !e.includes(':') ? '<a href="' + esc(e.slice(4)) + '"><code>' + esc(e) + '</code></a>' : '<code>' + esc(e) + '</code>').join('<br>') || '<span class="dim">none</span>') + '</td>'
        + '<td>' + (p.dependencies.map(esc).join(', ') || '<span class="dim">none</span>') + '</td>'
        + '<td class="dim res">' + r.subscriptions + ' subs · ' + r.services + ' services<br>' + r.timers + ' timers · ' + r.tasks + ' tasks</td></tr>';
    }).join('');
  } catch {
    document.getElementById('summary').textContent = 'Server unreachable; retrying…';
  }
}
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>`;
