import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'tests/**/*.test.ts',
      'playground/plugins/*/tests/**/*.test.ts',
    ],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Probes PostgreSQL and Redis once; their suites skip (or fail under CI=true) without them.
    globalSetup: ['tests/setup/services.ts'],
  },
});
