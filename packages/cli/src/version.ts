import { readFileSync } from 'node:fs';

/** The version of @nexus/cli (kept in step with @nexus/core), read without loading the runtime. */
export const CLI_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
