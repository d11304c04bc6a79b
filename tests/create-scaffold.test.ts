/**
 * `create-nexus-plugin` as users run it: the real bin as a child process (no terminal, so no
 * questions), for every template, then what it wrote is tested, type-checked and run:
 *
 * - in an app of this repository (a temp app inside the repo, so @nexus/* resolve through the
 *   workspace): the plugin's own tests with Vitest, tsc with the plugin's own compiler options,
 *   `nexus typegen --check`, and the app started with createApp on port 0, serving each plugin;
 * - on its own (outside the repo): the next steps it prints and the packages its package.json asks
 *   for (versions this repository has). Running a lone plugin's tests, tsc and `nexus dev` after a
 *   real `npm install` is tests/release.test.ts's job, against the packed packages.
 *
 * Then the command's edges: --help, a non-empty folder with and without --force, bad names, and
 * (where `script` can give it a terminal) the interactive prompts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp, createMemorySink } from '@nexus/core/host';
import semver from 'semver';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run, type Run } from './helpers/release.ts';

// Every step starts node processes (tsx, Vitest, tsc): allow for a busy machine.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 60_000 });

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'packages/create-nexus-plugin/bin/create-nexus-plugin.js');
const NEXUS = path.join(ROOT, 'packages/cli/bin/nexus.js');
const VITEST = path.join(ROOT, 'node_modules/vitest/vitest.mjs');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const TEMPLATES = ['basic', 'api', 'events', 'full'] as const;

/** Child processes get a clean environment: no colors, nothing of the Vitest run around them. */
const ENV = Object.fromEntries(
  Object.entries({ ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined }).filter(([key, value]) => value !== undefined && !key.startsWith('VITEST')),
) as NodeJS.ProcessEnv;

/** `node <args>` in `cwd` with that environment, to completion. */
const exec = (args: string[], cwd: string): Promise<Run> => run(process.execPath, args, cwd, ENV);

/** `npx create-nexus-plugin ...args` in `cwd`, without a terminal. */
const create = (cwd: string, ...args: string[]) => exec([BIN, ...args], cwd);
/**
 * The plugin's own tests, with its own vitest.config.ts, plus the export condition that resolves
 * the @nexus packages of this repository to their sources (tests/release.test.ts runs them against
 * the packed packages, as users get them).
 */
function vitest(pluginDir: string): Promise<Run> {
  const config = path.join(pluginDir, 'vitest.repo.config.ts');
  writeFileSync(
    config,
    `import { mergeConfig } from 'vitest/config';\nimport { SOURCE_CONDITIONS } from ${JSON.stringify(path.join(ROOT, 'vitest.config.ts'))};\nimport own from './vitest.config.ts';\n` +
      `export default mergeConfig(own, { resolve: { conditions: SOURCE_CONDITIONS }, ssr: { resolve: { conditions: SOURCE_CONDITIONS } } });\n`,
  );
  return exec([VITEST, 'run', '--root', pluginDir, '--config', config], pluginDir);
}
/**
 * `tsc -p project` against this repository's sources. The templates' own exactOptionalPropertyTypes
 * and noUncheckedIndexedAccess are relaxed here because they would check the sources of @nexus/core
 * too; tests/release.test.ts checks the templates with every flag on against the published types.
 */
const tsc = (project: string) =>
  exec([TSC, '-p', project, '--customConditions', '@nexus/source', '--exactOptionalPropertyTypes', 'false', '--noUncheckedIndexedAccess', 'false'], path.dirname(project));
const typegenCheck = (dir: string) => exec([NEXUS, 'typegen', dir, '--check'], dir);
const output = (run: Run) => `${run.stdout}\n${run.stderr}`;
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

