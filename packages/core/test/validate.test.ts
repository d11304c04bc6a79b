/** validated(): JSON Schema for body, query and params, every problem listed, typed input. */
import type { Server } from 'node:http';
import { bodyParser } from '@koa/bodyparser';
import { Router } from '@koa/router';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { close, listen } from '../src/app/listen.ts';
import { validated } from '../src/http/validate.ts';

const Body = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 2 },
    age: { type: 'integer', minimum: 0 },
    tags: { type: 'array', items: { type: 'string' }, default: [] },
  },
  required: ['name', 'age'],
  additionalProperties: false,
} as const;
const Query = { type: 'object', properties: { limit: { type: 'integer', maximum: 50, default: 10 }, full: { type: 'boolean' } } } as const;
const Params = { type: 'object', properties: { team: { type: 'string', enum: ['red', 'blue'] } }, required: ['team'] } as const;

let calls = 0;
let server: Server;
let url: string;

beforeAll(async () => {
  const router = new Router();
  router.post(
    '/teams/:team/members',
    validated({ body: Body, query: Query, params: Params }, (ctx, { body, query, params }) => {
      expectTypeOf(body.name).toEqualTypeOf<string>();
      expectTypeOf(body.age).toEqualTypeOf<number>();
      expectTypeOf(params.team).toEqualTypeOf<'red' | 'blue'>();
      expectTypeOf(query.full).toEqualTypeOf<boolean | undefined>();
      calls += 1;
      ctx.status = 201;
      return { name: body.name, age: body.age, tags: body.tags, limit: query.limit, full: query.full ?? null, team: params.team };
    }),
  );
  router.get('/nothing', validated({}, (ctx) => {
    ctx.body = 'set by the handler';
  }));
  const app = new Koa();
  app.use(bodyParser({ enableTypes: ['json'] }));
  app.use(router.routes());
  ({ server, url } = await listen(app, 0, '127.0.0.1'));
});
afterAll(() => close(server));

async function post(path: string, body: unknown) {
  const response = await fetch(url + path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: response.status, body: (await response.json()) as { problems?: string[]; message?: string; [key: string]: unknown } };
}

describe('validated()', () => {
  it('400 listing every problem in body, query and params; the handler does not run', async () => {
    const before = calls;
    const { status, body } = await post('/teams/green/members?limit=99&full=maybe', { name: 'x', age: -1.5, extra: 1 });
    expect(status).toBe(400);
    expect(body.error).toBe('validation_failed');
    expect([...body.problems!].sort()).toEqual([
      'body/age: must be >= 0',
      'body/age: must be integer',
      'body/extra: is not allowed',
      'body/name: must NOT have fewer than 2 characters',
      'params/team: must be equal to one of the allowed values',
      'query/full: must be boolean',
      'query/limit: must be <= 50',
    ]);
    expect(body.message).toMatch(/^Request does not match the route's schema: /);
    expect(calls).toBe(before);
  });

  it('no body at all: every required field is listed', async () => {
    const response = await fetch(`${url}/teams/red/members`, { method: 'POST' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { problems: string[] }).problems).toEqual(['body/name: is required', 'body/age: is required']);
  });

  it('valid input reaches the handler coerced, with defaults; its return value is the JSON body', async () => {
    expect(await post('/teams/red/members?full=true', { name: 'Ada', age: 36 })).toEqual({
      status: 201,
      body: { name: 'Ada', age: 36, tags: [], limit: 10, full: true, team: 'red' },
    });
  });

  it('a handler that sets ctx.body itself and returns nothing keeps it', async () => {
    expect(await (await fetch(`${url}/nothing`)).text()).toBe('set by the handler');
  });
});
