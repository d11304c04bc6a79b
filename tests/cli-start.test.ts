/**
 * `nexus start` as a child process: the URL on --port 0, shutdown in reverse dependency order on
 * SIGTERM and SIGINT (exit 0), state that survives a restart, a port in use, and errors escaping
 * plugin code (raw timers, rejected promises) caught at process level.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, fetchJson, killChildren, makeApp, pluginSource, runCli, startCli, type TempApp } from './helpers/index.ts';

afterAll(killChildren);

/** A plugin that logs its lifecycle, so the order shows in stdout. */
const traced = (name: string, body = '') =>
  pluginSource(`
    override initialize() { this.logger.info('initialize ${name}'); }
    override shutdown() { this.logger.info('shutdown ${name}'); }
    ${body}
  `);

// The two tests share one app folder on purpose: the second restarts what the first left behind.
describe('nexus start: signals, order and saved state', () => {
  let app: TempApp;
  beforeAll(() => {
    // Folder names sort against the dependency order: a_top → m_mid → z_base, and b_side → z_base.
    app = makeApp({
      plugins: {
        a_top: { manifest: { dependencies: ['m_mid'] }, source: traced('a_top') },
        m_mid: { manifest: { dependencies: ['z_base@^1.0.0'] }, source: traced('m_mid') },
        b_side: { manifest: { dependencies: ['z_base'] }, source: traced('b_side') },
        z_base: {
          manifest: { configuration: { visits: { type: 'integer', default: 0, min: 0 } } },
          source: pluginSource(`
            visits = 0;
            override async initialize() {
              this.visits = this.getConfig('visits') as number;
              this.logger.info('initialize z_base');
            }
            override async shutdown() {
              await this.setData('last_shutdown', { visits: this.visits });
              this.logger.info('shutdown z_base');
            }
            override routes(router: Router) {
              router.post('/visit', async (ctx) => {
                this.visits += 1;
                await this.setConfig('visits', this.visits);
                ctx.body = { visits: this.visits };
              });
              router.get('/state', async (ctx) => {
                ctx.body = { visits: this.getConfig('visits'), last_shutdown: (await this.getData('last_shutdown')) ?? null };
              });
            }
          `),
        },
      },
    });
  });
  afterAll(() => app?.remove());

  const order = (stdout: string, verb: string) =>
    [...stdout.matchAll(new RegExp(`\\[(\\w+)\\] ${verb} (\\w+)`, 'g'))].map((m) => m[2]);

  it('--port 0 --host prints the URL; SIGTERM shuts plugins down in reverse dependency order and exits 0', async () => {
    const server = await startCli(app.dir, ['--host', '127.0.0.1']);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.stdout()).toContain(`Health:  ${server.url}/health`);
    expect((await fetchJson(`${server.url}/health`)).status).toBe(200);
    expect((await fetchJson(`${server.url}/plugins/z_base/visit`, { method: 'POST' })).body).toEqual({ visits: 1 });
    expect((await fetchJson(`${server.url}/plugins/z_base/visit`, { method: 'POST' })).body).toEqual({ visits: 2 });
    const result = await server.stop('SIGTERM');
    expect(result.code).toBe(0);
    const started = order(result.stdout, 'initialize');
    expect(started[0]).toBe('z_base');
    expect(started.indexOf('m_mid')).toBeLessThan(started.indexOf('a_top'));
    expect(result.stdout).toContain('SIGTERM: shutting down plugins in reverse dependency order');
    expect(order(result.stdout, 'shutdown')).toEqual([...started].reverse());
    expect(result.stderr).toBe('');
  });

  it('state saved with setConfig and setData survives the restart; SIGINT also exits 0 in reverse order', async () => {
    const server = await startCli(app.dir);
    expect((await fetchJson(`${server.url}/plugins/z_base/state`)).body).toEqual({ visits: 2, last_shutdown: { visits: 2 } });
    const result = await server.stop('SIGINT');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('SIGINT: shutting down plugins in reverse dependency order');
    expect(order(result.stdout, 'shutdown')).toEqual([...order(result.stdout, 'initialize')].reverse());
    expect(order(result.stdout, 'shutdown').at(-1)).toBe('z_base');
  });
});

describe('nexus start: the port is already in use', () => {
  let app: TempApp;
  let holder: Server;
  beforeAll(async () => {
    app = makeApp({ plugins: { hello: { source: traced('hello') } } });
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => holder.close(resolve));
    app?.remove();
  });

  it('exits 1 with a message that says what to do, starting no plugin', async () => {
    const port = (holder.address() as AddressInfo).port;
    const result = await runCli(['start', app.dir, '--port', String(port)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `NEXUS_PORT_IN_USE: Port ${port} on 127.0.0.1 is already in use; stop the other process, or pass --port 0 to pick a free port`,
    );
    expect(result.stdout).not.toContain('initialize hello');
  });
});

