import { BasePlugin, NexusError, isNexusError, validated, type Router } from '@nexus/core';
import type { UsersTypes } from '../nexus.generated.ts';
import { createDirectory, type User } from './directory.ts';

const NewUser = {
  type: 'object',
  properties: {
    username: { type: 'string', minLength: 1 },
    email: { type: 'string' },
  },
  required: ['username'],
  additionalProperties: false,
} as const;

/** A user directory: POST /users stores a user and publishes `user.created`. */
export default class UsersPlugin extends BasePlugin<UsersTypes> {
  override databaseSchema() {
    return { collections: { users: { indexes: [{ field: 'username', unique: true }, { field: 'created_at' }] } } };
  }

  override initialize(): boolean {
    this.registerService('users.directory', createDirectory(this.users));
    return true;
  }

  override routes(router: Router): void {
    router.get('/users', async (ctx) => {
      ctx.body = { users: await this.users.find({}, { sort: { field: 'created_at' } }) };
    });
    router.get('/users/:id', async (ctx) => {
      const user = await this.users.get(ctx.params.id!);
      ctx.status = user ? 200 : 404;
      ctx.body = user ?? { error: 'not_found', message: `No user with id "${ctx.params.id}"` };
    });
    router.post('/users', validated({ body: NewUser }, async (ctx, { body }) => {
      const limit = this.getConfig('max_username_length');
      if (body.username.length > limit) {
        ctx.status = 400;
        return { error: 'invalid_username', message: `username is longer than ${limit} characters` };
      }
      // The unique index on username decides, even for two requests at once: no check before.
      const user = await this.users.insert({ ...body, created_at: new Date().toISOString() }).catch((error: unknown) => {
        if (isNexusError(error, 'NEXUS_DB_CONSTRAINT')) throw new NexusError('NEXUS_DB_CONSTRAINT', `username "${body.username}" is taken`, { cause: error });
        throw error;
      });
      await this.publishEvent('user.created', { user_id: user.id, username: user.username });
      ctx.status = 201;
      return user;
    }));
  }

  private get users() {
    return this.db.collection<User>('users');
  }
}
