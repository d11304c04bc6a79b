import { get, type CatalogRoute, type JsonSchema, type Trace } from '../api.ts';
import { badge, empty, h, ms, pretty, replace } from '../dom.ts';
import { on, store } from '../store.ts';
import { traceWaterfall } from './trace.ts';
import type { View } from './view.ts';

interface Choice {
  plugin: string;
  route: CatalogRoute;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** Pick a route, fill a form made from its schema (or edit JSON), send it, see the answer and its trace. */
export function explorerView(query: URLSearchParams): View {
  const el = h('section', { class: 'view', id: 'explorer' });
  const select = h('select', { id: 'route', 'aria-label': 'Route' });
  const form = h('div', { class: 'form' });
  const result = h('div', { class: 'result' });
  const traceBox = h('div', { class: 'trace-box' });
  let choices: Choice[] = [];
  let current: Choice | undefined;
  let traceId: string | undefined;
  let fields: () => { url: string; init: RequestInit } = () => ({ url: '', init: {} });

  const fill = (): void => {
    const wanted = select.value || query.get('route') || '';
    choices = (store.catalog?.plugins ?? [])
      .filter((p) => p.state === 'running')
      .flatMap((p) => p.routes.filter((r) => r.mounted).map((route) => ({ plugin: p.name, route })));
    replace(select, choices.map((c) => h('option', { value: key(c.route) }, `${c.route.method} ${c.route.path}`)));
    const keep = choices.find((c) => key(c.route) === wanted) ?? choices[0];
    if (keep) select.value = key(keep.route);
    if (keep && (!current || key(current.route) !== key(keep.route))) choose(keep);
  };
  const choose = (choice: Choice): void => {
    current = choice;
    fields = buildForm(form, choice.route);
  };
  select.addEventListener('change', () => {
    const choice = choices.find((c) => key(c.route) === select.value);
    if (choice) choose(choice);
  });

  const send = async (): Promise<void> => {
    const { url, init } = fields();
    replace(result, empty('Sending…'));
    replace(traceBox);
    const began = performance.now();
    let response: Response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      replace(result, h('pre', { class: 'error' }, String(error)));
      return;
    }
    const text = await response.text();
    const took = performance.now() - began;
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON: shown as text */
    }
    traceId = response.headers.get('x-nexus-trace') ?? undefined;
    const headers = [...response.headers.entries()];
    replace(
      result,
      h('div', { class: 'response-head' }, badge(`${response.status} ${response.statusText}`, response.status >= 500 ? 'failed' : response.status >= 400 ? 'warn' : 'running'), h('span', { class: 'timing' }, ms(took)), h('code', { class: 'dim' }, `${init.method} ${url}`)),
      h('div', { class: 'io' },
        h('div', null, h('h4', null, 'Body'), h('pre', { class: 'response-body' }, pretty(body))),
        h('div', null, h('h4', null, 'Headers'), h('table', { class: 'kv' }, headers.map(([k, v]) => h('tr', null, h('th', null, k), h('td', null, v))))),
      ),
    );
    if (traceId) {
      const known = store.traces.find((t) => t.id === traceId && t.spans);
      showTrace(known ?? (await get(`/traces/${traceId}`).catch(() => undefined)));
    } else if (store.app && !store.app.traces) {
      replace(traceBox, empty('Traces are recorded under nexus dev only.'));
    }
  };
  const showTrace = (trace: Trace | undefined): void => {
    if (!trace) return;
    replace(traceBox, h('h3', null, 'Trace ', h('a', { href: `#traces?id=${trace.id}` }, trace.id)), traceWaterfall(trace));
  };

  replace(
    el,
    h('div', { class: 'panel' },
      h('div', { class: 'row' }, h('label', { for: 'route' }, 'Route'), select),
      form,
      h('div', { class: 'row' }, h('button', { type: 'button', id: 'send', onclick: () => void send() }, 'Send')),
    ),
    h('div', { class: 'panel' }, h('h3', null, 'Response'), result),
    traceBox,
  );
  replace(result, empty('Pick a route and send it.'));
  fill();
  const offCatalog = on('catalog', fill);
  const offTraces = on('traces', (detail) => {
    const trace = detail as Trace | undefined;
    if (trace && trace.id === traceId) showTrace(trace);
  });
  return { el, dispose: () => (offCatalog(), offTraces()) };
}

function key(route: CatalogRoute): string {
  return `${route.method} ${route.path}`;
}

