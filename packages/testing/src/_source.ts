// Private: find a plugin's manifest (and folder) from what a test passed.
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NexusError, type PluginManifest } from '@nexus/core';
import { loadManifest, validateManifest } from '@nexus/core/host';

/** A plugin's manifest, its folder and how both are shown in messages. */
export interface PluginSource {
  manifest: PluginManifest;
  /** Absolute plugin folder; a folder that does not exist when only a manifest object was given. */
  dir: string;
  /** The folder as shown in messages, e.g. `plugins/my_plugin`. */
  displayDir: string;
  /** True when `dir` is the plugin's real folder (config/*.yaml and the entry module live there). */
  hasDir: boolean;
  warnings: string[];
}

/** A manifest object, or the path (or file URL) of a plugin folder or of its manifest.json. */
export type ManifestInput = PluginManifest | string | URL;

/** Read and validate the manifest; invalid manifests throw NEXUS_MANIFEST_INVALID with every problem. */
export async function readPluginSource(input: ManifestInput): Promise<PluginSource> {
  if (typeof input === 'object' && !(input instanceof URL)) {
    const displayDir = `plugins/${String(input.name)}`;
    const check = validateManifest(input, `${displayDir}/manifest.json`);
    const dir = path.join(tmpdir(), `nexus-testing-${randomUUID()}`);
    return { ...checked(check, String(input.name)), dir, displayDir, hasDir: false };
  }
  let dir = path.resolve(input instanceof URL ? fileURLToPath(input) : input);
  if (path.basename(dir) === 'manifest.json') dir = path.dirname(dir);
  const displayDir = path.relative(process.cwd(), dir).split(path.sep).join('/') || '.';
  const check = await loadManifest(dir, `${displayDir}/manifest.json`);
  return { ...checked(check, path.basename(dir)), dir, displayDir, hasDir: true };
}

function checked(check: ReturnType<typeof validateManifest>, name: string): { manifest: PluginManifest; warnings: string[] } {
  if (check.manifest) return { manifest: check.manifest, warnings: check.warnings };
  throw new NexusError('NEXUS_MANIFEST_INVALID', check.errors.join('\n'), { plugin: name, problems: check.errors });
}
