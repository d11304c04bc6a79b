/**
 * Issue 9 under `nexus dev`: when a swap fails because the new code's initialize() (or a throw
 * while it loads) puts a secret config value in its message, the value shows nowhere: not in
 * GET /plugins (the dashboard's data), not in the swap line on stderr (item 1). The dev server
 * answers only allowed hosts (item 2).
 */
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, fetchJson, killChildren, makeApp, pluginSource, spawnCli } from './helpers/index.ts';

afterAll(killChildren);

const SECRET = 'sk-live-7d1f0c9e2b';

function statusFor(url: string, host: string): Promise<{ status: number; code?: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    request({ hostname, port, path: '/plugins/vault/health', headers: { host } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, code: (JSON.parse(text) as { code?: string }).code }));
    })
      .on('error', reject)
      .end();
  });
}

describe('nexus dev: allowed hosts, and a failed swap never shows a secret', () => {
  it('redacts the secret from GET /plugins and the swap line, for an initialize() throw and a load-time throw', async () => {
    const app = makeApp({
      config: { allowedHosts: ['dev.internal'] },
      plugins: {
        vault: {
          manifest: { configuration: { api_key: { type: 'string', secret: true, required: true } } },
          source: pluginSource(`override routes(router: Router) { router.get('/v', (ctx) => { ctx.body = { v: 1 }; }); }`),
        },
      },
    });
    const server = spawnCli(['dev', app.dir, '--port', '0'], { env: { NEXUS_VAULT_API_KEY: SECRET } });
    try {
      const [, url] = await server.waitFor(/Local:\s+(http:\/\/[^\s/]+:\d+)\//);
      expect(await statusFor(url!, 'rebind.attacker.test')).toEqual({ status: 403, code: 'NEXUS_HOST_NOT_ALLOWED' });
      expect((await statusFor(url!, 'dev.internal')).status).toBe(200);
      const pluginError = async (): Promise<string | undefined> => {
        const plugins = (await fetchJson(`${url}/plugins`)).body.plugins as { name: string; error?: string }[];
        return plugins.find((p) => p.name === 'vault')?.error;
      };

      writeFileSync(
        app.path('plugins/vault/src/plugin.ts'),
        pluginSource(`override initialize() { throw new Error('cannot connect with key ' + String(this.getConfig('api_key'))); }`),
      );
      await server.waitFor(/✗ vault[^\n]*\n[^\n]*cannot connect with key/);
      const afterInit = await eventually(pluginError, 10_000, 'the error of the failed initialize()');
      expect(afterInit).toContain('cannot connect with key [redacted]');
      expect((await fetchJson(`${url}/plugins/vault/v`)).body).toEqual({ v: 1 }); // the previous version serves

      writeFileSync(
        app.path('plugins/vault/src/plugin.ts'),
        `throw new Error('refusing to load with ' + process.env.NEXUS_VAULT_API_KEY);\n${pluginSource()}`,
      );
      await server.waitFor(/refusing to load with/);
      const afterLoad = await eventually(async () => ((await pluginError())?.includes('refusing') ? pluginError() : undefined), 10_000, 'the load error');
      expect(afterLoad).toContain('refusing to load with [redacted]');

      const output = server.stdout() + server.stderr();
      expect(output).toContain('[redacted]');
      expect(output).not.toContain(SECRET);
      expect(JSON.stringify((await fetchJson(`${url}/plugins`)).body)).not.toContain(SECRET);
      expect(JSON.stringify((await fetchJson(`${url}/health`)).body)).not.toContain(SECRET);
    } finally {
      await server.stop();
      app.remove();
    }
  });
});
