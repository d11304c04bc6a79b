import type { Collection, Stored } from '@nexus/core';

/** A user as stored. */
export interface User {
  id?: string;
  username: string;
  email?: string;
  created_at: string;
  [field: string]: unknown;
}

/** What the users plugin offers other plugins as the `users.directory` service. */
export interface UserDirectory {
  get(id: string): Promise<Stored<User> | undefined>;
  count(): Promise<number>;
}

/** The `users.directory` service over the plugin's collection. */
export function createDirectory(users: Collection<User>): UserDirectory {
  return {
    get: (id) => users.get(id),
    count: () => users.count(),
  };
}
