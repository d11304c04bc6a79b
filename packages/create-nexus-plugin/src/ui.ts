// Terminal output: colors only on a terminal without NO_COLOR.
import pc from 'picocolors';

export const colors = pc.createColors(Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env));

/** One line to stdout. */
export function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** One line to stderr. */
export function warn(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Left column of a two-column list, padded to `width`. */
export function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(1, width - text.length));
}
