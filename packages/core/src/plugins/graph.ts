import path from 'node:path';
import semver from 'semver';
import { defaultManifestFile } from '../manifest/load.ts';
import type { PluginManifest } from '../manifest/types.ts';
import { parseDependency } from '../manifest/compat.ts';

/** Result of ordering plugins by their dependencies. */
export interface DependencyPlan {
  /** Plugins that can start, dependencies first. */
  order: string[];
  /** Plugins that cannot start, with the reason (missing, mismatched or cyclic dependencies). */
  blocked: Map<string, string>;
}

/**
 * Order plugins so each starts after its dependencies. A missing or mismatched dependency, or a
 * cycle, blocks only the plugins involved (and those that need them); the rest still start.
 * Reasons name each plugin's manifest as `manifestFile` gives it.
 */
export function planDependencies(
  manifests: ReadonlyMap<string, PluginManifest>,
  manifestFile: (plugin: string) => string = defaultManifestFile,
): DependencyPlan {
  const blocked = new Map<string, string>();
  for (const [name, manifest] of manifests) {
    const problem = dependencyProblem(name, manifest, manifests, manifestFile(name));
    if (problem) blocked.set(name, problem);
  }
  for (const cycle of findCycles(manifests)) {
    for (const name of cycle) {
      blocked.set(name, `dependency cycle: ${[...cycle, cycle[0]].join(' → ')}; remove one of these "dependencies"`);
    }
  }
  const order: string[] = [];
  const visit = (name: string): boolean => {
    if (order.includes(name)) return true;
    if (blocked.has(name)) return false;
    for (const dep of dependencyNames(manifests.get(name)!)) {
      if (!visit(dep)) {
        blocked.set(name, `needs plugin "${dep}", which cannot start (${blocked.get(dep)})`);
        return false;
      }
    }
    order.push(name);
    return true;
  };
  for (const name of [...manifests.keys()].sort()) visit(name);
  return { order, blocked };
}

/** Names of the plugins a manifest depends on. */
export function dependencyNames(manifest: PluginManifest): string[] {
  return (manifest.dependencies ?? []).map((spec) => parseDependency(spec).name);
}

/** Every plugin that depends on `name`, directly or not, in start order. */
export function dependentsOf(name: string, manifests: ReadonlyMap<string, PluginManifest>, order: readonly string[]): string[] {
  const affected = new Set([name]);
  for (const candidate of order) {
    const manifest = manifests.get(candidate);
    if (manifest && dependencyNames(manifest).some((dep) => affected.has(dep))) affected.add(candidate);
  }
  affected.delete(name);
  return order.filter((n) => affected.has(n));
}

function dependencyProblem(
  name: string,
  manifest: PluginManifest,
  manifests: ReadonlyMap<string, PluginManifest>,
  file: string,
): string | undefined {
  for (const spec of manifest.dependencies ?? []) {
    const dep = parseDependency(spec);
    const target = manifests.get(dep.name);
    if (!target) {
      return `needs plugin "${dep.name}", which is not installed or disabled; add it to ${path.posix.dirname(path.posix.dirname(file))}/ or remove it from "dependencies" in ${file}`;
    }
    if (dep.range && !semver.satisfies(target.version, dep.range, { includePrerelease: true })) {
      return `needs "${dep.name}@${dep.range}" but ${dep.name} is ${target.version}; change the range in "dependencies" of ${file}`;
    }
  }
  return undefined;
}

function findCycles(manifests: ReadonlyMap<string, PluginManifest>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const walk = (name: string, path: string[]): void => {
    const at = path.indexOf(name);
    if (at >= 0) {
      cycles.push(path.slice(at));
      return;
    }
    if (done.has(name) || !manifests.has(name)) return;
    path.push(name);
    for (const dep of dependencyNames(manifests.get(name)!)) walk(dep, path);
    path.pop();
    done.add(name);
  };
  for (const name of [...manifests.keys()].sort()) walk(name, []);
  return cycles;
}
