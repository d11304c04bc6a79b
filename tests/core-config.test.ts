/**
 * Config layering end to end, seen through a plugin route: manifest default < config/default.yaml
 * < config/<env>.yaml < nexus.config < setConfig < NEXUS_<PLUGIN>_<KEY>. And secrets: never in
 * logs or HTTP output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, pluginSource, startApp, type RunningApp, type TempApp } from './helpers/index.ts';

const KEYS = ['k_default', 'k_yaml', 'k_envfile', 'k_app', 'k_saved', 'k_var'];

describe('config layering', () => {
  let temp: TempApp;
  beforeAll(() => {
    const configuration: Record<string, unknown> = Object.fromEntries(KEYS.map((key) => [key, { type: 'string', default: 'manifest' }]));
    configuration.retries = { type: 'integer', default: 1, min: 0, max: 10 };
    configuration.verbose = { type: 'boolean', default: false };
    configuration.tags = { type: 'array', default: [] };
    const yaml = (label: string, keys: string[]) => keys.map((key) => `${key}: ${label}`).join('\n') + '\n';
    temp = makeApp({
      config: { plugins: { layered: { config: { k_app: 'nexus.config', k_saved: 'nexus.config', k_var: 'nexus.config' } } } },
      plugins: {
        layered: {
          manifest: { configuration },
          files: {
            'config/default.yaml': yaml('default.yaml', KEYS.slice(1)),
            'config/production.yaml': yaml('production.yaml', KEYS.slice(2)),
            'config/staging.yaml': yaml('staging.yaml', KEYS.slice(2)),
            'config/development.yaml': yaml('development.yaml', KEYS.slice(2)),
          },
          source: pluginSource(`
            override routes(router: Router) {
              router.get('/config', (ctx) => {
                ctx.body = Object.fromEntries([...${JSON.stringify(KEYS)}, 'retries', 'verbose', 'tags'].map((k) => [k, this.getConfig(k)]));
              });
              router.post('/save', async (ctx) => {
                await this.setConfig('k_saved', 'saved');
                await this.setConfig('k_var', 'saved');
                ctx.body = { saved: true };
              });
            }
          `),
        },
      },
    });
  });
  afterAll(() => temp?.remove());

  const environ = { NEXUS_LAYERED_K_VAR: 'variable', NEXUS_LAYERED_RETRIES: '7', NEXUS_LAYERED_VERBOSE: 'yes', NEXUS_LAYERED_TAGS: '["a","b"]' };

  it('each layer overrides the one below; variables are coerced to the declared type', async () => {
    const run = await startApp(temp.dir, { environ });
    try {
      expect((await run.get('/plugins/layered/config')).body).toEqual({
        k_default: 'manifest',
        k_yaml: 'default.yaml',
        k_envfile: 'production.yaml',
        k_app: 'nexus.config',
        k_saved: 'nexus.config',
        k_var: 'variable',
        retries: 7,
        verbose: true,
        tags: ['a', 'b'],
      });
      expect((await run.post('/plugins/layered/save', {})).body).toEqual({ saved: true });
    } finally {
      await run.stop();
    }
  });

  it('values saved by setConfig beat nexus.config after a restart; variables still win', async () => {
    const run = await startApp(temp.dir, { environ });
    try {
      expect((await run.get('/plugins/layered/config')).body).toMatchObject({ k_app: 'nexus.config', k_saved: 'saved', k_var: 'variable' });
    } finally {
      await run.stop();
    }
  });

  it('NEXUS_ENV picks config/<env>.yaml; `dev` mode defaults to development', async () => {
    const staging = await startApp(temp.dir, { environ: { NEXUS_ENV: 'staging' } });
    try {
      expect((await staging.get('/plugins/layered/config')).body).toMatchObject({ k_yaml: 'default.yaml', k_envfile: 'staging.yaml', k_var: 'saved' });
    } finally {
      await staging.stop();
    }
    const dev = await startApp(temp.dir, { mode: 'dev' });
    try {
      expect((await dev.get('/plugins/layered/config')).body).toMatchObject({ k_envfile: 'development.yaml' });
    } finally {
      await dev.stop();
    }
  });
});

describe('secrets', () => {
  const KEY = 'sk-live-S3CR3T-4242';
  const YAML_KEY = 'yaml-secret-XYZZY-77';
  let temp: TempApp;
  let run: RunningApp;
  const secretOption = { type: 'string', required: true, secret: true };

  beforeAll(async () => {
    temp = makeApp({
      plugins: {
        vault: {
          manifest: { configuration: { api_key: secretOption } },
          source: pluginSource(`
            override initialize() {
              const key = this.getConfig('api_key') as string;
              this.logger.info('connecting with ' + key, { key, nested: { list: [key] } });
              this.logger.warn('warning', new Error('token ' + key + ' is old'));
            }
            override routes(router: Router) {
              router.get('/whoami', (ctx) => { ctx.body = { has_key: Boolean(this.getConfig('api_key')) }; });
              router.get('/explode', () => { throw new Error('upstream rejected ' + this.getConfig('api_key')); });
            }
          `),
        },
        vault_bad: {
          manifest: { configuration: { api_key: secretOption } },
          files: { 'config/default.yaml': `api_key: ${YAML_KEY}\n` },
          source: pluginSource(`override initialize() { throw new Error('key ' + this.getConfig('api_key') + ' was refused'); }`),
        },
        vault_typed: {
          manifest: { configuration: { pin: { type: 'integer', secret: true, default: 1 } } },
          source: pluginSource(),
        },
      },
    });
    run = await startApp(temp.dir, { environ: { NEXUS_VAULT_API_KEY: KEY, NEXUS_VAULT_TYPED_PIN: 'pin-SECRETPIN-9' } });
  });
  afterAll(async () => {
    await run?.stop();
    temp?.remove();
  });

  it('never appear in HTTP output', async () => {
    expect((await run.get('/plugins/vault/whoami')).body).toEqual({ has_key: true });
    const outputs = await Promise.all(
      ['/plugins', '/health', '/metrics', '/plugins/vault/health', '/plugins/vault_bad/health', '/plugins/vault/explode', '/plugins/vault_bad/x', '/plugins/vault_typed/x'].map(
        (path) => run.get(path),
      ),
    );
    for (const output of outputs) {
      expect(output.text).not.toContain(KEY);
      expect(output.text).not.toContain(YAML_KEY);
      expect(output.text).not.toContain('SECRETPIN');
    }
    const bad = (await run.get('/plugins')).body.plugins.find((p: { name: string }) => p.name === 'vault_bad');
    expect(bad).toMatchObject({ state: 'failed', error: 'initialize() threw: key [redacted] was refused' });
    const typed = (await run.get('/plugins')).body.plugins.find((p: { name: string }) => p.name === 'vault_typed');
    expect(typed.error).toBe('NEXUS_VAULT_TYPED_PIN: vault_typed.pin: expected an integer (value hidden: secret)');
  });

  it('never appear in logs: plugin logs, host errors and failure messages are redacted', async () => {
    await run.get('/plugins/vault/explode');
    const text = run.logText();
    const full = JSON.stringify(run.logs, (_key, value: unknown) => (value instanceof Error ? { message: value.message, stack: value.stack } : value));
    for (const haystack of [text, full]) {
      expect(haystack).not.toContain(KEY);
      expect(haystack).not.toContain(YAML_KEY);
      expect(haystack).not.toContain('SECRETPIN');
    }
    expect(text).toContain('INFO [vault] connecting with [redacted]');
    expect(text).toContain('token [redacted] is old');
    expect(text).toContain('GET /plugins/vault/explode failed in plugin "vault": upstream rejected [redacted]');
    expect(text).toContain('[vault_bad] NEXUS_INIT_FAILED: initialize() threw: key [redacted] was refused');
  });
});
