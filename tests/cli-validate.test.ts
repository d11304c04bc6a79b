/** `nexus validate`, `--help` and `--version` as child processes. */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NEXUS_VERSION } from '@nexus/core';
import { killChildren, makeApp, pluginSource, PLAYGROUND, runCli, type CliResult, type TempApp } from './helpers/index.ts';

// Every command of this file starts at once, in parallel: on a busy machine they take a while.
vi.setConfig({ testTimeout: 60_000 });
let runs: Record<'playground' | 'help' | 'startHelp' | 'version' | 'badPort' | 'unknown' | 'bare' | 'startMissing' | 'validateMissing', Promise<CliResult>>;
const MISSING = path.join(os.tmpdir(), `nexus-no-such-app-${process.pid}`);
beforeAll(() => {
  runs = {
    playground: runCli(['validate', PLAYGROUND]),
    help: runCli(['--help']),
    startHelp: runCli(['start', '--help']),
    version: runCli(['--version']),
    badPort: runCli(['start', PLAYGROUND, '--port', 'abc']),
    unknown: runCli(['strat', PLAYGROUND]),
    bare: runCli([]),
    startMissing: runCli(['start', MISSING, '--port', '0']),
    validateMissing: runCli(['validate', MISSING]),
  };
});
afterAll(killChildren);

describe('nexus validate', () => {
  it('exits 0 for the playground', async () => {
    const run = await runs.playground;
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^✓ my_awesome_plugin$/m);
    expect(run.stdout).toMatch(/^✓ notifications$/m);
    expect(run.stdout).toMatch(/^✓ users$/m);
    expect(run.stdout).toContain('All 3 plugins are valid.');
    expect(run.code).toBe(0);
  });

  describe('an app with problems in many plugins', () => {
    let app: TempApp;
    let run: CliResult;
    beforeAll(async () => {
      const ok = pluginSource();
      app = makeApp({
        config: { plugins: { overridden: { config: { level: 'loud' } } } },
        plugins: {
          good: { source: ok },
          broken_json: { manifest: '{ "name": "broken_json", "version": "1.0.0" ', source: ok },
          two_problems: { manifest: { name: 'Two-Problems', version: 'one' }, source: ok },
          dup_a: { manifest: { name: 'dup' }, source: ok },
          dup_b: { manifest: { name: 'dup' }, source: ok },
          no_entry: {},
          config_bad: {
            manifest: {
              configuration: {
                token: { type: 'string', required: true, secret: true },
                retries: { type: 'integer', default: 3, max: 5 },
              },
            },
            files: { 'config/default.yaml': 'retries: 50\n' },
            source: ok,
          },
          overridden: { manifest: { configuration: { level: { type: 'string', enum: ['quiet', 'normal'] } } }, source: ok },
          env_bad: { manifest: { configuration: { port: { type: 'integer', default: 1 } } }, source: ok },
          needs_ghost: { manifest: { dependencies: ['ghost'] }, source: ok },
          needs_newer: { manifest: { dependencies: ['good@^2.0.0'] }, source: ok },
          cycle_a: { manifest: { dependencies: ['cycle_b'] }, source: ok },
          cycle_b: { manifest: { dependencies: ['cycle_a'] }, source: ok },
          future: { manifest: { nexus_version: '>=99.0.0' }, source: ok },
        },
      });
      run = await runCli(['validate', app.dir], { env: { NEXUS_ENV_BAD_PORT: 'eighty' } });
    });
    afterAll(() => app?.remove());

    const errors = () => run.stdout.split('\n').filter((line) => line.trimStart().startsWith('error ')).map((line) => line.replace(/^\s*error\s+/, ''));

    it('exits 1 and says how many problems in how many plugins', () => {
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^✓ good$/m);
      expect(run.stdout).toMatch(/\d+ problem\(s\) found in \d+ of 14 plugin\(s\)\./);
    });

    it('lists every problem of every plugin, each with its file and the fix', () => {
      const all = errors();
      const expected: (string | RegExp)[] = [
        /^plugins\/broken_json\/manifest\.json: line 1, column \d+: Unexpected end of JSON input/,
        /^plugins\/two_problems\/manifest\.json: \/name: must be snake_case/,
        'plugins/two_problems/manifest.json: /version: must be a semver version such as "1.0.0", got "one"',
        /^plugins\/dup_b\/manifest\.json: \/name: "dup" is already used by plugins\/dup_a/,
        'plugins/no_entry/src/plugin.ts: entry module not found; create it, or set "main" in plugins/no_entry/manifest.json',
        /^plugins\/config_bad\/manifest\.json: config_bad\.token: is required but not set .* NEXUS_CONFIG_BAD_TOKEN$/,
        'plugins/config_bad/config/default.yaml: config_bad.retries: must be at most 5, got 50',
        /^nexus\.config\.json: overridden\.level: must be one of "quiet", "normal"/,
        'NEXUS_ENV_BAD_PORT: env_bad.port: expected an integer, got "eighty"',
        /needs_ghost.*needs plugin "ghost"/,
        /needs_newer.*needs "good@\^2\.0\.0" but good is 1\.0\.0/,
        /cycle_a.*dependency cycle: cycle_a → cycle_b → cycle_a/,
        /cycle_b.*dependency cycle: cycle_a → cycle_b → cycle_a/,
        /^plugins\/future\/manifest\.json: \/nexus_version: requires @nexus\/core ">=99\.0\.0", but this is @nexus\/core/,
      ];
      for (const problem of expected) {
        expect(all.some((line) => (typeof problem === 'string' ? line === problem : problem.test(line))), `${problem} in\n${all.join('\n')}`).toBe(true);
      }
    });
  });
});

