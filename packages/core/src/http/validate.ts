import type { RouterMiddleware as Middleware, RouterContext } from '@koa/router';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { JsonSchema, RequestSchemas } from '../devtools/wire.ts';

export type { RequestSchemas } from '../devtools/wire.ts';

type Schema = object | undefined;

type Infer<S> = [S] extends [undefined] ? unknown : S extends JSONSchema ? FromSchema<S> : unknown;

/** The request data a validated handler receives, typed from its schemas. */
export interface ValidatedInput<B extends Schema = Schema, Q extends Schema = Schema, P extends Schema = Schema> {
  body: Infer<B>;
  query: Infer<Q>;
  params: Infer<P>;
}

/** A route handler that gets validated, typed input; a returned value becomes the JSON body. */
export type ValidatedHandler<B extends Schema = Schema, Q extends Schema = Schema, P extends Schema = Schema> = (
  ctx: RouterContext,
  input: ValidatedInput<B, Q, P>,
) => unknown | Promise<unknown>;

const SCHEMAS = Symbol('nexus.requestSchemas');

/** A route's schemas once Ajv compiled them: each one is a JSON Schema. */
type CompiledSchemas = RequestSchemas<JsonSchema, JsonSchema, JsonSchema>;

/** The schemas a `validated()` route checks, read off its middleware (the dev dashboard's catalog). */
export function requestSchemasOf(middleware: unknown): CompiledSchemas | undefined {
  return typeof middleware === 'function' ? (middleware as { [SCHEMAS]?: CompiledSchemas })[SCHEMAS] : undefined;
}

const strict = new Ajv({ allErrors: true, useDefaults: true, strict: false });
const coercing = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: 'array', strict: false });
const compiled = new Map<string, ValidateFunction>();

/**
 * Compile once per distinct schema text: every hot swap makes new schema objects, and Ajv's own
 * cache (keyed by object) would otherwise keep one compiled validator per plugin version forever.
 */
function compile(ajv: Ajv, schema: object): ValidateFunction {
  const key = `${ajv === strict ? 's' : 'c'}:${JSON.stringify(schema)}`;
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    ajv.removeSchema(schema);
    compiled.set(key, validate);
  }
  return validate;
}

/**
 * Check a request's body, query and params against JSON Schemas (the guide's pydantic models).
 * A request that does not match gets 400 with every problem listed; the handler never runs.
 *
 * @example
 * router.post('/action', validated({ body: { type: 'object', properties: { action: { type: 'string' } }, required: ['action'] } as const },
 *   (ctx, { body }) => ({ done: body.action })));
 */
export function validated<const B extends Schema = undefined, const Q extends Schema = undefined, const P extends Schema = undefined>(
  schemas: { body?: B; query?: Q; params?: P },
  handler: (ctx: RouterContext, input: { body: Infer<B>; query: Infer<Q>; params: Infer<P> }) => unknown,
): Middleware {
  const checks = {
    body: schemas.body === undefined ? undefined : compile(strict, schemas.body),
    query: schemas.query === undefined ? undefined : compile(coercing, schemas.query),
    params: schemas.params === undefined ? undefined : compile(coercing, schemas.params),
  };
  return Object.assign(async function validatedRoute(ctx: RouterContext) {
    const request = ctx.request as typeof ctx.request & { body?: unknown };
    const input = { body: request.body, query: { ...ctx.query }, params: { ...ctx.params } };
    const problems = [
      ...check('body', checks.body, input.body),
      ...check('query', checks.query, input.query),
      ...check('params', checks.params, input.params),
    ];
    if (problems.length > 0) {
      ctx.status = 400;
      ctx.body = { error: 'validation_failed', code: 'NEXUS_REQUEST_INVALID', message: `Request does not match the route's schema: ${problems.join('; ')}`, problems };
      return;
    }
    const result = await handler(ctx, input as ValidatedInput<B, Q, P>);
    if (result !== undefined) ctx.body = result;
  }, { [SCHEMAS]: schemas as CompiledSchemas });
}

function check(part: string, validate: ValidateFunction | undefined, value: unknown): string[] {
  if (!validate || validate(value)) return [];
  return (validate.errors ?? []).map((error) => describe(part, error));
}

function describe(part: string, error: ErrorObject): string {
  const where = `${part}${error.instancePath}`;
  if (error.keyword === 'required') return `${where}/${String(error.params.missingProperty)}: is required`;
  if (error.keyword === 'additionalProperties') return `${where}/${String(error.params.additionalProperty)}: is not allowed`;
  return `${where}: ${error.message ?? 'is invalid'}`;
}
