import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { NexusError, errorMessage, type ErrorCode, type ErrorLocation } from '../errors.ts';
import { formatLocation, locateError } from './code-frame.ts';

/** Why a plugin is not serving (or why its last swap did not go through), as data. */
export interface PluginFailure {
  code: ErrorCode;
  /** One line: what is wrong and how to fix it. */
  message: string;
  /** Further lines (validation problems), if any. */
  details?: string[];
  /** Where in the plugin's source the error itself points (a file that does not load): shown with the message. */
  location?: ErrorLocation;
  /** Where the plugin's code threw, found on the stack: shown by `nexus dev` (swap lines, error answers). */
  origin?: ErrorLocation;
}

/**
 * Turn anything a plugin's load or lifecycle threw into a failure: its code, the first line of its
 * message, where it points (a NexusError's own location) and where it was thrown (the first stack
 * frame under the plugin's folder `dir`).
 */
export function describeFailure(error: unknown, dir: string): PluginFailure {
  const code: ErrorCode = error instanceof NexusError ? error.code : 'NEXUS_PLUGIN_FAILED';
  const result = failure(code, stripVTControlCharacters(errorMessage(error)), error instanceof NexusError ? error.location : undefined);
  const origin = result.location ? undefined : locateError(error instanceof NexusError ? error.cause : error, dir);
  if (origin) result.origin = origin;
  return result;
}

/** Where a failure points for a developer: its own location, else where it was thrown. */
export function whereOf(value: PluginFailure): ErrorLocation | undefined {
  return value.location ?? value.origin;
}

/** A failure from a message; lines after the first become `details`. */
export function failure(code: ErrorCode, text: string, location?: ErrorLocation): PluginFailure {
  const [message = '', ...details] = text.split('\n');
  const result: PluginFailure = { code, message };
  if (details.length > 0) result.details = details;
  if (location) result.location = location;
  return result;
}

/** A failure with `replace` applied to its text (secret scrubbing). */
export function mapFailure(value: PluginFailure, replace: (text: string) => string): PluginFailure {
  const result: PluginFailure = { ...value, message: replace(value.message) };
  if (value.details) result.details = value.details.map(replace);
  if (value.location?.frame) result.location = { ...value.location, frame: replace(value.location.frame) };
  if (value.origin?.frame) result.origin = { ...value.origin, frame: replace(value.origin.frame) };
  return result;
}

/**
 * A failure as text for people: `file:line:column: message`, the details and, with `frame`, the
 * source lines around it. Paths are shown relative to `base`.
 */
export function formatFailure(value: PluginFailure, base: string, options: { frame?: boolean } = {}): string {
  const head = value.location ? `${formatLocation(value.location, base)}: ${value.message}` : value.message;
  const lines = [head, ...(value.details ?? [])];
  if (options.frame && value.location?.frame) lines.push(value.location.frame);
  return lines.join('\n');
}

/** A location with its file relative to `base` (for an HTTP answer or a report). */
export function shownLocation(location: ErrorLocation, base: string, withFrame: boolean): ErrorLocation {
  const shown: ErrorLocation = { file: path.relative(base, location.file).split(path.sep).join('/'), line: location.line, column: location.column };
  if (withFrame && location.frame) shown.frame = location.frame;
  return shown;
}
