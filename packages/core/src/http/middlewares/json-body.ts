import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware, Next } from 'koa';
import { depthMessage, isTooDeep } from '../../limits.ts';

/** Content types parsed as JSON: application/json and any `+json` type. */
const JSON_TYPES = ['application/json', 'application/*+json', 'application/csp-report'];

/**
 * Parse a JSON request body (up to `limit` bytes and LIMITS.depth levels). A body of another
 * content type gets 415 instead of silently becoming `{}`; one nested too deep gets 400.
 */
export function jsonBody(limit: string): Middleware {
  const parse = bodyParser({ enableTypes: ['json'], extendTypes: { json: JSON_TYPES }, jsonLimit: limit, encoding: 'utf-8' });
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
