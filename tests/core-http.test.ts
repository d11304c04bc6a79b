/**
 * The HTTP surface of a real app on port 0: system routes, metrics, plugin routes, JSON errors,
 * body limits, route schema validation, disabled and failed plugins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, pluginSource, startApp, type RunningApp, type TempApp } from './helpers/index.ts';

let temp: TempApp;
let run: RunningApp;

beforeAll(async () => {
  temp = makeApp({
    config: { bodyLimit: '1kb', plugins: { sleeper: { enabled: false } } },
    plugins: {
      shop: {
        manifest: {
          version: '2.1.0',
          title: 'Shop',
          permissions: ['events.publish'],
          events: { publishes: ['order.placed'] },
          api_endpoints: [{ method: 'POST', path: '/orders', description: 'Place an order' }],
        },
        source: pluginSource(`
          placed = 0;
          override routes(router: Router) {
            router.get('/hello', (ctx) => { ctx.body = { hello: 'world' }; });
            router.post('/echo', (ctx) => { ctx.body = { got: (ctx.request as any).body ?? null }; });
            router.post('/orders/:shop', validated({ body: Order, query: Paging, params: Params }, async (ctx, { body, query, params }) => {
              this.placed += 1;
              await this.publishEvent('order.placed', body);
              ctx.status = 201;
              return { item: body.item.toUpperCase(), qty: body.qty * 2, gift: body.gift, page: query.page + 1, shop: params.shop };
            }));
          }
          override async healthCheck() {
            const health = await super.healthCheck();
            health.components.orders = { status: 'healthy', placed: this.placed };
            return health;
          }
          override getMetrics() { return { ...super.getMetrics(), orders_placed: this.placed }; }
        `, `
          const Order = {
            type: 'object',
            properties: { item: { type: 'string', minLength: 1 }, qty: { type: 'integer', minimum: 1 }, gift: { type: 'boolean', default: false } },
            required: ['item', 'qty'],
            additionalProperties: false,
          } as const;
          const Paging = { type: 'object', properties: { page: { type: 'integer', minimum: 0, default: 0 } } } as const;
          const Params = { type: 'object', properties: { shop: { type: 'string', pattern: '^[a-z]+$' } } } as const;
        `),
      },
      audit: {
        manifest: { permissions: ['events.subscribe'], events: { subscribes: ['order.placed'] } },
        source: pluginSource(`
          override initialize() {
            this.subscribeToEvent('order.placed', () => { throw new Error('audit log is full'); });
          }
        `),
      },
      broken: { source: pluginSource(`override initialize() { throw new Error('no database'); }`) },
      sleeper: { source: pluginSource() },
    },
  });
  run = await startApp(temp.dir);
});

afterAll(async () => {
  await run?.stop();
  temp?.remove();
});

describe('system routes', () => {
  it('GET /plugins: name, version, state, error, reloads of every plugin', async () => {
    const { status, body } = await run.get('/plugins');
    expect(status).toBe(200);
    const byName: Record<string, any> = Object.fromEntries((body.plugins as { name: string }[]).map((p) => [p.name, p]));
    expect(byName.shop).toMatchObject({ name: 'shop', version: '2.1.0', title: 'Shop', state: 'running', reloads: 0, dir: 'plugins/shop' });
    expect(byName.shop).not.toHaveProperty('error');
    expect(byName.broken).toMatchObject({ name: 'broken', version: '1.0.0', state: 'failed', reloads: 0, error: 'initialize() threw: no database' });
    expect(byName.sleeper).toMatchObject({ state: 'disabled', reloads: 0 });
    expect(byName.audit.resources).toEqual({ subscriptions: 1, services: 0, timers: 0, tasks: 0 });
  });

  it('GET /plugins/<name>/health: 200 with components for a running plugin, 503 for a failed one, 404 JSON for an unknown one', async () => {
    const shop = await run.get('/plugins/shop/health');
    expect(shop.status).toBe(200);
    expect(shop.body).toMatchObject({ plugin: 'shop', healthy: true, state: 'running', components: { orders: { status: 'healthy' } } });
    expect(typeof shop.body.uptime).toBe('number');
    expect(shop.body.metrics).toHaveProperty('orders_placed');
    const broken = await run.get('/plugins/broken/health');
    expect(broken.status).toBe(503);
    expect(broken.body).toMatchObject({ plugin: 'broken', healthy: false, state: 'failed', error: 'initialize() threw: no database' });
    const ghost = await run.get('/plugins/ghost/health');
    expect(ghost.status).toBe(404);
    expect(ghost.body).toEqual({ error: 'not_found', code: 'NEXUS_ROUTE_NOT_FOUND', message: 'No plugin named "ghost"; GET /plugins lists them' });
  });

  it('GET /health: 503 while one enabled plugin failed, each plugin with its status, a disabled one counts as healthy', async () => {
    const { status, body } = await run.get('/health');
    expect(status).toBe(503);
    expect(body.status).toBe('unhealthy');
    expect(body.plugins.shop).toMatchObject({ healthy: true, state: 'running' });
    expect(body.plugins.broken).toMatchObject({ healthy: false, state: 'failed', error: 'initialize() threw: no database' });
    expect(body.plugins.sleeper).toEqual({ healthy: true, state: 'disabled' });
  });
});

describe('plugin routes', () => {
  it('a running plugin serves under /plugins/<name>/', async () => {
    expect(await run.get('/plugins/shop/hello')).toMatchObject({ status: 200, body: { hello: 'world' } });
  });

  it('a disabled plugin answers 503 JSON saying so', async () => {
    const { status, body } = await run.get('/plugins/sleeper/anything');
    expect(status).toBe(503);
    expect(body).toEqual({ error: 'plugin_unavailable', code: 'NEXUS_PLUGIN_UNAVAILABLE', plugin: 'sleeper', state: 'disabled', message: 'Plugin "sleeper" is disabled in nexus.config' });
  });

  it('a failed plugin answers 503 JSON with the reason', async () => {
    const { status, body } = await run.get('/plugins/broken/anything');
    expect(status).toBe(503);
    expect(body).toEqual({ error: 'plugin_unavailable', code: 'NEXUS_PLUGIN_UNAVAILABLE', plugin: 'broken', state: 'failed', message: 'Plugin "broken" failed: initialize() threw: no database' });
  });

  it('unknown paths get 404 JSON: outside plugins, an unknown plugin, an unknown route of a plugin', async () => {
    for (const path of ['/nope', '/plugins/ghost/x', '/plugins/shop/nope']) {
      const { status, body } = await run.get(path);
      expect(status, path).toBe(404);
      expect(body, path).toEqual({ error: 'not_found', code: 'NEXUS_ROUTE_NOT_FOUND', message: `No route for GET ${path}. Try GET /plugins for the list of plugins and GET /health.` });
    }
  });

  it('a malformed JSON body gets 400 JSON, never 500', async () => {
    const { status, body } = await run.post('/plugins/shop/echo', '{"item": "tea",');
    expect(status).toBe(400);
    expect(body.error).toBe('bad_request');
    expect(body.message).toMatch(/^Malformed JSON body: /);
  });

  it('a body over bodyLimit gets 413 JSON', async () => {
    const { status, body } = await run.post('/plugins/shop/echo', { text: 'x'.repeat(2048) });
    expect(status).toBe(413);
    expect(body).toEqual({ error: 'payload_too_large', code: 'NEXUS_PAYLOAD_TOO_LARGE', message: 'Request body is too large' });
    expect(await run.post('/plugins/shop/echo', { text: 'small' })).toMatchObject({ status: 200, body: { got: { text: 'small' } } });
  });
});

describe('route schema validation', () => {
  it('a request that does not match gets 400 listing every problem in body, query and params; the handler does not run', async () => {
    const { status, body } = await run.post('/plugins/shop/orders/Bad-Shop?page=-1', { qty: 0, colour: 'red' });
    expect(status).toBe(400);
    expect(body.error).toBe('validation_failed');
    expect([...body.problems].sort()).toEqual([
      'body/colour: is not allowed',
      'body/item: is required',
      'body/qty: must be >= 1',
      'params/shop: must match pattern "^[a-z]+$"',
      'query/page: must be >= 0',
    ]);
    for (const problem of body.problems) expect(body.message).toContain(problem);
    expect((await run.get('/plugins/shop/health')).body.components.orders.placed).toBe(0);
  });

  it('a valid request reaches the handler with typed data: defaults applied, query coerced', async () => {
    const { status, body } = await run.post('/plugins/shop/orders/corner?page=2', { item: 'tea', qty: 3 });
    expect(status).toBe(201);
    expect(body).toEqual({ item: 'TEA', qty: 6, gift: false, page: 3, shop: 'corner' });
  });
});

describe('GET /metrics', () => {
  it('Prometheus text with plugin states, requests and latency per plugin, events published and handler errors', async () => {
    await run.get('/plugins/shop/hello');
    await run.post('/plugins/shop/orders/corner', { item: 'cake', qty: 1 });
    await run.app.bus.idle();
    const { status, text, headers } = await run.get('/metrics');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^text\/plain/);
    expect(text).toMatch(/^nexus_plugin_state\{plugin="shop",state="running"\} 1$/m);
    expect(text).toMatch(/^nexus_plugin_state\{plugin="broken",state="failed"\} 1$/m);
    expect(text).toMatch(/^nexus_plugin_state\{plugin="sleeper",state="disabled"\} 1$/m);
    expect(text).toMatch(/^nexus_http_requests_total\{plugin="shop",method="GET",status="200"\} [1-9]\d*$/m);
    expect(text).toMatch(/^nexus_http_requests_total\{plugin="shop",method="POST",status="201"\} [1-9]\d*$/m);
    expect(text).toMatch(/^nexus_http_request_duration_seconds_count\{plugin="shop"\} [1-9]\d*$/m);
    expect(text).toMatch(/^nexus_http_request_duration_seconds_bucket\{le="\+Inf",plugin="shop"\} [1-9]\d*$/m);
    expect(text).toMatch(/^nexus_events_published_total\{type="order\.placed",source="shop"\} [1-9]\d*$/m);
    expect(text).toMatch(/^nexus_event_handler_errors_total\{plugin="audit",type="order\.placed"\} [1-9]\d*$/m);
    expect(text).toMatch(/^nexus_plugin_metric\{plugin="shop",metric="orders_placed"\} [1-9]\d*$/m);
  });

  it('a throwing event handler is logged with its plugin and never breaks the publisher', async () => {
    expect(run.logText()).toContain('Plugin "audit" failed to handle event "order.placed": audit log is full');
    expect((await run.get('/plugins/audit/health')).body.state).toBe('running');
  });
});

// Last: it places an order, which the tests above count on not having happened.
describe('traffic', () => {
  it('GET /plugins: each plugin\'s traffic (requests, 5xx, mean time, events published) grows as it serves', async () => {
    const traffic = async (name: string) => ((await run.get('/plugins')).body.plugins as { name: string; traffic: Record<string, number> }[]).find((p) => p.name === name)!.traffic;
    const before = await traffic('shop');
    await run.get('/plugins/shop/hello');
    await run.post('/plugins/shop/orders/corner', { item: 'pie', qty: 1 });
    const after = await traffic('shop');
    expect(after.requests - before.requests).toBe(2);
    expect(after.events - before.events).toBe(1);
    expect(after.serverErrors).toBe(before.serverErrors);
    expect(after.meanMs).toBeGreaterThan(0);
    expect(await traffic('broken')).toEqual({ requests: 0, serverErrors: 0, meanMs: 0, events: 0 });
  });
});
