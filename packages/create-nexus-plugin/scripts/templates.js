#!/usr/bin/env node
// `node scripts/templates.js copy` (prepack): copy the repository's templates/ into this package,
// so the published scaffolder carries them. `node scripts/templates.js clean` (postpack): remove
// the copy, so the repository's templates/ stay the only ones while developing.
import { cpSync, existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const target = fileURLToPath(new URL('../templates', import.meta.url));
const source = fileURLToPath(new URL('../../../templates', import.meta.url));
const LEFT_BY_RUNS = /[\\/](node_modules|\.nexus|coverage)([\\/]|$)/;

rmSync(target, { recursive: true, force: true });
if (process.argv[2] === 'copy') {
  if (!existsSync(source)) throw new Error(`templates not found at ${source}`);
  cpSync(source, target, { recursive: true, filter: (file) => !LEFT_BY_RUNS.test(file.slice(source.length)) });
}
