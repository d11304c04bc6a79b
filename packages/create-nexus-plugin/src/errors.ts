/** Every reason create-nexus-plugin stops, each with a message that says how to go on. */
export const ErrorCodes = {
  NEXUS_CREATE_USAGE: 'the command line cannot be understood',
  NEXUS_CREATE_NO_NAME: 'no plugin name or folder was given and there is no terminal to ask',
  NEXUS_CREATE_INVALID_NAME: 'the plugin name is not snake_case',
  NEXUS_CREATE_NAME_CLASH: 'the name would clash with an identifier of the template or another plugin of the app',
  NEXUS_CREATE_UNKNOWN_TEMPLATE: 'no template has that name',
  NEXUS_CREATE_INVALID_TEXT: 'a description or author cannot be written into the files',
  NEXUS_CREATE_DIR_NOT_EMPTY: 'the target folder is not empty and --force was not given',
  NEXUS_CREATE_NOT_A_DIR: 'the target exists and is not a folder',
  NEXUS_CREATE_NO_TEMPLATES: 'the templates folder cannot be found',
  NEXUS_CREATE_CANCELLED: 'the user cancelled a prompt',
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

/** An expected failure: main prints its message (no stack) and exits 1. */
export class CreateError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'CreateError';
    this.code = code;
  }
}

export function isCreateError(error: unknown, code?: ErrorCode): error is CreateError {
  return error instanceof CreateError && (code === undefined || error.code === code);
}