/** Inputs for a route's path params, query and body; returns how to build the request from them. */
function buildForm(form: HTMLElement, route: CatalogRoute): () => { url: string; init: RequestInit } {
  const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const paramInputs = new Map(params.map((p) => [p, h('input', { name: `param-${p}`, placeholder: p, 'aria-label': `path parameter ${p}` })]));
  const querySchema = route.schemas?.query;
  const queryFields = schemaFields(querySchema, 'query');
  const freeQuery = h('input', { name: 'query', placeholder: 'a=1&b=2', 'aria-label': 'query string' });
  const hasBody = BODY_METHODS.has(route.method);
  const bodySchema = route.schemas?.body;
  const bodyFields = schemaFields(bodySchema, 'body');
  const json = h('textarea', { name: 'json', rows: 8, spellcheck: 'false', 'aria-label': 'JSON body' });
  const useJson = h('input', { type: 'checkbox', name: 'use-json', checked: bodyFields.inputs.size === 0 });
  const syncJson = (): void => {
    json.value = JSON.stringify(bodyFields.read(), null, 2);
  };
  if (hasBody) syncJson();
  const toggle = (): void => {
    if (useJson.checked) syncJson();
    bodyFields.box.hidden = useJson.checked;
    json.hidden = !useJson.checked;
  };
  useJson.addEventListener('change', toggle);
  replace(
    form,
    params.length > 0 ? h('fieldset', null, h('legend', null, 'Path'), [...paramInputs].map(([p, input]) => h('label', null, h('span', null, `:${p}`), input))) : null,
    queryFields.inputs.size > 0
      ? h('fieldset', null, h('legend', null, 'Query (from schema)'), queryFields.box)
      : h('fieldset', null, h('legend', null, 'Query'), h('label', null, h('span', null, '?'), freeQuery)),
    hasBody
      ? h('fieldset', null,
          h('legend', null, bodySchema ? 'Body (from schema)' : 'Body (JSON)'),
          bodyFields.inputs.size > 0 ? h('label', { class: 'inline' }, useJson, ' edit as JSON') : null,
          bodyFields.box,
          json,
        )
      : null,
  );
  if (hasBody) toggle();
  return () => {
    let path = route.path;
    for (const [p, input] of paramInputs) path = path.replace(`:${p}`, encodeURIComponent(input.value));
    const search = queryFields.inputs.size > 0 ? new URLSearchParams(Object.entries(queryFields.read()).map(([k, v]) => [k, String(v)])).toString() : freeQuery.value.replace(/^\?/, '');
    const url = search ? `${path}?${search}` : path;
    const init: RequestInit = { method: route.method, headers: { accept: 'application/json' } };
    if (hasBody) {
      init.headers = { accept: 'application/json', 'content-type': 'application/json' };
      init.body = useJson.checked ? json.value : JSON.stringify(bodyFields.read());
    }
    return { url, init };
  };
}

/** One input per property of an object schema. */
function schemaFields(schema: JsonSchema | undefined, prefix: string): { box: HTMLElement; inputs: Map<string, HTMLInputElement | HTMLSelectElement>; read(): Record<string, unknown> } {
  const inputs = new Map<string, HTMLInputElement | HTMLSelectElement>();
  const types = new Map<string, string>();
  const box = h('div', { class: 'fields' });
  for (const [name, prop] of Object.entries(schema?.properties ?? {})) {
    const type = Array.isArray(prop.type) ? prop.type[0]! : (prop.type ?? 'string');
    types.set(name, type);
    const required = schema?.required?.includes(name) ?? false;
    let input: HTMLInputElement | HTMLSelectElement;
    if (prop.enum) input = h('select', { name: `${prefix}-${name}` }, h('option', { value: '' }, ''), prop.enum.map((v) => h('option', { value: String(v) }, String(v))));
    else if (type === 'boolean') input = h('input', { type: 'checkbox', name: `${prefix}-${name}`, checked: prop.default === true });
    else input = h('input', { name: `${prefix}-${name}`, type: type === 'number' || type === 'integer' ? 'number' : 'text', placeholder: type === 'object' || type === 'array' ? 'JSON' : type, value: prop.default !== undefined && type !== 'object' && type !== 'array' ? String(prop.default) : undefined });
    inputs.set(name, input);
    box.append(h('label', null, h('span', null, name, required ? h('b', { class: 'req', title: 'required' }, ' *') : null), input, prop.description ? h('small', { class: 'dim' }, prop.description) : null));
  }
  return {
    box,
    inputs,
    read() {
      const out: Record<string, unknown> = {};
      for (const [name, input] of inputs) {
        const type = types.get(name)!;
        if (input instanceof HTMLInputElement && input.type === 'checkbox') {
          out[name] = input.checked;
          continue;
        }
        if (input.value === '') continue;
        if (type === 'number' || type === 'integer') out[name] = Number(input.value);
        else if (type === 'object' || type === 'array') {
          try {
            out[name] = JSON.parse(input.value);
          } catch {
            out[name] = input.value;
          }
        } else out[name] = input.value;
      }
      return out;
    },
  };
}
