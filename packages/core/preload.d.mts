/** What every command needs: the packages `@nexus/core` imports at its top level. */
export declare const RUNTIME_PACKAGES: readonly string[];
/** What commands that run plugins need on top: the module loader. */
export declare const PLUGIN_LOADER_PACKAGES: readonly string[];
/** Import `packages` (resolved from @nexus/core) at native speed, before TypeScript hooks are registered. */
export declare function preload(packages?: readonly string[]): Promise<void>;