describe('nexus validate on an app without plugins', () => {
  let app: TempApp;
  beforeAll(() => {
    app = makeApp({});
  });
  afterAll(() => app?.remove());

  it('exits 0 and says where plugins go', async () => {
    const run = await runCli(['validate', app.dir]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('No plugins found in plugins: add plugins/<name>/manifest.json, or set "pluginsDir" in nexus.config.');
  });
});

describe('nexus validate picks the config environment like nexus start', () => {
  let app: TempApp;
  beforeAll(() => {
    app = makeApp({
      plugins: {
        prod_only: {
          manifest: { configuration: { retries: { type: 'integer', default: 3, max: 5 } } },
          files: { 'config/production.yaml': 'retries: 50\n' },
          source: pluginSource(),
        },
      },
    });
  });
  afterAll(() => app?.remove());

  it('an empty NEXUS_ENV counts as unset: production.yaml is checked', async () => {
    const run = await runCli(['validate', app.dir], { env: { NEXUS_ENV: '' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('plugins/prod_only/config/production.yaml: prod_only.retries: must be at most 5, got 50');
  });
});

describe('nexus --help and --version', () => {
  it('--help lists the commands', async () => {
    const run = await runs.help;
    expect(run.code).toBe(0);
    for (const command of ['start [app]', 'dev [app]', 'typegen [app]', 'validate [app]']) expect(run.stdout).toContain(command);
    expect(run.stdout).toContain('--version');
  });

  it('start --help lists --port and --host', async () => {
    const run = await runs.startHelp;
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/--port <port>\s+Port to listen on \(0 picks a free one\)/);
    expect(run.stdout).toMatch(/--host <host>/);
  });

  it('--version prints the @nexus/core version', async () => {
    const run = await runs.version;
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`nexus/${NEXUS_VERSION}`);
  });

  it('an unknown command exits 1 and names the commands; no command at all prints the help', async () => {
    const unknown = await runs.unknown;
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Unknown command "strat". Commands: dev, start, typegen, validate; run nexus --help for more.');
    const bare = await runs.bare;
    expect(bare.code).toBe(0);
    expect(bare.stdout).toContain('validate [app]');
  });

  it('an app folder that does not exist: start and validate exit 1 saying so, and create nothing', async () => {
    for (const run of [await runs.startMissing, await runs.validateMissing]) {
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`${MISSING} does not exist; give the folder that holds plugins/ (and nexus.config)`);
    }
    expect(existsSync(MISSING)).toBe(false);
  });

  it('a bad --port exits 1 with the reason', async () => {
    const run = await runs.badPort;
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--port must be a whole number from 0 to 65535, got "abc"');
  });
});
