/**
 * Every bad input of issue 2 in one real app (real files, real server on port 0): each bad plugin
 * fails with a message naming the plugin, the file or field and the fix, while the healthy plugin
 * keeps serving and the server keeps answering.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, manifest, pluginSource, startApp, type RunningApp, type TempApp } from './helpers/index.ts';

const healthy = {
  source: pluginSource(`
    override routes(router: Router) {
      router.get('/ping', (ctx) => { ctx.body = { pong: true }; });
    }
    override shutdown() { this.logger.info('healthy shut down'); }
  `),
};
const ok = (body = '') => pluginSource(body);

let temp: TempApp;
let run: RunningApp;

beforeAll(async () => {
  temp = makeApp({
    config: { timeouts: { initialize: 400, shutdown: 400 } },
    plugins: {
      healthy,
      broken_json: { manifest: '{\n  "name": "broken_json",\n  "version": "1.0.0",\n}\n', source: ok() },
      no_name: { manifest: { name: undefined }, source: ok() },
      bad_version: { manifest: { version: '1.0' }, source: ok() },
      dup_a: { manifest: { name: 'dup' }, source: ok() },
      dup_b: { manifest: { name: 'dup' }, source: ok() },
      no_entry: {},
      no_export: { source: 'export const answer = 42;\n' },
      init_throws: { source: ok(`override initialize() { throw new Error('database unreachable'); }`) },
      init_false: { source: ok(`override initialize() { this.logger.warn('no license'); return false; }`) },
      init_hangs: { source: ok(`override initialize() { return new Promise<boolean>(() => {}); }`) },
      needs_key: {
        manifest: { configuration: { api_key: { type: 'string', required: true, secret: true } } },
        source: ok(),
      },
      yaml_bad: {
        manifest: {
          configuration: {
            retries: { type: 'integer', default: 3 },
            ratio: { type: 'number', default: 0.5, min: 0, max: 1 },
          },
        },
        files: { 'config/default.yaml': 'retries: lots\nratio: 5\n' },
        source: ok(),
      },
      env_bad: {
        manifest: {
          configuration: {
            limit: { type: 'integer', default: 10, max: 100 },
            verbose: { type: 'boolean', default: false },
          },
        },
        source: ok(),
      },
      cycle_a: { manifest: { dependencies: ['cycle_b'] }, source: ok() },
      cycle_b: { manifest: { dependencies: ['cycle_a'] }, source: ok() },
      needs_ghost: { manifest: { dependencies: ['ghost'] }, source: ok() },
      needs_newer: { manifest: { dependencies: ['healthy@^2.0.0'] }, source: ok() },
      needs_healthy: {
        manifest: { dependencies: ['healthy@^1.0.0'] },
        source: ok(`override routes(router: Router) { router.get('/ok', (ctx) => { ctx.body = { ok: true }; }); }`),
      },
      needs_failed: { manifest: { dependencies: ['init_throws'] }, source: ok() },
      pub_init: {
        manifest: { permissions: ['events.publish'], events: { publishes: ['orders.placed'] } },
        source: ok(`override async initialize() { await this.publishEvent('orders.created', {}); }`),
      },
      pub_route: {
        manifest: { permissions: ['events.publish'] },
        source: ok(`override routes(router: Router) {
          router.post('/publish', async (ctx) => { await this.publishEvent('orders.created', {}); ctx.body = {}; });
        }`),
      },
    },
  });
  run = await startApp(temp.dir, { environ: { NEXUS_ENV_BAD_LIMIT: '500', NEXUS_ENV_BAD_VERBOSE: 'maybe' } });
});

afterAll(async () => {
  await run?.stop();
  temp?.remove();
});

async function plugin(name: string): Promise<{ state: string; error?: string }> {
  const { body } = await run.get('/plugins');
  const found = body.plugins.find((p: { name: string }) => p.name === name);
  expect(found, `plugin ${name} in GET /plugins`).toBeDefined();
  return found;
}

/** The failed plugin's error, also in /health and in the 503 of its routes; the healthy plugin still serves. */
async function expectFailed(name: string, ...messages: (string | RegExp)[]): Promise<string> {
  const info = await plugin(name);
  expect(info.state).toBe('failed');
  for (const message of messages) expect(info.error).toMatch(message);
  const health = await run.get('/health');
  expect(health.status).toBe(503);
  expect(health.body.plugins[name]).toMatchObject({ healthy: false, state: 'failed', error: info.error });
  expect(health.body.plugins.healthy).toMatchObject({ healthy: true, state: 'running' });
  const route = await run.get(`/plugins/${name}/anything`);
  expect(route.status).toBe(503);
  expect(route.body).toMatchObject({ error: 'plugin_unavailable', plugin: name, state: 'failed' });
  expect(route.body.message).toContain(info.error!.split('\n')[0]);
  expect((await run.get('/plugins/healthy/ping')).body).toEqual({ pong: true });
  expect(run.logText()).toContain(`[${name}]`);
  return info.error!;
}