describe('nexus start: errors escaping plugin code are caught at process level', () => {
  let app: TempApp;
  beforeAll(() => {
    app = makeApp({
      plugins: {
        healthy: {
          source: pluginSource(`override routes(router: Router) { router.get('/ping', (ctx) => { ctx.body = { pong: true }; }); }`),
        },
        raw_timer: {
          source: pluginSource(`override initialize() { setTimeout(() => { throw new Error('raw timer exploded'); }, 20); }`),
        },
        floating: {
          source: pluginSource(`
            override initialize() { void this.later(); }
            async later() { await new Promise((r) => setTimeout(r, 20)); throw new Error('nobody awaited me'); }
          `),
        },
        early_reject: {
          source: pluginSource(`
            override async initialize() {
              void Promise.reject(new Error('rejected during initialize'));
              await new Promise((r) => setTimeout(r, 50));
            }
          `),
        },
        route_reject: {
          source: pluginSource(`override routes(router: Router) {
            router.get('/fire', (ctx) => { void Promise.reject(new Error('left behind by a route')); ctx.body = { fired: true }; });
          }`),
        },
      },
    });
  });
  afterAll(() => app?.remove());

  it('marks only the owning plugin failed with its error; the server keeps answering; SIGTERM exits 0', async () => {
    const server = await startCli(app.dir);
    // A failure during start-up shows in the banner, with its reason.
    expect(server.stdout()).toMatch(/✗ early_reject 1\.0\.0 {2}initialize\(\) left an error behind .*: rejected during initialize/);
    const get = (path: string) => fetchJson(server.url + path);
    expect((await get('/plugins/route_reject/fire')).body).toEqual({ fired: true });
    const errors = await eventually(async () => {
      const list = (await get('/plugins')).body.plugins as { name: string; state: string; error?: string }[];
      const failed = Object.fromEntries(list.filter((p) => p.state === 'failed').map((p) => [p.name, p.error]));
      return Object.keys(failed).length === 4 && failed;
    }, 15_000, 'four failed plugins');
    expect(errors).toEqual({
      raw_timer: 'raw timer exploded',
      floating: 'nobody awaited me',
      early_reject: 'initialize() left an error behind (a throwing timer or an unhandled rejection): rejected during initialize',
      route_reject: 'left behind by a route',
    });
    const health = await get('/health');
    expect(health.status).toBe(503);
    expect(health.body.plugins.healthy).toMatchObject({ healthy: true, state: 'running' });
    expect(health.body.plugins.raw_timer).toMatchObject({ healthy: false, state: 'failed', error: 'raw timer exploded' });
    expect((await get('/plugins/healthy/ping')).body).toEqual({ pong: true });
    const failedRoute = await get('/plugins/route_reject/fire');
    expect(failedRoute.status).toBe(503);
    expect(failedRoute.body).toMatchObject({ error: 'plugin_unavailable', message: 'Plugin "route_reject" failed: left behind by a route' });
    const result = await server.stop('SIGTERM');
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/\[raw_timer\] failed at run time: raw timer exploded/);
    expect(result.stderr).toMatch(/\[route_reject\] failed at run time: left behind by a route/);
    expect(result.stderr).not.toContain('outside any plugin');
  });
});

describe('nexus start: its output pipe closes (`nexus start | head`)', () => {
  let app: TempApp;
  beforeAll(() => {
    app = makeApp({
      plugins: {
        chatty: {
          source: pluginSource(`override routes(router: Router) {
            router.get('/log', (ctx) => { this.logger.info('a log line nobody reads'); this.logger.warn('and a warning'); ctx.body = { logged: true }; });
          }`),
        },
      },
    });
  });
  afterAll(() => app?.remove());

  it('keeps serving without crashing or spinning on EPIPE, and SIGTERM still exits 0', async () => {
    const server = await startCli(app.dir);
    server.child.stdout!.destroy();
    server.child.stderr!.destroy();
    // Each request logs to both closed pipes; the host must neither die nor loop logging its own EPIPE.
    for (let i = 0; i < 5; i++) expect((await fetchJson(`${server.url}/plugins/chatty/log`)).body).toEqual({ logged: true });
    expect((await fetchJson(`${server.url}/health`)).status).toBe(200);
    // A host stuck logging its own EPIPE burns a whole core; an idle one uses next to nothing.
    const before = cpuMs(server.child.pid!);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(cpuMs(server.child.pid!) - before).toBeLessThan(500);
    const result = await server.stop('SIGTERM');
    expect(result.code).toBe(0);
  });
});

/** User + system CPU ms of a process so far (Linux /proc; USER_HZ is 100). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
