/**
 * The dashboard's API and recorders on a real app (createApp, port 0): catalog, traces across
 * plugins, events and services, redaction, bounded memory, on/off by mode and nexus.config, the
 * built page, the host and origin checks.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Duplex } from 'node:stream';
import Koa from 'koa';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type NexusApp } from '../src/app/create.ts';
import { Tracer } from '../src/devtools/tracer.ts';
import type { Trace } from '../src/devtools/tracer.ts';
import type { ActionResult, DashboardApi } from '../src/devtools/wire.ts';
import type { EventEnvelope } from '../src/events/types.ts';

const TOKEN = 'tok-4f3e2d1c0b';

function writePlugin(root: string, name: string, manifest: Record<string, unknown>, source: string): void {
  const dir = path.join(root, 'plugins', name);
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ name, version: '1.0.0', ...manifest }));
  writeFileSync(path.join(dir, 'src/plugin.ts'), source);
}

function makeShop(config: Record<string, unknown> = {}): string {
  const root = mkdtempSync(path.join(tmpdir(), 'nexus-devtools-'));
  if (Object.keys(config).length > 0) writeFileSync(path.join(root, 'nexus.config.json'), JSON.stringify(config));
  writePlugin(
    root,
    'shop',
    {
      permissions: ['events.publish'],
      events: { publishes: ['shop.sold'] },
      configuration: { token: { type: 'string', secret: true }, currency: { type: 'string', default: 'EUR' } },
      api_endpoints: [{ method: 'POST', path: '/buy', description: 'Buy an item' }],
    },
    `import { BasePlugin, validated } from '@nexus/core';
class Prices {
  #rate = 2;
  quote(item) { return { item, price: item.length * this.#rate }; }
}
export default class extends BasePlugin {
  initialize() {
    this.registerService('shop.prices', new Prices());
    void this.publishEvent('shop.sold', { item: 'opening', by: 'timer' });
  }
  routes(router) {
    router.post('/buy', validated({ body: { type: 'object', properties: { item: { type: 'string' } }, required: ['item'] } }, async (ctx, { body }) => {
      await this.publishEvent('shop.sold', { item: body.item });
      return { bought: body.item, token: this.getConfig('token'), echo: 'signed with ${TOKEN}' };
    }));
  }
}`,
  );
  writePlugin(
    root,
    'ledger',
    { dependencies: ['shop'], permissions: ['events.subscribe'], events: { subscribes: ['shop.sold'] } },
    `import { BasePlugin } from '@nexus/core';
export default class extends BasePlugin {
  initialize() {
    this.subscribeToEvent('shop.sold', async (event) => {
      const quote = this.getService('shop.prices').quote(event.data.item);
      this.logger.info('recorded ' + quote.item);
    });
    this.subscribeToEvent('shop.sold', (event) => {
      if (event.data.item === 'bomb') throw new Error('cannot record a bomb');
    });
  }
}`,
  );
  return root;
}

async function json<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as T };
}

async function traceOf(url: string, id: string, done: (trace: Trace) => boolean): Promise<Trace> {
  let trace: Trace | undefined;
  await expect.poll(async () => {
    trace = (await json<Trace>(`${url}/_nexus/api/traces/${id}`)).body;
    return done(trace);
  }).toBe(true);
  return trace!;
}

describe('dashboard API under nexus dev', () => {
  let root: string;
  let app: NexusApp;
  let url: string;

  beforeAll(async () => {
    root = makeShop();
    app = await createApp({ appDir: root, mode: 'dev', port: 0, logSink: () => {}, environ: { NEXUS_SHOP_TOKEN: TOKEN }, catchPluginFaults: false });
    url = await app.start();
  });
  afterAll(async () => {
    await app?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('GET / redirects to /_nexus/, which serves the built page and its assets', async () => {
    const redirect = await fetch(`${url}/`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/_nexus/');
    const page = await fetch(`${url}/_nexus/`);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    expect(html).toContain('<div id="app"></div>');
    const script = /src="(\/_nexus\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(url + script);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${url}/_nexus/traces/deep/link`)).headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect((await fetch(`${url}/_nexus/..%2f..%2fpackage.json`)).status).toBe(404);
  });

  it('the catalog has routes with their validated() schemas, events, services offered and used', async () => {
    await fetch(`${url}/plugins/shop/buy`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"item":"tea"}' });
    await app.bus.idle();
    const { body } = await json<DashboardApi['/catalog']>(`${url}/_nexus/api/catalog`);
    const shop = body.plugins.find((p) => p.name === 'shop')!;
    expect(shop.routes).toEqual([
      {
        method: 'POST',
        path: '/plugins/shop/buy',
        description: 'Buy an item',
        declared: true,
        mounted: true,
        schemas: { body: { type: 'object', properties: { item: { type: 'string' } }, required: ['item'] } },
      },
    ]);
    expect(shop.services).toEqual({ offered: ['shop.prices'], used: [] });
    expect(shop.health?.healthy).toBe(true);
    const ledger = body.plugins.find((p) => p.name === 'ledger')!;
    expect(ledger.services).toEqual({ offered: [], used: ['shop.prices'] });
    expect(ledger.events).toEqual({ publishes: [], subscribes: ['shop.sold'] });
  });

  it("a request's trace: the route, the event it published, each handler in the other plugin, the service it called, its log line, a handler's error", async () => {
    const response = await fetch(`${url}/plugins/shop/buy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ item: 'bomb', password: 'hunter2' }),
    });
    expect(response.status).toBe(200);
    const id = response.headers.get('x-nexus-trace')!;
    const trace = await traceOf(url, id, (t) => t.spans.filter((s) => s.kind === 'handler' && s.duration !== undefined).length === 2 && t.spans.filter((s) => s.kind === 'log').length === 2);
    const shape = trace.spans.map((s) => [s.kind, s.name, s.plugin, s.parent ?? null, s.error ?? null]);
    // Handlers run concurrently: their spans interleave in the order things happened.
    expect(shape).toHaveLength(7);
    expect(shape).toEqual(expect.arrayContaining([
      ['request', 'POST /plugins/shop/buy', 'shop', null, null],
      ['event', 'shop.sold', 'shop', 1, null],
      ['handler', 'shop.sold', 'ledger', 2, null],
      ['service', 'shop.prices.quote()', 'shop', 3, null],
      ['handler', 'shop.sold', 'ledger', 2, 'cannot record a bomb'],
      ['log', 'recorded bomb', 'ledger', 3, null],
      ['log', 'Plugin "ledger" failed to handle event "shop.sold": cannot record a bomb', 'nexus', 1, null],
    ]));
    expect(shape.slice(0, 4)).toEqual([
      ['request', 'POST /plugins/shop/buy', 'shop', null, null],
      ['event', 'shop.sold', 'shop', 1, null],
      ['handler', 'shop.sold', 'ledger', 2, null],
      ['service', 'shop.prices.quote()', 'shop', 3, null],
    ]);
    expect(trace).toMatchObject({ kind: 'request', plugin: 'shop', status: 200, errors: 1, request: { route: '/plugins/shop/buy' } });
    // Secrets: the credential header, credential-named fields, and the plugin's secret config values.
    expect(trace.request!.headers.authorization).toBe('[redacted]');
    expect(trace.request!.body).toEqual({ item: 'bomb', password: '[redacted]' });
    expect(trace.response!.body).toEqual({ bought: 'bomb', token: '[redacted]', echo: 'signed with [redacted]' });
    expect(JSON.stringify(trace)).not.toContain(TOKEN);
  });

  it('requests one after another are each traced whole (the async context, off between them, comes back)', async () => {
    for (const item of ['apple', 'pear']) {
      const response = await fetch(`${url}/plugins/shop/buy`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ item }) });
      const trace = await traceOf(url, response.headers.get('x-nexus-trace')!, (t) => t.spans.some((s) => s.kind === 'log'));
      expect(trace.spans.map((s) => [s.kind, s.name, s.parent ?? null])).toEqual(expect.arrayContaining([
        ['service', 'shop.prices.quote()', 3],
        ['log', `recorded ${item}`, 3],
      ]));
    }
  });

  it('events published outside a request are traces of their own', async () => {
    const { body } = await json<DashboardApi['/traces']>(`${url}/_nexus/api/traces`);
    expect(body.traces.at(-1)).toMatchObject({ kind: 'event', name: 'shop.sold', plugin: 'shop' });
  });

  it('config shows each value with its source, the secret redacted', async () => {
    const { body } = await json<DashboardApi['/config']>(`${url}/_nexus/api/config`);
    const shop = body.plugins.find((p) => p.plugin === 'shop')!;
    expect(shop.entries.map(({ key, value, source }) => ({ key, value, source }))).toEqual([
      { key: 'token', value: '[redacted]', source: 'NEXUS_SHOP_TOKEN' },
      { key: 'currency', value: 'EUR', source: 'manifest default' },
    ]);
  });

  it('actions need the same origin; reload swaps the plugin and its dependents', async () => {
    const post = (headers: Record<string, string>): Promise<{ status: number; body: { state?: string; error?: string } }> =>
      json(`${url}/_nexus/api/plugins/shop/reload`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
    expect((await post({ origin: 'http://attacker.example' })).status).toBe(403);
    expect((await post({})).status).toBe(403);
    const done = await post({ origin: url });
    expect(done).toEqual({ status: 200, body: { plugin: 'shop', action: 'reload', state: 'running', error: null } });
    const { body } = await json<DashboardApi['/swaps']>(`${url}/_nexus/api/swaps`);
    expect(body.swaps.at(-1)).toMatchObject({ kind: 'swap', plugins: ['shop', 'ledger'], outcome: 'ok' });
    expect(app.manager.get('shop')!.reloads).toBe(1);
  });

  it('the event stream sends log lines as they are written', async () => {
    const controller = new AbortController();
    const response = await fetch(`${url}/_nexus/api/stream`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    app.logger.warn('disk almost full');
    let text = '';
    while (!text.includes('disk almost full')) text += (await reader.read()).value ?? '';
    expect(text).toMatch(/event: log\ndata: \{[^\n]*"level":"warn","name":"nexus","message":"disk almost full"/);
    controller.abort();
  });
});

describe('dashboard heap chart', () => {
  it('the heap is sampled only while a page is open: when it opens, then a second after a swap', async () => {
    const own = await createApp({ appDir: makeShop(), mode: 'dev', port: 0, logSink: () => {}, catchPluginFaults: false });
    const base = await own.start();
    const heap = async (): Promise<DashboardApi['/swaps']['heap']> => (await json<DashboardApi['/swaps']>(`${base}/_nexus/api/swaps`)).body.heap;
    const reload = (): Promise<unknown> => json(`${base}/_nexus/api/plugins/ledger/reload`, { method: 'POST', headers: { origin: base } });
    try {
      await reload();
      expect(await heap()).toEqual([]); // no page open: a swap forces no gc

      const controller = new AbortController();
      const response = await fetch(`${base}/_nexus/api/stream`, { signal: controller.signal });
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      await expect.poll(heap).toHaveLength(1);
      expect((await heap())[0]!.swap).toBeUndefined();

      await reload();
      let text = '';
      while (text.split('event: heap').length < 3) text += (await reader.read()).value ?? '';
      const samples = await heap();
      expect(samples).toHaveLength(2);
      expect(samples[1]!.swap).toEqual(expect.any(Number));
      controller.abort();
    } finally {
      await own.stop();
      rmSync(own.appDir, { recursive: true, force: true });
    }
  });
});

describe('dashboard under nexus start', () => {
  it('is off unless nexus.config enables it: GET / and /_nexus/ are 404', async () => {
    const root = makeShop();
    const app = await createApp({ appDir: root, mode: 'start', port: 0, logSink: () => {}, environ: {}, catchPluginFaults: false });
    const url = await app.start();
    try {
      expect(app.devtools).toBeUndefined();
      expect((await fetch(`${url}/`)).status).toBe(404);
      expect((await fetch(`${url}/_nexus/api/app`)).status).toBe(404);
      expect((await fetch(`${url}/plugins/shop/buy`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"item":"x"}' })).headers.get('x-nexus-trace')).toBeNull();
    } finally {
      await app.stop();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('"dashboard": true serves it without traces; its actions still work', async () => {
    const root = makeShop({ dashboard: true });
    const app = await createApp({ appDir: root, mode: 'start', port: 0, logSink: () => {}, environ: {}, catchPluginFaults: false });
    const url = await app.start();
    try {
      expect((await json<DashboardApi['/app']>(`${url}/_nexus/api/app`)).body).toMatchObject({ mode: 'start', traces: false });
      const response = await fetch(`${url}/plugins/shop/buy`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"item":"x"}' });
      expect(response.headers.get('x-nexus-trace')).toBeNull();
      expect((await json<DashboardApi['/traces']>(`${url}/_nexus/api/traces`)).body).toEqual({ enabled: false, traces: [] });
      const disabled = await json<ActionResult>(`${url}/_nexus/api/plugins/ledger/disable`, { method: 'POST', headers: { origin: url } });
      expect(disabled.body.state).toBe('disabled');
      expect((await fetch(`${url}/plugins/ledger/x`)).status).toBe(503);
      const enabled = await json<ActionResult>(`${url}/_nexus/api/plugins/ledger/enable`, { method: 'POST', headers: { origin: url } });
      expect(enabled.body.state).toBe('running');
    } finally {
      await app.stop();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('Tracer', () => {
  it('keeps the newest traces only', () => {
    const tracer = new Tracer({ capacity: 3, secrets: () => [] });
    for (let i = 0; i < 10; i++) {
      tracer.published({ id: `e${i}`, type: 'x.ping', data: { i }, source: 'x', timestamp: '' } satisfies EventEnvelope);
    }
    expect(tracer.list().map((t) => t.id)).toEqual(['t10', 't9', 't8']);
    expect(tracer.get('t1')).toBeUndefined();
  });

  it('a request traced without async context (during a hot swap) is recorded whole; its events are traces of their own', async () => {
    let swapping = false;
    const tracer = new Tracer({ secrets: () => [], withoutContext: () => swapping });
    const traced = tracer.middleware();
    const request = async (n: number): Promise<Trace> => {
      const socket = new Duplex({ write: (_chunk, _encoding, done) => done(), read: () => undefined });
      const req = Object.assign(new IncomingMessage(socket as never), { method: 'POST', url: '/plugins/shop/buy', headers: { host: 'localhost' } });
      const ctx = new Koa().createContext(req, new ServerResponse(req));
      await traced(ctx, async () => {
        await Promise.resolve();
        tracer.published({ id: `sold-${n}`, type: 'shop.sold', data: { n }, source: 'shop', timestamp: '' });
        ctx.body = { ok: true };
      });
      return tracer.get(ctx.response.get('x-nexus-trace'))!;
    };
    const nested = await request(1);
    expect(nested.spans.map((s) => s.kind)).toEqual(['request', 'event']);
    swapping = true;
    const alone = await request(2);
    expect(alone).toMatchObject({ kind: 'request', status: 200, response: { body: { ok: true } } });
    expect(alone.spans.map((s) => s.kind)).toEqual(['request']);
    expect(tracer.list()[0]).toMatchObject({ kind: 'event', name: 'shop.sold' });
  });

  it('a traced service keeps its identity-sensitive behaviour: private fields, frozen methods, plain values', () => {
    const tracer = new Tracer({ secrets: () => [] });
    class Counter {
      #n = 0;
      label = 'counter';
      next(): number {
        return ++this.#n;
      }
    }
    const counter = tracer.service('a', 'counter', 'b', new Counter());
    expect(counter.next()).toBe(1);
    expect(counter.next()).toBe(2);
    expect(counter.label).toBe('counter');
    const frozen = tracer.service('a', 'frozen', 'b', Object.freeze({ hello: () => 'hi' }));
    expect(frozen.hello()).toBe('hi');
    expect(tracer.service('a', 'plain', 'b', 42)).toBe(42);
    expect(tracer.servicesUsed()).toEqual({ a: ['counter', 'frozen', 'plain'] });
  });
});
