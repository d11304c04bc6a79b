import type { SwapReport } from '@nexus/core/host';
import { colors } from '../ui.ts';

const MAX_FILES = 2;

/**
 * The lines `nexus dev` prints for one swap: one line saying what happened and how long each
 * phase took, then, if it failed, where and why (file:line, message, code frame).
 *
 * @example
 * 12:04:31 [nexus] ↻ users → notifications  plugins/users/src/plugin.ts  14 ms (load 8 · shutdown 1 · init 5)
 */
export function formatSwap(report: SwapReport, at = new Date()): string[] {
  const head = `${colors.dim(clock(at))} ${colors.bold(colors.cyan('[nexus]'))}`;
  const plan = planText(report);
  const files = filesText(report.files);
  const lines: string[] = [];
  const line = (...parts: string[]): string => parts.filter(Boolean).join('  ');
  if (report.kind === 'remove') {
    lines.push(line(`${head} ${colors.yellow('−')} removed ${plan}`, files));
  } else if (report.kind === 'disable') {
    lines.push(line(`${head} ${colors.dim('○')} disabled ${plan}`, files));
  } else if (report.outcome === 'ok') {
    const mark = report.kind === 'add' ? colors.green('+ added') : colors.green('↻');
    lines.push(line(`${head} ${mark} ${plan}`, files, timing(report)));
  } else {
    lines.push(line(`${head} ${colors.red('✗')} ${plan}`, files, colors.red(failureText(report))));
  }
  if (report.error) {
    const { message, details, location } = report.error;
    const where = report.error.plugin !== report.plugins[0] ? `[${report.error.plugin}] ` : '';
    const at = location ? `${location.file}:${location.line}:${location.column}: ` : '';
    lines.push(`  ${colors.red(`${where}${at}${message}`)}`);
    for (const detail of details ?? []) lines.push(`  ${colors.red(detail)}`);
    if (location?.frame) for (const line of location.frame.split('\n')) lines.push(`  ${colors.dim(line)}`);
  }
  return lines;
}

function planText(report: SwapReport): string {
  const [first = '?', ...rest] = report.plugins;
  const name = colors.bold(colors.green(first));
  if (report.kind === 'remove' || report.kind === 'disable') return rest.length > 0 ? `${name} ${colors.dim(`(stopped ${rest.join(', ')})`)}` : name;
  return rest.length > 0 ? `${name} → ${rest.join(', ')}` : name;
}

function filesText(files: readonly string[]): string {
  if (files.length === 0) return '';
  const shown = files.slice(0, MAX_FILES).join(', ');
  return colors.dim(files.length > MAX_FILES ? `${shown} +${files.length - MAX_FILES}` : shown);
}

function timing(report: SwapReport): string {
  const { load, shutdown, initialize, total } = report.timings;
  const split = `(load ${ms(load)} · shutdown ${ms(shutdown)} · init ${ms(initialize)})`;
  return `${colors.bold(`${ms(total)} ms`)} ${colors.dim(split)}`;
}

function failureText(report: SwapReport): string {
  if (report.kind === 'invalid') return 'manifest invalid, the previous version goes on serving';
  if (report.outcome === 'rolled_back') return 'failed, the previous version goes on serving';
  return report.kind === 'add' ? 'could not start' : 'failed';
}

function ms(value: number): string {
  return value < 10 ? value.toFixed(1).replace(/\.0$/, '') : String(Math.round(value));
}

function clock(at: Date): string {
  return at.toTimeString().slice(0, 8);
}

/**
 * With NEXUS_LOG_LEVEL=debug, a line saying where a swap's time went before it began: the watcher's
 * debounce, hashing the files, waiting for the reloader; with the epoch ms of the first file event
 * and of the new code being ready, so a client can tell the rest (the bench does).
 *
 * @example
 *   trace  event@1764661200123.41  settle 3.1 · hash 0.2 · queue 0.3 ms  ready@1764661200140.02
 */
export function formatTrace(report: SwapReport): string | undefined {
  const trace = report.trace;
  if (!trace) return undefined;
  const { event, settled, hashed, began, ready } = trace;
  return colors.dim(`  trace  event@${event.toFixed(2)}  settle ${ms(settled - event)} · hash ${ms(hashed - settled)} · queue ${ms(began - hashed)} ms  ready@${ready.toFixed(2)}`);
}
