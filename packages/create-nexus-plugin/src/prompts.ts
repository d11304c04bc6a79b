// The questions asked in a terminal, with @clack/prompts (loaded only when there is one to ask).
import * as p from '@clack/prompts';
import { CreateError } from './errors.ts';
import { nameProblem } from './name.ts';
import { DEFAULT_TEMPLATE, TEMPLATES, type TemplateName } from './options.ts';

export function intro(version: string): void {
  p.intro(`create-nexus-plugin v${version}`);
}

/** Ask for the plugin name; `initial` is offered when the folder name suggests one. */
export async function askName(initial?: string): Promise<string> {
  const answer = await p.text({
    message: 'Plugin name (snake_case)',
    placeholder: initial ?? 'my_plugin',
    defaultValue: initial ?? 'my_plugin',
    validate: (value) => (value ? nameProblem(value) : undefined),
  });
  return answered(answer);
}

export async function askTemplate(): Promise<TemplateName> {
  const answer = await p.select<TemplateName>({
    message: 'Template',
    initialValue: DEFAULT_TEMPLATE,
    options: TEMPLATES.map((t) => ({ value: t.name, label: t.name, hint: t.hint })),
  });
  return answered(answer);
}

export function outro(message: string): void {
  p.outro(message);
}

function answered<T>(answer: T): Exclude<T, symbol> {
  if (p.isCancel(answer)) {
    p.cancel('Cancelled: nothing was written.');
    throw new CreateError('NEXUS_CREATE_CANCELLED', 'Cancelled: nothing was written');
  }
  return answer as Exclude<T, symbol>;
}
