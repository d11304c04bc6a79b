// `node bench/lib/boot.mjs <file.ts> [args]` starts a TypeScript file the way bin/nexus.js starts
// `nexus start` inside this repository: the runtime's packages (and Vite) loaded natively first,
// then the source-mode hooks (tsx, and @nexus/* resolved to their sources). The file sees itself
// as process.argv[1].
import { preload } from '@nexus/core/preload';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { registerSourceMode } from '../../scripts/source-mode.mjs';

await preload();
registerSourceMode();
process.argv.splice(1, 1);
await import(pathToFileURL(path.resolve(process.argv[1])).href);
