import { afterEach, describe, expect, it } from 'vitest';
import { makeApp, manifest, pluginSource, runCli, type TempApp } from './helpers/index.ts';
import { POSTGRES_URL, REDIS_URL, services } from './helpers/services.ts';

let app: TempApp | undefined;
afterEach(() => app?.remove());

function appWith(config: Record<string, unknown>): TempApp {
  return makeApp({ config, plugins: { a: { manifest: manifest('a'), source: pluginSource() } } });
}

describe('nexus validate --connect', () => {
  it.skipIf(!services.postgres || !services.redis)('says which PostgreSQL and Redis answered', async () => {
    app = appWith({ storage: { url: POSTGRES_URL }, events: { url: REDIS_URL } });
    const run = await runCli(['validate', app.dir, '--connect']);
    expect(run.stdout).toMatch(/✓ storage: PostgreSQL \d+\.\d+.* at postgres:\/\/postgres@127\.0\.0\.1:5432\/test/);
    expect(run.stdout).toMatch(/✓ events: Redis \d+\.\d+\.\d+ at redis:\/\/127\.0\.0\.1:6379/);
    expect(run.code).toBe(0);
  });

  it('names a server that does not answer, with the password hidden, and exits 1', async () => {
    app = appWith({ storage: { url: 'postgres://nexus:hunter2@127.0.0.1:1/app' }, events: { url: 'redis://:hunter2@127.0.0.1:1' } });
    const run = await runCli(['validate', app.dir, '--connect']);
    const out = run.stdout + run.stderr;
    expect(out).toContain('storage: PostgreSQL at postgres://nexus:***@127.0.0.1:1/app does not answer');
    expect(out).toContain('events: Redis at redis://:***@127.0.0.1:1 does not answer');
    expect(out).not.toContain('hunter2');
    expect(run.code).toBe(1);
  });

  it('without --connect, connects to nothing', async () => {
    app = appWith({ storage: { url: 'postgres://nexus:hunter2@127.0.0.1:1/app' } });
    const run = await runCli(['validate', app.dir]);
    expect(run.stdout).not.toContain('does not answer');
    expect(run.code).toBe(0);
  });
});

describe('nexus start with a database that does not answer', () => {
  it('exits 1 naming the server, password hidden, and the setting to fix', async () => {
    app = appWith({ storage: { url: 'postgres://nexus:hunter2@127.0.0.1:1/app' } });
    const run = await runCli(['start', app.dir, '--port', '0']);
    const out = run.stdout + run.stderr;
    expect(out).toContain('NEXUS_STORAGE_UNAVAILABLE: PostgreSQL at postgres://nexus:***@127.0.0.1:1/app cannot be used');
    expect(out).toContain('"storage.url" of nexus.config.json (or NEXUS_DATABASE_URL)');
    expect(out).not.toContain('hunter2');
    expect(run.code).toBe(1);
  });
});
