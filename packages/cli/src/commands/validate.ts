import path from 'node:path';
import {
  appDirProblem,
  checkConnections,
  discoverPlugins,
  entryProblem,
  loadAppConfig,
  planPlugins,
  resolveAppPluginConfig,
  resolveEnvName,
} from '@nexus/core/host';
import { NEXUS_VERSION } from '@nexus/core';
import { colors, say, warn } from '../ui.ts';

/** One plugin's verdict from `nexus validate`. */
interface Verdict {
  name: string;
  problems: string[];
  warnings: string[];
}

/**
 * `nexus validate [app]`: check every manifest, dependency, entry file and config layer without
 * running plugin code; list every problem in every plugin and exit 1 when there is one. The plan
 * is the one `nexus start` acts on.
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
  const plan = planPlugins({ plugins: found, appConfig: app.config, versions: { coreVersion: NEXUS_VERSION, nodeVersion: process.versions.node } });
  const sources = { envName: resolveEnvName('start'), appConfig: app.config, appConfigFile: app.file, environ: process.env };
  const verdicts: Verdict[] = [];
  for (const [i, planned] of plan.plugins.entries()) {
    const { manifest, location } = planned;
    const duplicate = plan.problems.get(planned.name)?.code === 'NEXUS_MANIFEST_DUPLICATE';
    const verdict: Verdict = { name: duplicate ? manifest!.name : planned.name, problems: [...(plan.problems.get(planned.name)?.messages ?? [])], warnings: [...found[i]!.warnings] };
    if (manifest && !found[i]!.errors.length) {
      const entry = entryProblem(location, manifest, root);
      if (entry) verdict.problems.push(entry);
      verdict.problems.push(...(await resolveAppPluginConfig(location, manifest, sources, {})).errors);
      verdict.problems.push(...(plan.blocked.get(planned.name)?.messages ?? []));
    }
    verdicts.push(verdict);
  }
  const appErrors = [...app.errors];
  if (options.connect && app.errors.length === 0) {
    const connections = await checkConnections(root, app.config, process.env);
    for (const line of connections.ok) say(`${colors.green('✓')} ${line}`);
    appErrors.push(...connections.problems);
  }
  return report(appErrors, verdicts, app.config.pluginsDir ?? 'plugins');
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
