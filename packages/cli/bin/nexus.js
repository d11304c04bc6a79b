#!/usr/bin/env node
// Runs the TypeScript sources directly (no build step): tsx compiles them on import.
import { register } from 'tsx/esm/api';

// Commands that run plugins load the runtime's JavaScript dependencies first, at native speed.
const command = process.argv[2];
if (command === 'start' || command === 'dev') await import('@nexus/core/preload');

register();
const { main } = await import('../src/cli.ts');
const code = await main(process.argv.slice(2));
// Plugins may leave handles open (sockets, intervals outside the context); the app has already
// shut down cleanly at this point, so leave now rather than hang.
process.exit(code);
