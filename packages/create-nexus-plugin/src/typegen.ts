// When the app already has @nexus/cli, let its `nexus typegen` write nexus.generated.ts, so the file
// is exactly what that version generates (and what `nexus typegen --check` expects). Otherwise the
// template's own generated file, renamed, stays: it is the same output for the template's version.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Path of the `nexus` bin installed where `pluginDir` resolves packages, if any. */
export function findNexusBin(pluginDir: string): string | undefined {
  try {
    const require = createRequire(path.join(pluginDir, 'package.json'));
    const pkgFile = require.resolve('@nexus/cli/package.json');
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { bin?: string | Record<string, string> };
    const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.nexus;
    return bin ? path.resolve(path.dirname(pkgFile), bin) : undefined;
  } catch {
    return undefined;
  }
}

/** Run `nexus typegen <pluginDir>`; resolves to its output when it failed, undefined when it worked. */
export function runTypegen(bin: string, pluginDir: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'typegen', pluginDir], {
      cwd: pluginDir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => resolve(error.message));
    child.on('close', (code) => resolve(code === 0 ? undefined : output.trim() || `exited with code ${code}`));
  });
}
