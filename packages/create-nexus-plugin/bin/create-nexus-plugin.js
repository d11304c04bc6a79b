#!/usr/bin/env node
// Installed (inside node_modules): runs the built JavaScript in dist/. In the Nexus repository:
// runs the TypeScript sources, so developing needs no build step.
const inRepository = !import.meta.dirname.split(/[\\/]/).includes('node_modules');

let main;
if (inRepository) {
  const { registerSourceMode } = await import('../../../scripts/source-mode.mjs');
  registerSourceMode();
  ({ main } = await import('../src/main.ts'));
} else {
  ({ main } = await import('../dist/main.js'));
}
process.exitCode = await main(process.argv.slice(2));
