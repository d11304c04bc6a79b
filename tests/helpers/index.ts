/** Shared helpers for end-to-end tests: temp apps, the CLI as a child process, HTTP. */
export * from './app.ts';
export * from './cli.ts';
export * from './http.ts';