describe('bad manifests', () => {
  it('malformed JSON: file, line, column and a hint', async () => {
    await expectFailed('broken_json', /^plugins\/broken_json\/manifest\.json: line 4, column 1: .*trailing comma/);
  });

  it('missing name', async () => {
    await expectFailed('no_name', 'plugins/no_name/manifest.json: /name: is required');
  });

  it('bad version', async () => {
    await expectFailed('bad_version', 'plugins/bad_version/manifest.json: /version: must be a semver version such as "1.0.0", got "1.0"');
  });

  it('two plugins with one name: the second is rejected naming both folders, the first runs', async () => {
    expect((await plugin('dup')).state).toBe('running');
    const { body } = await run.get('/plugins');
    const rejected = body.plugins.find((p: { dir: string }) => p.dir === 'plugins/dup_b');
    expect(rejected.state).toBe('failed');
    expect(rejected.error).toBe(
      'plugins/dup_b/manifest.json: /name: "dup" is already used by plugins/dup_a; each plugin needs a unique name, rename one of them',
    );
    expect(run.logText()).toContain('NEXUS_MANIFEST_DUPLICATE');
    expect((await run.get('/health')).body.plugins[rejected.name]).toMatchObject({ healthy: false, state: 'failed' });
  });
});

describe('bad entry modules', () => {
  it('entry file missing: names the file and "main"', async () => {
    await expectFailed('no_entry', 'plugins/no_entry/src/plugin.ts: entry module not found; create it, or set "main" in plugins/no_entry/manifest.json');
  });

  it('entry not exporting a plugin: says what to export', async () => {
    await expectFailed('no_export', 'plugins/no_export/src/plugin.ts: exports no plugin; export default a class that extends BasePlugin');
  });
});

describe('initialize', () => {
  it('throws: the reason is kept', async () => {
    await expectFailed('init_throws', 'initialize() threw: database unreachable');
    expect(run.logText()).toMatch(/\[init_throws\] NEXUS_INIT_FAILED: initialize\(\) threw: database unreachable/);
  });

  it('returns false', async () => {
    await expectFailed('init_false', 'initialize() returned false');
    expect(run.logText()).toContain('WARN [init_false] no license');
  });

  it('never resolves: fails after timeouts.initialize and says which setting to raise', async () => {
    await expectFailed('init_hangs', 'initialize() of plugin "init_hangs" did not finish within 400 ms', '"timeouts.initialize" in nexus.config');
  });
});

describe('configuration', () => {
  it('a required key missing: names the key, the manifest and where to set it', async () => {
    await expectFailed(
      'needs_key',
      'plugins/needs_key/manifest.json: needs_key.api_key: is required but not set — set it in config/default.yaml, nexus.config or NEXUS_NEEDS_KEY_API_KEY',
    );
  });

  it('wrong type and out of range from YAML: every problem, with the file', async () => {
    const error = await expectFailed(
      'yaml_bad',
      'plugins/yaml_bad/config/default.yaml: yaml_bad.retries: expected an integer, got "lots"',
      'plugins/yaml_bad/config/default.yaml: yaml_bad.ratio: must be at most 1, got 5',
    );
    expect(error.split('\n')).toHaveLength(2);
  });

  it('wrong type and out of range from NEXUS_<PLUGIN>_<KEY>: names the variable', async () => {
    await expectFailed(
      'env_bad',
      'NEXUS_ENV_BAD_LIMIT: env_bad.limit: must be at most 100, got 500',
      'NEXUS_ENV_BAD_VERBOSE: env_bad.verbose: expected true, false, 1, 0, yes or no, got "maybe"',
    );
  });
});

