import { readFileSync } from 'node:fs';

/** The version of @nexus/core, checked against each manifest's `nexus_version`. */
export const NEXUS_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
