/**
 * `npm run bench`: runs every `bench/*.bench.ts` (or those named on the command line) one after
 * another, each in its own child process so one cannot warm or pollute another, and prints their
 * tables. Each bench prints its own table(s) and compares against its baseline in the same run.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const exact = (name: string): boolean => readdirSync(here).includes(`${name}.bench.ts`);
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  // A name that is a whole bench (`scale`) runs that one only, not every bench containing it (`hot-scale`).
  .filter((f) => wanted.length === 0 || wanted.some((w) => f === `${w}.bench.ts` || (!exact(w) && f.includes(w))))
  .sort();

let failed = 0;
for (const file of benches) {
  console.log(`\n=== ${file} ===`);
  const began = performance.now();
  const result = spawnSync(process.execPath, ['--expose-gc', '--conditions=@nexus/source', '--import', 'tsx', path.join(here, file)], {
    stdio: 'inherit',
    env: { ...process.env, NO_COLOR: '1' },
  });
  const seconds = ((performance.now() - began) / 1000).toFixed(1);
  if (result.status !== 0) failed++;
  console.log(`--- ${file}: ${result.status === 0 ? 'done' : `exit ${result.status}`} in ${seconds} s`);
}
process.exitCode = failed > 0 ? 1 : 0;
