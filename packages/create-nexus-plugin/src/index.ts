// create-nexus-plugin, callable from code (tests, other tools).

// The command
export { main } from './main.ts';

// Creating a plugin without questions or output
export { createPlugin, VERSION } from './create.ts';
export type { CreatedPlugin, CreatePluginOptions } from './create.ts';
export { TEMPLATES, DEFAULT_TEMPLATE } from './options.ts';
export type { TemplateName } from './options.ts';
export { isPluginName, nameProblem, toPluginName } from './name.ts';

// Errors
export { CreateError, ErrorCodes, isCreateError } from './errors.ts';
export type { ErrorCode } from './errors.ts';
