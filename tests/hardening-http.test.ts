/**
 * Issue 9 against a real server on port 0: allowed hosts (DNS rebinding), malformed %-escapes,
 * bodies the host cannot parse or that nest too deep, values JSON cannot encode (health, answers),
 * HTTP timeouts, storage failures in /health, symbolic links in the plugins folder.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { mkdirSync, openSync, readSync, symlinkSync, writeSync, closeSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, pluginSource, startApp, type RunningApp, type TempApp } from './helpers/index.ts';

interface RawResponse {
  status: number;
  type: string;
  body: any;
}

/** A request with any Host header (fetch() will not send a forged one). */
function raw(url: string, options: { method?: string; path: string; host?: string; headers?: Record<string, string>; body?: string }): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname, port, method: options.method ?? 'GET', path: options.path, headers: { ...(options.host ? { host: options.host } : {}), ...options.headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => {
          const type = res.headers['content-type'] ?? '';
          resolve({ status: res.statusCode!, type, body: type.includes('json') ? JSON.parse(text) : text });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
const nestedObject = (depth: number): string => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);

const ECHO = pluginSource(`
  override databaseSchema() { return { collections: { docs: {} } }; }
  override routes(router: Router) {
    router.post('/echo', (ctx) => { ctx.body = { got: ctx.request.body }; });
    router.post('/docs', async (ctx) => {
      let value: unknown = {};
      for (let i = 1; i < Number(ctx.query.depth); i++) value = { a: value };
      try { ctx.body = await this.db.collection('docs').insert({ value }); }
      catch (e) { ctx.status = 422; ctx.body = { code: (e as any).code, message: (e as Error).message }; }
    });
    router.get('/docs', async (ctx) => { ctx.body = { count: await this.db.collection('docs').count({ kind: 'x' }), found: (await this.db.collection('docs').find({ kind: 'x' }, { sort: { field: 'kind' } })).length }; });
    router.get('/big', (ctx) => { ctx.body = { n: BigInt(1) }; });
  }
`);

const BIGINT_HEALTH = pluginSource(`
  override async healthCheck() { const h = await super.healthCheck(); return { ...h, metrics: { ...h.metrics, huge: BigInt(2) as unknown as number } }; }
`);

describe('HTTP edges', () => {
  let app: TempApp;
  let running: RunningApp;
  beforeAll(async () => {
    app = makeApp({
      config: { allowedHosts: ['nexus.internal', '.example.com'], plugins: { leaky: { config: { token: 'tok-3f9a1c77' } } } },
      plugins: {
        leaky: {
          manifest: { configuration: { token: { type: 'string', secret: true } } },
          source: pluginSource(`override async healthCheck(): Promise<any> { throw new Error('upstream refused token ' + String(this.getConfig('token'))); }`),
        },
        echo: { manifest: { permissions: ['database.read', 'database.write'] }, source: ECHO },
        bigint_health: { source: BIGINT_HEALTH },
      },
    });
    running = await startApp(app.dir, { httpTimeouts: { headersTimeout: 300, requestTimeout: 600 } });
  });
  afterAll(async () => {
    await running?.stop();
    app?.remove();
  });

  it('answers 403 JSON to a Host that is not allowed, on every path (DNS rebinding)', async () => {
    for (const [method, path] of [['GET', '/plugins'], ['GET', '/metrics'], ['GET', '/health'], ['POST', '/plugins/echo/echo'], ['GET', '/']]) {
      const res = await raw(running.url, { method, path, host: 'attacker.test:3000', headers: { 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
      expect([path, res.status, res.body.code]).toEqual([path, 403, 'NEXUS_HOST_NOT_ALLOWED']);
      expect(res.body.message).toContain('"attacker.test"');
      expect(res.body.message).toContain('allowedHosts');
    }
    const port = new URL(running.url).port;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `app.localhost:${port}`, 'nexus.internal', 'example.com', `api.example.com:${port}`, '10.1.2.3']) {
      expect([host, (await raw(running.url, { path: '/plugins', host })).status]).toEqual([host, 200]);
    }
    expect((await raw(running.url, { path: '/plugins', host: 'notexample.com' })).status).toBe(403);
  });

  it('answers 400 JSON to a malformed %-escape, without an ERROR per request', async () => {
    const before = running.logs.filter((r) => r.level === 'error').length;
    for (const path of ['/plugins/%E0%A4%A/x', '/plugins/%/echo', '/plugins/ec%ho/x']) {
      const res = await raw(running.url, { path });
      expect([path, res.status, res.body.code]).toEqual([path, 400, 'NEXUS_BAD_REQUEST']);
    }
    expect(running.logs.filter((r) => r.level === 'error').length).toBe(before);
  });

  it('answers 415 JSON to a body that is not JSON, and parses any +json type', async () => {
    const text = await raw(running.url, { method: 'POST', path: '/plugins/echo/echo', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect([text.status, text.body.code]).toEqual([415, 'NEXUS_UNSUPPORTED_MEDIA_TYPE']);
    expect(text.body.message).toContain('Content-Type: application/json');
    const untyped = await raw(running.url, { method: 'POST', path: '/plugins/echo/echo', body: 'a=1' });
    expect([untyped.status, untyped.body.code]).toEqual([415, 'NEXUS_UNSUPPORTED_MEDIA_TYPE']);
    const form = await raw(running.url, { method: 'POST', path: '/plugins/echo/echo', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' });
    expect(form.status).toBe(415);
    const api = await raw(running.url, { method: 'POST', path: '/plugins/echo/echo', headers: { 'content-type': 'application/vnd.api+json' }, body: '{"a":1}' });
    expect([api.status, api.body]).toEqual([200, { got: { a: 1 } }]);
    const empty = await raw(running.url, { method: 'POST', path: '/plugins/echo/echo' });
    expect([empty.status, empty.body]).toEqual([200, { got: {} }]);
    const malformed = await raw(running.url, { method: 'POST', path: '/plugins/echo/echo', headers: { 'content-type': 'application/json' }, body: '{"a":' });
    expect([malformed.status, malformed.body.code]).toEqual([400, 'NEXUS_BAD_REQUEST']);
  });

  it('refuses a body nested past 64 levels with 400 JSON; 64 levels pass', async () => {
    for (const body of [nested(1500), nestedObject(65), nested(200_000)]) {
      const res = await raw(running.url, { method: 'POST', path: '/plugins/echo/echo', headers: { 'content-type': 'application/json' }, body });
      expect([res.status, res.body.code]).toEqual([400, 'NEXUS_LIMIT_EXCEEDED']);
      expect(res.body.message).toContain('64 levels');
    }
    const ok = await raw(running.url, { method: 'POST', path: '/plugins/echo/echo', headers: { 'content-type': 'application/json' }, body: nestedObject(63) });
    expect(ok.status).toBe(200);
  });

  it('never stores a document its collection cannot query: deep values are refused, queries keep working', async () => {
    for (const depth of [64, 1500]) {
      const refused = await running.post(`/plugins/echo/docs?depth=${depth}`, {});
      expect([refused.status, refused.body.code]).toEqual([422, 'NEXUS_DB_INVALID']);
      expect(refused.body.message).toContain('more than 64 levels');
    }
    expect((await running.post('/plugins/echo/docs?depth=63', {})).status).toBe(200);
    expect((await running.get('/plugins/echo/docs')).body).toEqual({ count: 0, found: 0 });
  });

  it('a route answering a value JSON cannot encode gets a logged 500 JSON, not a silent text 500', async () => {
    const res = await raw(running.url, { path: '/plugins/echo/big' });
    expect([res.status, res.type, res.body.code]).toEqual([500, 'application/json; charset=utf-8', 'NEXUS_RESPONSE_INVALID']);
    expect(running.logText()).toMatch(/ERROR \[nexus\] GET \/plugins\/echo\/big: plugin "echo" answered with a value JSON cannot encode/);
  });

  it('a health check returning a BigInt makes that plugin unhealthy with the reason, logged; /health stays JSON', async () => {
    const all = await raw(running.url, { path: '/health' });
    expect([all.status, all.type]).toEqual([503, 'application/json; charset=utf-8']);
    expect(all.body.plugins.bigint_health).toMatchObject({ healthy: false, state: 'running', error: expect.stringContaining('cannot be sent as JSON') });
    expect(all.body.plugins.echo.healthy).toBe(true);
    expect(all.body.plugins.leaky).toMatchObject({ healthy: false, error: 'healthCheck() failed: upstream refused token [redacted]' });
    expect(JSON.stringify(all.body)).not.toContain('tok-3f9a1c77');
    const one = await raw(running.url, { path: '/plugins/bigint_health/health' });
    expect([one.status, one.body.healthy]).toEqual([503, false]);
    expect(running.logText()).toMatch(/ERROR \[nexus\] \[bigint_health\] healthCheck\(\) returned a value that cannot be sent as JSON \(Do not know how to serialize a BigInt\)/);
  });

  it('closes a connection whose headers never finish (slowloris) with 408', async () => {
    expect(running.app.server!.headersTimeout).toBe(300);
    const { port } = new URL(running.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: '));
      let text = '';
      socket.setEncoding('utf8').on('data', (c: string) => (text += c));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(answer).toContain('"code":"NEXUS_REQUEST_TIMEOUT"');
  });

  it('answers what Node cannot parse with a JSON 400 (request smuggling shapes, broken request lines)', async () => {
    const { port } = new URL(running.url);
    for (const payload of ['GARBAGE\r\n\r\n', 'POST /plugins/echo/echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n']) {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => socket.write(payload));
        let text = '';
        socket.setEncoding('utf8').on('data', (c: string) => (text += c));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\nContent-Type: application\/json/);
      expect(answer).toContain('"code":"NEXUS_BAD_REQUEST"');
    }
  });
});

describe('deliberate HTTP timeouts', () => {
  it('uses the documented defaults: 15 s for headers, 60 s per request, 5 s keep-alive', async () => {
    const app = makeApp({ plugins: {} });
    const running = await startApp(app.dir);
    try {
      const server = running.app.server!;
      expect([server.headersTimeout, server.requestTimeout, server.keepAliveTimeout]).toEqual([15_000, 60_000, 5_000]);
    } finally {
      await running.stop();
      app.remove();
    }
  });
});

describe('storage failures show in /health', () => {
  it('a damaged data page answers 503 on /health with the reason once a query hit it', async () => {
    const app = makeApp({
      plugins: {
        keeper: {
          manifest: { permissions: ['database.read', 'database.write'] },
          source: pluginSource(`
            override databaseSchema() { return { collections: { items: {} } }; }
            override routes(router: Router) {
              router.post('/fill', async (ctx) => { for (let i = 0; i < 200; i++) await this.db.collection('items').insert({ n: i, pad: 'x'.repeat(200) }); ctx.body = { ok: true }; });
              router.get('/items', async (ctx) => { ctx.body = { n: (await this.db.collection('items').find({ n: 5 })).length }; });
            }
          `),
        },
      },
    });
    try {
      const first = await startApp(app.dir);
      expect((await first.post('/plugins/keeper/fill', {})).status).toBe(200);
      expect((await first.get('/health')).body.storage).toEqual({ healthy: true, driver: 'sqlite' });
      await first.stop();
      corruptTable(app.path('.nexus/nexus.db'), 'nx6_keeper__items');
      const second = await startApp(app.dir);
      try {
        expect((await second.get('/plugins/keeper/items')).status).toBe(500);
        const health = await second.get('/health');
        expect(health.status).toBe(503);
        expect(health.body.storage).toMatchObject({ healthy: false, driver: 'sqlite', error: expect.stringContaining('SQLITE_CORRUPT') });
        expect(health.body.storage.error).toContain(app.path('.nexus/nexus.db'));
      } finally {
        await second.stop();
      }
    } finally {
      app.remove();
    }
  });
});

/** Overwrite the middle of every leaf page of `table` but its root with garbage. */
function corruptTable(file: string, table: string): void {
  const db = new Database(file);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pages = db.prepare("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf'").all(table) as { pageno: number }[];
  db.close();
  const fd = openSync(file, 'r+');
  const garbage = Buffer.alloc(pageSize - 200, 0xa5);
  for (const { pageno } of pages) writeSync(fd, garbage, 0, garbage.length, (pageno - 1) * pageSize + 100);
  const check = Buffer.alloc(4);
  readSync(fd, check, 0, 4, 0);
  closeSync(fd);
}

describe('symbolic links in the plugins folder', () => {
  it('follows a link to a plugin folder; reports a loop and a dangling link as failed plugins', async () => {
    const app = makeApp({
      plugins: { plain: { source: pluginSource() } },
      files: {
        'elsewhere/linked/manifest.json': JSON.stringify({ name: 'linked', version: '1.0.0', nexus_version: '>=0.1.0' }),
        'elsewhere/linked/src/plugin.ts': pluginSource(`override routes(router: Router) { router.get('/hi', (ctx) => { ctx.body = { hi: true }; }); }`),
      },
    });
    symlinkSync(app.path('elsewhere/linked'), app.path('plugins/linked'));
    symlinkSync(app.dir, app.path('plugins/loop'));
    symlinkSync(app.path('nowhere'), app.path('plugins/dangling'));
    mkdirSync(app.path('plugins/.hidden'));
    const running = await startApp(app.dir);
    try {
      expect((await running.get('/plugins/linked/hi')).body).toEqual({ hi: true });
      const plugins = (await running.get('/plugins')).body.plugins as { name: string; state: string; error?: string }[];
      const byName = Object.fromEntries(plugins.map((p) => [p.name, p]));
      expect(byName.linked!.state).toBe('running');
      expect(byName.loop).toMatchObject({ state: 'failed', error: expect.stringContaining('plugins/loop: is a symbolic link to') });
      expect(byName.loop!.error).toContain('contains the plugins folder itself (a loop)');
      expect(byName.dangling).toMatchObject({ state: 'failed', error: expect.stringContaining('which does not exist') });
    } finally {
      await running.stop();
      app.remove();
    }
  });
});
