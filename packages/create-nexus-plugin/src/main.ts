// `create-nexus-plugin [dir]`: parse the command line, ask what is missing (in a terminal),
// create the plugin, then say what was written and what to do next.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createPlugin, VERSION, type CreatedPlugin } from './create.ts';
import { CreateError, isCreateError } from './errors.ts';
import { isPluginName, nameProblem, toPluginName } from './name.ts';
import { DEFAULT_TEMPLATE, parseArgs, templateNamed, type CliFlags } from './options.ts';
import { isAppDir, relative } from './place.ts';
import { colors, pad, say, warn } from './ui.ts';
import { checkTarget } from './write.ts';

type Prompts = typeof import('./prompts.ts');

/** Run the command with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    const flags = parseArgs(argv, VERSION);
    if (!flags) return 0; // --help or --version was answered
    const interactive = !flags.yes && Boolean(process.stdin.isTTY) && Boolean(process.stdout.isTTY);
    const prompts = interactive ? await import('./prompts.ts') : undefined;
    prompts?.intro(VERSION);
    const template = flags.template === undefined ? undefined : templateNamed(flags.template);
    const { name, dir, derived } = await choosePlace(flags, prompts);
    const shownDir = relative(process.cwd(), dir).replace(/^\.\//, '') || '.';
    await checkTarget(dir, shownDir, flags.force); // before asking anything more
    const created = await createPlugin({
      dir,
      shownDir,
      name,
      template: template ?? (prompts ? await prompts.askTemplate() : DEFAULT_TEMPLATE),
      description: flags.description,
      author: flags.author ?? (process.env.npm_config_init_author_name || undefined),
      force: flags.force,
    });
    prompts?.outro(`Created ${created.name}`);
    report(created, shownDir, derived, !prompts);
    return 0;
  } catch (error) {
    if (isCreateError(error, 'NEXUS_CREATE_CANCELLED')) return 1;
    warn(`${colors.red('✗')} ${isCreateError(error) ? error.message : String((error as Error)?.stack ?? error)}`);
    return 1;
  }
}

/**
 * The plugin name and folder: `--name`, else from the folder name, else asked (in a terminal).
 * Without a folder the plugin goes to `<name>`, or `plugins/<name>` when run in an app.
 */
async function choosePlace(flags: CliFlags, prompts: Prompts | undefined): Promise<{ name: string; dir: string; derived?: string }> {
  const cwd = process.cwd();
  let name = flags.name;
  let derived: string | undefined;
  if (name !== undefined) {
    const problem = nameProblem(name);
    if (problem) throw new CreateError('NEXUS_CREATE_INVALID_NAME', `${problem} (set it with --name)`);
  } else if (flags.dir !== undefined) {
    const folder = path.basename(path.resolve(cwd, flags.dir));
    const guess = toPluginName(folder);
    if (isPluginName(guess)) {
      name = guess;
      if (guess !== folder) derived = folder;
    } else if (prompts) {
      name = await prompts.askName();
    } else {
      throw new CreateError(
        'NEXUS_CREATE_INVALID_NAME',
        `Cannot make a plugin name from the folder name "${folder}": a plugin name is snake_case, starting with a letter. Pass one with --name, e.g. --name my_plugin`,
      );
    }
  } else if (prompts) {
    name = await prompts.askName();
  } else {
    throw new CreateError(
      'NEXUS_CREATE_NO_NAME',
      `No plugin folder or name given, and ${flags.yes ? '--yes asks nothing' : 'no terminal to ask in'}. ` +
        'Pass a folder (its name becomes the plugin name), e.g. `npx create-nexus-plugin my_plugin`, or --name my_plugin',
    );
  }
  const dir = flags.dir !== undefined ? path.resolve(cwd, flags.dir) : path.resolve(cwd, isAppDir(cwd) ? 'plugins' : '.', name);
  return { name, dir, derived };
}

/** What was written, then the next steps. */
function report(created: CreatedPlugin, shownDir: string, derived: string | undefined, spaced: boolean): void {
  const { bold, cyan, dim, green, yellow } = colors;
  if (spaced) say();
  say(`${green('✓')} Created plugin ${bold(created.name)} ${dim(`(template ${created.template})`)} in ${cyan(shownDir)}`);
  if (derived) say(dim(`  named after the folder "${derived}"; pass --name to choose another`));
  if (created.removed.length > 0) say(dim(`  removed what was there first (--force): ${created.removed.join(', ')}`));
  say();
  const width = Math.max(...created.files.map((f) => f.length)) + 2;
  for (const file of created.files) {
    const note = file === 'nexus.generated.ts' ? dim(created.types === 'typegen' ? 'written by nexus typegen' : 'generated from manifest.json') : '';
    say(`  ${pad(file, width)}${note}`.trimEnd());
  }
  if (created.typegenProblem) {
    say();
    warn(yellow(`  nexus typegen failed, so nexus.generated.ts comes from the template:\n    ${created.typegenProblem.split('\n').join('\n    ')}`));
  }
  say();
  say(bold('Next steps:'));
  const steps: [string, string][] = [];
  if (shownDir !== '.') steps.push([`cd ${quote(shownDir)}`, '']);
  if (!created.app) steps.push(['npm install', 'install Nexus, its test helpers and TypeScript']);
  steps.push(['npx vitest run', 'run its tests']);
  steps.push(['npx nexus typegen', 'regenerate nexus.generated.ts after editing manifest.json']);
  const route = created.endpoints.find((e) => e.method === 'GET' && !e.path.includes(':'));
  const url = (port: number) => `http://127.0.0.1:${port}/plugins/${created.name}${route?.path ?? ''}`;
  if (created.app) {
    steps.push([`npx nexus dev ${quote(relative(created.dir, created.app))}`, `run the app with hot reload; then open ${url(appPort(created.app))}`]);
  } else {
    steps.push(['npx nexus dev', `run it on its own with hot reload; then open ${url(3000)}`]);
  }
  const stepWidth = Math.max(...steps.map(([command]) => command.length)) + 3;
  for (const [command, why] of steps) say(why ? `  ${cyan(pad(command, stepWidth))}${dim(why)}` : `  ${cyan(command)}`);
  say();
}

function appPort(app: string): number {
  try {
    const config = JSON.parse(readFileSync(path.join(app, 'nexus.config.json'), 'utf8')) as { port?: unknown };
    return typeof config.port === 'number' && config.port > 0 ? config.port : 3000;
  } catch {
    return 3000;
  }
}

function quote(text: string): string {
  return /^[\w./@-]+$/.test(text) ? text : `"${text.replace(/"/g, '\\"')}"`;
}

