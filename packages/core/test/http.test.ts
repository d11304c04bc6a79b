/** The HTTP host on its own: listen(), system routes, dispatch through a plugin's gate, JSON errors. */
import type { Server as HttpServer } from 'node:http';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { Router } from '@koa/router';
import Koa, { type Context } from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, listen } from '../src/app/listen.ts';
import { NexusError, isNexusError } from '../src/errors.ts';
import { createMetrics } from '../src/http/metrics.ts';
import { createHttpApp } from '../src/http/server.ts';
import { createLogger, createMemorySink } from '../src/logger/logger.ts';
import { Gate } from '../src/plugins/gate.ts';
import type { PluginManager, PluginView } from '../src/plugins/manager.ts';

type PluginRecord = { -readonly [K in keyof PluginView]: PluginView[K] } & { gate: Gate };

describe('listen()', () => {
  let holder: Server;
  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise((resolve) => holder.close(resolve)));

  it('port 0 picks a free port and gives the URL', async () => {
    const sink = createMemorySink();
    const app = createHttpApp({ manager: fakeManager([]), metrics: createMetrics(() => undefined), logger: createLogger({ name: 'nexus', sink }) });
    const { server, url } = await listen(app, 0, '127.0.0.1');
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await close(server);
  });

  it('a port in use is an error that says what to do', async () => {
    const port = (holder.address() as AddressInfo).port;
    const app = createHttpApp({ manager: fakeManager([]), metrics: createMetrics(() => undefined), logger: createLogger({ name: 'nexus', sink: createMemorySink() }) });
    const error = await listen(app, port, '127.0.0.1').catch((e: unknown) => e);
    expect(isNexusError(error, 'NEXUS_PORT_IN_USE')).toBe(true);
    expect((error as Error).message).toBe(`Port ${port} on 127.0.0.1 is already in use; stop the other process, or pass --port 0 to pick a free port`);
  });
});

/** Routes whose answers Nexus must send exactly as Koa would. */
const WIRE_ROUTES: Record<string, (ctx: Context) => void> = {
  '/json': (ctx) => { ctx.body = { ok: true, n: [1, 2] }; },
  '/text': (ctx) => { ctx.body = 'plain words'; },
  '/created': (ctx) => { ctx.status = 201; ctx.set('X-Id', '7'); ctx.body = { id: 7, 'naïve': 'café' }; },
  '/no-content': (ctx) => { ctx.status = 204; ctx.body = { dropped: true }; },
  '/not-modified': (ctx) => { ctx.body = { dropped: true }; ctx.status = 304; },
  '/chunked': (ctx) => { ctx.set('Transfer-Encoding', 'chunked'); ctx.body = { chunked: true }; },
};

