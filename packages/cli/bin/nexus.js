#!/usr/bin/env node
// Runs the TypeScript sources directly (no build step): tsx compiles them on import.
import { register } from 'tsx/esm/api';

// Big JavaScript dependencies load first, at native speed: through tsx's hooks each module pays a
// round trip to the hooks thread (Vite: ~600 ms instead of ~150; prettier: ~270 instead of ~50).
const command = process.argv[2] ?? '';
if (command === 'start' || command === 'dev') {
  const { preload } = await import('@nexus/core/preload');
  await preload();
}
// json-schema-to-typescript formats the generated types with prettier (dev regenerates them too).
if (command === 'typegen' || command === 'dev') await import('prettier');

register();
const { main } = await import('../src/cli.ts');
const code = await main(process.argv.slice(2));
// Plugins may leave handles open (sockets, intervals outside the context); the app has already
// shut down cleanly at this point, so leave now rather than hang.
process.exit(code);
