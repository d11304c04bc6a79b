/**
 * Release rehearsal: the four packages as users get them. Packed with `npm pack` (which builds
 * them), served by a local registry for the `@nexus` scope, installed into folders outside this
 * repository, then used the way the READMEs and the scaffolder say: plain Node imports
 * @nexus/core, every template is scaffolded, tested and type-checked with the strictest flags, an
 * app written outside the repository runs under `nexus start` and `nexus dev` (a swap included),
 * and a plugin runs on its own.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { childEnv, folderSize, npmInstall, packPackages, run, startRegistry, useRegistry, type LocalRegistry, type Packed, type Run } from './helpers/release.ts';

// Packing builds four packages and installing pulls a few hundred modules: allow for a busy machine.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 480_000 });

const TEMPLATES = ['basic', 'api', 'events', 'full'] as const;
const STRICTEST = { strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, noImplicitReturns: true, skipLibCheck: false };
const output = (result: Run) => `${result.stdout}\n${result.stderr}`;

let work: string;
let packed: Packed[];
let registry: LocalRegistry;
let app: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'nexus-release-'));
  packed = await packPackages(path.join(work, 'tarballs'));
  registry = await startRegistry(packed);
  app = path.join(work, 'app');
  mkdirSync(path.join(app, 'plugins'), { recursive: true });
  useRegistry(app, registry);
  const creator = packed.find((p) => p.name === 'create-nexus-plugin')!;
  writeFileSync(
    path.join(app, 'package.json'),
    JSON.stringify(
      {
        name: 'rehearsal-app',
        private: true,
        type: 'module',
        scripts: { start: 'nexus start', dev: 'nexus dev', test: 'vitest run' },
        dependencies: { '@nexus/cli': '^0.1.0', '@nexus/core': '^0.1.0' },
        devDependencies: {
          '@nexus/testing': '^0.1.0',
          '@types/node': '^20.19.0',
          'create-nexus-plugin': `file:${creator.file}`,
          typescript: '~5.9.3',
          vitest: '^4.1.0',
        },
      },
      null,
      2,
    ),
  );
  const install = await npmInstall(app);
  if (install.code !== 0) throw new Error(`npm install failed\n${output(install)}`);
});

afterAll(async () => {
  await registry?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed packages', () => {
  it('hold built JavaScript and declarations, and report their sizes', () => {
    for (const pkg of packed) {
      const exportsMap = pkg.manifest.exports as Record<string, Record<string, string> | string>;
      const main = exportsMap['.'] as Record<string, string>;
      expect(main.default, pkg.name).toMatch(/^\.\/dist\/.+\.js$/);
      expect(main.types, pkg.name).toMatch(/^\.\/dist\/.+\.d\.ts$/);
      console.log(`${pkg.name}: ${(pkg.size / 1024).toFixed(1)} kB packed, ${(pkg.unpackedSize / 1024).toFixed(1)} kB unpacked, ${pkg.files} files`);
    }
  });

  it('plain node imports @nexus/core and @nexus/core/host (no TypeScript loader)', async () => {
    const script = "Promise.all([import('@nexus/core'), import('@nexus/core/host')]).then(([core, host]) => console.log(typeof core.BasePlugin, core.NEXUS_VERSION, typeof host.createApp))";
    const result = await run(process.execPath, ['-e', script], app);
    expect(result.code, output(result)).toBe(0);
    expect(result.stdout.trim()).toBe('function 0.1.0 function');
  });

  it('nexus --version and validate run the built JavaScript', async () => {
    const version = await run('npx', ['nexus', '--version'], app);
    expect(version.code, output(version)).toBe(0);
    expect(version.stdout).toContain('nexus/0.1.0');
    const validate = await run('npx', ['nexus', 'validate'], app);
    expect(validate.code, output(validate)).toBe(0);
  });

  it('report the installed size of an app', async () => {
    const size = await folderSize(path.join(app, 'node_modules'));
    console.log(`app node_modules (core, cli, testing, vitest, typescript): ${(size / 1024 / 1024).toFixed(1)} MB`);
    expect(size).toBeGreaterThan(0);
  });
});

describe('scaffolded into an app outside the repository', () => {
  const plugin = (template: string) => path.join(app, 'plugins', `${template}_plugin`);

  it.concurrent.each(TEMPLATES)('the %s template is written, and its printed next steps work', async (template) => {
    const created = await run('npx', ['create-nexus-plugin', `plugins/${template}_plugin`, '--template', template], app);
    expect(created.code, output(created)).toBe(0);
    expect(created.stdout).toMatch(/^ {2}nexus\.generated\.ts +written by nexus typegen$/m);
    const steps = nextSteps(created.stdout);
    expect(steps).toEqual([`cd plugins/${template}_plugin`, 'npx vitest run', 'npx nexus typegen', 'npx nexus dev ../..']);
    const tests = await run('npx', ['vitest', 'run'], plugin(template));
    expect(tests.code, output(tests)).toBe(0);
    expect(tests.stdout).toMatch(/Test Files +1 passed \(1\)/);
    const typegen = await run('npx', ['nexus', 'typegen'], plugin(template));
    expect(typegen.code, output(typegen)).toBe(0);
  });

  it('every template type-checks with strict, noUncheckedIndexedAccess, exactOptionalPropertyTypes, noImplicitReturns and no skipLibCheck', async () => {
    for (const template of TEMPLATES) {
      const own = JSON.parse(readFileSync(path.join(plugin(template), 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };
      expect(own.compilerOptions).toMatchObject({ strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, noImplicitReturns: true });
    }
    const project = path.join(app, 'tsconfig.strictest.json');
    const include = ['src', 'tests', 'nexus.generated.ts', 'vitest.config.ts'].map((part) => `plugins/*/${part}`);
    writeFileSync(project, JSON.stringify({ extends: './plugins/basic_plugin/tsconfig.json', compilerOptions: STRICTEST, include }));
    const result = await run('npx', ['tsc', '-p', project], app);
    expect(result.code, output(result)).toBe(0);
  });
});

describe('an app of plugins written outside the repository', () => {
  let hello: string;

  beforeAll(() => {
    hello = path.join(app, 'plugins', 'hello');
    mkdirSync(path.join(hello, 'src'), { recursive: true });
    writeFileSync(
      path.join(hello, 'manifest.json'),
      JSON.stringify({ name: 'hello', version: '1.0.0', nexus_version: '^0.1.0', configuration: { greeting: { type: 'string', default: 'hello' } } }, null, 2),
    );
    writeGreeting(hello, 'hello');
  });

  it('runs under nexus start', async () => {
    const server = startServer(app, ['start', '--port', '0']);
    try {
      const url = await server.url;
      expect(await (await fetch(`${url}/plugins/hello/greet`)).json()).toEqual({ greeting: 'hello', version: 'hello' });
      expect((await fetch(`${url}/health`)).status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('runs under nexus dev and swaps an edited plugin in place', async () => {
    const server = startServer(app, ['dev', '--port', '0']);
    try {
      const url = await server.url;
      expect(await (await fetch(`${url}/plugins/hello/greet`)).json()).toMatchObject({ version: 'hello' });
      const swapped = server.waitFor(/↻ hello/);
      writeGreeting(hello, 'bonjour');
      await swapped;
      expect(await (await fetch(`${url}/plugins/hello/greet`)).json()).toMatchObject({ version: 'bonjour' });
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

describe('a plugin on its own, outside any app', () => {
  let solo: string;

  beforeAll(async () => {
    solo = path.join(work, 'solo_plugin');
    const created = await run(path.join(app, 'node_modules/.bin/create-nexus-plugin'), [solo, '--template', 'api'], work);
    if (created.code !== 0) throw new Error(output(created));
    expect(nextSteps(created.stdout)).toEqual(['cd solo_plugin', 'npm install', 'npx vitest run', 'npx nexus typegen', 'npx nexus dev']);
    useRegistry(solo, registry);
    const install = await npmInstall(solo);
    if (install.code !== 0) throw new Error(`npm install in the plugin failed\n${output(install)}`);
  });

  it('passes its own tests and strict type-check', async () => {
    const tests = await run('npx', ['vitest', 'run'], solo);
    expect(tests.code, output(tests)).toBe(0);
    const types = await run('npx', ['tsc', '--noEmit', '--skipLibCheck', 'false'], solo);
    expect(types.code, output(types)).toBe(0);
  });

  it('npx nexus dev in the plugin folder serves its routes', async () => {
    const server = startServer(solo, ['dev', '--port', '0']);
    try {
      const url = await server.url;
      const created = await fetch(`${url}/plugins/solo_plugin/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'first' }) });
      expect(created.status).toBe(201);
      expect(await (await fetch(`${url}/plugins/solo_plugin/items`)).json()).toMatchObject({ total: 1 });
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

