/**
 * Issue 9 through the `nexus` CLI as a child process: binding beyond loopback, allowed hosts under
 * dev, files nested too deep or bombing with YAML aliases (validate and start name them and go on
 * with the other plugins), a damaged database, and faults pinned on the plugin that caused them.
 */
import { request } from 'node:http';
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, fetchJson, killChildren, makeApp, pluginSource, runCli, spawnCli, startCli } from './helpers/index.ts';

afterAll(killChildren);

function statusFor(url: string, host: string, path = '/plugins'): Promise<{ status: number; body: any }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    request({ hostname, port, path, headers: { host } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    })
      .on('error', reject)
      .end();
  });
}

/** Plugins whose faults must be pinned on the right one (checked by nexus start below). */
const FAULTY = {
  provider: {
    source: pluginSource(`
      override initialize() {
        this.registerService('provider.math', { async half(n: number) { if (typeof n !== 'number') throw new Error('half() needs a number, got ' + typeof n); return n / 2; } });
      }
      override routes(router: Router) { router.get('/ok', (ctx) => { ctx.body = { ok: true }; }); }
    `),
  },
  caller: {
    manifest: { dependencies: ['provider'] },
    source: pluginSource(`
      override routes(router: Router) {
        router.post('/go', (ctx) => {
          const math = this.getService<{ half(n: unknown): Promise<number> }>('provider.math');
          void math.half('ten').then((v) => this.logger.info(String(v)));
          ctx.body = { sent: true };
        });
      }
    `),
  },
  stringy: {
    source: pluginSource(`
      override routes(router: Router) {
        router.post('/go', (ctx) => { this.setTimeout(() => { throw 'a plain string'; }, 1); ctx.body = { sent: true }; });
      }
    `),
  },
};

const deepJson = (depth: number): string => '{"x":'.repeat(depth) + '1' + '}'.repeat(depth);
const YAML_BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
].join('\n');

