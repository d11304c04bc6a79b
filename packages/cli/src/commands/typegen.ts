import { errorMessage } from '@nexus/core';
import { checkPluginTypes, generatePluginTypes, GENERATED_FILE, type TypesState } from '../typegen/index.ts';
import { findTypegenTargets, type TypegenTarget } from '../typegen/targets.ts';
import { colors, say } from '../ui.ts';

/** Options of `nexus typegen`. */
export interface TypegenOptions {
  /** Write nothing; exit 1 when a generated file is stale or missing (for CI). */
  check: boolean;
}

type Outcome =
  | { name: string; file: string; status: 'written' | 'unchanged' | TypesState }
  | { name: string; file: string; status: 'failed'; errors: string[] };

/**
 * `nexus typegen [app]`: write `nexus.generated.ts` in every plugin folder of an app, a folder of
 * plugins (templates/) or one plugin folder. A plugin whose manifest is invalid gets the errors
 * `nexus validate` gives and nothing written; the others are still generated. Exit 1 on any failure,
 * and with `--check` also on any stale or missing file.
 */
export async function typegenCommand(appDir: string, options: TypegenOptions): Promise<number> {
  const began = performance.now();
  const targets = await findTypegenTargets(appDir);
  for (const error of targets.errors) say(`${colors.red('✗')} ${error}`);
  const outcomes = await Promise.all(targets.plugins.map((plugin) => run(plugin, options.check)));
  const width = Math.max(0, ...outcomes.map((o) => o.name.length));
  for (const outcome of outcomes) printOutcome(outcome, width);
  const ms = Math.round(performance.now() - began);
  if (targets.kind === 'empty') {
    say(colors.yellow(`No plugins found in ${appDir} (no manifest.json, plugins/ folder or plugin subfolders).`));
    return targets.errors.length > 0 ? 1 : 0;
  }
  return summarize(outcomes, targets.errors.length, options.check, appDir, ms);
}

async function run(plugin: TypegenTarget, check: boolean): Promise<Outcome> {
  const file = `${plugin.displayDir}/${GENERATED_FILE}`;
  if (!plugin.manifest) return { name: plugin.name, file, status: 'failed', errors: plugin.errors };
  const input = { dir: plugin.dir, displayDir: plugin.displayDir, manifest: plugin.manifest };
  try {
    if (check) return { name: plugin.name, file, status: (await checkPluginTypes(input)).state };
    const { changed } = await generatePluginTypes(input);
    return { name: plugin.name, file, status: changed ? 'written' : 'unchanged' };
  } catch (error) {
    return { name: plugin.name, file, status: 'failed', errors: [errorMessage(error)] };
  }
}

const MARKS: Record<Outcome['status'], () => string> = {
  written: () => colors.green('✓'),
  fresh: () => colors.green('✓'),
  unchanged: () => colors.dim('·'),
  stale: () => colors.red('✗'),
  missing: () => colors.red('✗'),
  failed: () => colors.red('✗'),
};

function printOutcome(outcome: Outcome, width: number): void {
  const status = outcome.status.padEnd(9);
  const colored = outcome.status === 'written' || outcome.status === 'fresh' ? colors.green(status)
    : outcome.status === 'unchanged' ? colors.dim(status) : colors.red(status);
  const where = outcome.status === 'failed' ? '' : `  ${colors.dim(outcome.file)}`;
  say(`${MARKS[outcome.status]()} ${outcome.name.padEnd(width)}  ${colored}${where}`.trimEnd());
  if (outcome.status === 'failed') for (const error of outcome.errors) say(`    ${colors.red('error')}  ${error}`);
}

function summarize(outcomes: Outcome[], appErrors: number, check: boolean, appDir: string, ms: number): number {
  const count = (status: Outcome['status']) => outcomes.filter((o) => o.status === status).length;
  const failed = count('failed');
  const outdated = outcomes.filter((o) => o.status === 'stale' || o.status === 'missing');
  const parts = check
    ? [`${count('fresh')} fresh`, `${count('stale')} stale`, `${count('missing')} missing`, `${failed} failed`]
    : [`${count('written')} written`, `${count('unchanged')} unchanged`, `${failed} failed`];
  say();
  say(`${check ? 'Checked' : 'Generated'} types of ${outcomes.length} plugin(s) in ${ms} ms: ${parts.join(', ')}`);
  for (const o of outdated) say(colors.red(`${o.file} is ${o.status === 'stale' ? 'out of date' : 'missing'}`));
  if (outdated.length > 0) say(`Run \`nexus typegen ${appDir}\` and commit the result.`);
  return failed + appErrors + outdated.length > 0 ? 1 : 0;
}
