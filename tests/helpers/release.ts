/**
 * What a user gets: the four packages packed (`npm pack`, which builds each through `prepack`),
 * served by a throwaway registry for the `@nexus` scope, and installed into folders outside this
 * repository. Third-party packages come from the real registry (or npm's cache).
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { cleanEnv } from './cli.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');

/** Build order: each package's declarations are compiled against the ones packed before it. */
export const PACKAGES = [
  { name: '@nexus/core', dir: 'packages/core' },
  { name: '@nexus/testing', dir: 'packages/testing' },
  { name: '@nexus/cli', dir: 'packages/cli' },
  { name: 'create-nexus-plugin', dir: 'packages/create-nexus-plugin' },
] as const;

/** One packed package. */
export interface Packed {
  name: string;
  version: string;
  /** Absolute path of the .tgz. */
  file: string;
  /** Tarball size in bytes. */
  size: number;
  unpackedSize: number;
  integrity: string;
  shasum: string;
  files: number;
  manifest: Record<string, unknown>;
}

/** Result of a finished command. */
export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A clean environment for child processes (see `cleanEnv`), without npm's variables either. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = cleanEnv(extra);
  for (const key of Object.keys(env)) if (key.startsWith('npm_')) delete env[key];
  // The node running the tests comes first, so `npm`, `npx` and the bins' `#!/usr/bin/env node` use it.
  env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${env.PATH ?? ''}`;
  return env;
}

/** Run `command args` in `cwd` to completion (a shell is never involved). */
export function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = childEnv()): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `npm pack` each package into `outDir`, in build order; throws with npm's output when one fails. */
export async function packPackages(outDir: string): Promise<Packed[]> {
  mkdirSync(outDir, { recursive: true });
  const packed: Packed[] = [];
  for (const pkg of PACKAGES) {
    const result = await run('npm', ['pack', '--json', '--pack-destination', outDir], path.join(ROOT, pkg.dir));
    if (result.code !== 0) throw new Error(`npm pack ${pkg.name} failed (exit ${result.code})\n${result.stdout}\n${result.stderr}`);
    // prepack scripts print to stdout too: the JSON report is the last thing written.
    const json = result.stdout.slice(result.stdout.lastIndexOf('\n[') + 1);
    const [info] = JSON.parse(json) as { filename: string; size: number; unpackedSize: number; integrity: string; shasum: string; files: unknown[] }[];
    const manifest = JSON.parse(readFileSync(path.join(ROOT, pkg.dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    packed.push({
      name: pkg.name,
      version: String(manifest.version),
      file: path.join(outDir, info!.filename),
      size: info!.size,
      unpackedSize: info!.unpackedSize,
      integrity: info!.integrity,
      shasum: info!.shasum,
      files: info!.files.length,
      manifest,
    });
  }
  return packed;
}

/** A registry on 127.0.0.1 that serves the packed packages (and answers 404 for anything else). */
export interface LocalRegistry {
  url: string;
  close(): Promise<void>;
}

/** Serve `packed` the way the npm registry does: a packument per name, the tarballs under /-/. */
export async function startRegistry(packed: readonly Packed[]): Promise<LocalRegistry> {
  let base = '';
  const server = createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    const tarball = packed.find((p) => url === `/-/${path.basename(p.file)}`);
    if (tarball) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(readFileSync(tarball.file));
      return;
    }
    const pkg = packed.find((p) => url === `/${p.name}`);
    if (!pkg) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'not found' }));
      return;
    }
    const version = { ...pkg.manifest, _id: `${pkg.name}@${pkg.version}`, dist: { tarball: `${base}/-/${path.basename(pkg.file)}`, integrity: pkg.integrity, shasum: pkg.shasum } };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ name: pkg.name, 'dist-tags': { latest: pkg.version }, versions: { [pkg.version]: version } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: base, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Point the `@nexus` scope of the project in `dir` at `registry` (what a user does for a private registry). */
export function useRegistry(dir: string, registry: LocalRegistry): void {
  writeFileSync(path.join(dir, '.npmrc'), `@nexus:registry=${registry.url}/\n`);
}

/**
 * `npm install` in `dir`. Install scripts are skipped and better-sqlite3's addon is copied from
 * this repository's install (same version, same Node) instead of compiled again: compiling it
 * takes a minute and is not what this checks.
 */
export async function npmInstall(dir: string, args: readonly string[] = []): Promise<Run> {
  const result = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', ...args], dir);
  const addon = path.join(dir, 'node_modules/better-sqlite3');
  if (result.code === 0 && existsSync(addon) && !existsSync(path.join(addon, 'build'))) {
    cpSync(path.join(ROOT, 'node_modules/better-sqlite3/build'), path.join(addon, 'build'), { recursive: true });
  }
  return result;
}

/** Bytes used by the files under `dir` (symlinks not followed). */
export async function folderSize(dir: string): Promise<number> {
  const result = await run('du', ['-sb', dir], dir);
  return Number(result.stdout.split(/\s/)[0]);
}