/** One HTTP/1.1 request on its own connection; the answer as text, its Date header blanked. */
async function rawRequest(base: string, method: string, path: string): Promise<string> {
  const { hostname, port } = new URL(base);
  const socket = connect(Number(port), hostname);
  socket.end(`${method} ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/^Date: .*$/m, 'Date: -');
}

function fakeManager(records: PluginRecord[]): PluginManager {
  return {
    get: (name: string) => records.find((r) => r.name === name),
    views: () => records,
    appDir: '/app',
    list: () => records.map((r) => ({ name: r.name, state: r.state, reloads: r.reloads, error: r.error })),
  } as unknown as PluginManager;
}

function record(name: string, fields: Partial<PluginRecord> & { routes?: (router: Router) => void; health?: () => Promise<unknown> } = {}): PluginRecord {
  const router = new Router({ prefix: `/plugins/${name}` });
  fields.routes?.(router);
  return {
    name,
    location: { folder: name, dir: `/app/plugins/${name}`, displayDir: `plugins/${name}`, manifestFile: `plugins/${name}/manifest.json` },
    resources: () => ({ subscriptions: 0, services: 0, timers: 0, tasks: 0 }),
    state: 'running',
    reloads: 0,
    enabled: true,
    invalid: false,
    gate: new Gate(),
    router,
    instance: { healthCheck: fields.health ?? (async () => ({ healthy: true, state: 'running', uptime: 1, components: {}, metrics: {} })), getMetrics: () => ({}) },
    ...fields,
  } as unknown as PluginRecord;
}

describe('createHttpApp', () => {
  const sink = createMemorySink();
  const gated = record('gated', { routes: (r) => r.get('/hi', (ctx) => { ctx.body = { hi: true }; }) });
  const records = [
    record('ok', {
      routes: (r) => {
        r.post('/echo', (ctx) => { ctx.body = { got: (ctx.request as { body?: unknown }).body ?? null }; });
        r.get('/crash', () => { throw new Error('kaboom'); });
        r.get('/teapot', (ctx) => ctx.throw(418, 'short and stout'));
        r.post('/taken', () => { throw new NexusError('NEXUS_DB_CONSTRAINT', 'users: username "ada" is already taken (unique index on username)', { plugin: 'ok' }); });
        r.get('/leaky', () => { throw Object.assign(new Error('db password hunter2 rejected'), { status: 403 }); });
        for (const [path, handler] of Object.entries(WIRE_ROUTES)) r.get(path, handler);
      },
    }),
    gated,
    record('sick', { health: async () => { throw new Error('probe failed'); } }),
  ];
  let url: string;
  let server: HttpServer;
  const metrics = createMetrics(() => fakeManager(records));
  beforeAll(async () => {
    const app = createHttpApp({
      manager: fakeManager(records),
      metrics,
      logger: createLogger({ name: 'nexus', sink }),
      bodyLimit: '64b',
      waitMs: 50,
    });
    ({ server, url } = await listen(app, 0, '127.0.0.1'));
  });
  afterAll(() => close(server));

  const get = async (path: string, init?: RequestInit) => {
    const response = await fetch(url + path, init);
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
  };
  const post = (path: string, body: string, type = 'application/json') => get(path, { method: 'POST', body, headers: { 'content-type': type } });

  it('404 JSON for unknown paths', async () => {
    expect(await get('/x')).toMatchObject({ status: 404, body: { error: 'not_found' } });
  });

  it('400 JSON for a malformed body, 413 JSON for one over the limit', async () => {
    const bad = await post('/plugins/ok/echo', '{"a":');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'bad_request', message: expect.stringMatching(/^Malformed JSON body: /) });
    expect(await post('/plugins/ok/echo', JSON.stringify({ a: 'x'.repeat(100) }))).toMatchObject({ status: 413, body: { error: 'payload_too_large' } });
    expect(await post('/plugins/ok/echo', '{"a":1}')).toMatchObject({ status: 200, body: { got: { a: 1 } } });
  });

  it('a route that throws: 500 JSON naming the plugin, the error logged; an HTTP error keeps its status', async () => {
    expect(await get('/plugins/ok/crash')).toEqual({
      status: 500,
      headers: expect.anything(),
      body: { error: 'internal_error', code: 'NEXUS_INTERNAL', message: 'Plugin "ok" failed to handle the request; see the server log' },
    });
    expect(sink.records.map((r) => r.message)).toContain('GET /plugins/ok/crash failed in plugin "ok": kaboom');
    expect(await get('/plugins/ok/teapot')).toMatchObject({ status: 418, body: { error: 'http_418', code: 'NEXUS_HTTP_ERROR', message: 'short and stout' } });
  });

  it('metrics count the status a failed request was answered with, not the 404 Koa starts from', async () => {
    const before = metrics.traffic('ok').serverErrors;
    await get('/plugins/ok/crash');
    await post('/plugins/ok/taken', '{}');
    expect(metrics.traffic('ok').serverErrors - before).toBe(1);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^nexus_http_requests_total\{plugin="ok",method="GET",status="500"\} [1-9]\d*$/m);
    expect(text).toMatch(/^nexus_http_requests_total\{plugin="ok",method="POST",status="409"\} 1$/m);
    expect(text).not.toMatch(/status="404"/);
  });

  it('answers on the wire byte for byte as bare Koa does: JSON, text, HEAD, 204, 304, a custom status', async () => {
    const bare = new Koa();
    const router = new Router({ prefix: '/plugins/ok' });
    for (const [path, handler] of Object.entries(WIRE_ROUTES)) router.get(path, handler);
    bare.use(router.routes());
    const { server: bareServer, url: bareUrl } = await listen(bare, 0, '127.0.0.1');
    try {
      for (const method of ['GET', 'HEAD']) {
        for (const path of Object.keys(WIRE_ROUTES)) {
          const ours = await rawRequest(url, method, `/plugins/ok${path}`);
          expect(ours, `${method} ${path}`).toBe(await rawRequest(bareUrl, method, `/plugins/ok${path}`));
        }
      }
    } finally {
      await close(bareServer);
    }
    expect(await rawRequest(url, 'GET', '/plugins/ok/json')).toMatch(/^HTTP\/1\.1 200 OK\r\nContent-Type: application\/json; charset=utf-8\r\nContent-Length: 21\r\n/);
  });

  it('a NexusError answers with its code and status: a unique-index violation is a 409 without plugin code', async () => {
    expect(await post('/plugins/ok/taken', '{}')).toMatchObject({
      status: 409,
      body: { error: 'conflict', code: 'NEXUS_DB_CONSTRAINT', message: 'users: username "ada" is already taken (unique index on username)' },
    });
  });

  it('a 4xx message not marked safe to expose is replaced by the status text', async () => {
    expect(await get('/plugins/ok/leaky')).toMatchObject({ status: 403, body: { error: 'http_403', code: 'NEXUS_HTTP_ERROR', message: 'Forbidden' } });
  });

  it('a request to a closed gate waits and is served once it opens', async () => {
    gated.gate.close();
    const pending = get('/plugins/gated/hi');
    await expect.poll(() => gated.gate.waiting).toBe(1);
    gated.gate.open();
    expect(await pending).toMatchObject({ status: 200, body: { hi: true } });
  });

  it('a gate that stays closed past waitMs gives 503 with Retry-After', async () => {
    gated.gate.close();
    gated.state = 'initializing';
    try {
      const response = await get('/plugins/gated/hi');
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(response.body).toEqual({ error: 'plugin_unavailable', code: 'NEXUS_PLUGIN_UNAVAILABLE', plugin: 'gated', state: 'initializing', message: 'Plugin "gated" is still initializing; retry shortly' });
    } finally {
      gated.state = 'running';
      gated.gate.open();
    }
  });

  it('a healthCheck() that throws makes that plugin unhealthy with the reason', async () => {
    expect(await get('/plugins/sick/health')).toMatchObject({ status: 503, body: { plugin: 'sick', healthy: false, error: 'healthCheck() failed: probe failed' } });
    const health = await get('/health');
    expect(health.status).toBe(503);
    expect(health.body.plugins).toMatchObject({ ok: { healthy: true }, gated: { healthy: true }, sick: { healthy: false } });
  });
});
