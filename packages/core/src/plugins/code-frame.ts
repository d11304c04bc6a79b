import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Where an error points in a plugin's source, with the lines around it. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
  frame?: string;
}

interface ViteLikeError {
  loc?: { file?: string; line: number; column: number };
  id?: string;
  frame?: string;
}

/** Find the most useful source location of an error: Vite's `loc`, else the first stack frame under `dir`. */
export function locateError(error: unknown, dir: string): SourceLocation | undefined {
  const vite = error as ViteLikeError;
  if (vite && typeof vite === 'object' && vite.loc) {
    const file = vite.loc.file ?? vite.id ?? '';
    return { file, line: vite.loc.line, column: vite.loc.column, frame: vite.frame ?? codeFrame(file, vite.loc.line, vite.loc.column) };
  }
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  for (const match of stack.matchAll(/\(?((?:file:\/\/)?\/[^\s()]+?):(\d+):(\d+)\)?$/gm)) {
    const file = match[1]!.replace(/^file:\/\//, '');
    if (!file.startsWith(dir + path.sep) || file.includes(`${path.sep}node_modules${path.sep}`)) continue;
    const line = Number(match[2]);
    const column = Number(match[3]);
    return { file, line, column, frame: codeFrame(file, line, column) };
  }
  return undefined;
}

/** A few lines of `file` around `line`, with a caret under `column` (1-based line and column). */
export function codeFrame(file: string, line: number, column: number): string | undefined {
  let lines: string[];
  try {
    lines = readFileSync(file, 'utf8').split(/\r?\n/);
  } catch {
    return undefined;
  }
  const first = Math.max(1, line - 2);
  const last = Math.min(lines.length, line + 2);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    out.push(`${n === line ? '>' : ' '} ${String(n).padStart(width)} | ${lines[n - 1]}`);
    if (n === line) out.push(`  ${' '.repeat(width)} | ${' '.repeat(Math.max(0, column - 1))}^`);
  }
  return out.join('\n');
}

/** `file:line:column` relative to `base`, for messages. */
export function formatLocation(loc: SourceLocation, base: string): string {
  return `${path.relative(base, loc.file).split(path.sep).join('/')}:${loc.line}:${loc.column}`;
}
