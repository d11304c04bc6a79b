// Inside this repository, the bins run their package's TypeScript sources: tsx compiles them on
// import, and `@nexus/*` imports resolve through the "@nexus/source" export condition to the other
// packages' sources, so nothing needs a build while developing. Installed packages never load this
// file (it is not published): their bins run the built JavaScript in dist/.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

/** The export condition that points each @nexus package at its src/ (see the packages' "exports"). */
export const SOURCE_CONDITION = '@nexus/source';

const addCondition = `
export async function resolve(specifier, context, next) {
  if (context.conditions.includes(${JSON.stringify(SOURCE_CONDITION)})) return next(specifier, context);
  return next(specifier, { ...context, conditions: [${JSON.stringify(SOURCE_CONDITION)}, ...context.conditions] });
}`;

/** Register the hooks; modules imported afterwards may be TypeScript. */
export function registerSourceMode() {
  registerTsx();
  // Registered last, so it runs first and tsx resolves with the condition added.
  register(`data:text/javascript,${encodeURIComponent(addCondition)}`);
}
