/** The packages `@nexus/core/preload` has loaded natively, before any TypeScript hooks. */
export declare const RUNTIME_PACKAGES: readonly string[];
