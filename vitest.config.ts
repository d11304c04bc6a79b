import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/** Tests run the packages' TypeScript sources: "@nexus/source" picks src/ in their "exports". */
export const SOURCE_CONDITIONS = ['@nexus/source', ...defaultServerConditions];

export default defineConfig({
  resolve: { conditions: SOURCE_CONDITIONS },
  ssr: { resolve: { conditions: SOURCE_CONDITIONS } },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'tests/**/*.test.ts',
      'playground/plugins/*/tests/**/*.test.ts',
    ],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Vitest runs (cores - 1) files at once: one on this project's 2-core machines. Most files wait
    // on child processes (nexus, npm, tsc, servers), so two at once finish the suite much sooner.
    maxWorkers: 2,
    // Probes PostgreSQL and Redis once; their suites skip (or fail under CI=true) without them.
    globalSetup: ['tests/setup/services.ts'],
  },
});
