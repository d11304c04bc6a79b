import { redactConfig } from '../config/redact.ts';
import { errorMessage } from '../errors.ts';
import type { PluginManager } from '../plugins/manager.ts';
import type { ConfigEntry, PluginConfigView } from './wire.ts';

export type { ConfigEntry } from './wire.ts';

/** Resolve every plugin's config as its next start would, with each value's source; secrets redacted. */
export async function configView(manager: PluginManager): Promise<PluginConfigView[]> {
  const views: PluginConfigView[] = [];
  for (const plugin of manager.views()) {
    const manifest = plugin.manifest;
    if (!manifest) continue;
    try {
      const resolved = await manager.resolveConfig(plugin.name, manifest);
      const shown = redactConfig(manifest, resolved.values);
      const declared = manifest.configuration ?? {};
      const keys = [...new Set([...Object.keys(declared), ...Object.keys(shown)])];
      const entries = keys.map((key): ConfigEntry => {
        const option = declared[key];
        const entry: ConfigEntry = {
          key,
          value: shown[key],
          type: option?.type ?? typeof shown[key],
          secret: option?.secret === true,
          required: option?.required === true,
        };
        if (resolved.sources[key]) entry.source = resolved.sources[key];
        if (option?.description) entry.description = option.description;
        if (!option) entry.undeclared = true;
        return entry;
      });
      // Messages may quote a value: a secret one is replaced.
      views.push({ plugin: plugin.name, entries, errors: resolved.errors.map((e) => scrub(e, resolved.values, manifest.configuration)), warnings: resolved.warnings });
    } catch (error) {
      views.push({ plugin: plugin.name, entries: [], errors: [errorMessage(error)], warnings: [] });
    }
  }
  return views;
}

function scrub(text: string, values: Record<string, unknown>, declared: Record<string, { secret?: boolean }> = {}): string {
  let result = text;
  for (const [key, option] of Object.entries(declared)) {
    const value = values[key];
    if (!option.secret || value === undefined || value === null) continue;
    const shown = typeof value === 'string' ? value : JSON.stringify(value);
    if (shown) result = result.replaceAll(shown, '[redacted]');
  }
  return result;
}
