// The users plugin on @nexus/testing: creating users, and the unique username answering 409.
import { createTestHarness, type TestHarness } from '@nexus/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type UsersPlugin from '../src/plugin.ts';

let harness: TestHarness<UsersPlugin>;
const start = async () => {
  harness = await createTestHarness<UsersPlugin>(new URL('..', import.meta.url));
  return harness.initialize();
};
const create = (username: string) => harness.request('POST', '/users', { username });
afterEach(() => harness.shutdown());

describe('UsersPlugin', () => {
  it('stores a user and announces it', async () => {
    await start();
    const created = await create('ada');
    expect(created).toMatchObject({ status: 201, body: { username: 'ada' } });
    expect(harness).toHavePublished('user.created', { user_id: created.body.id, username: 'ada' });
    expect((await harness.request('GET', `/users/${created.body.id}`)).body).toMatchObject({ username: 'ada' });
  });

  it('answers 409 for a taken username, and stores and announces only the first', async () => {
    await start();
    await create('ada');
    expect(await create('ada')).toMatchObject({ status: 409, body: { code: 'NEXUS_DB_CONSTRAINT', message: 'username "ada" is taken' } });
    expect((await harness.request('GET', '/users')).body.users).toHaveLength(1);
    expect(harness.events.published('user.created')).toHaveLength(1);
  });

  it('two requests at once for one username: one is stored, the other answers 409', async () => {
    await start();
    const answers = await Promise.all([create('grace'), create('grace')]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    expect(answers.find((a) => a.status === 409)!.body.message).toBe('username "grace" is taken');
    expect((await harness.request('GET', '/users')).body.users).toHaveLength(1);
  });
});
