import { readFileSync } from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import type { ErrorLocation } from '../errors.ts';

interface ViteLikeError {
  loc?: { file?: string; line: number; column: number };
  id?: string;
  frame?: string;
  errors?: { loc?: { file?: string; line: number; column: number }; id?: string; message?: string }[];
}

/** A file that does not parse: where, and the parser's own one-line message. */
export interface ParseFailure {
  location: ErrorLocation;
  message: string;
}

/** Vite 8 (oxc) reports where a file does not parse in `errors[0]` (0-based column), not in the message. */
export function parseFailureOf(error: unknown): ParseFailure | undefined {
  const first = (error as ViteLikeError | undefined)?.errors?.[0];
  const file = first?.loc?.file ?? first?.id;
  if (!first?.loc || !file) return undefined;
  const { line } = first.loc;
  const column = first.loc.column + 1;
  const message = firstLine(stripVTControlCharacters(first.message ?? '')) || 'cannot be parsed';
  return { location: { file, line, column, frame: codeFrame(file, line, column) }, message };
}

/**
 * Find the most useful source location of an error: a parse failure, Vite's `loc`, else the first
 * stack frame in a file under `dir` (not in its node_modules).
 */
export function locateError(error: unknown, dir: string): ErrorLocation | undefined {
  const parse = parseFailureOf(error);
  if (parse) return parse.location;
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
export function formatLocation(loc: ErrorLocation, base: string): string {
  return `${path.relative(base, loc.file).split(path.sep).join('/')}:${loc.line}:${loc.column}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.replace(/^\[[^\]]+\]\s*/, '');
}