describe('dependencies', () => {
  it('a cycle names its members and fails only them', async () => {
    for (const name of ['cycle_a', 'cycle_b']) {
      await expectFailed(name, /dependency cycle: cycle_a → cycle_b → cycle_a|dependency cycle: cycle_b → cycle_a → cycle_b/, 'remove one of these "dependencies"');
    }
  });

  it('a missing dependency fails only the plugin that needs it', async () => {
    await expectFailed('needs_ghost', 'needs plugin "ghost", which is not installed or disabled', 'plugins/needs_ghost/manifest.json');
  });

  it('a version-mismatched dependency fails only the plugin that needs it', async () => {
    await expectFailed('needs_newer', 'needs "healthy@^2.0.0" but healthy is 1.0.0; change the range in "dependencies" of plugins/needs_newer/manifest.json');
    expect((await plugin('healthy')).state).toBe('running');
    expect((await run.get('/plugins/needs_healthy/ok')).body).toEqual({ ok: true });
  });

  it('a dependency that failed to start fails its dependents, naming it', async () => {
    await expectFailed('needs_failed', 'needs plugin "init_throws", which failed: initialize() threw: database unreachable');
  });
});

describe('events', () => {
  it('publishing an undeclared event in initialize: names the manifest field to change', async () => {
    await expectFailed(
      'pub_init',
      'Plugin "pub_init" cannot publish "orders.created": the type is not declared. Add it to "events.publishes" in plugins/pub_init/manifest.json',
    );
  });

  it('publishing an undeclared event in a route: 500 JSON, the reason in the log, the plugin keeps running', async () => {
    const response = await run.post('/plugins/pub_route/publish', {});
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ error: 'internal_error', code: 'NEXUS_INTERNAL', message: 'Plugin "pub_route" failed to handle the request; see the server log' });
    expect(run.logText()).toContain('Add it to "events.publishes" in plugins/pub_route/manifest.json');
    expect((await plugin('pub_route')).state).toBe('running');
    expect((await run.get('/plugins/healthy/ping')).status).toBe(200);
  });
});

describe('the whole app', () => {
  it('GET /health is 503 and lists every plugin with its status', async () => {
    const health = await run.get('/health');
    expect(health.status).toBe(503);
    expect(health.body.status).toBe('unhealthy');
    const running = Object.entries(health.body.plugins as Record<string, { state: string }>)
      .filter(([, status]) => status.state === 'running')
      .map(([name]) => name)
      .sort();
    expect(running).toEqual(['dup', 'healthy', 'needs_healthy', 'pub_route']);
  });
});

describe('shutdown that throws or hangs', () => {
  let app: TempApp;
  let live: RunningApp;
  beforeAll(async () => {
    app = makeApp({
      config: { timeouts: { shutdown: 300 } },
      plugins: {
        healthy,
        shutdown_throws: { source: ok(`override shutdown() { throw new Error('cannot flush queue'); }`) },
        shutdown_hangs: {
          source: ok(`override initialize() { this.setInterval(() => {}, 1000); }
            override shutdown() { return new Promise<void>(() => {}); }`),
        },
      },
    });
    live = await startApp(app.dir);
  });
  afterAll(async () => {
    await live?.stop();
    app?.remove();
  });

  it('stopping one plugin whose shutdown throws: logged with the plugin, resources released, the rest keeps serving', async () => {
    const { manager } = live.app;
    await manager.stop('shutdown_throws');
    expect(live.logText()).toContain('[nexus] [shutdown_throws] NEXUS_SHUTDOWN_FAILED: cannot flush queue');
    const list = (await live.get('/plugins')).body.plugins as { name: string; state: string; resources: object }[];
    expect(list.find((p) => p.name === 'shutdown_throws')).toMatchObject({ state: 'stopped', resources: { subscriptions: 0, services: 0, timers: 0, tasks: 0 } });
    const route = await live.get('/plugins/shutdown_throws/x');
    expect(route.status).toBe(503);
    expect(route.body.message).toBe('Plugin "shutdown_throws" is stopped');
    expect((await live.get('/plugins/healthy/ping')).status).toBe(200);
  });

  it('stopping the app: a hanging shutdown is cut at timeouts.shutdown, the others still shut down', async () => {
    await live.stop();
    const logs = live.logText();
    expect(logs).toContain('[shutdown_hangs] NEXUS_SHUTDOWN_TIMEOUT: shutdown() of plugin "shutdown_hangs" did not finish within 300 ms');
    expect(logs).toContain('INFO [healthy] healthy shut down');
    expect(live.app.manager.list().map((p) => [p.name, p.state, p.resources.timers])).toEqual([
      ['healthy', 'stopped', 0],
      ['shutdown_hangs', 'stopped', 0],
      ['shutdown_throws', 'stopped', 0],
    ]);
  });
});
