/**
 * Every TypeScript block in the READMEs compiles. A block that imports `../nexus.generated.ts` is
 * a plugin's `src/plugin.ts`: it gets the manifest of the last JSON block with a "name" before it
 * in the same README, and the types `nexus typegen` writes for that manifest. Other blocks are
 * modules of their own. A block that imports `../src/plugin.ts` is a test of the playground plugin
 * the README last named as `plugins/<name>/`, compiled in a copy of that plugin. JSON blocks must parse.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generatePluginTypes } from '../packages/cli/src/typegen/index.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const READMES = ['README.md', 'packages/core/README.md', 'packages/cli/README.md', 'packages/testing/README.md', 'packages/create-nexus-plugin/README.md'];
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');

interface Block {
  lang: string;
  code: string;
  line: number;
}

function blocks(file: string): Block[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const found: Block[] = [];
  const fence = /^```(\w*)\n([\s\S]*?)^```$/gm;
  for (let match = fence.exec(text); match; match = fence.exec(text)) {
    found.push({ lang: match[1]!, code: match[2]!, line: text.slice(0, match.index).split('\n').length });
  }
  return found;
}

// Inside the repository (ignored by git through its own .gitignore), so @nexus/* resolve to the workspace.
const work = mkdtempSync(path.join(ROOT, '.tmp-readme-'));
writeFileSync(path.join(work, '.gitignore'), '*\n');
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('README code', () => {
  it('every JSON block parses', () => {
    for (const file of READMES) {
      for (const block of blocks(file).filter((b) => b.lang === 'json')) {
        expect(() => JSON.parse(block.code), `${file}:${block.line}`).not.toThrow();
      }
    }
  });

  it('every TypeScript block compiles', async () => {
    const files: string[] = [];
    for (const file of READMES) {
      let manifest: { name: string } | undefined;
      const text = readFileSync(path.join(ROOT, file), 'utf8').split('\n');
      let named: string | undefined;
      for (const block of blocks(file)) {
        const before = text.slice(0, block.line).join('\n');
        named = [...before.matchAll(/`plugins\/(\w+)\//g)].pop()?.[1] ?? named;
        const id = `${file.replace(/[/.]/g, '_')}_${block.line}`;
        if (block.lang === 'json') {
          const parsed = JSON.parse(block.code) as { name?: unknown; version?: unknown };
          if (typeof parsed.name === 'string' && typeof parsed.version === 'string') manifest = parsed as { name: string };
          continue;
        }
        if (block.lang !== 'ts') continue;
        if (block.code.includes("'../src/plugin.ts'")) {
          expect(named, `${file}:${block.line} tests a plugin, but no plugins/<name>/ is named before it`).toBeDefined();
          const dir = path.join(work, id, 'plugins', named!);
          for (const part of ['manifest.json', 'src', 'nexus.generated.ts']) cpSync(path.join(ROOT, 'playground/plugins', named!, part), path.join(dir, part), { recursive: true });
          mkdirSync(path.join(dir, 'tests'));
          writeFileSync(path.join(dir, 'tests/readme.test.ts'), block.code);
          files.push(path.join(dir, 'tests/readme.test.ts'));
        } else if (block.code.includes('../nexus.generated.ts')) {
          expect(manifest, `${file}:${block.line} is a plugin, but no manifest block comes before it`).toBeDefined();
          const dir = path.join(work, id, 'plugins', manifest!.name);
          mkdirSync(path.join(dir, 'src'), { recursive: true });
          writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
          await generatePluginTypes({ dir, displayDir: `plugins/${manifest!.name}`, manifest: manifest as never });
          writeFileSync(path.join(dir, 'src/plugin.ts'), block.code);
          files.push(path.join(dir, 'src/plugin.ts'));
        } else {
          const target = path.join(work, `${id}.ts`);
          writeFileSync(target, `${block.code}\nexport {};\n`);
          files.push(target);
        }
      }
    }
    expect(files.length).toBeGreaterThanOrEqual(5);
    writeFileSync(path.join(work, 'tsconfig.json'), JSON.stringify({ extends: '../tsconfig.base.json', files }));
    const result = spawnSync(process.execPath, [TSC, '-p', path.join(work, 'tsconfig.json'), '--pretty', 'false'], { cwd: work, encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  }, 120_000);
});
