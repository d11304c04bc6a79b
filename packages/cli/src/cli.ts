// Each command loads what it needs when it runs: `nexus --version` and `--help` load no runtime.
import { cac } from 'cac';
import { CLI_VERSION } from './version.ts';

/** Options of `nexus dev` and `nexus start`, as data so `--help` and docs come from one place. */
const SERVE_OPTIONS = [
  ['--port <port>', 'Port to listen on (0 picks a free one)', { default: undefined }],
  ['--host <host>', 'Host to bind', { default: undefined }],
] as const;

interface CommandFlags {
  port?: string | number;
  host?: string;
  check?: boolean;
  connect?: boolean;
}

/** Run the `nexus` command with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const cli = cac('nexus');
  let run: (() => Promise<number>) | undefined;
  const serve = (name: string, description: string, action: (app: string, flags: CommandFlags) => Promise<number>) => {
    const command = cli.command(`${name} [app]`, description);
    for (const [flag, text] of SERVE_OPTIONS) command.option(flag, text);
    command.action((app: string | undefined, flags: CommandFlags) => {
      run = () => action(app ?? '.', flags);
    });
  };
  serve('start', 'Run the app (production defaults)', async (app, flags) => {
    const { startCommand } = await import('./commands/start.ts');
    return startCommand(app, serveOptions(flags));
  });
  serve('dev', 'Run the app and hot-swap plugins as you edit them', async (app, flags) => {
    const { devCommand } = await import('./commands/dev.ts');
    return devCommand(app, serveOptions(flags));
  });
  cli.command('typegen [app]', 'Generate TypeScript config and event types from manifests')
    .option('--check', 'Exit 1 when a generated file is stale or missing (for CI)')
    .action((app: string | undefined, flags: CommandFlags) => {
      run = async () => {
        const { typegenCommand } = await import('./commands/typegen.ts');
        return typegenCommand(app ?? '.', { check: Boolean(flags.check) });
      };
    });
  cli.command('validate [app]', 'Check every manifest, dependency and config; exit 1 on any problem')
    .option('--connect', 'Also connect to the configured PostgreSQL / Redis')
    .action((app: string | undefined, flags: CommandFlags) => {
      run = async () => {
        const { validateCommand } = await import('./commands/validate.ts');
        return validateCommand(app ?? '.', { connect: Boolean(flags.connect) });
      };
    });
  cli.help();
  cli.version(CLI_VERSION);
  try {
    cli.parse(['node', 'nexus', ...argv], { run: true });
    if (!run) {
      if (cli.options.help || cli.options.version) return 0;
      const [unknown] = cli.args;
      if (unknown !== undefined) {
        const { colors, warn } = await import('./ui.ts');
        warn(`${colors.red('✗')} Unknown command "${unknown}". Commands: dev, start, typegen, validate; run nexus --help for more.`);
        return 1;
      }
      cli.outputHelp();
      return 0;
    }
    return await run();
  } catch (error) {
    const [{ errorMessage, isNexusError }, { colors, warn }] = await Promise.all([import('@nexus/core'), import('./ui.ts')]);
    warn(`${colors.red('✗')} ${isNexusError(error) ? `${error.code}: ` : ''}${errorMessage(error)}`);
    return 1;
  }
}

function serveOptions(flags: CommandFlags): { port?: number; host?: string } {
  const port = flags.port === undefined ? undefined : Number(flags.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new Error(`--port must be a whole number from 0 to 65535, got "${String(flags.port)}"`);
  }
  return { port, host: flags.host };
}
