import { REDACTED } from '../config/redact.ts';

/** Header and field names whose values are credentials, whatever they hold. */
const SECRET_NAME = /authori[sz]ation|cookie|passw(or)?d|secret|token|api[-_]?key|credential|session|private[-_]?key/i;
/** Longest text kept of a body, an argument list or an event's data. */
const MAX_TEXT = 4_096;

/** Headers with credentials replaced by REDACTED. */
export function redactHeaders(headers: Record<string, unknown>): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    shown[name] = SECRET_NAME.test(name) ? REDACTED : Array.isArray(value) ? value.join(', ') : String(value);
  }
  return shown;
}

/**
 * A JSON-safe, bounded copy of `value` for a trace: credential-named fields and the app's secret
 * config values replaced by REDACTED, long text cut, at most a few levels deep.
 */
export function redactValue(value: unknown, secrets: readonly string[]): unknown {
  const scrubbed = scrub(value, secrets, 0);
  const text = JSON.stringify(scrubbed);
  if (text !== undefined && text.length > MAX_TEXT) return `${text.slice(0, MAX_TEXT)}… (${text.length} characters)`;
  return scrubbed;
}

/** `text` with every secret value replaced by REDACTED (longest first). */
export function redactText(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (secret.length >= 4 && result.includes(secret)) result = result.replaceAll(secret, REDACTED);
  return result;
}

function scrub(value: unknown, secrets: readonly string[], depth: number): unknown {
  if (typeof value === 'string') return redactText(value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT)}…` : value, secrets);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  if (typeof value !== 'object' || value === null) return value;
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  if (value instanceof Error) return { error: redactText(value.message, secrets) };
  if (typeof (value as { pipe?: unknown }).pipe === 'function') return '[stream]';
  if (depth >= 6) return '[…]';
  if (Array.isArray(value)) return value.slice(0, 50).map((item) => scrub(item, secrets, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value).slice(0, 100)) {
    copy[key] = SECRET_NAME.test(key) && item !== undefined && item !== null ? REDACTED : scrub(item, secrets, depth + 1);
  }
  return copy;
}
