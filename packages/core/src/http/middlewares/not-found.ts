import type { Context } from 'koa';

/** The last middleware: a JSON 404 that says what exists. */
export async function notFound(ctx: Context): Promise<void> {
  if (ctx.body !== undefined || ctx.status !== 404) return;
  ctx.status = 404;
  ctx.body = {
    error: 'not_found',
    code: 'NEXUS_ROUTE_NOT_FOUND',
    message: `No route for ${ctx.method} ${ctx.path}. Try GET /plugins for the list of plugins and GET /health.`,
  };
}
