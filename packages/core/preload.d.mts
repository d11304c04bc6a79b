/** The packages `@nexus/core` imports at run time, Vite (the plugin loader) included. */
export declare const RUNTIME_PACKAGES: readonly string[];
/** Clients imported only when nexus.config selects PostgreSQL or Redis. */
export declare const ON_DEMAND_PACKAGES: readonly string[];
/** Import the runtime packages (resolved from @nexus/core) at native speed, before TypeScript hooks are registered. */
export declare function preload(): Promise<void>;
