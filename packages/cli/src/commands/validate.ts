import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  appDirProblem,
  checkCompatibility,
  checkConnections,
  discoverPlugins,
  NEXUS_VERSION,
  planDependencies,
  loadAppConfig,
  resolveEnvName,
  resolvePluginConfig,
  type AppConfig,
  type PluginManifest,
} from '@nexus/core';
import { colors, say, warn } from '../ui.ts';

/** One plugin's verdict from `nexus validate`. */
interface Verdict {
  name: string;
  displayDir: string;
  problems: string[];
  warnings: string[];
}

/**
 * `nexus validate [app]`: check every manifest, dependency, entry file and config layer without
 * running plugin code; list every problem in every plugin and exit 1 when there is one.
 */
export async function validateCommand(appDir: string, options: { connect?: boolean } = {}): Promise<number> {
  const root = path.resolve(appDir);
  const missing = appDirProblem(root);
  if (missing) {
    warn(`${colors.red('✗')} ${missing}`);
    return 1;
  }
  const app = await loadAppConfig(root);
  const found = await discoverPlugins(root, app.config.pluginsDir);
  const names = new Map<string, string>();
  const verdicts: Verdict[] = [];
  for (const plugin of found) {
    const verdict: Verdict = { name: plugin.manifest?.name ?? plugin.folder, displayDir: plugin.displayDir, problems: [...plugin.errors], warnings: [...plugin.warnings] };
    if (plugin.manifest) {
      const clash = names.get(plugin.manifest.name);
      if (clash) verdict.problems.push(`${plugin.displayDir}/manifest.json: /name: "${plugin.manifest.name}" is already used by ${clash}; rename one of them`);
      names.set(plugin.manifest.name, plugin.displayDir);
      verdict.problems.push(...checkCompatibility(plugin.manifest, `${plugin.displayDir}/manifest.json`, { coreVersion: NEXUS_VERSION, nodeVersion: process.versions.node }));
      verdict.problems.push(...(await checkPlugin(root, plugin.dir, plugin.displayDir, plugin.manifest, app.config, app.file)));
    }
    verdicts.push(verdict);
  }
  const enabled = found.map((f) => f.manifest).filter((m): m is PluginManifest => m !== undefined && app.config.plugins?.[m.name]?.enabled !== false);
  addDependencyProblems(verdicts, enabled);
  const appErrors = [...app.errors];
  if (options.connect && app.errors.length === 0) {
    const connections = await checkConnections(root, app.config, process.env);
    for (const line of connections.ok) say(`${colors.green('✓')} ${line}`);
    appErrors.push(...connections.problems);
  }
  return report(appErrors, verdicts, app.config.pluginsDir ?? 'plugins');
}

async function checkPlugin(
  root: string, dir: string, displayDir: string, manifest: PluginManifest, appConfig: AppConfig, appFile?: string,
): Promise<string[]> {
  const problems: string[] = [];
  const entry = path.join(dir, manifest.main ?? 'src/plugin.ts');
  if (!existsSync(entry)) problems.push(`${path.relative(root, entry)}: entry module not found; create it or set "main" in ${displayDir}/manifest.json`);
  const config = await resolvePluginConfig({
    manifest, pluginDir: dir, displayDir, envName: resolveEnvName('start'),
    appOverrides: appConfig.plugins?.[manifest.name]?.config, appConfigFile: appFile, saved: {}, environ: process.env,
  });
  return [...problems, ...config.errors];
}

/** Missing, version-mismatched and cyclic dependencies, as `nexus start` would find them. */
function addDependencyProblems(verdicts: Verdict[], manifests: PluginManifest[]): void {
  const files = new Map(verdicts.map((v) => [v.name, `${v.displayDir}/manifest.json`]));
  const { blocked } = planDependencies(new Map(manifests.map((m) => [m.name, m])), (name) => files.get(name) ?? `plugins/${name}/manifest.json`);
  const reported = new Set<string>();
  for (const verdict of verdicts) {
    const reason = blocked.get(verdict.name);
    if (reason === undefined || reported.has(verdict.name)) continue;
    reported.add(verdict.name);
    verdict.problems.push(`${verdict.displayDir}/manifest.json: /dependencies: ${reason}`);
  }
}

function report(appErrors: string[], verdicts: Verdict[], pluginsShown: string): number {
  let count = appErrors.length;
  for (const error of appErrors) say(`${colors.red('✗')} ${error}`);
  for (const verdict of verdicts) {
    count += verdict.problems.length;
    const mark = verdict.problems.length > 0 ? colors.red('✗') : colors.green('✓');
    say(`${mark} ${verdict.name}`);
    for (const problem of verdict.problems) say(`    ${colors.red('error')}  ${problem}`);
    for (const warning of verdict.warnings) say(`    ${colors.yellow('warn')}   ${warning}`);
  }
  say();
  if (verdicts.length === 0) {
    say(colors.yellow(`No plugins found in ${pluginsShown}: add ${pluginsShown}/<name>/manifest.json, or set "pluginsDir" in nexus.config.`));
    return count === 0 ? 0 : 1;
  }
  say(count === 0 ? colors.green(verdicts.length === 1 ? 'The plugin is valid.' : `All ${verdicts.length} plugins are valid.`) : colors.red(`${count} problem(s) found in ${verdicts.filter((v) => v.problems.length > 0).length} of ${verdicts.length} plugin(s).`));
  return count === 0 ? 0 : 1;
}
