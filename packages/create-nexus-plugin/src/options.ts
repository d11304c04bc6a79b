import { cac } from 'cac';
import { CreateError } from './errors.ts';

/** The templates in templates/, in the order the prompt lists them. */
export const TEMPLATES = [
  { name: 'basic', hint: 'lifecycle, one route and config' },
  { name: 'api', hint: 'routes with validated() JSON schemas over a database collection' },
  { name: 'events', hint: 'publish and subscribe, and a service for other plugins' },
  { name: 'full', hint: 'everything: validated routes, db, events, service, health, metrics, timer, saved and hot state' },
] as const;

export type TemplateName = (typeof TEMPLATES)[number]['name'];

/** The template used when none is chosen. */
export const DEFAULT_TEMPLATE: TemplateName = 'basic';

const TEMPLATE_LIST = TEMPLATES.map((t) => t.name).join(' | ');

type OptionRow = readonly [flag: string, description: string];

/** Command-line options, as data: `--help` is built from this table. */
const OPTIONS: readonly OptionRow[] = [
  ['--name <name>', 'Plugin name in snake_case (default: from the folder name)'],
  ['-t, --template <template>', `${TEMPLATE_LIST} (default: ${DEFAULT_TEMPLATE})`],
  ['--description <text>', "One sentence for manifest.json, package.json and README.md (default: the template's)"],
  ['--author <name>', 'Author in manifest.json and package.json (default: npm init-author-name)'],
  ['-f, --force', 'Empty a non-empty folder first (keeps .git)'],
  ['-y, --yes', 'Ask nothing: use the flags, else the defaults'],
];

/** What the command line says; anything missing is asked for (in a terminal) or defaulted. */
export interface CliFlags {
  /** Target folder, relative to the working directory. */
  dir?: string;
  name?: string;
  template?: string;
  description?: string;
  author?: string;
  force: boolean;
  yes: boolean;
}

/** The parsed command line, or `undefined` when `--help` or `--version` was answered. */
export function parseArgs(argv: readonly string[], version: string): CliFlags | undefined {
  const cli = cac('create-nexus-plugin');
  let flags: CliFlags | undefined;
  const command = cli
    .command('[dir]', 'Create a Nexus plugin in dir')
    .example('  npx create-nexus-plugin                                 # asks for the name and template')
    .example('  npx create-nexus-plugin plugins/hello --template api    # in an app')
    .example('  npx create-nexus-plugin hello_world --yes               # no questions: template basic');
  for (const [flag, description] of OPTIONS) command.option(flag, description);
  command.action((dir: string | undefined, options: Record<string, unknown>) => {
    flags = {
      dir: dir === undefined ? undefined : String(dir),
      name: raw(argv, options, 'name'),
      template: raw(argv, options, 'template'),
      description: raw(argv, options, 'description'),
      author: raw(argv, options, 'author'),
      force: options.force === true,
      yes: options.yes === true,
    };
  });
  cli.help((sections) =>
    sections
      .filter((section) => section.title !== 'Commands' && !section.title?.startsWith('For more info'))
      .map((section, index) => (index === 0 ? { body: `${section.body}\n\nCreate a Nexus plugin from a template. Asks for what is missing in a terminal; takes flags otherwise.` } : section))
      .map((section) => ({ ...section, body: section.body.replace(/ +$/gm, '') })),
  );
  cli.version(version);
  try {
    cli.parse(['node', 'create-nexus-plugin', ...argv], { run: true });
  } catch (error) {
    throw new CreateError('NEXUS_CREATE_USAGE', `${(error as Error).message}; see create-nexus-plugin --help`);
  }
  return flags;
}

/**
 * The value of a `--<name> <value>` option exactly as typed: the argument parser turns `007` into
 * the number 7, which is wrong for names and free text. The last occurrence wins.
 */
function raw(argv: readonly string[], options: Record<string, unknown>, name: string): string | undefined {
  if (options[name] === undefined) return undefined;
  const names = new Set(OPTIONS.map(([flag]) => flag).find((flag) => flag.includes(`--${name} `))!.split(/[ ,]+/).filter((n) => n.startsWith('-')));
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    const eq = arg.indexOf('=');
    if (eq > 0 && names.has(arg.slice(0, eq))) value = arg.slice(eq + 1);
    else if (names.has(arg) && i + 1 < argv.length) value = argv[++i];
  }
  return value ?? String(options[name]);
}

/** The template called `name`, or an error listing the templates. */
export function templateNamed(name: string): TemplateName {
  const found = TEMPLATES.find((t) => t.name === name);
  if (found) return found.name;
  throw new CreateError('NEXUS_CREATE_UNKNOWN_TEMPLATE', `Unknown template "${name}": choose one of ${TEMPLATES.map((t) => t.name).join(', ')}`);
}
