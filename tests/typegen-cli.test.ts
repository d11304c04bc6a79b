/**
 * `nexus typegen` as a child process: bad manifests, determinism, `--check`, the folders it accepts,
 * and the check CI runs on the playground and templates.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

// Each run starts a node process that compiles the CLI with tsx: allow for a busy machine.
vi.setConfig({ testTimeout: 60_000 });

const ROOT = path.resolve(import.meta.dirname, '..');
const NEXUS = path.join(ROOT, 'packages/cli/bin/nexus.js');
const BAD_APP = path.join(ROOT, 'tests/typegen-fixtures/bad-app');

function nexus(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [NEXUS, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of `from` in a fresh temp folder. */
function copy(from: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nexus-typegen-cli-'));
  temps.push(dir);
  cpSync(from, dir, { recursive: true });
  return dir;
}

const generated = (app: string, plugin: string) => path.join(app, 'plugins', plugin, 'nexus.generated.ts');
const errorLines = (output: string) => output.split('\n').filter((l) => l.trimStart().startsWith('error  ')).map((l) => l.trim());

describe('nexus typegen on bad manifests', () => {
  it('reports each invalid manifest as validate does, writes nothing for it, still generates the others, exits 1', () => {
    const app = copy(BAD_APP);
    const run = nexus('typegen', app);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^✓ good_plugin +written +plugins\/good_plugin\/nexus\.generated\.ts$/m);
    expect(run.stdout).toMatch(/^✗ unknown_type +failed$/m);
    expect(run.stdout).toMatch(/^Generated types of 4 plugin\(s\) in \d+ ms: 1 written, 0 unchanged, 3 failed$/m);
    expect(errorLines(run.stdout)).toEqual([
      'error  plugins/min_above_max/manifest.json: /configuration/batch_size/min: min (100) is greater than max (10); swap them',
      'error  plugins/unknown_type/manifest.json: /configuration/port/type: must be one of "string", "integer", "number", "boolean", "array", "object"',
      'error  plugins/wrong_default/manifest.json: /configuration/max_retries/default: expected an integer, got "three"',
    ]);
    const validate = nexus('validate', app);
    for (const line of errorLines(run.stdout)) expect(errorLines(validate.stdout)).toContain(line);

    expect(existsSync(generated(app, 'good_plugin'))).toBe(true);
    for (const bad of ['unknown_type', 'wrong_default', 'min_above_max']) expect(existsSync(generated(app, bad))).toBe(false);
    const types = readFileSync(generated(app, 'good_plugin'), 'utf8');
    expect(types).toContain('/** First word of a greeting */\n  greeting: string;');
    expect(types).toContain('/** (secret) */\n  token?: string;');
  });

  it('says which folder is wrong when there is none', () => {
    const run = nexus('typegen', 'no/such/folder');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no/such/folder is not a folder');
  });
});

describe('nexus typegen on a valid app', () => {
  function goodApp(): string {
    const app = copy(BAD_APP);
    for (const bad of ['unknown_type', 'wrong_default', 'min_above_max']) rmSync(path.join(app, 'plugins', bad), { recursive: true });
    return app;
  }

  it('is deterministic: a second run changes nothing', () => {
    const app = goodApp();
    expect(nexus('typegen', app).code).toBe(0);
    const file = generated(app, 'good_plugin');
    const [content, mtime] = [readFileSync(file, 'utf8'), statSync(file).mtimeMs];
    const again = nexus('typegen', app);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^· good_plugin +unchanged +plugins\/good_plugin\/nexus\.generated\.ts$/m);
    expect(readFileSync(file, 'utf8')).toBe(content);
    expect(statSync(file).mtimeMs).toBe(mtime);
  });

  it('--check exits 0 when fresh, 1 naming each stale or missing file, and writes nothing', () => {
    const app = goodApp();
    const file = generated(app, 'good_plugin');
    const missing = nexus('typegen', app, '--check');
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('plugins/good_plugin/nexus.generated.ts is missing');
    expect(existsSync(file)).toBe(false);

    expect(nexus('typegen', app).code).toBe(0);
    const fresh = nexus('typegen', app, '--check');
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toMatch(/^✓ good_plugin +fresh/m);

    const manifestFile = path.join(app, 'plugins/good_plugin/manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    manifest.configuration.retries = { type: 'integer', default: 3 };
    writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
    const before = readFileSync(file, 'utf8');
    const stale = nexus('typegen', app, '--check');
    expect(stale.code).toBe(1);
    expect(stale.stdout).toMatch(/^✗ good_plugin +stale +plugins\/good_plugin\/nexus\.generated\.ts$/m);
    expect(stale.stdout).toContain('plugins/good_plugin/nexus.generated.ts is out of date');
    expect(readFileSync(file, 'utf8')).toBe(before);

    expect(nexus('typegen', app).stdout).toMatch(/^✓ good_plugin +written/m);
    expect(readFileSync(file, 'utf8')).toContain('  retries: number;');
  });

  it('--check fails on a plugin with an invalid manifest', () => {
    const app = copy(BAD_APP);
    const run = nexus('typegen', app, '--check');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^✗ wrong_default +failed$/m);
  });

  it('accepts a single plugin folder and a folder of plugins (e.g. templates/)', () => {
    const app = goodApp();
    const single = nexus('typegen', path.join(app, 'plugins/good_plugin'));
    expect(single.code).toBe(0);
    expect(existsSync(generated(app, 'good_plugin'))).toBe(true);
    unlinkSync(generated(app, 'good_plugin'));
    mkdirSync(path.join(app, 'templates'));
    cpSync(path.join(app, 'plugins/good_plugin'), path.join(app, 'templates/starter'), { recursive: true });
    const folder = nexus('typegen', path.join(app, 'templates'));
    expect(folder.code).toBe(0);
    expect(folder.stdout).toMatch(/^✓ good_plugin +written +.*templates\/starter\/nexus\.generated\.ts$/m);
    expect(existsSync(generated(app, 'good_plugin'))).toBe(false);
  });
});

describe('checked-in generated files (the CI check)', () => {
  it('the playground is up to date', () => {
    const run = nexus('typegen', 'playground', '--check');
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/: 3 fresh, 0 stale, 0 missing, 0 failed$/m);
  });

  it('the templates are up to date', () => {
    const run = nexus('typegen', 'templates', '--check');
    expect(run.code, run.stdout).toBe(0);
  });
});
