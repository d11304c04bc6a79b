// The `nexus` command, callable from code (tests, scripts).
export { main } from './cli.ts';
