// Plugin names and the identifiers derived from them.

const PLUGIN_NAME = /^[a-z][a-z0-9_]*$/;

/** True for a valid plugin name: snake_case, starting with a letter. */
export function isPluginName(name: string): boolean {
  return PLUGIN_NAME.test(name);
}

/**
 * The closest plugin name to `text` (e.g. a folder name): `My-Plugin` → `my_plugin`. May still be
 * invalid (`42` → `42`): check with isPluginName.
 */
export function toPluginName(text: string): string {
  return text
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** Why `name` is not a plugin name and how to fix it, or undefined when it is one. */
export function nameProblem(name: string): string | undefined {
  if (isPluginName(name)) return undefined;
  const rule = 'a plugin name is snake_case: lowercase letters, digits and underscores, starting with a letter';
  const suggestion = toPluginName(name);
  const fix = isPluginName(suggestion) ? `, e.g. "${suggestion}"` : ', e.g. "my_plugin"';
  return `"${name}" is not a valid plugin name: ${rule}${fix}`;
}

/** `my_plugin` → `MyPlugin` (the same rule as `nexus typegen`'s type names). */
export function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/** The plugin's class name: `users` → `UsersPlugin`, `my_plugin` → `MyPlugin`. */
export function className(name: string): string {
  const pascal = pascalCase(name);
  return pascal.endsWith('Plugin') ? pascal : `${pascal}Plugin`;
}

/** `my_plugin` → `My Plugin`. */
export function titleCase(name: string): string {
  return name
    .split('_')
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join(' ');
}
