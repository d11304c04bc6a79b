import { hostname } from 'node:os';

let current: string | undefined;

/** This process's name among the app's instances: NEXUS_INSTANCE_ID, or host, pid and a random tag. */
export function instanceId(): string {
  current ??= process.env.NEXUS_INSTANCE_ID ?? `${hostname().replace(/[^A-Za-z0-9_.-]/g, '_')}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  return current;
}
