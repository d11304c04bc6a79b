import semver from 'semver';
import type { PluginManifest } from './types.ts';

/** The versions a manifest's `nexus_version` and `node_version` are checked against. */
export interface RuntimeVersions {
  /** Version of @nexus/core, e.g. "0.1.0". */
  coreVersion: string;
  /** Version of the running Node.js, e.g. process.version ("v20.19.0"). */
  nodeVersion: string;
}

/** Problems with running this plugin here: `nexus_version` vs @nexus/core, `node_version` vs Node.js. */
export function checkCompatibility(manifest: PluginManifest, file: string, versions: RuntimeVersions): string[] {
  const problems: string[] = [];
  const nexus = mismatch(manifest.nexus_version, versions.coreVersion);
  if (nexus) {
    problems.push(
      `${file}: /nexus_version: requires @nexus/core ${nexus}, but this is @nexus/core ${versions.coreVersion} — ` +
        'upgrade @nexus/core or widen nexus_version',
    );
  }
  const node = mismatch(manifest.node_version, versions.nodeVersion);
  if (node) {
    problems.push(
      `${file}: /node_version: requires Node.js ${node}, but this is Node.js ${semver.clean(versions.nodeVersion) ?? versions.nodeVersion} — ` +
        'switch Node.js version or widen node_version',
    );
  }
  return problems;
}

/** The quoted range when `version` does not satisfy it; invalid ranges are left to manifest validation. */
function mismatch(range: string | undefined, version: string): string | undefined {
  if (range === undefined || semver.validRange(range) === null) return undefined;
  return semver.satisfies(version, range, { includePrerelease: true }) ? undefined : JSON.stringify(range);
}

/** Splits a dependency spec, `"name"` or `"name@range"`, into its parts (`range` is "" for `"name@"`). */
export function parseDependency(spec: string): { name: string; range?: string } {
  const at = spec.indexOf('@');
  if (at === -1) return { name: spec.trim() };
  return { name: spec.slice(0, at).trim(), range: spec.slice(at + 1).trim() };
}