/** The commands under "Next steps:" in the scaffolder's output. */
function nextSteps(stdout: string): string[] {
  const lines = stdout.slice(stdout.indexOf('Next steps:')).split('\n').slice(1);
  return lines.map((line) => line.trim()).filter(Boolean).map((line) => line.split(/ {3,}/)[0]!);
}

function writeGreeting(dir: string, version: string): void {
  writeFileSync(
    path.join(dir, 'src/plugin.ts'),
    `import { BasePlugin, type Router } from '@nexus/core';

export default class Hello extends BasePlugin {
  override routes(router: Router): void {
    router.get('/greet', (ctx) => {
      ctx.body = { greeting: this.getConfig('greeting'), version: ${JSON.stringify(version)} };
    });
  }
}
`,
  );
}

/**
 * The project's own `nexus` bin as a server (not through npx, so SIGTERM reaches nexus, as the
 * README advises for process managers): `url` resolves from the banner; `stop()` sends SIGTERM and
 * resolves the exit code.
 */
function startServer(project: string, args: string[]) {
  const child = spawn(path.join(project, 'node_modules/.bin/nexus'), args, { cwd: project, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let seen = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const onData = (chunk: Buffer) => {
    seen += chunk.toString();
    for (const waiter of waiters.splice(0)) {
      if (waiter.pattern.test(seen)) waiter.resolve();
      else waiters.push(waiter);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const waitFor = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      if (pattern.test(seen)) return resolve();
      waiters.push({ pattern, resolve });
      void exited.then((code) => reject(new Error(`exited ${code} before ${pattern}\n${seen}`)));
    });
  const url = waitFor(/http:\/\/127\.0\.0\.1:\d+/).then(() => /http:\/\/127\.0\.0\.1:\d+/.exec(seen)![0]);
  return {
    url,
    waitFor,
    output: () => seen,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
