#!/usr/bin/env node
// Installed (inside node_modules): runs the built JavaScript in dist/. In the Nexus repository:
// runs the TypeScript sources, so developing needs no build step.
const inRepository = !import.meta.dirname.split(/[\\/]/).includes('node_modules');

let main;
if (inRepository) {
  // Big JavaScript dependencies load first, at native speed: through tsx's hooks each module pays a
  // round trip to the hooks thread (Vite: ~600 ms instead of ~150; prettier: ~270 instead of ~50).
  const command = process.argv[2] ?? '';
  if (command === 'start' || command === 'dev') await (await import('@nexus/core/preload')).preload();
  if (command === 'typegen' || command === 'dev') await import('prettier');
  const { registerSourceMode } = await import('../../../scripts/source-mode.mjs');
  registerSourceMode();
  ({ main } = await import('../src/cli.ts'));
} else {
  ({ main } = await import('../dist/cli.js'));
}
const code = await main(process.argv.slice(2));
// Plugins may leave handles open (sockets, intervals outside the context); the app has already
// shut down cleanly at this point, so leave now rather than hang.
process.exit(code);
