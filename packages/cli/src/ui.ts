import pc from 'picocolors';
import { writeLine, type PluginInfo } from '@nexus/core/host';

/** Colors on only when stdout is a terminal and NO_COLOR is unset. */
export const colors = pc.createColors(Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env));

/** Write one line to stdout. */
export function say(line = ''): void {
  writeLine(process.stdout, line);
}

/** Write one line to stderr. */
export function warn(line: string): void {
  writeLine(process.stderr, line);
}

/** The banner printed once the app serves, Vite style; `ms` counts from process start. */
export function printReady(options: { version: string; mode: string; url: string; ms: number; plugins: PluginInfo[] }): void {
  const { version, mode, url, ms, plugins } = options;
  // One write, so a reader never sees half a banner.
  say(
    [
      '',
      `  ${colors.bold(colors.cyan('NEXUS'))} ${colors.cyan(`v${version}`)}  ${colors.dim(mode)}  ready in ${colors.bold(String(ms))} ms`,
      '',
      `  ${colors.green('➜')}  ${colors.bold(isLocal(url) ? 'Local' : 'Network')}:${isLocal(url) ? '  ' : ''} ${colors.cyan(url + '/')}`,
      `  ${colors.green('➜')}  ${colors.bold('Health')}:  ${colors.cyan(url + '/health')}`,
      `  ${colors.green('➜')}  ${colors.bold('Plugins')}: ${summary(plugins)}`,
      '',
      ...plugins.map((plugin) => `  ${pluginLine(plugin)}`),
      '',
    ].join('\n'),
  );
}

/** True when the server at `url` only answers this machine (a loopback address). */
function isLocal(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** A one-line summary like `3 running, 1 failed`. */
export function summary(plugins: readonly PluginInfo[]): string {
  const counts = new Map<string, number>();
  for (const p of plugins) counts.set(p.state, (counts.get(p.state) ?? 0) + 1);
  return [...counts].map(([state, n]) => `${n} ${state === 'failed' ? colors.red(state) : state}`).join(', ') || 'none found';
}

function pluginLine(plugin: PluginInfo): string {
  const name = `${plugin.name}${plugin.version ? colors.dim(` ${plugin.version}`) : ''}`;
  if (plugin.state === 'running') return `${colors.green('✓')} ${name}`;
  if (plugin.state === 'disabled') return `${colors.dim('○')} ${name} ${colors.dim('disabled')}`;
  const reason = (plugin.error ?? plugin.state).split('\n');
  return [`${colors.red('✗')} ${name}  ${colors.red(reason[0]!)}`, ...reason.slice(1).map((l) => `    ${l}`)].join('\n');
}
