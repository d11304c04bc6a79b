// `node bench/lib/boot.mjs <file.ts> [args]` starts a TypeScript file the way bin/nexus.js starts
// `nexus start`: the runtime's packages (and Vite) loaded natively first, then tsx. The file sees
// itself as process.argv[1].
import { preload } from '@nexus/core/preload';
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

await preload();
register();
process.argv.splice(1, 1);
await import(pathToFileURL(path.resolve(process.argv[1])).href);
