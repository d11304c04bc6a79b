/**
 * Nexus as users install it, for benches: the four packages packed (built by prepack), served by
 * a local registry and installed into `dir` (outside the repository), as tests/release.test.ts
 * does. Returns the installed `nexus` bin.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { folderSize, npmInstall, packPackages, startRegistry, useRegistry } from '../../tests/helpers/release.ts';

export interface Installed {
  /** The installed bin/nexus.js (run it with node). */
  nexus: string;
  /** Bytes of each tarball, by package name. */
  tarballs: Record<string, number>;
  /** Bytes of the production install's node_modules, and of its biggest packages. */
  size: { total: number; biggest: [string, number][] };
}

/** Pack and install @nexus/core and @nexus/cli into `dir` (a production install: no dev dependencies). */
export async function installNexus(dir: string): Promise<Installed> {
  const packed = await packPackages(path.join(dir, 'tarballs'));
  const registry = await startRegistry(packed);
  try {
    const app = path.join(dir, 'install');
    mkdirSync(app, { recursive: true });
    useRegistry(app, registry);
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'bench-app', private: true, type: 'module', dependencies: { '@nexus/cli': '^0.1.0', '@nexus/core': '^0.1.0' } }));
    const result = await npmInstall(app, ['--omit=dev']);
    if (result.code !== 0) throw new Error(`npm install failed\n${result.stdout}\n${result.stderr}`);
    return {
      nexus: path.join(app, 'node_modules/@nexus/cli/bin/nexus.js'),
      tarballs: Object.fromEntries(packed.map((p) => [p.name, p.size])),
      size: await installSize(path.join(app, 'node_modules')),
    };
  } finally {
    await registry.close();
  }
}

async function installSize(modules: string): Promise<Installed['size']> {
  const packages = readdirSync(modules).filter((name) => !name.startsWith('.')).flatMap((name) =>
    name.startsWith('@') ? readdirSync(path.join(modules, name)).map((sub) => `${name}/${sub}`) : [name],
  );
  const sizes = await Promise.all(packages.map(async (name) => [name, await folderSize(path.join(modules, name))] as [string, number]));
  return { total: await folderSize(modules), biggest: sizes.sort((a, b) => b[1] - a[1]).slice(0, 8) };
}
