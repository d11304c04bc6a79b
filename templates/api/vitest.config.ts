import { defineConfig } from 'vitest/config';

// This plugin's own Vitest config, so `npx vitest run` in this folder runs its tests and only them.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // @nexus/testing imports the plugin's TypeScript entry: through Vitest, like the test files.
    server: { deps: { inline: ['@nexus/testing'] } },
  },
});
