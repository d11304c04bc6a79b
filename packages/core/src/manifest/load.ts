import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { excessJsonDepth, LIMITS, sizeMessage } from '../limits.ts';
import { validateManifest, type ManifestCheck } from './validate.ts';

/** Reads and checks `<pluginDir>/manifest.json`; `displayFile` is the path shown in messages. */
/** A plugin's manifest file for messages when its folder is not known: the default plugins folder. */
export function defaultManifestFile(plugin: string): string {
  return `plugins/${plugin}/manifest.json`;
}

export async function loadManifest(pluginDir: string, displayFile: string): Promise<ManifestCheck> {
  let text: string;
  try {
    text = await readFile(path.join(pluginDir, 'manifest.json'), 'utf8');
  } catch (error) {
    return { errors: [`${displayFile}: ${readProblem(error)}`], warnings: [] };
  }
  const parsed = parseJson(text);
  if ('error' in parsed) return { errors: [`${displayFile}: ${parsed.error}`], warnings: [] };
  return validateManifest(parsed.value, displayFile);
}

function readProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'not found — every plugin folder needs a manifest.json with at least "name" and "version"';
  return `cannot be read: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * Parses JSON text; on failure says where (line, column) and, when it can tell, how to fix it.
 * Text past LIMITS (size, nesting) is refused before anything recursive reads it.
 */
export function parseJson(text: string): { value: unknown } | { error: string } {
  const source = text.replace(/^\uFEFF/, '');
  const bytes = Buffer.byteLength(source);
  if (bytes > LIMITS.bytes) return { error: `${sizeMessage('the file', bytes)}; make it smaller` };
  const deep = excessJsonDepth(source);
  if (deep !== undefined) {
    const { line, column } = lineColumn(source, deep);
    return { error: `line ${line}, column ${column}: nested more than ${LIMITS.depth} levels deep; Nexus reads at most ${LIMITS.depth} levels of objects and arrays, flatten this value` };
  }
  try {
    return { value: JSON.parse(source) };
  } catch (error) {
    return { error: describeJsonError(source, error) };
  }
}

/** `line L, column C: <what> — <hint>` for text that JSON.parse rejected with `error`. */
export function describeJsonError(text: string, error: unknown): string {
  const found = locateJsonError(text);
  if (!found) return error instanceof Error ? error.message : String(error);
  const { line, column } = lineColumn(text, found.offset);
  const char = text[found.offset];
  const what = char === undefined ? 'Unexpected end of JSON input' : found.what ?? `Unexpected token ${char}`;
  const hint = found.hint ?? hintFor(text, found.offset);
  return `line ${line}, column ${column}: ${what}${hint ? ` — ${hint}` : ''}`;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lastBreak = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: offset - lastBreak };
}

function hintFor(text: string, offset: number): string | undefined {
  const char = text[offset];
  const previous = text.slice(0, offset).trimEnd().at(-1);
  if (char === undefined) return 'check for a missing }, ] or closing quote';
  if ((char === '}' || char === ']') && previous === ',') return 'check for a trailing comma';
  if (char === "'") return 'use double quotes for strings and property names';
  if (char === '/') return 'JSON does not allow comments';
  if (char === '"' && previous !== ',' && previous !== ':') return 'check for a missing comma';
  return undefined;
}

interface JsonFault {
  offset: number;
  what?: string;
  hint?: string;
}

/**
 * Offset of the first syntax error. V8 leaves the position out of some messages
 * ("Unexpected token '}', ... is not valid JSON"), so the text is scanned again here.
 */
function locateJsonError(text: string): JsonFault | undefined {
  const scanner = new JsonScanner(text);
  try {
    scanner.document();
    return undefined;
  } catch (fault) {
    if (typeof fault === 'object' && fault !== null && 'offset' in fault) return fault as JsonFault;
    throw fault;
  }
}

const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

/** A minimal JSON recognizer that throws a JsonFault at the first offending character. */
class JsonScanner {
  #i = 0;
  constructor(private readonly text: string) {}

  document(): void {
    this.value();
    this.space();
    const extra = this.text[this.#i];
    if (extra !== undefined) this.fail(`Unexpected token ${extra} after the end of the JSON value`);
  }

  private fail(what?: string, hint?: string): never {
    throw { offset: this.#i, what, hint } satisfies JsonFault;
  }

  private space(): void {
    while (/[ \t\n\r]/.test(this.text[this.#i] ?? '')) this.#i++;
  }

  private value(): void {
    this.space();
    const char = this.text[this.#i];
    if (char === '{') return this.object();
    if (char === '[') return this.array();
    if (char === '"') return this.string();
    if (char === '-' || /\d/.test(char ?? '')) return this.number();
    for (const literal of ['true', 'false', 'null']) {
      if (char === literal[0]) return this.literal(literal);
    }
    this.fail();
  }

  private object(): void {
    this.#i++;
    this.space();
    if (this.text[this.#i] === '}') return void this.#i++;
    for (;;) {
      this.space();
      if (this.text[this.#i] !== '"') this.fail(undefined, this.keyHint());
      this.string();
      this.space();
      if (this.text[this.#i] !== ':') this.fail(undefined, 'expected ":" after the property name');
      this.#i++;
      this.value();
      if (this.endOf('}')) return;
    }
  }

  private array(): void {
    this.#i++;
    this.space();
    if (this.text[this.#i] === ']') return void this.#i++;
    for (;;) {
      this.value();
      if (this.endOf(']')) return;
    }
  }

  /** After a member: consumes "," (false) or the closing bracket (true). */
  private endOf(close: string): boolean {
    this.space();
    const char = this.text[this.#i];
    if (char === ',') return (this.#i++, false);
    if (char === close) return (this.#i++, true);
    return this.fail();
  }

  private keyHint(): string | undefined {
    const char = this.text[this.#i];
    return char !== undefined && /[A-Za-z_$]/.test(char) ? 'property names must be in double quotes' : undefined;
  }

  private string(): void {
    this.#i++;
    for (;;) {
      const char = this.text[this.#i];
      if (char === undefined) this.fail('Unterminated string', 'add the closing double quote');
      if (char === '"') return void this.#i++;
      if (char < ' ') this.fail('Bad control character in string literal', 'escape line breaks and tabs as \\n and \\t');
      if (char === '\\') this.escape();
      else this.#i++;
    }
  }

  private escape(): void {
    this.#i++;
    const char = this.text[this.#i];
    if (char === 'u' && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.#i + 1, this.#i + 5))) {
      this.#i += 5;
    } else if (char !== undefined && '"\\/bfnrt'.includes(char)) {
      this.#i++;
    } else {
      this.fail('Bad escape in string literal');
    }
  }

  private number(): void {
    NUMBER.lastIndex = this.#i;
    const match = NUMBER.exec(this.text);
    if (!match) this.fail();
    this.#i += match[0].length;
  }

  private literal(word: string): void {
    for (const expected of word) {
      if (this.text[this.#i] !== expected) this.fail();
      this.#i++;
    }
  }
}