/** Temp folders inside the repo (ignored by git through their own .gitignore), removed at the end. */
const temps: string[] = [];
function tempDir(parent: string, prefix: string): string {
  const dir = mkdtempSync(path.join(parent, prefix));
  temps.push(dir);
  writeFileSync(path.join(dir, '.gitignore'), '*\n');
  return dir;
}
afterAll(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('in an app of this repository', () => {
  let app: string;
  const plugin = (template: string) => path.join(app, 'plugins', `${template}_plugin`);

  beforeAll(() => {
    // At the repo root, not under tests/: Vitest must never collect these plugins' tests as ours.
    app = path.join(tempDir(ROOT, '.tmp-create-'), 'app');
    mkdirSync(path.join(app, 'plugins'), { recursive: true });
    writeFileSync(path.join(app, 'nexus.config.json'), `${JSON.stringify({ port: 0 })}\n`);
  });

  it.each(TEMPLATES)('writes the %s template into plugins/ and says what to do next', async (template) => {
    const run = await create(app, `plugins/${template}_plugin`, '--template', template, '--author', 'Ada Lovelace');
    expect(run.code, output(run)).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(`✓ Created plugin ${template}_plugin (template ${template}) in plugins/${template}_plugin`);
    for (const file of ['manifest.json', 'src/plugin.ts', 'tests/plugin.test.ts', 'README.md', 'package.json', 'tsconfig.json', '.gitignore']) {
      expect(run.stdout).toMatch(new RegExp(`^  ${file.replace('.', '\\.')}$`, 'm'));
    }
    expect(run.stdout).toMatch(/^ {2}nexus\.generated\.ts +written by nexus typegen$/m);
    expect(run.stdout).toContain(`cd plugins/${template}_plugin`);
    expect(run.stdout).toContain('npx vitest run');
    expect(run.stdout).toContain('npx nexus typegen');
    expect(run.stdout).toMatch(/npx nexus dev \.\.\/\.\. +run the app with hot reload; then open http:\/\/127\.0\.0\.1:3000\/plugins\//);
    expect(run.stdout).not.toContain('npm install'); // the app has installed Nexus already

    const manifest = readJson(path.join(plugin(template), 'manifest.json'));
    expect(manifest).toMatchObject({ name: `${template}_plugin`, author: 'Ada Lovelace', title: `${template[0]!.toUpperCase()}${template.slice(1)} Plugin` });
    expect(existsSync(path.resolve(plugin(template), manifest.$schema))).toBe(true);
    expect(manifest.$schema).toMatch(/^(\.\.\/)+node_modules\/@nexus\/core\/schema\/manifest\.schema\.json$/);
  });

  it.each(TEMPLATES)('the %s plugin passes its own tests', async (template) => {
    const run = await vitest(plugin(template));
    expect(run.code, output(run)).toBe(0);
    expect(run.stdout).toMatch(/Test Files +1 passed \(1\)/);
  });

  it("type-checks with the plugins' own compiler options", async () => {
    // One program for the four (their tsconfig.json are identical, which create-templates.test.ts checks).
    const project = path.join(app, 'tsconfig.check.json');
    const include = ['src', 'tests', 'nexus.generated.ts', 'vitest.config.ts'].map((part) => `plugins/*/${part}`);
    writeFileSync(project, JSON.stringify({ extends: './plugins/basic_plugin/tsconfig.json', include }));
    const run = await tsc(project);
    expect(run.code, output(run)).toBe(0);
  });

  it('has fresh generated types', async () => {
    const run = await typegenCheck(app);
    expect(run.code, output(run)).toBe(0);
    expect(run.stdout).toMatch(/4 fresh, 0 stale, 0 missing, 0 failed/);
  });

  it('runs in a Nexus app: every plugin starts and serves its routes', async () => {
    const sink = createMemorySink();
    const nexus = await createApp({ appDir: app, port: 0, logSink: sink, catchPluginFaults: false });
    try {
      const url = await nexus.start();
      const call = async (method: string, route: string, body?: unknown) => {
        const res = await fetch(`${url}${route}`, {
          method,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test reads the body it expects
        const answer: any = res.status === 204 ? undefined : await res.json();
        return { status: res.status, body: answer };
      };
      const list = (await call('GET', '/plugins')).body.plugins as { name: string; state: string }[];
      expect(list.map((p) => [p.name, p.state]).sort()).toEqual(TEMPLATES.map((t) => [`${t}_plugin`, 'running']).sort());

      expect(await call('GET', '/plugins/basic_plugin/hello?name=Ada')).toEqual({ status: 200, body: { message: 'Hello, Ada!' } });

      const item = await call('POST', '/plugins/api_plugin/items', { title: 'Write the docs' });
      expect(item.status).toBe(201);
      expect((await call('GET', `/plugins/api_plugin/items/${item.body.id}`)).body).toMatchObject({ title: 'Write the docs', done: false });
      expect((await call('POST', '/plugins/api_plugin/items', { title: 7 })).status).toBe(400);

      expect((await call('POST', '/plugins/events_plugin/announce', { message: 'hello' })).status).toBe(202);
      expect((await call('GET', '/plugins/events_plugin/feed')).body.entries).toEqual([
        { type: 'events_plugin.announced', text: 'hello', at: expect.any(String) },
      ]);

      expect((await call('POST', '/plugins/full_plugin/tasks', { title: 'Ship it' })).status).toBe(201);
      const health = await call('GET', '/plugins/full_plugin/health');
      expect(health).toMatchObject({ status: 200, body: { healthy: true, components: { database: { status: 'healthy', tasks: 1 } } } });

      expect((await call('GET', '/health')).status).toBe(200);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain('tasks_created_total');
    } finally {
      await nexus.stop();
    }
    const problems = sink.records.filter((r) => r.level === 'error' || r.level === 'warn').map((r) => `${r.name}: ${r.message}`);
    expect(problems).toEqual([]);
  });
});

describe('on its own, outside any app', () => {
  let dir: string;
  const plugin = (template: string) => path.join(dir, `${template}_alone`);

  beforeAll(() => {
    dir = tempDir(os.tmpdir(), 'nexus-create-alone-');
  });

  it.each(TEMPLATES)('writes the %s template, with npm install in the next steps', async (template) => {
    const run = await create(dir, `${template}_alone`, '--template', template);
    expect(run.code, output(run)).toBe(0);
    expect(run.stdout).toContain(`cd ${template}_alone`);
    expect(run.stdout).toContain('npm install');
    expect(run.stdout).toMatch(/npx nexus dev +run it on its own with hot reload; then open http:\/\/127\.0\.0\.1:3000\/plugins\//);
    // No Nexus installed here yet: the generated types come from the template, renamed.
    expect(run.stdout).toMatch(/^ {2}nexus\.generated\.ts +generated from manifest\.json$/m);
    expect(readJson(path.join(plugin(template), 'manifest.json')).$schema).toBe('./node_modules/@nexus/core/schema/manifest.schema.json');
  });

  it('asks for packages that exist in versions that fit, and its $schema resolves once they are installed', () => {
    // Linked as `npm install` would give the published packages.
    for (const template of TEMPLATES) {
      const pkg = readJson(path.join(plugin(template), 'package.json')) as Record<string, Record<string, string>>;
      expect(pkg.peerDependencies).toEqual({ '@nexus/core': pkg.devDependencies!['@nexus/core'] });
      for (const [name, range] of Object.entries(pkg.devDependencies!)) {
        const installed = path.join(ROOT, 'node_modules', name);
        expect(semver.satisfies(readJson(path.join(installed, 'package.json')).version, range), `${name}@${range}`).toBe(true);
        const link = path.join(plugin(template), 'node_modules', name);
        mkdirSync(path.dirname(link), { recursive: true });
        symlinkSync(realpathSync(installed), link, 'dir');
      }
      expect(existsSync(path.join(plugin(template), readJson(path.join(plugin(template), 'manifest.json')).$schema))).toBe(true);
    }
  });
});

describe('the command', () => {
  let dir: string;

  beforeAll(() => {
    dir = tempDir(ROOT, '.tmp-create-');
  });

  it('--help lists the usage and every option', async () => {
    const run = await create(dir, '--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('$ create-nexus-plugin [dir]');
    for (const option of ['--name <name>', '--template <template>', 'basic | api | events | full', '--description', '--author', '--force', '--yes']) {
      expect(run.stdout).toContain(option);
    }
  });

  it('refuses a non-empty folder without --force, and touches nothing', async () => {
    mkdirSync(path.join(dir, 'busy'));
    writeFileSync(path.join(dir, 'busy', 'notes.txt'), 'keep me');
    const run = await create(dir, 'busy');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('✗ busy is not empty (notes.txt). Choose a new folder, or pass --force to remove its contents first (.git is kept)');
    expect(readFileSync(path.join(dir, 'busy', 'notes.txt'), 'utf8')).toBe('keep me');
    expect(existsSync(path.join(dir, 'busy', 'manifest.json'))).toBe(false);
  });

  it('with --force, empties the folder (keeping .git) and writes the plugin', async () => {
    mkdirSync(path.join(dir, 'busy', '.git'), { recursive: true });
    writeFileSync(path.join(dir, 'busy', '.git', 'HEAD'), 'ref: refs/heads/main\n');
    const run = await create(dir, 'busy', '--force', '--template', 'api');
    expect(run.code, output(run)).toBe(0);
    expect(run.stdout).toContain('removed what was there first (--force): notes.txt');
    expect(existsSync(path.join(dir, 'busy', 'notes.txt'))).toBe(false);
    expect(existsSync(path.join(dir, 'busy', '.git', 'HEAD'))).toBe(true);
    expect(readJson(path.join(dir, 'busy', 'manifest.json')).name).toBe('busy');
  });

  it('refuses a name that is not snake_case, saying how to fix it', async () => {
    const run = await create(dir, '--name', 'My-Plugin');
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      '✗ "My-Plugin" is not a valid plugin name: a plugin name is snake_case: lowercase letters, digits and underscores, starting with a letter, e.g. "my_plugin" (set it with --name)',
    );
    const fromFolder = await create(dir, '2fast');
    expect(fromFolder.code).toBe(1);
    expect(fromFolder.stderr).toContain('Cannot make a plugin name from the folder name "2fast"');
    expect(fromFolder.stderr).toContain('--name my_plugin');
    expect(existsSync(path.join(dir, 'My-Plugin')) || existsSync(path.join(dir, '2fast'))).toBe(false);
  });

  it('names the plugin after its folder when it can', async () => {
    const run = await create(dir, 'Hello-World', '--yes');
    expect(run.code, output(run)).toBe(0);
    expect(run.stdout).toContain('named after the folder "Hello-World"; pass --name to choose another');
    expect(readJson(path.join(dir, 'Hello-World', 'manifest.json')).name).toBe('hello_world');
  });

  it('refuses names that would clash, unknown templates, and missing names without a terminal', async () => {
    const clash = await create(dir, '--name', 'base');
    expect(clash.stderr).toContain('✗ The name "base" would make the identifier BasePlugin');
    const template = await create(dir, 'ok_name', '--template', 'fancy');
    expect(template.stderr).toContain('✗ Unknown template "fancy": choose one of basic, api, events, full');
    const nothing = await create(dir);
    expect(nothing.stderr).toContain('✗ No plugin folder or name given, and no terminal to ask in.');
    const usage = await create(dir, 'x', '--templat', 'api');
    expect(usage.stderr).toContain('✗ Unknown option `--templat`; see create-nexus-plugin --help');
    for (const run of [clash, template, nothing, usage]) expect(run.code).toBe(1);
    expect(existsSync(path.join(dir, 'base')) || existsSync(path.join(dir, 'ok_name'))).toBe(false);
  });

  it('in an app, puts the plugin in plugins/<name> and refuses a name another plugin has', async () => {
    const app = path.join(dir, 'app');
    mkdirSync(path.join(app, 'plugins'), { recursive: true });
    const first = await create(app, '--name', 'greeter', '--yes');
    expect(first.code, output(first)).toBe(0);
    expect(readJson(path.join(app, 'plugins/greeter/manifest.json')).name).toBe('greeter');
    const twin = await create(app, 'plugins/greeter_two', '--name', 'greeter');
    expect(twin.code).toBe(1);
    expect(twin.stderr).toContain('✗ The app already has a plugin named "greeter"');
  });

  const hasScript = process.platform === 'linux' && spawnSync('script', ['--version']).status === 0;

  it.skipIf(!hasScript)('in a terminal, asks for the name and the template', async () => {
    // `script` gives the command a pseudo-terminal; keys are typed once the prompt they answer shows.
    const command = `stty cols 120 rows 40; ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)}`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: dir, env: { ...ENV, TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] });
    const keys: [RegExp, string][] = [
      [/Plugin name/, 'tty_plugin\r'],
      [/↑\/↓ to navigate/, '\u001b[B'], // down: from basic to api
      [/● api/, '\r'],
    ];
    let screen = '';
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString().replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
      while (keys.length > 0 && keys[0]![0].test(screen)) child.stdin.write(keys.shift()![1]);
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, screen).toBe(0);
    expect(screen).toContain('create-nexus-plugin v');
    expect(screen).toContain('Created plugin tty_plugin (template api) in tty_plugin');
    expect(readJson(path.join(dir, 'tty_plugin', 'manifest.json'))).toMatchObject({ name: 'tty_plugin', api_endpoints: expect.arrayContaining([expect.objectContaining({ path: '/items' })]) });
  });
});
