import type { AppConfig } from '../config/app.ts';
import type { ErrorCode } from '../errors.ts';
import { checkCompatibility, parseDependency, type RuntimeVersions } from '../manifest/compat.ts';
import type { PluginManifest } from '../manifest/types.ts';
import type { DiscoveredPlugin } from './discover.ts';
import { planDependencies } from './graph.ts';
import type { PluginLocation } from './location.ts';

/** Why a plugin cannot start. */
export interface PlanProblem {
  code: ErrorCode;
  /** One or more messages, each naming the file and field. */
  messages: string[];
}

/** One plugin folder in a plan. */
export interface PlannedPlugin {
  /** Its slot name: the manifest's name, the folder's when the manifest cannot be read, `name@folder` for a second plugin of one name. */
  name: string;
  location: PluginLocation;
  manifest?: PluginManifest;
  /** False when nexus.config disables it. */
  enabled: boolean;
}

/** What to start, in which order, and what cannot start and why: data, before anything acts on it. */
export interface Plan {
  /** Every folder, in the order given. */
  plugins: PlannedPlugin[];
  /** Names that can start, dependencies first. */
  order: string[];
  /** Valid plugins whose dependencies cannot be met (missing, wrong version, cycle, or blocked themselves). */
  blocked: Map<string, PlanProblem>;
  /** Plugins that cannot start on their own account: invalid manifest, runtime versions, duplicate name. */
  problems: Map<string, PlanProblem>;
  /** The manifests of the enabled, valid plugins, by name: the dependency graph. */
  manifests: Map<string, PluginManifest>;
}

/** What a plan is computed from. */
export interface PlanInput {
  plugins: readonly DiscoveredPlugin[];
  appConfig: Pick<AppConfig, 'plugins'>;
  versions: RuntimeVersions;
  /** Plugins supplied from outside (a test harness's mocks): depending on them is always met. */
  provided?: readonly string[];
}

/**
 * Plan an app's plugins: validate each manifest against the runtime versions, find duplicate
 * names, leave out disabled plugins, and order the rest by their dependencies. Pure: `nexus start`,
 * the hot reloader and `nexus validate` all act on the same answer.
 */
export function planPlugins({ plugins, appConfig, versions, provided = [] }: PlanInput): Plan {
  const planned: PlannedPlugin[] = [];
  const problems = new Map<string, PlanProblem>();
  const byName = new Map<string, PlannedPlugin>();
  for (const found of plugins) {
    const { location, manifest } = found;
    let name = manifest?.name ?? location.folder;
    const clash = byName.get(name);
    if (clash && manifest) {
      problems.set(`${name}@${location.folder}`, {
        code: 'NEXUS_MANIFEST_DUPLICATE',
        messages: [`${location.manifestFile}: /name: "${name}" is already used by ${clash.location.displayDir}; each plugin needs a unique name, rename one of them`],
      });
      name = `${name}@${location.folder}`;
    }
    const plugin: PlannedPlugin = { name, location, enabled: !clash && appConfig.plugins?.[name]?.enabled !== false };
    if (manifest) plugin.manifest = manifest;
    planned.push(plugin);
    if (!clash) byName.set(name, plugin);
    const compat = manifest ? checkCompatibility(manifest, location.manifestFile, versions) : [];
    if (found.errors.length > 0) problems.set(name, { code: 'NEXUS_MANIFEST_INVALID', messages: [...found.errors, ...compat] });
    else if (compat.length > 0) problems.set(name, { code: 'NEXUS_VERSION_MISMATCH', messages: compat });
  }
  const manifests = new Map<string, PluginManifest>();
  for (const plugin of planned) {
    if (plugin.manifest && plugin.enabled && !problems.has(plugin.name)) manifests.set(plugin.name, plugin.manifest);
  }
  const graph = planDependencies(withoutProvided(manifests, provided), (name) => byName.get(name)!.location.manifestFile);
  const blocked = new Map<string, PlanProblem>();
  for (const [name, reason] of graph.blocked) {
    blocked.set(name, {
      code: reason.startsWith('dependency cycle') ? 'NEXUS_DEPENDENCY_CYCLE' : 'NEXUS_DEPENDENCY_MISSING',
      messages: [`${byName.get(name)!.location.manifestFile}: /dependencies: ${reason}`],
    });
  }
  return { plugins: planned, order: graph.order, blocked, problems, manifests };
}

/** The manifests with dependencies on `provided` plugins left out. */
function withoutProvided(manifests: Map<string, PluginManifest>, provided: readonly string[]): Map<string, PluginManifest> {
  if (provided.length === 0) return manifests;
  const kept = (spec: string): boolean => !provided.includes(parseDependency(spec).name);
  return new Map([...manifests].map(([name, m]) => [name, { ...m, dependencies: m.dependencies?.filter(kept) }]));
}
