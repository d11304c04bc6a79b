import type { Context, Middleware, Next } from 'koa';
import { depthMessage, isTooDeep } from '../../limits.ts';

/** Content types parsed as JSON: application/json and any `+json` type. */
const JSON_TYPES = ['application/json', 'application/*+json', 'application/csp-report'];

/**
 * Parse a JSON request body (up to `limit` bytes and LIMITS.depth levels). A body of another
 * content type gets 415 instead of silently becoming `{}`; one nested too deep gets 400.
 */
export function jsonBody(limit: string): Middleware {
  // The parser loads with the first request that has a body: start-up does not wait for it.
  let parser: Promise<Middleware> | undefined;
  const load = async (): Promise<Middleware> => {
    const { bodyParser } = await import('@koa/bodyparser');
    return bodyParser({ enableTypes: ['json'], extendTypes: { json: JSON_TYPES }, jsonLimit: limit, encoding: 'utf-8' }) as Middleware;
  };
  return async function nexusJsonBody(ctx: Context, next: Next): Promise<void> {
    if (hasBody(ctx) && !ctx.is(JSON_TYPES)) {
      ctx.status = 415;
      ctx.body = {
        error: 'unsupported_media_type',
        code: 'NEXUS_UNSUPPORTED_MEDIA_TYPE',
        message: `Request bodies must be JSON: send Content-Type: application/json (got ${JSON.stringify(ctx.get('Content-Type') || 'none')})`,
      };
      return;
    }
    const parse = await (parser ??= load());
    await parse(ctx, async () => {
      if (!isTooDeep(ctx.request.body)) return next();
      ctx.status = 400;
      ctx.body = { error: 'bad_request', code: 'NEXUS_LIMIT_EXCEEDED', message: `${depthMessage('The request body')}; flatten it` };
    });
  };
}

function hasBody(ctx: Context): boolean {
  return (ctx.request.length ?? 0) > 0 || ctx.get('Transfer-Encoding') !== '';
}
