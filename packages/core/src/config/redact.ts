import type { PluginManifest } from '../manifest/types.ts';

/** What a secret config value is replaced with wherever it would be shown. */
export const REDACTED = '[redacted]';

function secretKeys(manifest: PluginManifest): string[] {
  return Object.entries(manifest.configuration ?? {})
    .filter(([, option]) => option.secret === true)
    .map(([key]) => key);
}

/** A copy of `values` with every set secret key replaced by REDACTED. */
export function redactConfig(manifest: PluginManifest, values: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...values };
  for (const key of secretKeys(manifest)) {
    if (copy[key] !== undefined && copy[key] !== null) copy[key] = REDACTED;
  }
  return copy;
}

/** The non-empty text forms of the secret values, for a logger that scrubs them from messages. */
export function secretValues(manifest: PluginManifest, values: Record<string, unknown>): string[] {
  const found = new Set<string>();
  for (const key of secretKeys(manifest)) {
    const value = values[key];
    if (value === undefined || value === null) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (text) found.add(text);
  }
  return [...found];
}
