/**
 * Type-level tests of `nexus typegen`: fixture plugins are generated in a temp folder and checked
 * with the real `tsc`. `src/*.ts` must compile; every line of `bad/*.ts` that ends with
 * `// expect TS<code>` must fail with that code, and no other line may fail.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const FIXTURES = path.join(ROOT, 'tests/typegen-fixtures/types/plugins');
const NEXUS = path.join(ROOT, 'packages/cli/bin/nexus.js');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const MARKER = /\/\/ expect (TS\d+)\s*$/;

interface Diagnostic {
  /** `plugins/<name>/<file>:<line>` */
  at: string;
  code: string;
  text: string;
}

let work: string;
let diagnostics: Diagnostic[];
let generalErrors: string[];

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'nexus-typegen-types-'));
  cpSync(FIXTURES, path.join(work, 'plugins'), { recursive: true });
  writeFileSync(path.join(work, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
  writeFileSync(path.join(work, 'tsconfig.json'), JSON.stringify({
    extends: path.join(ROOT, 'tsconfig.base.json'),
    compilerOptions: {
      paths: { '@nexus/core': [path.join(ROOT, 'packages/core/src/index.ts')] },
      typeRoots: [path.join(ROOT, 'node_modules/@types')],
    },
    include: ['plugins'],
  }, null, 2));

  const generate = spawnSync(process.execPath, [NEXUS, 'typegen', work], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  expect(generate.stderr).toBe('');
  expect(generate.status, generate.stdout).toBe(0);

  const tsc = spawnSync(process.execPath, [TSC, '-p', 'tsconfig.json', '--pretty', 'false'], { cwd: work, encoding: 'utf8' });
  diagnostics = [];
  generalErrors = [];
  for (const line of tsc.stdout.split('\n')) {
    const located = /^(.+)\((\d+),\d+\): error (TS\d+): (.*)$/.exec(line);
    if (located) {
      const file = path.relative(work, path.resolve(work, located[1]!)).split(path.sep).join('/');
      // Errors in @nexus/core's own sources belong to its tests, not to these.
      if (file.startsWith('plugins/')) diagnostics.push({ at: `${file}:${located[2]}`, code: located[3]!, text: located[4]! });
    } else if (/^error TS\d+/.test(line)) {
      generalErrors.push(line);
    }
  }
}, 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** `plugins/<plugin>/<sub>/<file>` of every fixture file in `sub`. */
function fixtureFiles(sub: string): string[] {
  return readdirSync(FIXTURES).flatMap((plugin) => {
    const dir = path.join(FIXTURES, plugin, sub);
    let files: string[] = [];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    } catch {
      // this plugin has no such folder
    }
    return files.map((f) => `plugins/${plugin}/${sub}/${f}`);
  });
}

/** `file:line TScode` for each line of a fixture marked `// expect TScode`. */
function expectedErrors(file: string): string[] {
  const lines = readFileSync(path.join(FIXTURES, file.replace(/^plugins\//, '')), 'utf8').split('\n');
  return lines.flatMap((line, index) => {
    const marked = MARKER.exec(line);
    return marked ? [`${file}:${index + 1} ${marked[1]}`] : [];
  });
}

function actualErrors(file: string): string[] {
  const found = diagnostics.filter((d) => d.at.startsWith(`${file}:`)).map((d) => `${d.at} ${d.code}`);
  return [...new Set(found)];
}

describe('generated types, checked by tsc', () => {
  it('runs tsc with a valid configuration', () => {
    expect(generalErrors).toEqual([]);
  });

  it('generated files compile', () => {
    expect(diagnostics.filter((d) => d.at.includes('/nexus.generated.ts:'))).toEqual([]);
  });

  it.each(fixtureFiles('src'))('%s (correct use) compiles', (file) => {
    expect(diagnostics.filter((d) => d.at.startsWith(`${file}:`))).toEqual([]);
  });

  const bad = fixtureFiles('bad');
  it('has fixtures that must not compile', () => {
    expect(bad).toEqual([
      'plugins/bare_fixture/bad/nothing-declared.ts',
      'plugins/typed_fixture/bad/config-keys.ts',
      'plugins/typed_fixture/bad/config-values.ts',
      'plugins/typed_fixture/bad/events.ts',
      'plugins/typed_fixture/bad/optional.ts',
    ]);
  });

  it.each(bad)('%s fails exactly on its marked lines', (file) => {
    const expected = expectedErrors(file);
    expect(expected.length).toBeGreaterThan(0);
    expect(actualErrors(file)).toEqual(expected);
  });

  it('names the problem in words a plugin author understands', () => {
    const text = (at: string) => diagnostics.find((d) => d.at === at)?.text;
    expect(text('plugins/typed_fixture/bad/config-keys.ts:8')).toContain('"no_such_key"');
    expect(text('plugins/typed_fixture/bad/events.ts:9')).toContain(`'"other_plugin.done"' is not assignable to parameter of type 'TypedFixturePublishes'`);
    expect(text('plugins/typed_fixture/bad/optional.ts:8')).toContain(`'number | undefined' is not assignable to type 'number'`);
  });
});