describe('binding beyond loopback', () => {
  it('warns naming what is exposed, and the banner says Network, not Local', async () => {
    const app = makeApp({ plugins: { hello: { source: pluginSource() } } });
    const server = spawnCli(['start', app.dir, '--port', '0', '--host', '0.0.0.0']);
    try {
      const [, url] = await server.waitFor(/Network: (http:\/\/0\.0\.0\.0:\d+)\//);
      expect(server.stdout()).not.toContain('Local');
      await server.waitFor(/Listening on every network interface/);
      expect(server.stderr()).toMatch(/Listening on every network interface \(http:\/\/0\.0\.0\.0:\d+\): other machines that can reach it can call every plugin route and read \/plugins, \/health, \/metrics and the dashboard/);
      const local = url!.replace('0.0.0.0', '127.0.0.1');
      expect((await statusFor(local, 'evil.test')).status).toBe(403);
      expect((await statusFor(local, '192.168.1.20:3000')).status).toBe(200);
    } finally {
      await server.stop();
      app.remove();
    }
  });
});

describe('files nested too deep, YAML alias bombs', () => {
  const app = makeApp({
    plugins: {
      deep_valid: { manifest: `{"name":"deep_valid","version":"1.0.0","x":${deepJson(3000)}}` },
      deep_broken: { manifest: '{"name":"deep_broken","version":"1.0.0","x":' + '['.repeat(5000) },
      bomb: { source: pluginSource(), files: { 'config/default.yaml': YAML_BOMB } },
      fine: { source: pluginSource() },
      ...FAULTY,
    },
  });
  afterAll(() => app.remove());

  it('nexus validate names each file and still reports the other plugins', async () => {
    const result = await runCli(['validate', app.dir]);
    expect(result.code).toBe(1);
    const out = result.stdout + result.stderr;
    expect(out).not.toMatch(/Maximum call stack/);
    expect(out).toMatch(/plugins\/deep_valid\/manifest\.json: line 1, column \d+: nested more than 64 levels deep/);
    expect(out).toMatch(/plugins\/deep_broken\/manifest\.json: line 1, column \d+: nested more than 64 levels deep/);
    expect(out).toMatch(/plugins\/bomb\/config\/default\.yaml: cannot be read: Excessive alias count/);
    expect(out).toMatch(/✓ fine/);
    expect(out).toMatch(/3 problem\(s\) found in 3 of 7 plugin\(s\)/);
  });

  it('nexus start fails those plugins naming their files, serves the others, and pins faults on their plugin', async () => {
    const server = await startCli(app.dir);
    try {
      const plugins = (await fetchJson(`${server.url}/plugins`)).body.plugins as { name: string; state: string; error?: string }[];
      const byName = Object.fromEntries(plugins.map((p) => [p.name, p]));
      expect(byName.fine!.state).toBe('running');
      expect(byName.deep_valid).toMatchObject({ state: 'failed', error: expect.stringContaining('plugins/deep_valid/manifest.json: line 1') });
      expect(byName.deep_broken).toMatchObject({ state: 'failed', error: expect.stringContaining('nested more than 64 levels deep') });
      expect(byName.bomb).toMatchObject({ state: 'failed', error: expect.stringContaining('plugins/bomb/config/default.yaml: cannot be read: Excessive alias count') });

      // Faults are pinned on the plugin that caused them: a dropped rejection of a service call
      // fails the caller, not the provider; a non-Error thrown in this.setTimeout fails its plugin.
      expect((await fetchJson(`${server.url}/plugins/caller/go`, { method: 'POST' })).status).toBe(200);
      expect((await fetchJson(`${server.url}/plugins/stringy/go`, { method: 'POST' })).status).toBe(200);
      const states = await eventually(async () => {
        const plugins = (await fetchJson(`${server.url}/plugins`)).body.plugins as { name: string; state: string; error?: string }[];
        const byName = Object.fromEntries(plugins.map((p) => [p.name, p]));
        return byName.caller!.state === 'failed' && byName.stringy!.state === 'failed' ? byName : undefined;
      }, 10_000, 'caller and stringy failed');
      expect(states.provider!.state).toBe('running');
      expect(states.caller!.error).toBe('half() needs a number, got string');
      expect(states.stringy!.error).toBe('a plain string');
      expect((await fetchJson(`${server.url}/plugins/provider/ok`)).status).toBe(200);
      expect(server.stderr()).toMatch(/\[caller\] failed at run time: half\(\) needs a number, got string/);
      expect(server.stderr()).not.toMatch(/\[provider\] failed/);
      // Bound to 127.0.0.1 (the default): no exposure warning.
      expect(server.stderr()).not.toContain('Listening on');
    } finally {
      await server.stop();
    }
  });

  it('a nexus.config.json nested too deep is named; nothing overflows the stack', async () => {
    const deepConfig = makeApp({ plugins: { fine: { source: pluginSource() } } });
    writeFileSync(deepConfig.path('nexus.config.json'), `{"plugins":{"fine":{"config":${deepJson(5000)}}}}`);
    try {
      for (const command of ['start', 'validate']) {
        const result = await runCli([command, deepConfig.dir, '--port', '0'].slice(0, command === 'start' ? 4 : 2));
        expect([command, result.code]).toEqual([command, 1]);
        expect(result.stdout + result.stderr).toMatch(/nexus\.config\.json: line 1, column \d+: nested more than 64 levels deep/);
        expect(result.stdout + result.stderr).not.toMatch(/Maximum call stack/);
      }
    } finally {
      deepConfig.remove();
    }
  });
});

describe('a damaged database', () => {
  it('nexus start exits 1 naming the file and what to do', async () => {
    const app = makeApp({ plugins: { fine: { source: pluginSource() } }, files: { '.nexus/nexus.db': 'not a database '.repeat(500) } });
    try {
      const result = await runCli(['start', app.dir, '--port', '0']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`NEXUS_STORAGE_OPEN_FAILED: Cannot open the database ${app.path('.nexus/nexus.db')}: file is not a database.`);
      expect(result.stderr).toContain('restore it from a backup, or move it (and its -wal and -shm files) aside');
    } finally {
      app.remove();
    }
  });
});
